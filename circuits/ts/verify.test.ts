/**
 * The mcl-based verifier against snarkjs's own groth16.verify as an independent oracle:
 * identical verdicts on honest and tampered proofs, and batch verification that gives every
 * item its own exact verdict (a bad proof in a batch is found, the good ones still pass);
 * the prepared-key cache (one preparation per key, however many verifications) and the
 * normaliser that reads untrusted input.
 */
import fc from 'fast-check';
import * as snarkjs from 'snarkjs';
import { ageFixture, requestFor, reputationFixture } from '../../test/fixtures/credentials.js';
import {
  type Groth16Proof,
  type ProofResult,
  SNARK_FIELD_SIZE,
  buildWitnessInput,
  loadVerificationKey,
  prove,
  shutdownZk,
  verify,
  verifyBatch,
} from './index.js';
import { normalizeVerifyItem, preparedKeyCacheStats } from './verify.js';

const vk = loadVerificationKey();
let proofs: ProofResult[];
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const oracle = (p: ProofResult): Promise<boolean> =>
  snarkjs.groth16.verify(vk, p.publicSignals, p.proof);
const ours = async (p: ProofResult): Promise<boolean> =>
  (await verify(p.proof, p.publicSignals, vk)).verified;

beforeAll(async () => {
  proofs = [
    await prove(buildWitnessInput(requestFor(ageFixture()))),
    await prove(buildWitnessInput(requestFor(reputationFixture()))),
    await prove(buildWitnessInput(requestFor(ageFixture(), { scope: 77n, signalHash: 5n }))),
  ];
});
afterAll(async () => {
  await shutdownZk();
});

describe('mcl verifier agrees with snarkjs', () => {
  it('accepts every honest proof', async () => {
    for (const p of proofs) {
      expect(await oracle(p)).toBe(true);
      expect(await ours(p)).toBe(true);
    }
  });

  it('rejects tampered public signals exactly when snarkjs does (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 6 }),
        fc.bigInt({ min: 1n, max: SNARK_FIELD_SIZE - 1n }),
        async (k, i, delta) => {
          const p = clone(proofs[k]!);
          p.publicSignals[i] = String((BigInt(p.publicSignals[i]!) + delta) % SNARK_FIELD_SIZE);
          expect(await ours(p)).toBe(await oracle(p));
          expect(await ours(p)).toBe(false);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('rejects recombined proofs exactly when snarkjs does', async () => {
    const [a, b] = [proofs[0]!, proofs[2]!];
    const mix = (f: (p: Groth16Proof) => void, signals = a.publicSignals): ProofResult => {
      const p = clone(a.proof);
      f(p);
      return { proof: p, publicSignals: [...signals] };
    };
    const cases: ProofResult[] = [
      mix((p) => ([p.pi_a, p.pi_c] = [p.pi_c, p.pi_a])),
      mix((p) => (p.pi_a = b.proof.pi_a)),
      mix((p) => (p.pi_b = b.proof.pi_b)),
      mix((p) => (p.pi_c = b.proof.pi_c)),
      mix(() => {}, b.publicSignals),
      { proof: b.proof, publicSignals: a.publicSignals },
    ];
    for (const c of cases) {
      expect(await oracle(c)).toBe(false);
      expect(await ours(c)).toBe(false);
    }
  });
});

describe('batch verification', () => {
  it('verifies a batch of honest proofs', () => {
    const res = verifyBatch(proofs, vk);
    expect(res.map((r) => r.verified)).toEqual([true, true, true]);
  });

  it('finds the one bad proof in a batch and still accepts the others', () => {
    const bad = clone(proofs[1]!);
    bad.publicSignals[4] = String(BigInt(bad.publicSignals[4]!) + 1n);
    const res = verifyBatch([proofs[0]!, bad, proofs[2]!, proofs[0]!], vk);
    expect(res.map((r) => (r.verified ? 'ok' : r.code))).toEqual([
      'ok',
      'proof_invalid',
      'ok',
      'ok',
    ]);
  });

  it('reports malformed items with their own code without failing the batch', () => {
    const res = verifyBatch(
      [
        proofs[0]!,
        { proof: proofs[1]!.proof, publicSignals: ['1'] },
        { proof: null, publicSignals: proofs[2]!.publicSignals },
      ],
      vk,
    );
    expect(res.map((r) => (r.verified ? 'ok' : r.code))).toEqual([
      'ok',
      'bad_public_signals',
      'bad_proof_encoding',
    ]);
  });

  it('two proofs whose errors cancel are not accepted together (random weights)', () => {
    // swap the C points of two proofs: each is invalid; a naive sum check could miss it
    const x = clone(proofs[0]!);
    const y = clone(proofs[2]!);
    [x.proof.pi_c, y.proof.pi_c] = [y.proof.pi_c, x.proof.pi_c];
    expect(verifyBatch([x, y], vk).map((r) => r.verified)).toEqual([false, false]);
  });

  it('an empty batch is an empty result', () => {
    expect(verifyBatch([], vk)).toEqual([]);
  });
});

describe('prepared verification keys', () => {
  const p = (): ProofResult => proofs[0]!;
  const delta = (before: { preparations: number; hits: number }) => {
    const now = preparedKeyCacheStats();
    return { preparations: now.preparations - before.preparations, hits: now.hits - before.hits };
  };

  it('verify() without a key prepares the locked key once, however many verifications', async () => {
    expect((await verify(p().proof, p().publicSignals)).verified).toBe(true);
    const before = preparedKeyCacheStats();
    for (let i = 0; i < 5; i++) {
      expect((await verify(p().proof, p().publicSignals)).verified).toBe(true);
    }
    expect(verifyBatch(proofs).map((r) => r.verified)).toEqual([true, true, true]);
    expect(delta(before)).toEqual({ preparations: 0, hits: 6 });
  });

  it('a fresh copy of a known key is recognised by its content', async () => {
    expect((await verify(p().proof, p().publicSignals)).verified).toBe(true);
    const before = preparedKeyCacheStats();
    for (let i = 0; i < 3; i++) {
      const copy = loadVerificationKey();
      expect((await verify(p().proof, p().publicSignals, copy)).verified).toBe(true);
    }
    expect(delta(before)).toEqual({ preparations: 0, hits: 3 });
  });

  it('a different key gets its own prepared key (and rejects a valid proof)', async () => {
    const wrong = clone(vk) as { IC: unknown[] };
    wrong.IC[1] = wrong.IC[2]; // still valid points, another circuit's key
    const before = preparedKeyCacheStats();
    for (let i = 0; i < 2; i++) {
      expect(await verify(p().proof, p().publicSignals, wrong)).toEqual({
        verified: false,
        code: 'proof_invalid',
        message: 'the proof does not verify',
      });
    }
    expect(delta(before).preparations).toBe(1);
    // the locked key's prepared form is untouched
    expect((await verify(p().proof, p().publicSignals)).verified).toBe(true);
    expect((await verify(p().proof, p().publicSignals, vk)).verified).toBe(true);
    expect(delta(before).preparations).toBe(1);
  });

  it('an unusable key throws bad_key (a verdict is never given with it)', async () => {
    const variants: unknown[] = [
      { ...clone(vk), vk_alpha_1: ['1', '3', '1'] }, // off the curve
      { ...clone(vk), nPublic: 3 },
      { ...clone(vk), IC: (vk.IC as unknown[]).slice(0, 3) },
      {
        ...clone(vk),
        vk_delta_2: [
          ['1', '2'],
          ['3', '4'],
          ['1', '0'],
        ],
      },
      { ...clone(vk), extra: 1n }, // not JSON
      'not a key',
    ];
    for (const bad of variants) {
      await expect(
        verify(p().proof, p().publicSignals, bad as Record<string, unknown>),
      ).rejects.toMatchObject({ name: 'ZkError', code: 'bad_key' });
    }
  });
});

describe('normalizeVerifyItem (untrusted input)', () => {
  it('copies an accepted item into fresh arrays of strings', () => {
    const input = clone(proofs[0]!);
    const n = normalizeVerifyItem(input.proof, input.publicSignals);
    if ('verified' in n) throw new Error(n.message);
    expect(n).toEqual({ proof: proofs[0]!.proof, publicSignals: proofs[0]!.publicSignals });
    expect(n.publicSignals).not.toBe(input.publicSignals);
    expect(n.proof.pi_b[0]).not.toBe(input.proof.pi_b[0]);
    input.publicSignals[0] = '1';
    input.proof.pi_b[0][0] = '1';
    expect(n.publicSignals[0]).toBe(proofs[0]!.publicSignals[0]);
    expect(n.proof.pi_b[0][0]).toBe(proofs[0]!.proof.pi_b[0][0]);
  });

  it('checks a huge array by its length and never reads its elements', () => {
    let reads = 0;
    const counting = <T extends object>(t: T): T =>
      new Proxy(t, {
        get(target, key, receiver) {
          if (typeof key === 'string' && /^[0-9]+$/.test(key)) reads++;
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
    const huge = counting(new Array<string>(10_000_000));
    expect(normalizeVerifyItem(proofs[0]!.proof, huge)).toMatchObject({
      code: 'bad_public_signals',
    });
    const proof = { ...proofs[0]!.proof, pi_b: counting(new Array(10_000_000)) };
    expect(normalizeVerifyItem(proof, proofs[0]!.publicSignals)).toMatchObject({
      code: 'bad_proof_encoding',
    });
    expect(reads).toBe(0);
  });

  it('reads each value once: a getter cannot pass the check and then change', () => {
    let reads = 0;
    const signals = [...proofs[0]!.publicSignals];
    Object.defineProperty(signals, 6, {
      get() {
        reads++;
        return reads === 1 ? proofs[0]!.publicSignals[6] : 'not a number';
      },
    });
    const n = normalizeVerifyItem(proofs[0]!.proof, signals);
    expect(n).toMatchObject({ publicSignals: proofs[0]!.publicSignals });
    expect(reads).toBe(1);
  });

  it('refuses over-long strings and non-strings before parsing them', () => {
    const s = proofs[0]!.publicSignals;
    const at = (v: unknown): unknown[] => s.map((x, i) => (i === 0 ? v : x));
    for (const v of [
      '0'.repeat(79),
      '1'.repeat(1 << 20),
      5,
      5n,
      null,
      ['1'],
      { toString: () => '1' },
    ]) {
      expect(normalizeVerifyItem(proofs[0]!.proof, at(v))).toEqual({
        verified: false,
        code: 'bad_public_signals',
        message: 'public signals must be canonical decimal strings below r',
      });
    }
  });
});
