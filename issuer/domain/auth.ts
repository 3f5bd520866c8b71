/**
 * Holder authentication with its DID: the issuer hands out a random challenge (single use,
 * short lifetime); the holder answers with a JWT signed by its DID's key (ES256K), addressed to
 * the issuer's DID (`aud`), carrying the challenge (`nonce`), the credential type it asks for
 * and its holder commitment, so nothing in the request can be swapped in transit.
 *
 * Fails closed on everything (SECURITY-CASES J01–J07): algorithms other than ES256K/EdDSA,
 * a missing or foreign `aud`, no `exp` or an expired/future token, an unknown or used nonce,
 * `iss` not a DID, a resolver error.
 */
import { withTransaction } from '#platform';
import { randomBytes } from 'node:crypto';
import { verifyJWT, decodeJWT } from 'did-jwt';
import type { Resolvable } from 'did-resolver';
import type { DataSource } from 'typeorm';
import { IssuerError } from '../errors.js';
import { ChallengeEntity } from '../store/schema.js';

/** How long a challenge may be answered. */
export const CHALLENGE_TTL_SECONDS = 300;
/** Allowed clock skew for the holder's JWT. */
const SKEW_SECONDS = 60;
const ALLOWED_ALGS = new Set(['ES256K', 'ES256K-R', 'EdDSA']);

export interface Challenge {
  nonce: string;
  expiresAt: number;
}

/** A fresh challenge (128 random bits, base64url), stored until used or expired. */
export async function createChallenge(dataSource: DataSource, now: number): Promise<Challenge> {
  const nonce = randomBytes(16).toString('base64url');
  const expiresAt = now + CHALLENGE_TTL_SECONDS;
  await withTransaction(dataSource, async (tx) => {
    const repo = tx.getRepository(ChallengeEntity);
    await repo.insert({ nonce, expiresAt, usedAt: null });
    // Housekeeping: expired challenges are useless; drop them so the table stays small.
    await repo
      .createQueryBuilder()
      .delete()
      .where('expires_at < :t', { t: now - CHALLENGE_TTL_SECONDS })
      .execute();
  });
  return { nonce, expiresAt };
}

export interface HolderAuthentication {
  /** The holder's DID (the JWT's `iss`). */
  did: string;
  /** The credential type the holder asked for. */
  credentialType: string;
  /** The holder commitment it presented (a decimal field element). */
  holderCommitment: string;
  /** For a reputation credential: the role it asks about ('buyer' or 'seller'). */
  role?: string;
}

/**
 * Verifies the holder's JWT and consumes its challenge atomically (one winner per nonce even
 * under concurrent submissions). Throws IssuerError `unauthorized` on any failure.
 */
export async function authenticateHolder(
  deps: { dataSource: DataSource; resolver: Resolvable; issuerDid: string },
  jwt: unknown,
  now: number,
): Promise<HolderAuthentication> {
  const fail = (why: string): never => {
    throw new IssuerError('unauthorized', `holder authentication failed: ${why}`);
  };
  if (typeof jwt !== 'string' || jwt.length > 8192 || jwt.split('.').length !== 3) {
    return fail('a compact JWT is required');
  }
  let alg: string | undefined;
  try {
    alg = decodeJWT(jwt).header.alg;
  } catch {
    return fail('the JWT cannot be decoded');
  }
  if (!alg || !ALLOWED_ALGS.has(alg)) return fail(`algorithm ${String(alg)} is not allowed`);

  let payload: Record<string, unknown>;
  let issuer: string;
  try {
    const verified = await verifyJWT(jwt, {
      resolver: deps.resolver,
      audience: deps.issuerDid,
      proofPurpose: 'authentication',
      policies: { now, exp: true, nbf: true, iat: true, aud: true },
      skewTime: SKEW_SECONDS,
    });
    payload = verified.payload as Record<string, unknown>;
    issuer = verified.issuer;
  } catch (err) {
    const code = (err as Error).message?.split(':')[0] ?? 'invalid_jwt';
    return fail(code.slice(0, 40));
  }
  if (typeof payload.exp !== 'number') return fail('the JWT must expire (exp)');
  if (payload.exp - now > CHALLENGE_TTL_SECONDS + SKEW_SECONDS) {
    return fail('the JWT lives longer than a challenge');
  }
  if (!issuer.startsWith('did:')) return fail('the issuer of the JWT is not a DID');
  const { nonce, credentialType, holderCommitment, role } = payload;
  if (typeof nonce !== 'string' || nonce.length > 64) return fail('nonce missing');
  if (typeof credentialType !== 'string') return fail('credentialType missing');
  if (typeof holderCommitment !== 'string') return fail('holderCommitment missing');
  if (role !== undefined && typeof role !== 'string') return fail('role must be a string');

  // Consume the challenge: exactly one UPDATE can move used_at from NULL.
  const res = await withTransaction(deps.dataSource, (tx) =>
    tx
      .getRepository(ChallengeEntity)
      .createQueryBuilder()
      .update()
      .set({ usedAt: now })
      .where('nonce = :nonce AND used_at IS NULL AND expires_at >= :now', { nonce, now })
      .execute(),
  );
  if (res.affected !== 1) return fail('the challenge is unknown, expired or already used');
  return { did: issuer, credentialType, holderCommitment, ...(role === undefined ? {} : { role }) };
}
