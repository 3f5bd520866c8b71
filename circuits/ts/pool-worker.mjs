// Worker thread of the verifier pool (plain ESM so it starts the same under node, tsx and
// jest): registers tsx's loader in this thread, then runs the TypeScript verifier.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { verifyBatch } = await import('./verify.ts');
const vk = workerData?.vk ?? undefined;

parentPort.on('message', ({ id, items }) => {
  try {
    parentPort.postMessage({ id, results: verifyBatch(items, vk) });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err?.message ?? err) });
  }
});
parentPort.postMessage({ ready: true });
