/**
 * A pool of verification worker threads (mcl runs in worker_threads; snarkjs does not).
 * Requests queue while workers are busy and are sent in batches of up to `maxBatch`, so
 * under load each worker does one batched pairing check for many proofs. A full queue
 * refuses new work with `busy` instead of growing without bound (A08).
 *
 * Every promise the pool returns settles: with a verdict, or with a typed `ZkError`.
 *
 * Input. Each item is checked and copied by verify.ts's `normalizeVerifyItem` in the calling
 * thread *before* it is queued (the same code `verify()` runs, so the same verdict): an item
 * of the wrong shape — a 5,000-level nesting, a function, a symbol, a throwing getter or Proxy,
 * a 10M-element array, a 1 MB string — is answered at once with `bad_public_signals` /
 * `bad_proof_encoding` and never reaches a worker. What is queued is decimal strings only, and
 * a batch travels to its worker as one string (15 numbers per item, `encodeBatch`), so
 * structured cloning never sees a caller's object.
 *
 * Failures, and what each pending item gets:
 *  - A worker dies (exit, `error` event, `messageerror`, a reply that does not fit its batch)
 *    or `postMessage` to it throws: it is terminated and replaced, and each item it held is
 *    re-queued once, at the front of the queue. An item held by two workers that failed is
 *    rejected with `worker_failed` (a proof that kills workers cannot crash-loop the pool);
 *    re-queueing once means a crash unrelated to the item costs the caller nothing.
 *  - A replacement that does not start is retried 3 times with back-off; a slot that still has
 *    no worker is retired. With every slot retired, queued and new items are rejected with
 *    `worker_failed` instead of waiting forever.
 *  - A worker that answers a batch with an error (its verification key became unusable):
 *    that batch's items are rejected with `worker_failed`.
 *  - Queue full: `busy`. `close()`: queued and in-flight items are rejected with `busy`, the
 *    workers are terminated, and later calls reject with `busy`.
 */
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { loadVerificationKey } from './artifacts.js';
import { ZK_ERROR, ZkError } from './errors.js';
import { parsePublicSignals } from './signals.js';
import {
  type NormalizedVerifyItem,
  type VerifyFailure,
  type VerifyFailureCode,
  type VerifyItem,
  type VerifyResult,
  VERIFY_FAILURE,
  isVerifyFailure,
  normalizeVerifyItem,
  normalizeVerifyRequest,
  verifyBatch,
} from './verify.js';

export interface VerifierPoolOptions {
  /** Worker threads (default: one per core). */
  threads?: number;
  /** Most proofs in one batched check (default 32). */
  maxBatch?: number;
  /** Most queued proofs before `verify` rejects with `busy` (default 10,000). */
  maxQueue?: number;
  /** Verification key (default: the locked one, read when the pool is created). */
  vk?: Record<string, unknown>;
}

export interface VerifierPool {
  readonly threads: number;
  /** A verdict for any input; rejects only with `busy` or `worker_failed`. */
  verify(proof: unknown, publicSignals: unknown): Promise<VerifyResult>;
  /** `verify` for each `{ proof, publicSignals }`; `bad_input` unless `items` is an array. */
  verifyMany(items: readonly VerifyItem[]): Promise<VerifyResult[]>;
  /** Proofs waiting for a worker. */
  readonly queued: number;
  /** Proofs a worker is verifying now. */
  readonly inFlight: number;
  /** Workers that failed and were replaced since the pool started. */
  readonly workerRestarts: number;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- transport

/** Numbers per item on the wire: A.x A.y B.x0 B.x1 B.y0 B.y1 C.x C.y, then the signals. */
const PROOF_FIELDS = 8;
const ITEM_FIELDS = PROOF_FIELDS + 7;

/** Normalised items as one space-separated string of decimals (what a worker receives). */
export function encodeBatch(items: readonly NormalizedVerifyItem[]): string {
  const out: string[] = [];
  for (const { proof: p, publicSignals } of items) {
    out.push(p.pi_a[0], p.pi_a[1], ...p.pi_b[0], ...p.pi_b[1], p.pi_c[0], p.pi_c[1]);
    out.push(...publicSignals);
  }
  return out.join(' ');
}

/** `encodeBatch` reversed, in the snarkjs shape (the worker verifies them with `verifyBatch`). */
export function decodeBatch(data: string): VerifyItem[] {
  const v = data === '' ? [] : data.split(' ');
  if (v.length % ITEM_FIELDS !== 0)
    throw new ZkError(ZK_ERROR.badInput, 'malformed verification batch');
  const items: VerifyItem[] = [];
  for (let i = 0; i < v.length; i += ITEM_FIELDS) {
    const [ax, ay, bx0, bx1, by0, by1, cx, cy] = v.slice(i, i + PROOF_FIELDS);
    items.push({
      proof: {
        pi_a: [ax, ay, '1'],
        pi_b: [
          [bx0, bx1],
          [by0, by1],
          ['1', '0'],
        ],
        pi_c: [cx, cy, '1'],
        protocol: 'groth16',
        curve: 'bn128',
      },
      publicSignals: v.slice(i + PROOF_FIELDS, i + ITEM_FIELDS),
    });
  }
  return items;
}

/** A worker's verdict for one item: 1 = verified, else [code, message]. */
export type WireVerdict = 1 | [VerifyFailureCode, string];
interface Reply {
  id: number;
  results?: WireVerdict[];
  error?: string;
}

const FAILURE_CODES = new Set<unknown>(Object.values(VERIFY_FAILURE));

function fromWire(item: NormalizedVerifyItem, v: unknown): VerifyResult | undefined {
  if (v === 1) return { verified: true, signals: parsePublicSignals(item.publicSignals) };
  if (Array.isArray(v) && v.length === 2 && FAILURE_CODES.has(v[0]) && typeof v[1] === 'string')
    return { verified: false, code: v[0] as VerifyFailureCode, message: v[1] };
  return undefined;
}

// ---------------------------------------------------------------- pool

interface Pending {
  item: NormalizedVerifyItem;
  resolve: (r: VerifyResult) => void;
  reject: (e: unknown) => void;
  /** Workers that failed while holding this item. */
  failures: number;
}
interface Slot {
  /** The ready worker, if any. */
  worker: Worker | undefined;
  /** Takes the current worker down (terminate, replace, re-queue its batch). */
  down: ((cause: unknown) => void) | undefined;
  /** A worker still starting (terminated by close). */
  starting: Worker | undefined;
  /** The batch the worker is verifying. */
  batch: { id: number; items: Pending[] } | undefined;
  retired: boolean;
}

const WORKER_URL = new URL('./pool-worker.mjs', import.meta.url);
const REPLACE_ATTEMPTS = 3;
const internals = new WeakMap<VerifierPool, () => Worker[]>();

/** For tests only: the pool's ready worker threads (to terminate one, or break its postMessage). */
export function verifierPoolWorkersForTesting(pool: VerifierPool): Worker[] {
  return internals.get(pool)?.() ?? [];
}

const positiveInt = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 1;

export async function createVerifierPool(options: VerifierPoolOptions = {}): Promise<VerifierPool> {
  const threads = options.threads ?? cpus().length;
  const maxBatch = options.maxBatch ?? 32;
  const maxQueue = options.maxQueue ?? 10_000;
  if (!positiveInt(threads)) throw new ZkError(ZK_ERROR.badInput, 'threads must be ≥ 1');
  if (!positiveInt(maxBatch)) throw new ZkError(ZK_ERROR.badInput, 'maxBatch must be ≥ 1');
  if (!positiveInt(maxQueue)) throw new ZkError(ZK_ERROR.badInput, 'maxQueue must be ≥ 1');
  const vk = options.vk ?? loadVerificationKey();
  verifyBatch([], vk); // an unusable key throws bad_key here, not in every worker

  const queue: Pending[] = [];
  const slots: Slot[] = Array.from({ length: threads }, () => ({
    worker: undefined,
    down: undefined,
    starting: undefined,
    batch: undefined,
    retired: false,
  }));
  let closed = false;
  let closing: Promise<void> | undefined;
  let lastBatchId = 0;
  let restarts = 0;
  let pumpScheduled = false;

  const closedError = (): ZkError => new ZkError(ZK_ERROR.busy, 'the verifier pool is closed');
  const noWorkers = (): ZkError =>
    new ZkError(ZK_ERROR.workerFailed, 'no verification worker could be started');

  /** Starts a worker in `slot`; resolves once it is ready (or the pool closed meanwhile). */
  const startWorker = (slot: Slot): Promise<void> =>
    new Promise((resolve, reject) => {
      let w: Worker;
      try {
        w = new Worker(WORKER_URL, { workerData: { vk } });
      } catch (err) {
        reject(err);
        return;
      }
      slot.starting = w;
      let ready = false;
      let gone = false;
      const down = (cause: unknown): void => {
        if (gone) return;
        gone = true;
        void w.terminate().catch(() => undefined);
        if (slot.starting === w) slot.starting = undefined;
        if (!ready) reject(cause);
        else workerDown(slot, w, cause);
      };
      w.on('error', down);
      w.on('messageerror', down);
      w.on('exit', (code) => down(new Error(`verification worker exited with code ${code}`)));
      w.on('message', (m: unknown) => {
        if (gone) return;
        if (ready) {
          if (!onReply(slot, m)) down(new Error('a verification worker sent a malformed reply'));
          return;
        }
        if (!(m && typeof m === 'object' && (m as { ready?: unknown }).ready === true)) {
          down(new Error(`verification worker did not start: ${String((m as Reply)?.error)}`));
          return;
        }
        ready = true;
        slot.starting = undefined;
        if (closed) {
          gone = true;
          void w.terminate().catch(() => undefined);
        } else {
          slot.worker = w;
          slot.down = down;
          schedulePump();
        }
        resolve();
      });
    });

  /** A ready worker failed: forget it, re-queue (once) or reject what it held, replace it. */
  function workerDown(slot: Slot, w: Worker, cause: unknown): void {
    if (slot.worker !== w) return;
    slot.worker = undefined;
    slot.down = undefined;
    const batch = slot.batch?.items ?? [];
    slot.batch = undefined;
    if (closed) {
      for (const p of batch) p.reject(closedError());
      return;
    }
    const again: Pending[] = [];
    for (const p of batch) {
      if (++p.failures >= 2) {
        p.reject(
          new ZkError(ZK_ERROR.workerFailed, 'verification workers failed twice on this proof', {
            cause,
          }),
        );
      } else again.push(p);
    }
    queue.unshift(...again);
    restarts++;
    void replace(slot);
    schedulePump();
  }

  async function replace(slot: Slot): Promise<void> {
    for (let attempt = 1; !closed; attempt++) {
      try {
        await startWorker(slot);
        return;
      } catch {
        if (attempt >= REPLACE_ATTEMPTS || closed) break;
        await new Promise((r) => setTimeout(r, 100 * 4 ** attempt));
      }
    }
    if (closed) return;
    slot.retired = true;
    if (slots.every((s) => s.retired)) for (const p of queue.splice(0)) p.reject(noWorkers());
  }

  /** Handles a worker's answer to its batch; false when it does not fit (the worker is then replaced). */
  function onReply(slot: Slot, m: unknown): boolean {
    const r = m as Reply;
    if (!slot.batch || !r || typeof r !== 'object' || r.id !== slot.batch.id) return false;
    const batch = slot.batch.items;
    if (typeof r.error === 'string') {
      slot.batch = undefined;
      for (const p of batch) {
        p.reject(new ZkError(ZK_ERROR.workerFailed, `verification failed in a worker: ${r.error}`));
      }
      schedulePump();
      return true;
    }
    if (!Array.isArray(r.results) || r.results.length !== batch.length) return false;
    let results: (VerifyResult | undefined)[];
    try {
      results = batch.map((p, i) => fromWire(p.item, r.results![i]));
    } catch {
      return false;
    }
    if (results.some((x) => !x)) return false;
    slot.batch = undefined;
    batch.forEach((p, i) => p.resolve(results[i]!));
    schedulePump();
    return true;
  }

  function schedulePump(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    queueMicrotask(() => {
      pumpScheduled = false;
      pump();
    });
  }

  /** Hands queued items, up to `maxBatch` at a time, to idle workers. */
  function pump(): void {
    for (const slot of slots) {
      if (queue.length === 0 || closed) return;
      if (slot.worker && !slot.batch) send(slot, slot.worker);
    }
  }

  function send(slot: Slot, w: Worker): void {
    const items = queue.splice(0, maxBatch);
    const id = ++lastBatchId;
    slot.batch = { id, items };
    try {
      w.postMessage({ id, data: encodeBatch(items.map((p) => p.item)) });
    } catch (err) {
      // the same as a worker failure: re-queued once, the worker replaced, the slot freed
      slot.down?.(
        new ZkError(ZK_ERROR.workerFailed, 'could not hand a batch to a verification worker', {
          cause: err,
        }),
      );
    }
  }

  const enqueue = (
    n: NormalizedVerifyItem,
    resolve: (r: VerifyResult) => void,
    reject: (e: unknown) => void,
  ): void => {
    if (queue.length >= maxQueue) {
      reject(new ZkError(ZK_ERROR.busy, 'too many proofs are waiting for verification'));
      return;
    }
    queue.push({ item: n, resolve, reject, failures: 0 });
    // let callers in the same tick join the batch
    schedulePump();
  };

  const submit = (n: NormalizedVerifyItem | VerifyFailure): Promise<VerifyResult> =>
    new Promise((resolve, reject) => {
      if (closed) return reject(closedError());
      if (isVerifyFailure(n)) return resolve(n);
      if (slots.every((s) => s.retired)) return reject(noWorkers());
      enqueue(n, resolve, reject);
    });

  const verify = (proof: unknown, publicSignals: unknown): Promise<VerifyResult> =>
    submit(normalizeVerifyItem(proof, publicSignals));

  const verifyMany = (items: readonly VerifyItem[]): Promise<VerifyResult[]> => {
    let n: number;
    try {
      if (!Array.isArray(items)) throw new TypeError('not an array');
      n = items.length;
    } catch {
      return Promise.reject(
        new ZkError(ZK_ERROR.badInput, 'verifyMany takes an array of { proof, publicSignals }'),
      );
    }
    if (n > maxQueue) {
      return Promise.reject(
        new ZkError(ZK_ERROR.busy, `at most ${maxQueue} proofs can wait for verification`),
      );
    }
    const out: Promise<VerifyResult>[] = [];
    for (let i = 0; i < n; i++) {
      let item: unknown;
      try {
        item = items[i];
      } catch {
        item = undefined; // a throwing element: refused like any malformed item
      }
      out.push(submit(normalizeVerifyRequest(item)));
    }
    return Promise.all(out);
  };

  try {
    await Promise.all(slots.map(startWorker));
  } catch (err) {
    closed = true;
    await Promise.all(
      slots.flatMap((s) => [s.worker, s.starting]).map((w) => w?.terminate().catch(() => 0)),
    );
    throw new ZkError(ZK_ERROR.workerFailed, 'a verification worker did not start', {
      cause: err,
    });
  }

  const pool: VerifierPool = {
    threads,
    verify,
    verifyMany,
    get queued() {
      return queue.length;
    },
    get inFlight() {
      return slots.reduce((n, s) => n + (s.batch?.items.length ?? 0), 0);
    },
    get workerRestarts() {
      return restarts;
    },
    close() {
      if (closing) return closing;
      closed = true;
      for (const p of queue.splice(0)) p.reject(closedError());
      const workers: Worker[] = [];
      for (const s of slots) {
        for (const p of s.batch?.items ?? []) p.reject(closedError());
        s.batch = undefined;
        if (s.worker) workers.push(s.worker);
        if (s.starting) workers.push(s.starting);
        s.worker = s.starting = s.down = undefined;
      }
      closing = Promise.all(workers.map((w) => w.terminate().catch(() => 0))).then(() => {});
      return closing;
    },
  };
  internals.set(pool, () => slots.flatMap((s) => (s.worker ? [s.worker] : [])));
  return pool;
}
