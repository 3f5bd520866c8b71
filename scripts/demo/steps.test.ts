/**
 * The demo's step runner (scripts/demo/steps.ts): one line per step, ✓ with what was observed or
 * ✗ with what was expected and what was got; a failed step does not stop the next; the exit code
 * is 0 only when every step held.
 */
import { ExpectationFailed, StepRunner, describeError, expectThat } from './steps.js';

const runner = () => {
  const lines: string[] = [];
  return { lines, steps: new StepRunner((l) => lines.push(l)) };
};

describe('the demo step runner', () => {
  it('prints ✓ with what was observed, and exits 0 when every step held', async () => {
    const { lines, steps } = runner();
    const got = await steps.step('1 one', async () => ({ observed: 'it held', value: 7 }));
    await steps.step('2 two', async () => {
      expectThat(1 + 1 === 2, 'two', 'not two');
      return { observed: 'also held' };
    });
    expect(got).toEqual({ observed: 'it held', value: 7 });
    expect(lines).toEqual(['✓ 1 one: it held', '✓ 2 two: also held']);
    expect([steps.failed, steps.exitCode(), steps.summary()]).toEqual([
      0,
      0,
      'demo: all 2 steps held',
    ]);
  });

  it('a failed expectation is ✗ expected …, got …; the next step still runs; exit 1', async () => {
    const { lines, steps } = runner();
    const failed = await steps.step('1 replay', async () => {
      expectThat(409 === (422 as number), '409 request_completed', '422 consent_mismatch');
      return { observed: 'never' };
    });
    await steps.step('2 next', async () => ({ observed: 'ran' }));
    expect(failed).toBeUndefined();
    expect(lines).toEqual([
      '✗ 1 replay: expected 409 request_completed, got 422 consent_mismatch',
      '✓ 2 next: ran',
    ]);
    expect([steps.failed, steps.exitCode(), steps.summary()]).toEqual([
      1,
      1,
      'demo: 1 of 2 steps failed',
    ]);
  });

  it('any other error is a failed step on one line with its code, never a stack trace', async () => {
    const { lines, steps } = runner();
    await steps.step('1 crash', async () => {
      throw Object.assign(new Error('the verifier is down\n    at somewhere (x.ts:1:1)'), {
        code: 'service_unreachable',
      });
    });
    await steps.step('2 thrown', async () => {
      throw new ExpectationFailed('a', 'b');
    });
    expect(lines).toEqual([
      '✗ 1 crash: expected the step to run, got service_unreachable: the verifier is down at somewhere (x.ts:1:1)',
      '✗ 2 thrown: expected a, got b',
    ]);
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    expect(steps.exitCode()).toBe(1);
  });

  it('no step at all is not a success', () => {
    expect(runner().steps.exitCode()).toBe(1);
  });

  it('describeError: a code when there is one, the message otherwise', () => {
    expect(describeError(Object.assign(new Error('gone'), { code: 'revoked' }))).toBe(
      'revoked: gone',
    );
    expect(describeError(new Error('plain'))).toBe('plain');
    expect(describeError('a string')).toBe('a string');
  });
});
