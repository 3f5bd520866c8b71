/**
 * Witness calculation prints nothing and touches no global. circom's runtime prints a failed
 * assert's "ERROR: …" from its wasm imports; the zk core keeps those messages for its ZkError
 * instead of muting console.error/console.log around the call (across `await`s, two
 * overlapping calls used to leave the console muted for the rest of the process). Overlapping
 * calculations share one wasm instance, so they must also each get their own witness.
 */
import { jest } from '@jest/globals';
import { ageFixture, reputationFixture, requestFor } from '../../test/fixtures/credentials.js';
import {
  type CircuitInput,
  ZkError,
  buildWitnessInput,
  calculateWitness,
  calculateWitnessValues,
} from './index.js';

const good = buildWitnessInput(requestFor(ageFixture()));
const other = buildWitnessInput(requestFor(reputationFixture()));
// a signature that does not verify: the circuit's EdDSA assert fails
const bad: CircuitInput = { ...good, sigS: String(BigInt(good.sigS as string) + 1n) };

describe('witness calculation and the console', () => {
  it('overlapping calculations (one failing) print nothing and leave console.log/error alone', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const [errorBefore, logBefore] = [console.error, console.log];
      const settled = await Promise.allSettled([
        calculateWitnessValues(good),
        calculateWitnessValues(bad),
        calculateWitness(other),
        calculateWitnessValues(bad),
        calculateWitnessValues(good),
      ]);
      expect(settled.map((s) => s.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      for (const s of settled.filter((x) => x.status === 'rejected')) {
        const reason = (s as PromiseRejectedResult).reason as unknown;
        expect(reason).toBeInstanceOf(ZkError);
        // the runtime's message was captured (it names the failing template), not printed
        expect(reason).toMatchObject({
          code: 'witness_failed',
          message: expect.stringMatching(/^the inputs do not satisfy the circuit \(\w+ line \d+/),
        });
      }
      expect(console.error).toBe(errorBefore);
      expect(console.log).toBe(logBefore);
      expect(error).not.toHaveBeenCalled();
      expect(log).not.toHaveBeenCalled();
      // later output reaches whatever console.error/log were before
      console.error('a later error');
      console.log('a later line');
      expect(error).toHaveBeenCalledWith('a later error');
      expect(log).toHaveBeenCalledWith('a later line');
    } finally {
      error.mockRestore();
      log.mockRestore();
    }
  });

  it('overlapping calculations each get the witness of their own input', async () => {
    const a = await calculateWitnessValues(good);
    const b = await calculateWitnessValues(other);
    expect(a).not.toEqual(b);
    const together = await Promise.allSettled([
      calculateWitnessValues(good),
      calculateWitnessValues(other),
      calculateWitnessValues(bad),
      calculateWitnessValues(good),
    ]);
    expect(together.map((s) => (s.status === 'fulfilled' ? s.value : 'failed'))).toEqual([
      a,
      b,
      'failed',
      a,
    ]);
  });
});
