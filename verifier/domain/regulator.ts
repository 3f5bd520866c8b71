/**
 * A regulator's access token for compliance reports (docs/compliance.md §5.1): a compact JWS
 * (ES256K) signed by a key of a DID the verifier lists in `VERIFIER_REGULATORS`, whose audience
 * is the verifier's DID and whose life is short, sent as `Authorization: Bearer <jwt>`:
 *
 *   payload { iss: the regulator's DID, aud: the verifier's DID, iat, exp ≤ iat + 300 }
 *
 * The regulator needs no account at the verifier: its DID document on the chain is its key. No
 * express: the route hands the token over and gets the DID back.
 */
import { createJWT, decodeJWT, type Signer } from 'did-jwt';
import type { Resolvable } from 'did-resolver';
import { PlatformError, verifyDidJwtSignature } from '#platform';
import { VerifierError } from '../errors.js';

/** The longest life a token may have (`exp − iat`), seconds. */
export const REGULATOR_TOKEN_MAX_SECONDS = 300;
/** Clock skew allowed on `iat`, seconds. */
const SKEW_SECONDS = 60;
const JWS_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{1,200}$/;

/** Whether a bearer value has the shape of a token (else it is an API key). */
export const looksLikeRegulatorToken = (bearer: string): boolean =>
  bearer.length <= 4_096 && JWS_RE.test(bearer);

const unauthorized = (message: string) => new VerifierError('unauthorized', message);

/**
 * Verifies a regulator token and returns the regulator's DID. `unauthorized` for a malformed,
 * expired, too long-lived or wrongly addressed token, or one not signed by its DID's key;
 * `forbidden` when its DID is not one of `regulators`; `chain_unreachable` when the DID cannot be
 * resolved for want of the chain.
 */
export async function verifyRegulatorToken(
  token: string,
  p: { resolver: Resolvable; regulators: readonly string[]; audience: string; now: number },
): Promise<string> {
  if (!looksLikeRegulatorToken(token)) throw unauthorized('the regulator token is not a JWT');
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    ({ header, payload } = decodeJWT(token, false) as unknown as {
      header: Record<string, unknown>;
      payload: Record<string, unknown>;
    });
  } catch {
    throw unauthorized('the regulator token cannot be decoded');
  }
  const { iss, aud, iat, exp } = payload;
  if (header['alg'] !== 'ES256K' || typeof iss !== 'string') {
    throw unauthorized('the regulator token must be ES256K with an issuer');
  }
  if (!p.regulators.includes(iss)) {
    throw new VerifierError('forbidden', 'this DID may not request reports from this verifier');
  }
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(p.audience)) {
    throw unauthorized('the regulator token is for another verifier');
  }
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isSafeInteger(exp)) {
    throw unauthorized('the regulator token needs iat and exp');
  }
  if (exp <= p.now || iat > p.now + SKEW_SECONDS) {
    throw unauthorized('the regulator token is expired or not yet valid');
  }
  if (exp - iat > REGULATOR_TOKEN_MAX_SECONDS) {
    throw unauthorized(`the regulator token may live at most ${REGULATOR_TOKEN_MAX_SECONDS} s`);
  }
  try {
    await verifyDidJwtSignature(token, {
      resolver: p.resolver,
      now: p.now,
      what: 'the regulator token',
      signer: "the regulator's DID",
    });
  } catch (e) {
    if (e instanceof PlatformError && e.code === 'chain_unreachable') {
      throw new VerifierError('chain_unreachable', e.message, { cause: e });
    }
    throw unauthorized('the regulator token is not signed by a key of its DID');
  }
  return iss;
}

/**
 * Makes a regulator token (the format `verifyRegulatorToken` checks): signed as `did` by
 * `signer` (a key of its DID document, ES256K) for the verifier `audience`, valid from `now` for
 * `lifeSeconds` (1 … `REGULATOR_TOKEN_MAX_SECONDS`, default the maximum). `bad_input` for a life
 * out of range.
 */
export async function createRegulatorToken(p: {
  did: string;
  signer: Signer;
  audience: string;
  now: number;
  lifeSeconds?: number;
}): Promise<string> {
  const life = p.lifeSeconds ?? REGULATOR_TOKEN_MAX_SECONDS;
  if (!Number.isSafeInteger(life) || life < 1 || life > REGULATOR_TOKEN_MAX_SECONDS) {
    throw new VerifierError(
      'bad_input',
      `a regulator token lives 1 … ${REGULATOR_TOKEN_MAX_SECONDS} s`,
    );
  }
  return createJWT(
    { aud: p.audience, iat: p.now, exp: p.now + life },
    { issuer: p.did, signer: p.signer, alg: 'ES256K' },
  );
}
