/**
 * The issuer's identity: its did:ethr identifier (created once, keys in the KMS) and its zk key
 * advertised in the DID document as the ERC-1056 attribute `did/pub/BabyJubJub/veriKey/hex`
 * (value Ax ‖ Ay). ethr-did-resolver turns it into a verification method of type `BabyJubJub`
 * with `publicKeyHex`, so any verifier can resolve the DID, read the key, hash it
 * (`issuerKeyHash`) and compare with `IssuerRegistry` — see `resolveIssuerZkKey`.
 */
import { issuerKeyHash, type Point } from '#zk';
import { computeAddress, getAddress } from 'ethers';
import type { Resolvable } from 'did-resolver';
import { DIDStore } from '@veramo/data-store';
import type { DataSource } from 'typeorm';
import { IssuerError } from '../errors.js';
import type { IssuerAgent } from '../agent.js';
import { type IssuerZkKey, parseZkPublicKeyHex, zkPublicKeyHex } from './zk-key.js';

/** The verification-method type under which the zk key is advertised. */
export const ZK_KEY_METHOD_TYPE = 'BabyJubJub';
const ISSUER_ALIAS = 'zkrep-issuer';

export interface IssuerIdentity {
  readonly did: string;
  /** The DID's own Ethereum address (its ERC-1056 identity; fixed for the life of the DID). */
  readonly identity: `0x${string}`;
  /** The Ethereum address controlling the DID now: it signs the JWTs and pays for DID updates. */
  readonly controller: `0x${string}`;
  /** The KMS key id of the current controller key. */
  readonly controllerKid: string;
  /** Every secp256k1 key of the DID held in the KMS, by address (earlier controllers too). */
  readonly keysByAddress: ReadonlyMap<string, string>;
}

/** The Ethereum account of a did:ethr (address or public-key form); undefined otherwise. */
export function accountOfDid(did: string): `0x${string}` | undefined {
  const m = /^did:ethr:(?:[a-zA-Z0-9]+:)?(0x[0-9a-fA-F]{40}|0x0[23][0-9a-fA-F]{64})$/.exec(did);
  if (!m) return undefined;
  const id = m[1]!;
  return (id.length === 42 ? getAddress(id) : computeAddress(id)) as `0x${string}`;
}

const addressOfKey = (publicKeyHex: string): `0x${string}` =>
  computeAddress(`0x${publicKeyHex.replace(/^0x/, '')}`) as `0x${string}`;

/** The issuer's DID, created on first start (alias `zkrep-issuer`). */
export async function loadOrCreateIdentity(agent: IssuerAgent): Promise<IssuerIdentity> {
  const id = await agent.didManagerGetOrCreate({ alias: ISSUER_ALIAS });
  const key = id.keys.find((k) => k.kid === id.controllerKeyId) ?? id.keys[0];
  const identity = accountOfDid(id.did);
  if (!key || key.type !== 'Secp256k1' || !identity) {
    throw new IssuerError('config_invalid', 'the issuer DID has no secp256k1 controller key');
  }
  const keysByAddress = new Map(
    id.keys
      .filter((k) => k.type === 'Secp256k1')
      .map((k) => [addressOfKey(k.publicKeyHex).toLowerCase(), k.kid]),
  );
  return {
    did: id.did,
    identity,
    controller: addressOfKey(key.publicKeyHex),
    controllerKid: key.kid,
    keysByAddress,
  };
}

/**
 * Rotates the DID's controller to a fresh KMS key (SECURITY-CASES I03): the ERC-1056 owner
 * becomes the new key's address (signed by the current controller, which pays the gas), and the
 * issuer signs every new credential with the new key. Credentials signed before no longer verify
 * against the current DID document; they verify against the document of their issuance block
 * (`versionId`), and holders get them re-issued (docs/issuer.md §2). The earlier key stays in the
 * KMS: it may still be the registry's controller for root publication until the registry owner
 * moves it (`ensureRegistered`).
 */
export async function rotateController(
  agent: IssuerAgent,
  dataSource: DataSource,
  changeOwner: (newOwner: `0x${string}`, current: IssuerIdentity) => Promise<void>,
): Promise<IssuerIdentity> {
  const current = await loadOrCreateIdentity(agent);
  const key = await agent.keyManagerCreate({ kms: 'local', type: 'Secp256k1' });
  await changeOwner(addressOfKey(key.publicKeyHex), current);
  const id = await agent.didManagerGet({ did: current.did });
  // The DID store directly: the DID manager's import would re-import every key with its
  // private key, which the KMS never hands out.
  await new DIDStore(dataSource).importDID({
    ...id,
    controllerKeyId: key.kid,
    keys: [...id.keys, key],
  });
  return loadOrCreateIdentity(agent);
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
