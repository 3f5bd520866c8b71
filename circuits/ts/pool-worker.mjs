// Worker thread of the verifier pool (plain ESM so it starts the same under node, tsx and
// jest): registers tsx's loader in this thread, then runs the TypeScript verifier.
// Protocol (pool.ts): in { id, data } with `data` = encodeBatch(items); out { id, results }
// with one verdict per item (1 = verified, else [code, message]) or { id, error }. The
// verification key is prepared before { ready: true }, so an unusable key fails the start.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { verifyBatch } = await import('./verify.ts');
const { decodeBatch } = await import('./pool.ts');
const vk = workerData?.vk ?? undefined;
verifyBatch([], vk);

parentPort.on('message', (msg) => {
  const id = msg?.id;
  try {
    // decoded items are normalised again by verifyBatch: a worker trusts nothing it is sent
    const results = verifyBatch(decodeBatch(msg.data), vk).map((r) =>
      r.verified ? 1 : [r.code, r.message],
    );
    parentPort.postMessage({ id, results });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err?.message ?? err) });
  }
});
parentPort.postMessage({ ready: true });
