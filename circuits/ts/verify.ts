/**
 * Strict Groth16 verification on BN254 with mcl (WebAssembly), single or batched.
 *
 * Before any pairing it refuses, as a result (never a throw): a public-signal array of the
 * wrong length or with anything but canonical decimal strings < r (A04, A05, K01); proof
 * coordinates that are not canonical decimals < q (plain snarkjs accepts A.x + q, K04);
 * A or C off the curve; B off the twist or outside the order-r subgroup (snarkjs does not
 * check). Verdicts are cross-checked against snarkjs in verify.test.ts.
 *
 * Equation (the verification key's e(α, β) is precomputed once):
 *   e(A, B) · e(vk_x, −γ) · e(C, −δ) = e(α, β),   vk_x = IC₀ + Σ sᵢ·ICᵢ
 * Batch of n proofs with random ρᵢ (one final exponentiation, n + 2 Miller loops):
 *   Π e(ρᵢA, Bᵢ) · e(Σ ρᵢ vk_xᵢ, −γ) · e(Σ ρᵢ Cᵢ, −δ) = e(α, β)^(Σ ρᵢ)
 * A batch that fails is re-checked proof by proof, so every item gets its own verdict.
 */
import mcl from 'mcl-wasm';
import { loadVerificationKey } from './artifacts.js';
import { BASE_FIELD_SIZE, isCanonicalFieldString } from './field.js';
import { type PublicSignals, PUBLIC_SIGNAL_COUNT, parsePublicSignals } from './signals.js';
import type { Groth16Proof } from './prove.js';

await mcl.init(mcl.BN_SNARK1); // BN254 as used by snarkjs and the EVM

export const VERIFY_FAILURE = {
  badPublicSignals: 'bad_public_signals',
  badProofEncoding: 'bad_proof_encoding',
  proofInvalid: 'proof_invalid',
} as const;
export type VerifyFailureCode = (typeof VERIFY_FAILURE)[keyof typeof VERIFY_FAILURE];

export type VerifyResult =
  | { verified: true; signals: PublicSignals }
  | { verified: false; code: VerifyFailureCode; message: string };

export interface VerifyItem {
  proof: unknown;
  publicSignals: unknown;
}

type VerificationKey = Record<string, unknown>;
interface PreparedKey {
  alphaBeta: mcl.GT;
  negGamma: mcl.PrecomputedG2;
  negDelta: mcl.PrecomputedG2;
  ic: mcl.G1[];
}
interface ParsedProof {
  a: mcl.G1;
  b: mcl.G2;
  c: mcl.G1;
}

const q = BASE_FIELD_SIZE;
const mod = (x: bigint): bigint => ((x % q) + q) % q;
const fail = (code: VerifyFailureCode, message: string): VerifyResult => ({
  verified: false,
  code,
  message,
});

function coords(v: unknown, n: number): string[] | undefined {
  if (!Array.isArray(v) || v.length !== n) return undefined;
  return v.every((s) => isCanonicalFieldString(s, q)) ? (v as string[]) : undefined;
}

/** Affine G1 point [x, y, "1"] on y² = x³ + 3 (G1 has cofactor 1: on-curve = in subgroup). */
function g1(v: unknown): mcl.G1 | undefined {
  const c = coords(v, 3);
  if (!c || c[2] !== '1') return undefined;
  const [x, y] = [BigInt(c[0]!), BigInt(c[1]!)];
  if (mod(y * y - x * x * x - 3n) !== 0n) return undefined;
  const p = new mcl.G1();
  p.setStr(`1 ${c[0]} ${c[1]}`, 10);
  return p;
}

/** Affine G2 point [[x0, x1], [y0, y1], ["1", "0"]] on the twist and in the order-r subgroup. */
function g2(v: unknown): mcl.G2 | undefined | 'subgroup' {
  if (!Array.isArray(v) || v.length !== 3) return undefined;
  const x = coords(v[0], 2);
  const y = coords(v[1], 2);
  const z = coords(v[2], 2);
  if (!x || !y || !z || z[0] !== '1' || z[1] !== '0') return undefined;
  const p = new mcl.G2();
  try {
    // mcl refuses points off the twist and (BN_SNARK1 verifies G2 order) outside the subgroup
    p.setStr(`1 ${x[0]} ${x[1]} ${y[0]} ${y[1]}`, 10);
  } catch {
    return onTwist(x, y) ? 'subgroup' : undefined;
  }
  return p.isValid() && p.isValidOrder() ? p : 'subgroup';
}

/** y² = x³ + b' over Fq2 with b' = 3/(9 + u): tells "off the twist" from "outside the subgroup". */
function onTwist(x: string[], y: string[]): boolean {
  const fp2 = (a: string, b: string): mcl.Fp2 => {
    const f = new mcl.Fp2();
    f.setStr(`${a} ${b}`, 10);
    return f;
  };
  const X = fp2(x[0]!, x[1]!);
  const Y = fp2(y[0]!, y[1]!);
  const b = mcl.div(fp2('3', '0'), fp2('9', '1'));
  return mcl.sqr(Y).isEqual(mcl.add(mcl.mul(mcl.sqr(X), X), b));
}

function parseProof(proof: unknown): ParsedProof | string {
  if (!proof || typeof proof !== 'object') return 'proof must be an object';
  const p = proof as Partial<Groth16Proof>;
  if (p.protocol !== undefined && p.protocol !== 'groth16') return 'proof protocol must be groth16';
  if (p.curve !== undefined && p.curve !== 'bn128') return 'proof curve must be bn128';
  const a = g1(p.pi_a);
  if (!a) return 'pi_a is not a canonical point on the curve';
  const c = g1(p.pi_c);
  if (!c) return 'pi_c is not a canonical point on the curve';
  const b = g2(p.pi_b);
  if (b === 'subgroup') return 'pi_b is not in the G2 subgroup';
  if (!b) return 'pi_b is not a canonical G2 point';
  return { a, b, c };
}

const prepared = new WeakMap<VerificationKey, PreparedKey>();

function prepareKey(vk: VerificationKey): PreparedKey {
  const cached = prepared.get(vk);
  if (cached) return cached;
  const k = vk as {
    vk_alpha_1: unknown;
    vk_beta_2: unknown;
    vk_gamma_2: unknown;
    vk_delta_2: unknown;
    IC: unknown[];
    nPublic: number;
  };
  const alpha = g1(k.vk_alpha_1);
  const [beta, gamma, delta] = [k.vk_beta_2, k.vk_gamma_2, k.vk_delta_2].map(g2);
  const ic = Array.isArray(k.IC) ? k.IC.map(g1) : [];
  if (
    !alpha ||
    !(beta instanceof mcl.G2) ||
    !(gamma instanceof mcl.G2) ||
    !(delta instanceof mcl.G2) ||
    k.nPublic !== PUBLIC_SIGNAL_COUNT ||
    ic.length !== PUBLIC_SIGNAL_COUNT + 1 ||
    ic.some((p) => !p)
  ) {
    throw new Error('the verification key is malformed or for another circuit');
  }
  const key: PreparedKey = {
    alphaBeta: mcl.pairing(alpha, beta),
    negGamma: new mcl.PrecomputedG2(mcl.neg(gamma)),
    negDelta: new mcl.PrecomputedG2(mcl.neg(delta)),
    ic: ic as mcl.G1[],
  };
  prepared.set(vk, key);
  return key;
}

function scalars(signals: PublicSignals): mcl.Fr[] {
  return Object.values(signals).map((s) => {
    const f = new mcl.Fr();
    f.setStr(s.toString(), 10);
    return f;
  });
}

interface Checked {
  signals: PublicSignals;
  fr: mcl.Fr[];
  proof: ParsedProof;
}

/** The encoding checks; returns the parsed item or the failure result. */
function check(item: VerifyItem): Checked | VerifyResult {
  const { publicSignals } = item;
  if (!Array.isArray(publicSignals) || publicSignals.length !== PUBLIC_SIGNAL_COUNT) {
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
  const proof = parseProof(item.proof);
  if (typeof proof === 'string') return fail(VERIFY_FAILURE.badProofEncoding, proof);
  return { signals, fr: scalars(signals), proof };
}

const vkX = (key: PreparedKey, fr: mcl.Fr[]): mcl.G1 =>
  mcl.add(key.ic[0]!, mcl.mulVec(key.ic.slice(1), fr));

function pairingHolds(key: PreparedKey, c: Checked): boolean {
  const lhs = mcl.mul(
    mcl.millerLoop(c.proof.a, c.proof.b),
    mcl.precomputedMillerLoop2(vkX(key, c.fr), key.negGamma, c.proof.c, key.negDelta),
  );
  return mcl.finalExp(lhs).isEqual(key.alphaBeta);
}

function randomScalar(): mcl.Fr {
  const r = new mcl.Fr();
  r.setByCSPRNG();
  return r;
}

/** One random-linear-combination check over several proofs. */
function batchHolds(key: PreparedKey, items: Checked[]): boolean {
  const rho = items.map(randomScalar);
  let sumRho = new mcl.Fr();
  let lhs: mcl.GT | undefined;
  const n = key.ic.length - 1;
  // Σ ρᵢ·vk_xᵢ = (Σ ρᵢ)·IC₀ + Σⱼ (Σᵢ ρᵢ sᵢⱼ)·ICⱼ : one 8-term multi-exponentiation
  const weights = Array.from({ length: n }, () => new mcl.Fr());
  const cs: mcl.G1[] = [];
  items.forEach((it, i) => {
    const r = rho[i]!;
    sumRho = mcl.add(sumRho, r);
    for (let j = 0; j < n; j++) weights[j] = mcl.add(weights[j]!, mcl.mul(r, it.fr[j]!));
    const ml = mcl.millerLoop(mcl.mul(it.proof.a, r), it.proof.b);
    lhs = lhs ? mcl.mul(lhs, ml) : ml;
    cs.push(it.proof.c);
  });
  const x = mcl.add(mcl.mul(key.ic[0]!, sumRho), mcl.mulVec(key.ic.slice(1), weights));
  const c = mcl.mulVec(cs, rho);
  lhs = mcl.mul(lhs!, mcl.precomputedMillerLoop2(x, key.negGamma, c, key.negDelta));
  return mcl.finalExp(lhs).isEqual(mcl.pow(key.alphaBeta, sumRho));
}

/** Checks the shape and encoding of a proof object; returns a reason or undefined. */
export async function checkProofEncoding(proof: unknown): Promise<string | undefined> {
  const p = parseProof(proof);
  return typeof p === 'string' ? p : undefined;
}

/**
 * Verifies one proof against the locked verification key (or `vk`). Returns a typed result;
 * throws only when the verification key itself is unusable.
 */
export async function verify(
  proof: unknown,
  publicSignals: unknown,
  vk: VerificationKey = loadVerificationKey(),
): Promise<VerifyResult> {
  return verifyBatch([{ proof, publicSignals }], vk)[0]!;
}

/**
 * Verifies many proofs with one batched pairing check (falls back to one by one when the
 * batch fails, so each result is exact). Synchronous: run it in a worker for concurrency.
 */
export function verifyBatch(
  items: readonly VerifyItem[],
  vk: VerificationKey = loadVerificationKey(),
): VerifyResult[] {
  const key = prepareKey(vk);
  const checked = items.map(check);
  const ok = (c: Checked): VerifyResult => ({ verified: true, signals: c.signals });
  const bad = fail(VERIFY_FAILURE.proofInvalid, 'the proof does not verify');
  const wellFormed = checked.filter((c): c is Checked => 'proof' in c);
  const single = (c: Checked): VerifyResult => (pairingHolds(key, c) ? ok(c) : bad);
  if (wellFormed.length <= 1 || !batchHolds(key, wellFormed)) {
    return checked.map((c) => ('proof' in c ? single(c) : c));
  }
  return checked.map((c) => ('proof' in c ? ok(c) : c));
}
