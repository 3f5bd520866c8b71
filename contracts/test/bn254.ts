/**
 * TEST-ONLY BN254 arithmetic in plain bigint: affine G1 and G2 addition and scalar
 * multiplication, enough to recompute ZkGate's precomputed points off-chain and to re-randomise a
 * Groth16 proof (K04). Slow and not constant-time; never use it outside tests.
 */
import { BASE_FIELD_SIZE as Q, SNARK_FIELD_SIZE as R } from '#zk';

/** BN254 base field order q and scalar field order r (the zk core's constants). */
export { Q, R };

const mod = (a: bigint): bigint => ((a % Q) + Q) % Q;

function inverse(a: bigint): bigint {
  // Extended Euclid on (a mod q, q).
  let [oldR, r] = [mod(a), Q];
  let [oldS, s] = [1n, 0n];
  if (oldR === 0n) throw new Error('inverse of 0');
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  return mod(oldS);
}

type Field<T> = {
  zero: T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  inv(a: T): T;
  eq(a: T, b: T): boolean;
  small(n: bigint): T;
};

const fp: Field<bigint> = {
  zero: 0n,
  add: (a, b) => mod(a + b),
  sub: (a, b) => mod(a - b),
  mul: (a, b) => mod(a * b),
  inv: inverse,
  eq: (a, b) => mod(a) === mod(b),
  small: (n) => mod(n),
};

/** Fp2 = Fp[u] / (u² + 1), as `[c0, c1]`. */
type Fp2 = readonly [bigint, bigint];
const fp2: Field<Fp2> = {
  zero: [0n, 0n],
  add: (a, b) => [mod(a[0] + b[0]), mod(a[1] + b[1])],
  sub: (a, b) => [mod(a[0] - b[0]), mod(a[1] - b[1])],
  mul: (a, b) => [mod(a[0] * b[0] - a[1] * b[1]), mod(a[0] * b[1] + a[1] * b[0])],
  inv: (a) => {
    const norm = inverse(mod(a[0] * a[0] + a[1] * a[1]));
    return [mod(a[0] * norm), mod(-a[1] * norm)];
  },
  eq: (a, b) => mod(a[0]) === mod(b[0]) && mod(a[1]) === mod(b[1]),
  small: (n) => [mod(n), 0n],
};

/** An affine point, or null for the point at infinity. */
type Affine<T> = readonly [T, T] | null;

function curve<T>(f: Field<T>) {
  const add = (p: Affine<T>, q: Affine<T>): Affine<T> => {
    if (p === null) return q;
    if (q === null) return p;
    const [x1, y1] = p;
    const [x2, y2] = q;
    let lambda: T;
    if (f.eq(x1, x2)) {
      if (!f.eq(y1, y2) || f.eq(y1, f.zero)) return null;
      lambda = f.mul(f.mul(f.small(3n), f.mul(x1, x1)), f.inv(f.mul(f.small(2n), y1)));
    } else {
      lambda = f.mul(f.sub(y2, y1), f.inv(f.sub(x2, x1)));
    }
    const x3 = f.sub(f.sub(f.mul(lambda, lambda), x1), x2);
    return [x3, f.sub(f.mul(lambda, f.sub(x1, x3)), y1)];
  };
  const mul = (p: Affine<T>, scalar: bigint): Affine<T> => {
    let result: Affine<T> = null;
    let addend = p;
    for (let k = scalar; k > 0n; k >>= 1n) {
      if (k & 1n) result = add(result, addend);
      addend = add(addend, addend);
    }
    return result;
  };
  return { add, mul };
}

const g1Curve = curve(fp);
const g2Curve = curve(fp2);

/** A G1 point as the EVM encodes it: `[x, y]`, `[0, 0]` = infinity. */
export type G1 = readonly [bigint, bigint];
/** A G2 point as the EVM encodes it: `[[x.c1, x.c0], [y.c1, y.c0]]`. */
export type G2 = readonly [readonly [bigint, bigint], readonly [bigint, bigint]];

const fromG1 = (p: G1): Affine<bigint> => (p[0] === 0n && p[1] === 0n ? null : [p[0], p[1]]);
const toG1 = (p: Affine<bigint>): G1 => p ?? [0n, 0n];
const fromG2 = (p: G2): Affine<Fp2> => [
  [p[0][1], p[0][0]],
  [p[1][1], p[1][0]],
];
const toG2 = (p: Affine<Fp2>): G2 => {
  if (p === null) throw new Error('G2 infinity');
  return [
    [p[0][1], p[0][0]],
    [p[1][1], p[1][0]],
  ];
};

/** a + b on G1. */
export const g1Add = (a: G1, b: G1): G1 => toG1(g1Curve.add(fromG1(a), fromG1(b)));
/** s·p on G1. */
export const g1Mul = (p: G1, s: bigint): G1 => toG1(g1Curve.mul(fromG1(p), s));
/** Whether p is on y² = x³ + 3 (infinity counts). */
export const g1OnCurve = (p: G1): boolean =>
  (p[0] === 0n && p[1] === 0n) || mod(p[1] * p[1]) === mod(p[0] * p[0] * p[0] + 3n);
/** a + b on G2. */
export const g2Add = (a: G2, b: G2): G2 => toG2(g2Curve.add(fromG2(a), fromG2(b)));
/** s·p on G2. */
export const g2Mul = (p: G2, s: bigint): G2 => toG2(g2Curve.mul(fromG2(p), s));
