/**
 * The issuer's chain side, through `#contracts` only: its registration in `IssuerRegistry`,
 * the revocation-root publisher (signed by the DID controller key, which the registry names
 * as the issuer's controller), and the KYC-pass check the reputation engine asks.
 */
import {
  type ReadClient,
  type WriteClient,
  createClients,
  getCurrentRoot,
  getIssuer,
  getTransactionOutcome,
  hasValidPass,
  publishRevocationRoot,
  registerIssuer,
  setIssuerController,
} from '#contracts';
import { AGE_SCHEMA, REPUTATION_SCHEMA } from '#zk';
import { PrivateKeyStore } from '@veramo/data-store';
import type { SecretBox } from '@veramo/kms-local';
import type { DataSource } from 'typeorm';
import { IssuerError } from './errors.js';
import type { IssuerIdentity } from './domain/identity.js';
import type { RootPublisher } from './domain/revocation.js';
import type { IssuerZkKey } from './domain/zk-key.js';

type Address = `0x${string}`;

export interface IssuerChain {
  publicClient: ReadClient;
  gate: Address;
  rpcUrl: string;
  chainId: number;
  /** A wallet for one of the DID's own keys (the KMS holds them), by address. */
  walletFor(address: string): Promise<WriteClient>;
}

/**
 * Chain clients for the issuer: a reader, and wallets for the DID's own keys (the current
 * controller and, after a rotation, earlier ones), read from the KMS on demand, decrypted in
 * memory only, never logged.
 */
export function issuerChain(params: {
  rpcUrl: string;
  chainId: number;
  gate: Address;
  dataSource: DataSource;
  secretBox: SecretBox;
  identity: () => IssuerIdentity;
}): IssuerChain {
  const { publicClient } = createClients({ rpcUrl: params.rpcUrl, chainId: params.chainId });
  const store = new PrivateKeyStore(params.dataSource, params.secretBox);
  return {
    publicClient,
    gate: params.gate,
    rpcUrl: params.rpcUrl,
    chainId: params.chainId,
    async walletFor(address) {
      const kid = params.identity().keysByAddress.get(address.toLowerCase());
      if (!kid) {
        throw new IssuerError('config_invalid', `the KMS holds no key of the DID for ${address}`);
      }
      const key = await store.getKey({ alias: kid });
      return createClients({
        rpcUrl: params.rpcUrl,
        chainId: params.chainId,
        account: { privateKey: `0x${key.privateKeyHex.replace(/^0x/, '')}` },
      }).walletClient;
    },
  };
}

/** The schemas this issuer issues (what it registers for). */
export const ISSUER_SCHEMAS = [AGE_SCHEMA.id, REPUTATION_SCHEMA.id];

/**
 * Makes sure the zk key is registered for this DID and controller. The registry is owned by
 * its operator: with `ownerWallet` (the embedded chain, or an operator running both) the issuer
 * registers itself; without, an unregistered key is a clear start-up error that says what the
 * registry owner must register. A key registered under another DID or controller is refused.
 */
export async function ensureRegistered(
  chain: IssuerChain,
  params: { identity: IssuerIdentity; zkKey: IssuerZkKey; ownerWallet?: WriteClient | undefined },
): Promise<{ registered: boolean }> {
  const current = await getIssuer(chain.publicClient, {
    gate: chain.gate,
    keyHash: params.zkKey.keyHash,
  });
  if (current.status !== 'none') {
    const ours = params.identity.keysByAddress.has(current.controller.toLowerCase());
    if (current.did !== params.identity.did || !ours) {
      throw new IssuerError(
        'config_invalid',
        'the zk key is registered under another DID or controller in IssuerRegistry',
      );
    }
    if (current.status !== 'active') {
      throw new IssuerError('issuer_inactive', `the issuer is ${current.status} in IssuerRegistry`);
    }
    // After a controller rotation the registry still names the earlier key (ours, so roots can
    // still be published); with the owner's key, move it to the current controller.
    if (
      params.ownerWallet &&
      current.controller.toLowerCase() !== params.identity.controller.toLowerCase()
    ) {
      await setIssuerController({
        publicClient: chain.publicClient,
        walletClient: params.ownerWallet,
        gate: chain.gate,
        keyHash: params.zkKey.keyHash,
        controller: params.identity.controller,
      });
    }
    return { registered: false };
  }
  if (!params.ownerWallet) {
    throw new IssuerError(
      'config_invalid',
      `the issuer is not registered: the registry owner must call registerIssuer(${params.zkKey.keyHash}, ${params.identity.did}, ${params.identity.controller}, [age, reputation schemas])`,
    );
  }
  await registerIssuer({
    publicClient: chain.publicClient,
    walletClient: params.ownerWallet,
    gate: chain.gate,
    keyHash: params.zkKey.keyHash,
    did: params.identity.did,
    controller: params.identity.controller,
    schemas: ISSUER_SCHEMAS,
  });
  return { registered: true };
}

/** The revocation-root publisher on the real chain (each send waits for its receipt). */
export function chainRootPublisher(chain: IssuerChain): RootPublisher {
  return {
    async currentRoot(keyHash) {
      const cur = await getCurrentRoot(chain.publicClient, {
        gate: chain.gate,
        issuerKeyHash: keyHash,
      });
      return cur?.root;
    },
    async send(keyHash, root) {
      // Signed by whichever of the DID's keys the registry names as the issuer's controller.
      const { controller } = await getIssuer(chain.publicClient, { gate: chain.gate, keyHash });
      const { transactionHash } = await publishRevocationRoot({
        publicClient: chain.publicClient,
        walletClient: await chain.walletFor(controller),
        gate: chain.gate,
        issuerKeyHash: keyHash,
        root,
      });
      return transactionHash;
    },
    status: (txHash) => getTransactionOutcome(chain.publicClient, { hash: txHash as Address }),
  };
}

/** Whether an account holds a valid pass of the marketplace's KYC (age) policy right now. */
export function kycPassCheck(
  chain: Pick<IssuerChain, 'publicClient' | 'gate'>,
  policyId: bigint,
): (account: string) => Promise<boolean> {
  return (account) =>
    hasValidPass(chain.publicClient, { gate: chain.gate, policyId, account: account as Address });
}
