/**
 * The baseline's verification worker for the throughput benchmark: plain snarkjs in a
 * forked process (snarkjs does not run in worker_threads). argv: <proofs.json> snarkjs <durationMs>. Waits for
 * 'go', verifies the fixture's proofs round-robin until the deadline, reports the count.
 */
import { readFileSync } from 'node:fs';
import * as snarkjs from 'snarkjs';
import { loadVerificationKey, shutdownZk } from '#zk';

const [file, , durationArg] = process.argv.slice(2);
const proofs = JSON.parse(readFileSync(file!, 'utf8')) as Array<{
  proof: unknown;
  publicSignals: string[];
}>;
const vk = loadVerificationKey();
const duration = Number(durationArg);

// warm up the curve before the clock starts
for (const p of proofs.slice(0, 2)) {
  await snarkjs.groth16.verify(vk, p.publicSignals, p.proof);
}
process.send!({ ready: true });
process.once('message', async () => {
  const deadline = performance.now() + duration;
  let count = 0;
  let failed = 0;
  while (performance.now() < deadline) {
    const p = proofs[count % proofs.length]!;
    const ok = await snarkjs.groth16.verify(vk, p.publicSignals, p.proof);
    if (!ok) failed++;
    count++;
  }
  process.send!({ count, failed, seconds: duration / 1000 });
  await shutdownZk();
  process.exit(0);
});
