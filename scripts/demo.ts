/**
 * `npm run demo [-- --keep]`: the scripted end-to-end scenario (scripts/demo/scenario.ts) in a new
 * temporary folder — an issuer, two holders and two marketplaces on an embedded chain; a replay,
 * a credential-sharing and a wash-trading attempt, a revocation, a withdrawal and a verified
 * compliance report. Prints one line per step, then a summary; exits 0 only if every step held
 * (1 otherwise, and 1 with one line if it crashed). The folder is removed at the end unless
 * `--keep`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { runDemo } from './demo/scenario.js';
import { describeError } from './demo/steps.js';

async function main(argv: string[]): Promise<number> {
  const program = new Command('demo')
    .description('the zkrep end-to-end scenario on an embedded chain, in a temporary folder')
    .option('--keep', 'keep the temporary folder (its path is printed)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const { keep } = program.opts<{ keep?: boolean }>();
  const work = await mkdtemp(join(tmpdir(), 'zkrep-demo-'));
  const write = (line: string) => process.stdout.write(`${line}\n`);
  write(`zkrep demo in ${work}`);
  try {
    const steps = await runDemo({ work, write });
    write(steps.summary());
    return steps.exitCode();
  } finally {
    if (keep) write(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stdout.write(`demo: crashed: ${describeError(e)}\n`);
    process.exit(1);
  },
);
