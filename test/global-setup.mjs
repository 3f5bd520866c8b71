/**
 * jest global setup: build any missing circuit artifacts once (they are gitignored) and
 * check them against circuits/artifacts.lock.json, so every test file can prove.
 * Runs `npm run build:circuits` in a child process (it is ESM with top-level await).
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

export default function globalSetup() {
  const require = createRequire(import.meta.url);
  const tsx = require.resolve('tsx/cli');
  const out = execFileSync(process.execPath, [tsx, 'circuits/scripts/build.ts'], {
    cwd: new URL('..', import.meta.url).pathname,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (!out.includes('nothing (up to date)'))
    process.stdout.write(`\n[global-setup] ${out.trim()}\n`);
}
