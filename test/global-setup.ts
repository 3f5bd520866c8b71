/**
 * jest global setup: build any missing circuit artifacts once (they are gitignored) and
 * check them against circuits/artifacts.lock.json, so every test file can prove.
 */
import { buildArtifacts } from '../circuits/ts/build.js';

export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  const res = await buildArtifacts({ log: (l) => process.stdout.write(`\n[global-setup] ${l}`) });
  if (res.built.length > 0) {
    process.stdout.write(`\n[global-setup] circuit artifacts built in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
}
