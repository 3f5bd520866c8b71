/**
 * BabyJubJub keys: the issuer's EdDSA-Poseidon key pair and the holder's secret.
 *
 * Issuer keys follow circomlib's EdDSA (32-byte private key, blake512-derived scalar,
 * signature (R8, S) with S < l). Holder secrets are scalars < l derived from a seed.
 */
import { randomBytes, createHash } from 'node:crypto';
import { buildEddsa } from 'circomlibjs';
import { ZK_ERROR, ZkError } from './errors.js';
import { SNARK_FIELD_SIZE, SUBGROUP_ORDER, assertField } from './field.js';
import { poseidon } from './poseidon.js';

const eddsa = await buildEddsa();
const babyJub = eddsa.babyJub;
const F = babyJub.F;

/** A BabyJubJub point in affine coordinates (field elements). */
export type Point = readonly [bigint, bigint];
/** An EdDSA-Poseidon signature. */
export interface Signature {
  R8: Point;
  S: bigint;
}

const toPoint = (p: unknown[]): Point => [F.toObject(p[0]) as bigint, F.toObject(p[1]) as bigint];
const fromPoint = (p: Point): unknown[] => [F.e(p[0]), F.e(p[1])];

function isFieldPair(p: unknown): p is Point {
  return (
    Array.isArray(p) &&
    p.length === 2 &&
    p.every((x) => typeof x === 'bigint' && x >= 0n && x < SNARK_FIELD_SIZE)
  );
}

/** True when `p` is on the curve, in the prime-order subgroup, and not the identity. */
export function isValidPublicKey(p: unknown): p is Point {
  if (!isFieldPair(p)) return false;
  const fp = fromPoint(p);
  if (!babyJub.inCurve(fp)) return false;
  if (p[0] === 0n && p[1] === 1n) return false; // identity
  const lp = toPoint(babyJub.mulPointEscalar(fp, SUBGROUP_ORDER));
  return lp[0] === 0n && lp[1] === 1n; // l·P = O  ⇔  P in the prime subgroup (I02)
}

function checkPrivateKey(privateKey: Uint8Array): void {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
    throw new ZkError(ZK_ERROR.badKey, 'issuer private key must be 32 bytes');
  }
}

/** A fresh random issuer private key (32 bytes). */
export function generateIssuerPrivateKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

/** The issuer's public key A = s·Base8. */
export function issuerPublicKey(privateKey: Uint8Array): Point {
  checkPrivateKey(privateKey);
  return toPoint(eddsa.prv2pub(Buffer.from(privateKey)));
}

/** Poseidon(Ax, Ay): how registries, policies and proofs name an issuer key. */
export function issuerKeyHash(publicKey: Point): bigint {
  if (!isValidPublicKey(publicKey)) {
    throw new ZkError(ZK_ERROR.badKey, 'issuer public key is not a valid subgroup point');
  }
  return poseidon([publicKey[0], publicKey[1]]);
}

/** Signs a field element with EdDSA-Poseidon. */
export function signMessage(privateKey: Uint8Array, message: bigint): Signature {
  checkPrivateKey(privateKey);
  assertField(message, 'message');
  const sig = eddsa.signPoseidon(Buffer.from(privateKey), F.e(message));
  return { R8: toPoint(sig.R8), S: sig.S as bigint };
}

/**
 * Verifies an EdDSA-Poseidon signature. Returns false (never throws, never hangs) for
 * malformed input: S outside [0, l) (incl. S + l and negative S), points off the curve,
 * a public key outside the prime subgroup (C10, I02).
 */
export function verifySignature(message: bigint, sig: Signature, publicKey: Point): boolean {
  if (typeof message !== 'bigint' || message < 0n || message >= SNARK_FIELD_SIZE) return false;
  if (!sig || typeof sig !== 'object') return false;
  if (typeof sig.S !== 'bigint' || sig.S < 0n || sig.S >= SUBGROUP_ORDER) return false;
  if (!isFieldPair(sig.R8) || !babyJub.inCurve(fromPoint(sig.R8))) return false;
  if (!isValidPublicKey(publicKey)) return false;
  return eddsa.verifyPoseidon(
    F.e(message),
    { R8: fromPoint(sig.R8), S: sig.S },
    fromPoint(publicKey),
  );
}

/**
 * Derives the holder secret (a scalar in [1, l)) from a seed of at least 16 bytes: 512 bits
 * of SHA-512 reduced mod l, so the bias is below 2^-260 and the result is always < l (W11).
 */
export function holderSecretFromSeed(seed: Uint8Array): bigint {
  if (!(seed instanceof Uint8Array) || seed.length < 16) {
    throw new ZkError(ZK_ERROR.badKey, 'holder seed must be at least 16 bytes');
  }
  const digest = createHash('sha512').update('zkrep/holder-secret/v1').update(seed).digest();
  const secret = BigInt('0x' + digest.toString('hex')) % SUBGROUP_ORDER;
  return secret === 0n ? 1n : secret;
}

/** Throws unless the holder secret is in [1, l). */
export function assertHolderSecret(secret: bigint): bigint {
  if (typeof secret !== 'bigint' || secret <= 0n || secret >= SUBGROUP_ORDER) {
    throw new ZkError(ZK_ERROR.badKey, 'holder secret must be in [1, l)');
  }
  return secret;
}

/** Poseidon(secret): what the issuer signs over instead of any holder identifier. */
export function holderCommitment(secret: bigint): bigint {
  return poseidon([assertHolderSecret(secret)]);
}

/** Poseidon(secret, scope): the holder's stable, unlinkable pseudonym within one scope. */
export function computeNullifier(secret: bigint, scope: bigint): bigint {
  return poseidon([assertHolderSecret(secret), assertField(scope, 'scope')]);
}
