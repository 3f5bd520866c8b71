/**
 * npm run build:circuits [-- --update-lock] [-- --out DIR]
 * Builds the missing circuit artifacts and checks them against circuits/artifacts.lock.json.
 */
import { buildArtifacts } from '../ts/build.js';
import { ZkError } from '../ts/errors.js';

const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
try {
  const t0 = Date.now();
  const res = await buildArtifacts({
    updateLock: args.includes('--update-lock'),
    outDir: outIdx >= 0 ? args[outIdx + 1] : undefined,
    log: (l) => console.log(`build:circuits: ${l}`),
  });
  console.log(
    `build:circuits: ok in ${((Date.now() - t0) / 1000).toFixed(1)} s — ${res.constraints} constraints, ` +
      `${res.publicSignals} public signals, built: ${res.built.join(', ') || 'nothing (up to date)'}`,
  );
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
} catch (err) {
  console.error(
    `build:circuits: ${err instanceof ZkError ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err)}`,
  );
  process.exit(1);
}
