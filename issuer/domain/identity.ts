/**
 * The issuer's identity: its did:ethr identifier (created once, keys in the KMS) and its zk key
 * advertised in the DID document as the ERC-1056 attribute `did/pub/BabyJubJub/veriKey/hex`
 * (value Ax ‖ Ay). ethr-did-resolver turns it into a verification method of type `BabyJubJub`
 * with `publicKeyHex`, so any verifier can resolve the DID, read the key, hash it
 * (`issuerKeyHash`) and compare with `IssuerRegistry` — see `resolveIssuerZkKey`.
 */
import { issuerKeyHash, type Point } from '#zk';
import { computeAddress } from 'ethers';
import type { Resolvable } from 'did-resolver';
import { IssuerError } from '../errors.js';
import type { IssuerAgent } from '../agent.js';
import { type IssuerZkKey, parseZkPublicKeyHex, zkPublicKeyHex } from './zk-key.js';

/** The verification-method type under which the zk key is advertised. */
export const ZK_KEY_METHOD_TYPE = 'BabyJubJub';
const ISSUER_ALIAS = 'zkrep-issuer';

export interface IssuerIdentity {
  readonly did: string;
  /** The Ethereum address controlling the DID (it pays for the DID attribute and root publishing). */
  readonly controller: `0x${string}`;
  /** The KMS key id of the controller key. */
  readonly controllerKid: string;
}

/** The issuer's DID, created on first start (alias `zkrep-issuer`). */
export async function loadOrCreateIdentity(agent: IssuerAgent): Promise<IssuerIdentity> {
  const id = await agent.didManagerGetOrCreate({ alias: ISSUER_ALIAS });
  const key = id.keys.find((k) => k.kid === id.controllerKeyId) ?? id.keys[0];
  if (!key || key.type !== 'Secp256k1') {
    throw new IssuerError('config_invalid', 'the issuer DID has no secp256k1 controller key');
  }
  return {
    did: id.did,
    controller: computeAddress(`0x${key.publicKeyHex}`) as `0x${string}`,
    controllerKid: key.kid,
  };
}

/**
 * The zk public keys a DID document advertises (verification methods of type `BabyJubJub`).
 * Fails closed: a resolution error or a deactivated DID throws `issuer_untrusted`.
 */
export async function resolveIssuerZkKeys(resolver: Resolvable, did: string): Promise<Point[]> {
  const res = await resolver.resolve(did);
  const error = res.didResolutionMetadata?.error;
  if (error || !res.didDocument) {
    throw new IssuerError(
      'issuer_untrusted',
      `the issuer DID cannot be resolved (${error ?? 'no document'})`,
    );
  }
  if (res.didDocumentMetadata?.deactivated) {
    throw new IssuerError('issuer_untrusted', 'the issuer DID is deactivated');
  }
  if (res.didDocument.id !== did.split('?')[0]) {
    throw new IssuerError('issuer_untrusted', 'the resolver returned the document of another DID');
  }
  const keys: Point[] = [];
  for (const vm of res.didDocument.verificationMethod ?? []) {
    if (vm.type !== ZK_KEY_METHOD_TYPE) continue;
    const p = parseZkPublicKeyHex(vm.publicKeyHex);
    if (p) keys.push(p);
  }
  return keys;
}

/** Whether the DID document advertises the zk key with this hash. */
export async function advertisesZkKey(
  resolver: Resolvable,
  did: string,
  keyHash: bigint,
): Promise<boolean> {
  const keys = await resolveIssuerZkKeys(resolver, did);
  return keys.some((k) => issuerKeyHash(k) === keyHash);
}

/**
 * Advertises the zk key in the DID document unless it already is (idempotent; one ERC-1056
 * `setAttribute` transaction from the DID controller, which must hold gas).
 */
export async function advertiseZkKey(
  agent: IssuerAgent,
  resolver: Resolvable,
  identity: IssuerIdentity,
  zkKey: IssuerZkKey,
): Promise<{ changed: boolean }> {
  // Resolve fresh: a cached document could say "not advertised yet" after a restart race.
  const fresh = `${identity.did}?no-cache=true`;
  if (await advertisesZkKey(resolver, fresh, zkKey.keyHash)) return { changed: false };
  try {
    await agent.didManagerAddKey({
      did: identity.did,
      key: {
        kid: `zk-${zkKey.keyHash.toString(16).slice(0, 16)}`,
        kms: 'local',
        // Not a Veramo key type: the key is only advertised, never used by the KMS to sign.
        type: ZK_KEY_METHOD_TYPE as never,
        publicKeyHex: zkPublicKeyHex(zkKey.publicKey),
      },
    });
  } catch (cause) {
    throw new IssuerError(
      'tx_failed',
      'advertising the zk key in the DID document failed (does the DID controller hold gas?)',
      { cause },
    );
  }
  return { changed: true };
}
