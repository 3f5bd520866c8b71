/**
 * Audit checkpoints: the verifier's signed statement "my audit log's entry `seq` has hash
 * `head`" (SECURITY-CASES R02). A compact JWS (ES256K) by the verifier's did:ethr key, so anyone
 * can check it against the DID document, as a wallet checks a request object:
 *
 *   header  { alg: 'ES256K', typ: 'zkrep-audit-checkpoint+jwt', kid: '<did>#controller' }
 *   payload { iss: verifier DID, iat = at, seq, head, at, chainId,
 *             anchor: the AuditAnchor address, anchoredBy: the account that anchors it, or null }
 *
 * `anchoredBy` says where on-chain to look: `AuditAnchor.anchorAt(anchoredBy, seq)` holds the
 * same head once anchored (null: this verifier signs checkpoints but has no key to anchor them).
 * A checkpoint the verifier signed cannot be taken back: a log that later lacks entry `seq`
 * (truncated) or has another hash there (fork) is caught by `verifyAuditLog` against it.
 *
 * No database, no express: a checker imports `verifyCheckpoint` from `#verifier`.
 */
import { createJWT, decodeJWT, type JWTHeader, type Signer } from 'did-jwt';
import type { Resolvable } from 'did-resolver';
import { PlatformError, verifyDidJwtSignature, z } from '#platform';
import { ZkrepError } from '#zk';
import { VerifierError } from '../errors.js';

/** The JOSE `typ` of a checkpoint. */
export const CHECKPOINT_TYP = 'zkrep-audit-checkpoint+jwt';
const MAX_CHECKPOINT_LENGTH = 4_096;
const JWS_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const DID_RE = /^did:[a-z0-9]+(?::[A-Za-z0-9._%-]+)+$/;

const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const Unix = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The claims of a checkpoint. */
export const CheckpointClaims = z
  .strictObject({
    /** The verifier's DID (it signed the checkpoint). */
    iss: z.string().max(256).regex(DID_RE),
    /** The entry the head is the hash of: the log has this many entries. */
    seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    /** The hash of entry `seq` (lowercase 0x hex). */
    head: z.string().regex(/^0x[0-9a-f]{64}$/),
    /** When the checkpoint was made (unix seconds; also `iat`). */
    at: Unix,
    /** The chain of `anchor`. */
    chainId: z.number().int().min(1),
    /** The AuditAnchor contract. */
    anchor: Address,
    /** The account that anchors the head in AuditAnchor (null: not anchored). */
    anchoredBy: Address.nullable(),
  })
  .openapi('AuditCheckpointClaims', {
    description: "What the verifier signs: the hash of its audit log's entry `seq`.",
  });
export type CheckpointClaims = z.infer<typeof CheckpointClaims>;

const Header = z.strictObject({
  alg: z.literal('ES256K'),
  typ: z.literal(CHECKPOINT_TYP),
  kid: z.string().max(512).optional(),
});
const Payload = CheckpointClaims.extend({ iat: Unix });

const badInput = (message: string) => new VerifierError('bad_input', message);

/** Signs a checkpoint as `did` (`signer`: the DID's key, e.g. `agentJwtSigner`). */
export async function signCheckpoint(p: {
  did: string;
  signer: Signer;
  claims: Omit<CheckpointClaims, 'iss'>;
}): Promise<string> {
  const parsed = CheckpointClaims.safeParse({ iss: p.did, ...p.claims });
  if (!parsed.success) throw badInput('invalid checkpoint claims');
  const claims = parsed.data;
  // did-jwt types `typ` as 'JWT' only; any `typ` is written as given.
  const header = { alg: 'ES256K', typ: CHECKPOINT_TYP, kid: `${p.did}#controller` };
  try {
    return await createJWT(
      { ...claims, iat: claims.at },
      { issuer: p.did, signer: p.signer, alg: 'ES256K' },
      header as unknown as Partial<JWTHeader>,
    );
  } catch (cause) {
    throw new VerifierError('internal', 'signing the audit checkpoint failed', { cause });
  }
}

/**
 * Verifies a checkpoint: its shape (strict; `bad_input`), then its signature by a key of the
 * `iss` DID document, resolved with `resolver` (`bad_signature`; `chain_unreachable` when the
 * resolver fails). `issuer`, when given, is the DID it must come from (`bad_signature` else).
 * Returns its claims.
 */
export async function verifyCheckpoint(
  jwt: unknown,
  options: { resolver: Resolvable; issuer?: string },
): Promise<CheckpointClaims> {
  if (typeof jwt !== 'string' || jwt.length > MAX_CHECKPOINT_LENGTH || !JWS_RE.test(jwt)) {
    throw badInput('a checkpoint must be a compact JWS');
  }
  let decoded: { header: unknown; payload: unknown };
  try {
    decoded = decodeJWT(jwt, false);
  } catch {
    throw badInput('the checkpoint cannot be decoded');
  }
  if (!Header.safeParse(decoded.header).success) throw badInput('invalid checkpoint header');
  const payload = Payload.safeParse(decoded.payload);
  if (!payload.success) throw badInput('invalid checkpoint claims');
  const { iat, ...claims } = payload.data;
  if (iat !== claims.at) throw badInput('the checkpoint iat is not its time');
  const kid = (decoded.header as { kid?: string }).kid;
  if (kid !== undefined && !kid.startsWith(`${claims.iss}#`)) {
    throw badInput('kid must be a DID URL of the issuer');
  }
  if (options.issuer !== undefined && claims.iss !== options.issuer) {
    throw new VerifierError('bad_signature', 'the checkpoint is from another verifier');
  }
  try {
    await verifyDidJwtSignature(jwt, {
      resolver: options.resolver,
      now: claims.at,
      what: 'the checkpoint',
      signer: "the verifier's DID",
    });
  } catch (e) {
    if (e instanceof PlatformError) throw new VerifierError(e.code, e.message, { cause: e });
    if (e instanceof ZkrepError) throw e;
    throw new VerifierError('internal', 'the checkpoint could not be verified', { cause: e });
  }
  return claims;
}
