/**
 * `npm run demo` end to end: the script (scripts/demo.ts) runs in its own process on the real
 * parts (embedded anvil, the real issuer and verifier, real wallets and Groth16 proofs) and must
 * exit 0 with every step's line present with ✓ and none with ✗, the summary last, and its
 * temporary folder removed. A usage error exits 2 with one line. The step runner's failure paths
 * (✗, exit 1) are unit-tested in scripts/demo/steps.test.ts.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { spawnCollect } from '../helpers/market.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const TSX = createRequire(import.meta.url).resolve('tsx/cli');

/** The steps the issue asks for, in order. */
const STEPS = [
  '1 services up',
  '2 credentials issued',
  '3 A proves age to market-a',
  '4 A proves age to market-b',
  '5 replay refused',
  '6 credential sharing refused',
  '7 wash trading gains nothing',
  '8 revocation',
  '9 consent withdrawn',
  '10 compliance report',
];

/** `tsx scripts/demo.ts …args` as a child process. */
const demo = (...args: string[]) =>
  spawnCollect(process.execPath, [TSX, 'scripts/demo.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '' },
  });

describe('npm run demo', () => {
  it('runs every step with ✓, none with ✗, exits 0 and removes its folder', async () => {
    const run = await demo();
    const lines = run.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('✗'))).toEqual([]);
    for (const [i, step] of STEPS.entries()) {
      expect(lines[i + 1]).toMatch(new RegExp(`^✓ ${step}: \\S`));
    }
    expect(lines.filter((l) => /^[✓✗] /.test(l))).toHaveLength(STEPS.length);
    expect(lines.at(-1)).toBe(`demo: all ${STEPS.length} steps held`);
    expect(run.code).toBe(0);
    const folder = /^zkrep demo in (\S+)$/.exec(lines[0]!)?.[1];
    expect(folder).toMatch(/zkrep-demo-/);
    expect(existsSync(folder!)).toBe(false);
  }, 300_000);

  it('a usage error exits 2 with one line', async () => {
    const run = await demo('--no-such-flag');
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
  }, 60_000);
});
