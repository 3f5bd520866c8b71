/**
 * The mcl-based verifier against snarkjs's own groth16.verify as an independent oracle:
 * identical verdicts on honest and tampered proofs, and batch verification that gives every
 * item its own exact verdict (a bad proof in a batch is found, the good ones still pass).
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
