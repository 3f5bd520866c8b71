/** The verifier worker pool: exact per-proof verdicts under concurrency, bounded queue, close. */
import { ageFixture, requestFor, reputationFixture } from '../../test/fixtures/credentials.js';
import {
  type ProofResult,
  type VerifierPool,
  buildWitnessInput,
  createVerifierPool,
  prove,
  shutdownZk,
} from './index.js';

let proofs: ProofResult[];
let pool: VerifierPool;

beforeAll(async () => {
  proofs = [
    await prove(buildWitnessInput(requestFor(ageFixture()))),
    await prove(buildWitnessInput(requestFor(reputationFixture()))),
  ];
  await shutdownZk();
  pool = await createVerifierPool({ threads: 2, maxBatch: 8 });
});
afterAll(async () => {
  await pool.close();
});

const tampered = (p: ProofResult): ProofResult => ({
  proof: p.proof,
  publicSignals: p.publicSignals.map((s, i) => (i === 5 ? String(BigInt(s) + 1n) : s)),
});

describe('verifier pool', () => {
  it('gives every one of many concurrent proofs its own verdict', async () => {
    const items = Array.from({ length: 60 }, (_, i) =>
      i % 5 === 3 ? tampered(proofs[i % 2]!) : proofs[i % 2]!,
    );
    const results = await pool.verifyMany(items);
    expect(results.map((r) => r.verified)).toEqual(items.map((_, i) => i % 5 !== 3));
    expect(pool.queued).toBe(0);
  });

  it('returns encoding failures as results', async () => {
    const res = await pool.verify({ pi_a: [] }, proofs[0]!.publicSignals);
    expect(res).toMatchObject({ verified: false, code: 'bad_proof_encoding' });
  });

  it('refuses work beyond its queue limit with `busy` (and still answers the rest)', async () => {
    const small = await createVerifierPool({ threads: 1, maxBatch: 1, maxQueue: 3 });
    try {
      const settled = await Promise.allSettled(
        Array.from({ length: 6 }, () => small.verify(proofs[0]!.proof, proofs[0]!.publicSignals)),
      );
      const busy = settled.filter((s) => s.status === 'rejected');
      expect(busy.length).toBeGreaterThan(0);
      for (const b of busy)
        expect((b as PromiseRejectedResult).reason).toMatchObject({ code: 'busy' });
      const done = settled.filter((s) => s.status === 'fulfilled') as PromiseFulfilledResult<{
        verified: boolean;
      }>[];
      expect(done.length).toBeGreaterThan(0);
      for (const d of done) expect(d.value.verified).toBe(true);
    } finally {
      await small.close();
    }
  });

  it('rejects new work after close', async () => {
    const p = await createVerifierPool({ threads: 1 });
    await p.close();
    await expect(p.verify(proofs[0]!.proof, proofs[0]!.publicSignals)).rejects.toMatchObject({
      code: 'busy',
    });
  });
});
