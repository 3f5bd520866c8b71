/**
 * keys.ts: EdDSA-Poseidon sign/verify, public-key validation (C10, I02), holder secrets (W11,
 * C09) and nullifiers (W09).
 *
 * The tests carry their own BabyJubJub arithmetic (twisted Edwards a·x² + y² = 1 + d·x²·y² over
 * BN254's scalar field, projective coordinates, Tonelli–Shanks square roots) so that curve
 * membership, subgroup membership and the low-order points are derived independently of
 * circomlibjs, and so that the forgeries below can be built by hand.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { expectZkError } from '../../test/helpers/expect.js';
import { ZK_ERROR } from './errors.js';
import { SNARK_FIELD_SIZE, SUBGROUP_ORDER } from './field.js';
import {
  type Point,
  type Signature,
  assertHolderSecret,
  computeNullifier,
  generateIssuerPrivateKey,
  holderCommitment,
  holderSecretFromSeed,
  isValidPublicKey,
  issuerKeyHash,
  issuerPublicKey,
  signMessage,
  verifySignature,
} from './keys.js';
import { poseidon } from './poseidon.js';

const p = SNARK_FIELD_SIZE;
const l = SUBGROUP_ORDER;

// ---------------------------------------------------------------------------------------------
// Independent BabyJubJub arithmetic (EIP-2494 parameters).
// ---------------------------------------------------------------------------------------------

const A_COEF = 168700n;
const D_COEF = 168696n;
const mod = (x: bigint): bigint => ((x % p) + p) % p;

function powMod(b: bigint, e: bigint): bigint {
  let result = 1n;
  let base = mod(b);
  for (let x = e; x > 0n; x >>= 1n) {
    if (x & 1n) result = (result * base) % p;
    base = (base * base) % p;
  }
  return result;
}
const inv = (x: bigint): bigint => powMod(x, p - 2n);

function onCurve([x, y]: Point): boolean {
  const x2 = mod(x * x);
  const y2 = mod(y * y);
  return mod(A_COEF * x2 + y2) === mod(1n + D_COEF * x2 * y2);
}

type Proj = [bigint, bigint, bigint];
/** Unified projective addition (add-2008-bbjlp); also valid for doubling and the identity. */
function addProj([X1, Y1, Z1]: Proj, [X2, Y2, Z2]: Proj): Proj {
  const A = (Z1 * Z2) % p;
  const B = (A * A) % p;
  const C = (X1 * X2) % p;
  const D = (Y1 * Y2) % p;
  const E = (((D_COEF * C) % p) * D) % p;
  const F = mod(B - E);
  const G = (B + E) % p;
  const X3 = (((A * F) % p) * mod((X1 + Y1) * (X2 + Y2) - C - D)) % p;
  const Y3 = (((A * G) % p) * mod(D - A_COEF * C)) % p;
  return [X3, Y3, (F * G) % p];
}
const toAffine = ([X, Y, Z]: Proj): Point => {
  const zi = inv(Z);
  return [(X * zi) % p, (Y * zi) % p];
};
const add = (a: Point, b: Point): Point => toAffine(addProj([a[0], a[1], 1n], [b[0], b[1], 1n]));
function mul(P: Point, k: bigint): Point {
  let acc: Proj = [0n, 1n, 1n];
  let base: Proj = [P[0], P[1], 1n];
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) acc = addProj(acc, base);
    base = addProj(base, base);
  }
  return toAffine(acc);
}
const isIdentity = (P: Point): boolean => P[0] === 0n && P[1] === 1n;
const eqPoint = (a: Point, b: Point): boolean => a[0] === b[0] && a[1] === b[1];

/** Square root mod p (Tonelli–Shanks; p − 1 = 2^28 · odd), or undefined for a non-residue. */
function sqrtMod(n: bigint): bigint | undefined {
  const a = mod(n);
  if (a === 0n) return 0n;
  if (powMod(a, (p - 1n) / 2n) !== 1n) return undefined;
  let q = p - 1n;
  let s = 0n;
  while ((q & 1n) === 0n) {
    q >>= 1n;
    s++;
  }
  let z = 2n;
  while (powMod(z, (p - 1n) / 2n) !== p - 1n) z++;
  let m = s;
  let c = powMod(z, q);
  let t = powMod(a, q);
  let root = powMod(a, (q + 1n) / 2n);
  while (t !== 1n) {
    let i = 0n;
    let t2 = t;
    while (t2 !== 1n) {
      t2 = (t2 * t2) % p;
      i++;
    }
    const b = powMod(c, 1n << (m - i - 1n));
    m = i;
    c = (b * b) % p;
    t = (t * c) % p;
    root = (root * b) % p;
  }
  return root;
}

/** circomlib's Base8 (babyjub.js), the generator of the order-l subgroup used by its EdDSA. */
const BASE8: Point = [
  5299619240641551281634865583518297030282874472190772894086521144482721001553n,
  16950150798460657717958625567821834550301663161624707787222815936182638968203n,
];

/**
 * A curve point outside the prime subgroup and a point of order exactly 8, derived here:
 * for x = 1, 2, 3, … solve y² = (1 − a·x²) / (1 − d·x²); the first solution P whose l·P has
 * order 8 gives P (order 8·l, on the curve, not in the subgroup) and T8 = l·P.
 */
function deriveLowOrderPoints(): { P: Point; T8: Point } {
  for (let x = 1n; x < 1000n; x++) {
    const y = sqrtMod(mod(1n - A_COEF * x * x) * inv(mod(1n - D_COEF * x * x)));
    if (y === undefined) continue;
    const P: Point = [x, y];
    const T = mul(P, l);
    if (!isIdentity(mul(T, 4n))) return { P, T8: T };
  }
  throw new Error('no point of order 8·l found');
}
const { P: NON_SUBGROUP, T8 } = deriveLowOrderPoints();
const T4 = mul(T8, 2n);
const T2 = mul(T8, 4n);

/** The verification equation without any subgroup check: S·B8 = R8 + 8·H(R8, A, m)·A. */
function rawEquationHolds(m: bigint, sig: Signature, A: Point): boolean {
  const hm = poseidon([sig.R8[0], sig.R8[1], A[0], A[1], m]);
  return eqPoint(mul(BASE8, sig.S), add(sig.R8, mul(A, 8n * hm)));
}

/** Independent EdDSA-Poseidon signer with a raw scalar `a` for key A (A = a·B8 unless given). */
function signRaw(a: bigint, k: bigint, m: bigint, A: Point = mul(BASE8, a)): Signature {
  const R8 = mul(BASE8, k);
  const hm = poseidon([R8[0], R8[1], A[0], A[1], m]);
  return { R8, S: (k + 8n * hm * a) % l };
}

const issuer = (() => {
  const sk = new Uint8Array(32).fill(1);
  return { sk, pk: issuerPublicKey(sk) };
})();
const other = (() => {
  const sk = new Uint8Array(32).fill(2);
  return { sk, pk: issuerPublicKey(sk) };
})();
const MSG = 123456789n;
const SIG = signMessage(issuer.sk, MSG);

/** verifySignature must return exactly false (not throw) for malformed input. */
function expectRejected(m: unknown, sig: unknown, pk: unknown): void {
  let out: unknown;
  expect(() => {
    out = verifySignature(m as bigint, sig as Signature, pk as Point);
  }).not.toThrow();
  expect(out).toBe(false);
}

describe('independent curve helpers (sanity of the test oracle)', () => {
  it('Base8 is on the curve and has order l', () => {
    expect(onCurve(BASE8)).toBe(true);
    expect(isIdentity(mul(BASE8, l))).toBe(true);
    expect(isIdentity(mul(BASE8, 8n))).toBe(false);
  });

  it('derives points of order 8, 4 and 2, and (0, r − 1) is the order-2 point', () => {
    for (const T of [T8, T4, T2, NON_SUBGROUP]) expect(onCurve(T)).toBe(true);
    expect(isIdentity(mul(T8, 8n))).toBe(true);
    expect(isIdentity(mul(T8, 4n))).toBe(false);
    expect(isIdentity(mul(T4, 4n))).toBe(true);
    expect(isIdentity(mul(T4, 2n))).toBe(false);
    expect(T2).toEqual([0n, p - 1n]);
    expect(isIdentity(mul(NON_SUBGROUP, l))).toBe(false);
    expect(isIdentity(mul(NON_SUBGROUP, 8n))).toBe(false);
  });
});

describe('issuer keys', () => {
  it('issuerPublicKey is a point on the curve inside the prime subgroup (checked independently)', () => {
    for (const { pk } of [issuer, other]) {
      expect(onCurve(pk)).toBe(true);
      expect(isIdentity(mul(pk, l))).toBe(true);
      expect(isIdentity(pk)).toBe(false);
      expect(isValidPublicKey(pk)).toBe(true);
    }
    expect(eqPoint(issuer.pk, other.pk)).toBe(false);
  });

  it('issuerPublicKey is deterministic and refuses keys that are not 32 bytes', () => {
    expect(issuerPublicKey(new Uint8Array(32).fill(1))).toEqual(issuer.pk);
    for (const bad of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0), [1, 2, 3], 'k']) {
      expectZkError(() => issuerPublicKey(bad as Uint8Array), ZK_ERROR.badKey);
    }
  });

  it('generateIssuerPrivateKey returns fresh 32-byte keys', () => {
    const a = generateIssuerPrivateKey();
    const b = generateIssuerPrivateKey();
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a.length).toBe(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(isValidPublicKey(issuerPublicKey(a))).toBe(true);
  });

  it('issuerKeyHash is Poseidon(Ax, Ay) and differs between keys', () => {
    expect(issuerKeyHash(issuer.pk)).toBe(poseidon([issuer.pk[0], issuer.pk[1]]));
    expect(issuerKeyHash(issuer.pk)).not.toBe(issuerKeyHash(other.pk));
  });

  it('issuerKeyHash refuses every invalid key with bad_key (I02)', () => {
    const bad: unknown[] = [
      [0n, 1n],
      T2,
      T4,
      T8,
      NON_SUBGROUP,
      add(issuer.pk, T8),
      [issuer.pk[0], issuer.pk[1] + 1n],
      [issuer.pk[0] + p, issuer.pk[1]],
      [issuer.pk[0]],
      [...issuer.pk, 1n],
      [Number(issuer.pk[0]), Number(issuer.pk[1])],
      null,
    ];
    for (const k of bad) expectZkError(() => issuerKeyHash(k as Point), ZK_ERROR.badKey);
  });
});

describe('isValidPublicKey (I02)', () => {
  it('refuses the identity, low-order points and points outside the prime subgroup', () => {
    expect(isValidPublicKey([0n, 1n])).toBe(false);
    expect(isValidPublicKey([0n, p - 1n])).toBe(false); // order 2
    expect(isValidPublicKey(T4)).toBe(false);
    expect(isValidPublicKey(T8)).toBe(false);
    expect(isValidPublicKey(NON_SUBGROUP)).toBe(false); // order 8·l
    expect(isValidPublicKey(add(issuer.pk, T8))).toBe(false); // A + T: on the curve, l·(A+T) ≠ O
    expect(isValidPublicKey(add(issuer.pk, T2))).toBe(false);
    expect(isValidPublicKey(mul(NON_SUBGROUP, 8n))).toBe(true); // cofactor-cleared: in the subgroup
  });

  it('refuses off-curve points, non-canonical coordinates and wrong shapes', () => {
    const [x, y] = issuer.pk;
    for (const k of [
      [x, y + 1n],
      [1n, 1n],
      [x + p, y],
      [x, y + p],
      [x - p, y],
      [-1n, y],
      [x],
      [x, y, 1n],
      [],
      [Number(x), Number(y)],
      [x.toString(), y.toString()],
      { 0: x, 1: y, length: 2 },
      null,
      undefined,
      'A',
    ] as unknown[]) {
      expect(isValidPublicKey(k)).toBe(false);
    }
  });

  it('accepts every subgroup point k·B8, k in [1, l) (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: l - 1n }), (k) => {
        const P = mul(BASE8, k);
        expect(isValidPublicKey(P)).toBe(true);
        expect(isValidPublicKey(add(P, T8))).toBe(false);
      }),
      { numRuns: 10 },
    );
  });
});

describe('signMessage / verifySignature', () => {
  it('verifies its own signatures, which satisfy S < l and R8 on the curve', () => {
    expect(verifySignature(MSG, SIG, issuer.pk)).toBe(true);
    expect(SIG.S >= 0n && SIG.S < l).toBe(true);
    expect(onCurve(SIG.R8)).toBe(true);
    expect(rawEquationHolds(MSG, SIG, issuer.pk)).toBe(true);
    expect(signMessage(issuer.sk, MSG)).toEqual(SIG); // deterministic
  });

  it('accepts signatures made by the independent signer (same equation as the circuit)', () => {
    const a = 1234567890123456789n;
    const A = mul(BASE8, a);
    expect(verifySignature(MSG, signRaw(a, 987654321n, MSG), A)).toBe(true);
    expect(verifySignature(MSG + 1n, signRaw(a, 987654321n, MSG), A)).toBe(false);
  });

  it('round-trips for random keys and messages, and fails for another message or key (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 0n, max: p - 1n }),
        (sk, m) => {
          const pk = issuerPublicKey(sk);
          const sig = signMessage(sk, m);
          expect(verifySignature(m, sig, pk)).toBe(true);
          expect(verifySignature((m + 1n) % p, sig, pk)).toBe(false);
          expect(verifySignature(m, sig, other.pk)).toBe(false);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('signs the edges of the field: 0 and r − 1', () => {
    for (const m of [0n, p - 1n]) {
      expect(verifySignature(m, signMessage(issuer.sk, m), issuer.pk)).toBe(true);
    }
  });

  it('signMessage refuses bad keys (bad_key) and messages outside [0, r) (out_of_range)', () => {
    expectZkError(() => signMessage(new Uint8Array(31), 1n), ZK_ERROR.badKey);
    expectZkError(() => signMessage(issuer.sk, p), ZK_ERROR.outOfRange);
    expectZkError(() => signMessage(issuer.sk, -1n), ZK_ERROR.outOfRange);
    expectZkError(() => signMessage(issuer.sk, 1 as unknown as bigint), ZK_ERROR.outOfRange);
  });

  it('returns false for S + l, S ≥ 2^253, negative S and non-bigint S (C10)', () => {
    // (S + l)·B8 = S·B8: the malleated signature satisfies the curve equation, so only the
    // S < l check can refuse it.
    const malleated = { R8: SIG.R8, S: SIG.S + l };
    expect(rawEquationHolds(MSG, malleated, issuer.pk)).toBe(true);
    expectRejected(MSG, malleated, issuer.pk);
    for (const S of [
      SIG.S + 2n * l,
      2n ** 253n,
      2n ** 253n + SIG.S,
      2n ** 256n,
      l,
      -1n,
      SIG.S - l,
      -SIG.S,
      Number(SIG.S),
      SIG.S.toString(),
      undefined,
      null,
    ] as unknown[]) {
      expectRejected(MSG, { R8: SIG.R8, S }, issuer.pk);
    }
  });

  it('returns false for R8 off the curve, of the wrong length or with non-canonical coordinates', () => {
    const [x, y] = SIG.R8;
    for (const R8 of [
      [x, y + 1n],
      [1n, 1n],
      [x + p, y], // same point mod p: only the canonical-coordinate check refuses it
      [x, y - p],
      [x],
      [x, y, 1n],
      [],
      [Number(x), Number(y)],
      'R8',
      null,
    ] as unknown[]) {
      expectRejected(MSG, { R8, S: SIG.S }, issuer.pk);
    }
  });

  it('returns false for a message outside [0, r), incl. m + r (same value mod r)', () => {
    for (const m of [MSG + p, p, -1n, -MSG, Number(MSG), MSG.toString()] as unknown[]) {
      expectRejected(m, SIG, issuer.pk);
    }
  });

  it('returns false for the wrong key, a malformed signature object or a malformed key', () => {
    expectRejected(MSG, SIG, other.pk);
    for (const sig of [null, undefined, 0, 'sig', {}, { R8: SIG.R8 }, { S: SIG.S }] as unknown[]) {
      expectRejected(MSG, sig, issuer.pk);
    }
    const [x, y] = issuer.pk;
    for (const pk of [
      [x, y + 1n],
      [x + p, y],
      [x],
      [x, y, 0n],
      null,
      [0n, 1n],
      [0n, p - 1n],
      T4,
      T8,
      NON_SUBGROUP,
    ] as unknown[]) {
      expectRejected(MSG, SIG, pk);
    }
  });

  it('returns false for forgeries under low-order keys that satisfy the raw equation (I02)', () => {
    // With A of order dividing 8, 8·h·A = O, so R8 = S·B8 "verifies" any message for any S.
    const S = 4242424242n;
    const forged: Signature = { R8: mul(BASE8, S), S };
    for (const A of [[0n, 1n] as Point, T2, T4, T8]) {
      expect(rawEquationHolds(MSG, forged, A)).toBe(true);
      expectRejected(MSG, forged, A);
    }
  });

  it('returns false for a valid-looking signature under A + T8 (a key outside the subgroup)', () => {
    // The owner of a signs for A' = a·B8 + T8: 8·h·A' = 8·h·a·B8, so the raw equation holds.
    const a = 98765432109876543210n;
    const A2 = add(mul(BASE8, a), T8);
    const sig = signRaw(a, 55555n, MSG, A2);
    expect(onCurve(A2)).toBe(true);
    expect(rawEquationHolds(MSG, sig, A2)).toBe(true);
    expectRejected(MSG, sig, A2);
  });

  it('never throws on arbitrary garbage (property)', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (m, sig, pk) => {
        expectRejected(m, sig, pk);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.record({
          R8: fc.oneof(fc.constant(SIG.R8), fc.array(fc.bigInt(), { maxLength: 3 })),
          S: fc.oneof(fc.bigInt(), fc.constant(SIG.S + l)),
        }),
        (sig) => {
          expectRejected(MSG, sig, issuer.pk);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('returns false when S is shifted by any amount in (0, l) (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: l - 1n }), (delta) => {
        expect(verifySignature(MSG, { R8: SIG.R8, S: (SIG.S + delta) % l }, issuer.pk)).toBe(false);
      }),
      { numRuns: 10 },
    );
  });
});

describe('holder secrets (W11, C09)', () => {
  const reference = (seed: Uint8Array): bigint => {
    const h = createHash('sha512').update('zkrep/holder-secret/v1').update(seed).digest('hex');
    const s = BigInt('0x' + h) % l;
    return s === 0n ? 1n : s;
  };

  it('holderSecretFromSeed is always in [1, l) and equals SHA-512(domain ‖ seed) mod l (property)', () => {
    const secrets: bigint[] = [];
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 128 }), (seed) => {
        const s = holderSecretFromSeed(seed);
        expect(s >= 1n && s < l).toBe(true);
        expect(s).toBe(reference(seed));
        expect(assertHolderSecret(s)).toBe(s);
        secrets.push(s);
      }),
      { numRuns: 500 },
    );
    // The reduction uses all 512 bits: secrets spread over [1, l) (fails with prob. ≈ 2^-400).
    expect(secrets.some((s) => s > l / 2n)).toBe(true);
    expect(secrets.some((s) => s < l / 2n)).toBe(true);
  });

  it('is deterministic and gives different secrets for different seeds (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 64 }),
        fc.uint8Array({ minLength: 16, maxLength: 64 }),
        (a, b) => {
          expect(holderSecretFromSeed(a)).toBe(holderSecretFromSeed(Uint8Array.from(a)));
          if (!Buffer.from(a).equals(Buffer.from(b))) {
            expect(holderSecretFromSeed(a)).not.toBe(holderSecretFromSeed(b));
          }
        },
      ),
      { numRuns: 300 },
    );
    // Seeds that differ only in length (a trailing zero byte) differ too.
    expect(holderSecretFromSeed(new Uint8Array(16))).not.toBe(
      holderSecretFromSeed(new Uint8Array(17)),
    );
  });

  it('refuses seeds shorter than 16 bytes and non-byte seeds with bad_key', () => {
    for (let n = 0; n < 16; n++) {
      expectZkError(() => holderSecretFromSeed(new Uint8Array(n).fill(7)), ZK_ERROR.badKey);
    }
    for (const bad of [Array(32).fill(1), 'a'.repeat(32), null, undefined, 42n] as unknown[]) {
      expectZkError(() => holderSecretFromSeed(bad as Uint8Array), ZK_ERROR.badKey);
    }
    expect(holderSecretFromSeed(new Uint8Array(16).fill(7))).toBe(
      reference(new Uint8Array(16).fill(7)),
    );
  });

  it('assertHolderSecret accepts exactly [1, l)', () => {
    expect(assertHolderSecret(1n)).toBe(1n);
    expect(assertHolderSecret(l - 1n)).toBe(l - 1n);
    for (const s of [0n, l, l + 1n, -1n, p - 1n, 1, '1', null] as unknown[]) {
      expectZkError(() => assertHolderSecret(s as bigint), ZK_ERROR.badKey);
    }
  });

  it('holderCommitment is Poseidon(secret) and refuses the alias secret + l (C09)', () => {
    const s = holderSecretFromSeed(new Uint8Array(32).fill(7));
    expect(holderCommitment(s)).toBe(poseidon([s]));
    expect(holderCommitment(s)).not.toBe(holderCommitment(s === 1n ? 2n : s - 1n));
    expectZkError(() => holderCommitment(s + l), ZK_ERROR.badKey);
    expectZkError(() => holderCommitment(0n), ZK_ERROR.badKey);
  });
});

describe('computeNullifier (W09, C09)', () => {
  const s1 = holderSecretFromSeed(new Uint8Array(32).fill(7));
  const s2 = holderSecretFromSeed(new Uint8Array(32).fill(9));

  it('is Poseidon(secret, scope) in that order and deterministic', () => {
    expect(computeNullifier(s1, 4242n)).toBe(poseidon([s1, 4242n]));
    expect(computeNullifier(s1, 4242n)).not.toBe(poseidon([4242n, s1]));
    expect(computeNullifier(s1, 4242n)).toBe(computeNullifier(s1, 4242n));
    expect(computeNullifier(s1, 4242n)).not.toBe(holderCommitment(s1));
  });

  it('differs across scopes and across holders (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: l - 1n }),
        fc.bigInt({ min: 1n, max: l - 1n }),
        fc.bigInt({ min: 0n, max: p - 1n }),
        fc.bigInt({ min: 0n, max: p - 1n }),
        (a, b, scope1, scope2) => {
          if (scope1 !== scope2) {
            expect(computeNullifier(a, scope1)).not.toBe(computeNullifier(a, scope2));
          }
          if (a !== b) expect(computeNullifier(a, scope1)).not.toBe(computeNullifier(b, scope1));
        },
      ),
      { numRuns: 300 },
    );
    expect(computeNullifier(s1, 1n)).not.toBe(computeNullifier(s2, 1n));
  });

  it('refuses out-of-range secrets (bad_key) and scopes (out_of_range)', () => {
    expectZkError(() => computeNullifier(s1 + l, 1n), ZK_ERROR.badKey);
    expectZkError(() => computeNullifier(0n, 1n), ZK_ERROR.badKey);
    expectZkError(() => computeNullifier(s1, p), ZK_ERROR.outOfRange);
    expectZkError(() => computeNullifier(s1, -1n), ZK_ERROR.outOfRange);
    expect(computeNullifier(s1, 0n)).toBe(poseidon([s1, 0n]));
    expect(computeNullifier(s1, p - 1n)).toBe(poseidon([s1, p - 1n]));
  });
});
