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
  /** Signs as the DID controller (root publication). */
  controllerWallet: WriteClient;
  gate: Address;
}

/**
 * Clients for the issuer: a reader, and a wallet for the DID controller key, read from the KMS
 * (decrypted in memory only; never logged).
 */
export async function issuerChain(params: {
  rpcUrl: string;
  chainId: number;
  gate: Address;
  dataSource: DataSource;
  secretBox: SecretBox;
  identity: IssuerIdentity;
}): Promise<IssuerChain> {
  const store = new PrivateKeyStore(params.dataSource, params.secretBox);
  const key = await store.getKey({ alias: params.identity.controllerKid });
  const { publicClient, walletClient } = createClients({
    rpcUrl: params.rpcUrl,
    chainId: params.chainId,
    account: { privateKey: `0x${key.privateKeyHex.replace(/^0x/, '')}` },
  });
  if (walletClient.account?.address.toLowerCase() !== params.identity.controller.toLowerCase()) {
    throw new IssuerError('config_invalid', 'the KMS controller key does not match the DID');
  }
  return { publicClient, controllerWallet: walletClient, gate: params.gate };
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
    if (
      current.did !== params.identity.did ||
      current.controller.toLowerCase() !== params.identity.controller.toLowerCase()
    ) {
      throw new IssuerError(
        'config_invalid',
        'the zk key is registered under another DID or controller in IssuerRegistry',
      );
    }
    if (current.status !== 'active') {
      throw new IssuerError('issuer_inactive', `the issuer is ${current.status} in IssuerRegistry`);
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
      const { transactionHash } = await publishRevocationRoot({
        publicClient: chain.publicClient,
        walletClient: chain.controllerWallet,
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
