/**
 * The baseline's verification process for the throughput benchmark: plain snarkjs in a
 * forked process (snarkjs does not run in worker_threads). argv: <proofs.json> snarkjs.
 * Warms the curve up, sends { ready }, then for each { durationMs } message verifies the
 * fixture's proofs round-robin for that long and replies { count, failed, ms } (ms measured);
 * 'stop' ends the process. The parent alternates these rounds with the verifier pool's.
 */
import { readFileSync } from 'node:fs';
import * as snarkjs from 'snarkjs';
import { loadVerificationKey, shutdownZk } from '#zk';

const [file] = process.argv.slice(2);
const proofs = JSON.parse(readFileSync(file!, 'utf8')) as Array<{
  proof: unknown;
  publicSignals: string[];
}>;
const vk = loadVerificationKey();

// warm up the curve before any clock starts
for (const p of proofs.slice(0, 2)) {
  await snarkjs.groth16.verify(vk, p.publicSignals, p.proof);
}

let next = 0;
process.on('message', async (msg: unknown) => {
  if (msg === 'stop' || !msg || typeof msg !== 'object') {
    await shutdownZk();
    process.exit(0);
  }
  const duration = Number((msg as { durationMs?: unknown }).durationMs);
  const start = performance.now();
  let count = 0;
  let failed = 0;
  while (performance.now() - start < duration) {
    const p = proofs[next++ % proofs.length]!;
    if (!(await snarkjs.groth16.verify(vk, p.publicSignals, p.proof))) failed++;
    count++;
  }
  process.send!({ count, failed, ms: performance.now() - start });
});
process.send!({ ready: true });
// the parent going away ends this process too
process.on('disconnect', () => process.exit(0));
