/**
 * A pool of verification worker threads (mcl runs in worker_threads; snarkjs does not).
 * Requests queue while workers are busy and are sent in batches of up to `maxBatch`, so
 * under load each worker does one batched pairing check for many proofs. A full queue
 * refuses new work with `busy` instead of growing without bound (A08).
 */
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { loadVerificationKey } from './artifacts.js';
import { ZK_ERROR, ZkError } from './errors.js';
import type { VerifyItem, VerifyResult } from './verify.js';

export interface VerifierPoolOptions {
  /** Worker threads (default: one per core). */
  threads?: number;
  /** Most proofs in one batched check (default 32). */
  maxBatch?: number;
  /** Most queued proofs before `verify` rejects with `busy` (default 10,000). */
  maxQueue?: number;
  /** Verification key (default: the locked one). */
  vk?: Record<string, unknown>;
}

export interface VerifierPool {
  readonly threads: number;
  verify(proof: unknown, publicSignals: unknown): Promise<VerifyResult>;
  verifyMany(items: readonly VerifyItem[]): Promise<VerifyResult[]>;
  /** Proofs waiting for a worker. */
  readonly queued: number;
  close(): Promise<void>;
}

interface Pending {
  item: VerifyItem;
  resolve: (r: VerifyResult) => void;
  reject: (e: unknown) => void;
}
interface Slot {
  worker: Worker;
  busy: Pending[] | undefined;
}

export async function createVerifierPool(options: VerifierPoolOptions = {}): Promise<VerifierPool> {
  const threads = options.threads ?? cpus().length;
  const maxBatch = options.maxBatch ?? 32;
  const maxQueue = options.maxQueue ?? 10_000;
  const vk = options.vk ?? loadVerificationKey();
  if (!Number.isInteger(threads) || threads < 1)
    throw new ZkError(ZK_ERROR.badInput, 'threads must be ≥ 1');
  if (!Number.isInteger(maxBatch) || maxBatch < 1)
    throw new ZkError(ZK_ERROR.badInput, 'maxBatch must be ≥ 1');

  const queue: Pending[] = [];
  let closed = false;
  let nextId = 0;

  const spawn = (): Promise<Slot> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./pool-worker.mjs', import.meta.url), {
        workerData: { vk },
      });
      const slot: Slot = { worker, busy: undefined };
      worker.once('message', () => resolve(slot));
      worker.once('error', reject);
    });

  const slots = await Promise.all(Array.from({ length: threads }, spawn));

  const attach = (slot: Slot): void => {
    slot.worker.on('message', (m: { results?: VerifyResult[]; error?: string }) => {
      const batch = slot.busy ?? [];
      slot.busy = undefined;
      batch.forEach((p, i) => {
        if (m.results) p.resolve(m.results[i]!);
        else p.reject(new ZkError(ZK_ERROR.badInput, `verification failed: ${m.error}`));
      });
      pump();
    });
    slot.worker.on('error', (err) => {
      const batch = slot.busy ?? [];
      slot.busy = undefined;
      for (const p of batch)
        p.reject(new ZkError(ZK_ERROR.busy, 'a verification worker failed', { cause: err }));
      if (closed) return;
      // replace the failed worker
      void spawn().then((fresh) => {
        slot.worker = fresh.worker;
        attach(slot);
        pump();
      });
    });
  };
  slots.forEach(attach);

  function pump(): void {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (slot.busy) continue;
      const batch = queue.splice(0, maxBatch);
      slot.busy = batch;
      slot.worker.postMessage({ id: nextId++, items: batch.map((p) => p.item) });
    }
  }

  const verify = (proof: unknown, publicSignals: unknown): Promise<VerifyResult> =>
    new Promise((resolve, reject) => {
      if (closed) return reject(new ZkError(ZK_ERROR.busy, 'the verifier pool is closed'));
      if (queue.length >= maxQueue) {
        return reject(new ZkError(ZK_ERROR.busy, 'too many proofs are waiting for verification'));
      }
      queue.push({ item: { proof, publicSignals }, resolve, reject });
      // let callers in the same tick join the batch
      if (queue.length === 1) queueMicrotask(pump);
    });

  return {
    threads,
    verify,
    verifyMany: (items) => Promise.all(items.map((i) => verify(i.proof, i.publicSignals))),
    get queued() {
      return queue.length;
    },
    async close() {
      closed = true;
      for (const p of queue.splice(0))
        p.reject(new ZkError(ZK_ERROR.busy, 'the verifier pool is closed'));
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
