/**
 * Strict Groth16 verification on BN254 with mcl (WebAssembly), single or batched.
 *
 * Before any pairing it refuses, as a result (never a throw): a public-signal array of the
 * wrong length or with anything but canonical decimal strings < r (A04, A05, K01); proof
 * coordinates that are not canonical decimals < q (plain snarkjs accepts A.x + q, K04);
 * A or C off the curve; B off the twist or outside the order-r subgroup (snarkjs does not
 * check). Verdicts are cross-checked against snarkjs in verify.test.ts.
 *
 * Untrusted input: `normalizeVerifyItem` is the one place that reads a caller's proof and
 * public signals. It reads a fixed set of properties, each exactly once and inside try/catch
 * (throwing getters, Proxy traps and revoked proxies become verdicts), checks an array's
 * length before reading any element (a 10M-element array costs one read), never recurses
 * into unknown structure (a 5,000-level nesting is one `typeof`), caps every string at 78
 * characters before parsing it, and copies what it accepts into fresh arrays of primitive
 * strings. `verify`, `verifyBatch` and the worker pool (pool.ts) all go through it, so they
 * give the same verdict for the same input.
 *
 * Equation (the verification key's e(α, β) is precomputed once per key):
 *   e(A, B) · e(vk_x, −γ) · e(C, −δ) = e(α, β),   vk_x = IC₀ + Σ sᵢ·ICᵢ
 * Batch of n proofs with random ρᵢ (one final exponentiation, n + 2 Miller loops):
 *   Π e(ρᵢA, Bᵢ) · e(Σ ρᵢ vk_xᵢ, −γ) · e(Σ ρᵢ Cᵢ, −δ) = e(α, β)^(Σ ρᵢ)
 * A batch that fails is re-checked proof by proof, so every item gets its own verdict.
 *
 * Prepared keys (e(α, β), −γ and −δ precomputed, every point curve- and subgroup-checked) are
 * cached: the locked key once per (build dir, verification-key hash in the lock), re-read only
 * when the lock file changes; a caller's key object by identity (treat it as immutable) and
 * by content hash, so a fresh copy of a known key is not prepared again.
 */
import { statSync } from 'node:fs';
import mcl from 'mcl-wasm';
import { LOCK_FILE, buildDir, loadVerificationKey, readLock, sha256 } from './artifacts.js';
import { ZK_ERROR, ZkError } from './errors.js';
import { BASE_FIELD_SIZE, SNARK_FIELD_SIZE, isCanonicalFieldString } from './field.js';
import { type PublicSignals, PUBLIC_SIGNAL_COUNT, parsePublicSignals } from './signals.js';
import type { Groth16Proof } from './prove.js';

await mcl.init(mcl.BN_SNARK1); // BN254 as used by snarkjs and the EVM
// setStr on a G2 point checks the curve *and* the order-r subgroup (the default; pinned here,
// since g2() relies on it and does not repeat the ~0.5 ms check)
mcl.verifyOrderG2(true);

export const VERIFY_FAILURE = {
  badPublicSignals: 'bad_public_signals',
  badProofEncoding: 'bad_proof_encoding',
  proofInvalid: 'proof_invalid',
} as const;
export type VerifyFailureCode = (typeof VERIFY_FAILURE)[keyof typeof VERIFY_FAILURE];

export type VerifyResult =
  | { verified: true; signals: PublicSignals }
  | { verified: false; code: VerifyFailureCode; message: string };
export type VerifyFailure = Extract<VerifyResult, { verified: false }>;

export interface VerifyItem {
  proof: unknown;
  publicSignals: unknown;
}

/**
 * A proof and its public signals that passed `normalizeVerifyItem`: fresh plain arrays of
 * canonical decimal strings in the snarkjs shape (coordinates < q, signals < r, z = 1).
 * Whether the points lie on the curve and in the subgroup is checked when verifying.
 */
export interface NormalizedVerifyItem {
  proof: Groth16Proof;
  publicSignals: string[];
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
const fail = (code: VerifyFailureCode, message: string): VerifyFailure => ({
  verified: false,
  code,
  message,
});

// ---------------------------------------------------------------- reading untrusted input

const UNREADABLE: unique symbol = Symbol('unreadable');

/** `obj[key]`, read once; a throwing getter or Proxy trap gives UNREADABLE. */
function read(obj: unknown, key: string | number): unknown {
  if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function')) return undefined;
  try {
    return (obj as Record<string | number, unknown>)[key];
  } catch {
    return UNREADABLE;
  }
}

/** Whether `v` is an array of length `n` (one `length` read; a throwing Proxy is "no"). */
function sized(v: unknown, n: number): boolean {
  try {
    return Array.isArray(v) && v.length === n;
  } catch {
    return false; // a revoked Proxy, or a `length` trap that throws
  }
}

/**
 * Elements 0…n−1 of `v`, each read once, as canonical decimal strings below `modulus`, copied
 * into a fresh array; undefined if any is not one. Only ever `n` (≤ 7) reads, whatever `v` is.
 */
function elements(v: unknown, n: number, modulus: bigint): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = read(v, i);
    // isCanonicalFieldString checks typeof and the 78-character cap before any parsing
    if (!isCanonicalFieldString(s, modulus)) return undefined;
    out.push(s);
  }
  return out;
}

/** `v` as a fresh array of `n` canonical decimal strings below `modulus`, if it is one. */
const strings = (v: unknown, n: number, modulus: bigint): string[] | undefined =>
  sized(v, n) ? elements(v, n, modulus) : undefined;

/** An affine G1 point [x, y, "1"] with canonical coordinates, as a fresh array. */
function g1Strings(v: unknown): [string, string, string] | undefined {
  const c = strings(v, 3, q);
  return c && c[2] === '1' ? [c[0]!, c[1]!, '1'] : undefined;
}

/** An affine G2 point [[x0, x1], [y0, y1], ["1", "0"]] with canonical coordinates. */
function g2Strings(v: unknown): Groth16Proof['pi_b'] | undefined {
  if (!sized(v, 3)) return undefined;
  const x = strings(read(v, 0), 2, q);
  const y = strings(read(v, 1), 2, q);
  const z = strings(read(v, 2), 2, q);
  if (!x || !y || !z || z[0] !== '1' || z[1] !== '0') return undefined;
  return [
    [x[0]!, x[1]!],
    [y[0]!, y[1]!],
    ['1', '0'],
  ];
}

/** The proof part of `normalizeVerifyItem`: a fresh snarkjs-shaped proof or a reason. */
function normalizeProof(proof: unknown): Groth16Proof | string {
  if (proof === null || typeof proof !== 'object') return 'proof must be an object';
  const protocol = read(proof, 'protocol');
  const curve = read(proof, 'curve');
  const [a, b, c] = [read(proof, 'pi_a'), read(proof, 'pi_b'), read(proof, 'pi_c')];
  if ([protocol, curve, a, b, c].includes(UNREADABLE)) return 'proof could not be read';
  if (protocol !== undefined && protocol !== 'groth16') return 'proof protocol must be groth16';
  if (curve !== undefined && curve !== 'bn128') return 'proof curve must be bn128';
  const pi_a = g1Strings(a);
  if (!pi_a) return 'pi_a is not a canonical point on the curve';
  const pi_c = g1Strings(c);
  if (!pi_c) return 'pi_c is not a canonical point on the curve';
  const pi_b = g2Strings(b);
  if (!pi_b) return 'pi_b is not a canonical G2 point';
  return { pi_a, pi_b, pi_c, protocol: 'groth16', curve: 'bn128' };
}

/**
 * Checks the shape and encoding of an untrusted proof and its public signals (see the file
 * header for what "safe" means here) and returns them as fresh plain strings, or the
 * verdict `verify()` gives for that input (`bad_public_signals` before `bad_proof_encoding`).
 * Never throws.
 */
export function normalizeVerifyItem(
  proof: unknown,
  publicSignals: unknown,
): NormalizedVerifyItem | VerifyFailure {
  if (!sized(publicSignals, PUBLIC_SIGNAL_COUNT)) {
    return fail(
      VERIFY_FAILURE.badPublicSignals,
      `expected exactly ${PUBLIC_SIGNAL_COUNT} public signals`,
    );
  }
  const signals = elements(publicSignals, PUBLIC_SIGNAL_COUNT, SNARK_FIELD_SIZE);
  if (!signals) {
    return fail(
      VERIFY_FAILURE.badPublicSignals,
      'public signals must be canonical decimal strings below r',
    );
  }
  const p = normalizeProof(proof);
  if (typeof p === 'string') return fail(VERIFY_FAILURE.badProofEncoding, p);
  return { proof: p, publicSignals: signals };
}

/**
 * `normalizeVerifyItem` for an untrusted `{ proof, publicSignals }` object (a parsed request
 * body, an element of `verifyBatch`'s or the pool's `verifyMany`'s array): same guarantees.
 */
export function normalizeVerifyRequest(item: unknown): NormalizedVerifyItem | VerifyFailure {
  return normalizeVerifyItem(read(item, 'proof'), read(item, 'publicSignals'));
}

/** Whether a `normalizeVerifyItem` result is a verdict (the input was refused). */
export function isVerifyFailure(x: NormalizedVerifyItem | VerifyResult): x is VerifyFailure {
  return 'verified' in x && !x.verified;
}

// ---------------------------------------------------------------- points (mcl)

/** A canonical G1 point (normalised strings) on y² = x³ + 3 (cofactor 1: on-curve = in G1). */
function g1(c: readonly string[]): mcl.G1 | undefined {
  const [x, y] = [BigInt(c[0]!), BigInt(c[1]!)];
  if (mod(y * y - x * x * x - 3n) !== 0n) return undefined;
  const p = new mcl.G1();
  p.setStr(`1 ${c[0]} ${c[1]}`, 10);
  return p;
}

/** A canonical G2 point on the twist and in the order-r subgroup (one mcl setStr checks both). */
function g2(v: Groth16Proof['pi_b']): mcl.G2 | undefined | 'subgroup' {
  const [x, y] = v;
  const p = new mcl.G2();
  try {
    p.setStr(`1 ${x[0]} ${x[1]} ${y[0]} ${y[1]}`, 10);
  } catch {
    return onTwist(x, y) ? 'subgroup' : undefined;
  }
  return p;
}

/** y² = x³ + b' over Fq2 with b' = 3/(9 + u): tells "off the twist" from "outside the subgroup". */
function onTwist(x: readonly string[], y: readonly string[]): boolean {
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

/** Curve and subgroup checks of a normalised proof. */
function parseProof(p: Groth16Proof): ParsedProof | string {
  const a = g1(p.pi_a);
  if (!a) return 'pi_a is not a canonical point on the curve';
  const c = g1(p.pi_c);
  if (!c) return 'pi_c is not a canonical point on the curve';
  const b = g2(p.pi_b);
  if (b === 'subgroup') return 'pi_b is not in the G2 subgroup';
  if (!b) return 'pi_b is not a canonical G2 point';
  return { a, b, c };
}

// ---------------------------------------------------------------- prepared keys

const stats = { preparations: 0, hits: 0 };
const byObject = new WeakMap<object, PreparedKey>();
const byContent = new Map<string, PreparedKey>();
const CONTENT_CACHE_SIZE = 16;
const byLock = new Map<string, PreparedKey>();
let lockSeen: { stamp: string; key: PreparedKey } | undefined;

/**
 * How often a verification key was prepared (curve/subgroup checks, e(α, β), −γ/−δ
 * precomputation) and how often a prepared key was reused, since the process started.
 */
export function preparedKeyCacheStats(): { preparations: number; hits: number } {
  return { ...stats };
}

/** The expensive part: run once per distinct key. */
function prepareKey(vk: VerificationKey): PreparedKey {
  const bad = (): never => {
    throw new ZkError(ZK_ERROR.badKey, 'the verification key is malformed or for another circuit');
  };
  const k = {
    alpha: g1Strings(read(vk, 'vk_alpha_1')),
    beta: g2Strings(read(vk, 'vk_beta_2')),
    gamma: g2Strings(read(vk, 'vk_gamma_2')),
    delta: g2Strings(read(vk, 'vk_delta_2')),
    nPublic: read(vk, 'nPublic'),
  };
  const icRaw = read(vk, 'IC');
  const ic = sized(icRaw, PUBLIC_SIGNAL_COUNT + 1)
    ? Array.from({ length: PUBLIC_SIGNAL_COUNT + 1 }, (_, i) => {
        const s = g1Strings(read(icRaw, i));
        return s && g1(s);
      })
    : [];
  if (!k.alpha || !k.beta || !k.gamma || !k.delta) return bad();
  const alpha = g1(k.alpha);
  const [beta, gamma, delta] = [k.beta, k.gamma, k.delta].map(g2);
  if (
    !alpha ||
    !(beta instanceof mcl.G2) ||
    !(gamma instanceof mcl.G2) ||
    !(delta instanceof mcl.G2) ||
    k.nPublic !== PUBLIC_SIGNAL_COUNT ||
    ic.length !== PUBLIC_SIGNAL_COUNT + 1 ||
    ic.some((p) => !p)
  ) {
    return bad();
  }
  stats.preparations++;
  return {
    alphaBeta: mcl.pairing(alpha, beta),
    negGamma: new mcl.PrecomputedG2(mcl.neg(gamma)),
    negDelta: new mcl.PrecomputedG2(mcl.neg(delta)),
    ic: ic as mcl.G1[],
  };
}

/** The locked key: prepared once per (build dir, lock's vkey hash); the lock is re-read when it changes. */
function lockedKey(): PreparedKey {
  const dir = buildDir();
  let stamp: string;
  try {
    const st = statSync(LOCK_FILE);
    stamp = `${dir}\0${st.ino}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}`;
  } catch {
    stamp = ''; // no lock: readLock below throws artifact_missing
  }
  if (stamp && lockSeen?.stamp === stamp) {
    stats.hits++;
    return lockSeen.key;
  }
  const id = `${dir}\0${readLock().sha256.vkey}`;
  let key = byLock.get(id);
  if (key) stats.hits++;
  else {
    key = byContentKey(loadVerificationKey(dir)); // hash-checked against the lock
    byLock.set(id, key);
  }
  lockSeen = stamp ? { stamp, key } : undefined;
  return key;
}

/** A caller's key: by identity, else by content. */
function callerKey(vk: VerificationKey): PreparedKey {
  if (vk === null || typeof vk !== 'object') {
    throw new ZkError(ZK_ERROR.badKey, 'the verification key must be an object');
  }
  const known = byObject.get(vk);
  if (known) {
    stats.hits++;
    return known;
  }
  const key = byContentKey(vk);
  byObject.set(vk, key);
  return key;
}

/** A key by the sha256 of its JSON (a bounded cache), else prepared from exactly those bytes. */
function byContentKey(vk: VerificationKey): PreparedKey {
  let json: string;
  try {
    json = JSON.stringify(vk);
  } catch (err) {
    throw new ZkError(ZK_ERROR.badKey, 'the verification key is not plain JSON', { cause: err });
  }
  const id = sha256(Buffer.from(json, 'utf8'));
  let key = byContent.get(id);
  if (key) stats.hits++;
  else {
    key = prepareKey(JSON.parse(json) as VerificationKey); // the bytes that were hashed
    if (byContent.size >= CONTENT_CACHE_SIZE) byContent.delete(byContent.keys().next().value!);
    byContent.set(id, key);
  }
  return key;
}

const preparedKey = (vk: VerificationKey | undefined): PreparedKey =>
  vk === undefined ? lockedKey() : callerKey(vk);

/** Prepares (and caches) the locked verification key, so the next `verify` is warm. */
export function prepareLockedKey(): void {
  lockedKey();
}

// ---------------------------------------------------------------- verification

function scalars(signals: readonly string[]): mcl.Fr[] {
  return signals.map((s) => {
    const f = new mcl.Fr();
    f.setStr(s, 10);
    return f;
  });
}

interface Checked {
  signals: PublicSignals;
  fr: mcl.Fr[];
  proof: ParsedProof;
}

/** Every check before the pairing; returns the parsed item or its failure verdict. */
function check(item: VerifyItem): Checked | VerifyFailure {
  const n = normalizeVerifyRequest(item);
  if (isVerifyFailure(n)) return n;
  const proof = parseProof(n.proof);
  if (typeof proof === 'string') return fail(VERIFY_FAILURE.badProofEncoding, proof);
  return { signals: parsePublicSignals(n.publicSignals), fr: scalars(n.publicSignals), proof };
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
  const n = normalizeProof(proof);
  if (typeof n === 'string') return n;
  const p = parseProof(n);
  return typeof p === 'string' ? p : undefined;
}

/**
 * Verifies one proof against the locked verification key (or `vk`). Returns a typed result;
 * throws (`bad_key`, `artifact_*`) only when the verification key itself is unusable.
 */
export async function verify(
  proof: unknown,
  publicSignals: unknown,
  vk?: VerificationKey,
): Promise<VerifyResult> {
  return verifyBatch([{ proof, publicSignals }], vk)[0]!;
}

/**
 * Verifies many proofs with one batched pairing check (falls back to one by one when the
 * batch fails, so each result is exact). Synchronous: run it in a worker for concurrency.
 */
export function verifyBatch(items: readonly VerifyItem[], vk?: VerificationKey): VerifyResult[] {
  const key = preparedKey(vk);
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
