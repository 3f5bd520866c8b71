/**
 * Strict Groth16 verification. Before the pairing check it refuses, as a result (never a
 * throw): a public-signal array of the wrong length or with anything but canonical decimal
 * strings < r (A04, A05, K01); proof coordinates that are not canonical decimals < q
 * (snarkjs accepts A.x + q, K04); points off the curve; B outside the G2 subgroup.
 */
import * as snarkjs from 'snarkjs';
import { loadVerificationKey } from './artifacts.js';
import { BASE_FIELD_SIZE, isCanonicalFieldString } from './field.js';
import { type PublicSignals, PUBLIC_SIGNAL_COUNT, parsePublicSignals } from './signals.js';
import type { Groth16Proof } from './prove.js';

export const VERIFY_FAILURE = {
  badPublicSignals: 'bad_public_signals',
  badProofEncoding: 'bad_proof_encoding',
  proofInvalid: 'proof_invalid',
} as const;
export type VerifyFailureCode = (typeof VERIFY_FAILURE)[keyof typeof VERIFY_FAILURE];

export type VerifyResult =
  | { verified: true; signals: PublicSignals }
  | { verified: false; code: VerifyFailureCode; message: string };

const q = BASE_FIELD_SIZE;
const mod = (a: bigint): bigint => ((a % q) + q) % q;

const fail = (code: VerifyFailureCode, message: string): VerifyResult => ({
  verified: false,
  code,
  message,
});

function coords(v: unknown, n: number): bigint[] | undefined {
  if (!Array.isArray(v) || v.length !== n) return undefined;
  if (!v.every((s) => isCanonicalFieldString(s, q))) return undefined;
  return v.map((s: string) => BigInt(s));
}

/** Affine G1 point (x, y, 1) on y² = x³ + 3; G1 has cofactor 1, so this is also the subgroup check. */
function parseG1(v: unknown): [bigint, bigint] | undefined {
  const c = coords(v, 3);
  if (!c || c[2] !== 1n) return undefined;
  const [x, y] = c as [bigint, bigint];
  return mod(y * y - x * x * x - 3n) === 0n ? [x, y] : undefined;
}

function parseG2(v: unknown): [[bigint, bigint], [bigint, bigint]] | undefined {
  if (!Array.isArray(v) || v.length !== 3) return undefined;
  const x = coords(v[0], 2);
  const y = coords(v[1], 2);
  const z = coords(v[2], 2);
  if (!x || !y || !z || z[0] !== 1n || z[1] !== 0n) return undefined;
  return [x as [bigint, bigint], y as [bigint, bigint]];
}

interface Curve {
  G2: {
    fromObject(o: bigint[][]): unknown;
    isValid(p: unknown): boolean;
    timesScalar(p: unknown, s: bigint): unknown;
    isZero(p: unknown): boolean;
  };
  r: bigint;
}

let curvePromise: Promise<Curve> | undefined;
function curve(): Promise<Curve> {
  const g = globalThis as { curve_bn128?: unknown };
  // shutdownZk() clears the shared curve; build a new one then.
  if (!g.curve_bn128) curvePromise = undefined;
  curvePromise ??= (
    snarkjs as unknown as { curves: { getCurveFromName(n: string): Promise<Curve> } }
  ).curves.getCurveFromName('bn128');
  return curvePromise;
}

/** B on the twist and in the order-r subgroup (the twist has a large cofactor). */
async function g2InSubgroup(b: [[bigint, bigint], [bigint, bigint]]): Promise<boolean> {
  const c = await curve();
  const p = c.G2.fromObject([b[0], b[1], [1n, 0n]]);
  if (!c.G2.isValid(p)) return false;
  return c.G2.isZero(c.G2.timesScalar(p, c.r));
}

/** Checks the shape and encoding of a proof object; returns a reason or undefined. */
export async function checkProofEncoding(proof: unknown): Promise<string | undefined> {
  if (!proof || typeof proof !== 'object') return 'proof must be an object';
  const p = proof as Partial<Groth16Proof>;
  if (p.protocol !== undefined && p.protocol !== 'groth16') return 'proof protocol must be groth16';
  if (p.curve !== undefined && p.curve !== 'bn128') return 'proof curve must be bn128';
  if (!parseG1(p.pi_a)) return 'pi_a is not a canonical point on the curve';
  if (!parseG1(p.pi_c)) return 'pi_c is not a canonical point on the curve';
  const b = parseG2(p.pi_b);
  if (!b) return 'pi_b is not a canonical G2 point';
  if (!(await g2InSubgroup(b))) return 'pi_b is not in the G2 subgroup';
  return undefined;
}

/**
 * Verifies a proof against the locked verification key (or `vk`). Returns a typed result;
 * throws only when the verification key itself cannot be loaded.
 */
export async function verify(
  proof: unknown,
  publicSignals: unknown,
  vk: Record<string, unknown> = loadVerificationKey(),
): Promise<VerifyResult> {
  if (
    !Array.isArray(publicSignals) ||
    publicSignals.length !== PUBLIC_SIGNAL_COUNT ||
    vk.nPublic !== PUBLIC_SIGNAL_COUNT
  ) {
    return fail(
      VERIFY_FAILURE.badPublicSignals,
      `expected exactly ${PUBLIC_SIGNAL_COUNT} public signals`,
    );
  }
  let signals: PublicSignals;
  try {
    signals = parsePublicSignals(publicSignals);
  } catch {
    return fail(
      VERIFY_FAILURE.badPublicSignals,
      'public signals must be canonical decimal strings below r',
    );
  }
  const reason = await checkProofEncoding(proof);
  if (reason) return fail(VERIFY_FAILURE.badProofEncoding, reason);
  const p = proof as Groth16Proof;
  const clean = {
    pi_a: p.pi_a,
    pi_b: p.pi_b,
    pi_c: p.pi_c,
    protocol: 'groth16',
    curve: 'bn128',
  };
  const ok = await snarkjs.groth16.verify(vk, publicSignals as string[], clean, {
    info() {},
    error() {},
    debug() {},
    warn() {},
  });
  return ok
    ? { verified: true, signals }
    : fail(VERIFY_FAILURE.proofInvalid, 'the proof does not verify');
}
