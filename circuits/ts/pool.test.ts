/**
 * The verifier worker pool: exact per-proof verdicts under concurrency, bounded queue, close;
 * a verdict (or a typed rejection) for any input, however hostile; and workers that die or
 * cannot be handed a batch are replaced without losing or hanging anyone's request.
 */
import type { Worker } from 'node:worker_threads';
import { ageFixture, requestFor, reputationFixture } from '../../test/fixtures/credentials.js';
import {
  type ProofResult,
  type VerifierPool,
  type VerifyResult,
  ZkError,
  buildWitnessInput,
  createVerifierPool,
  prove,
  shutdownZk,
  verify,
} from './index.js';
import { verifierPoolWorkersForTesting } from './pool.js';

let proofs: ProofResult[];
let pool: VerifierPool;

beforeAll(async () => {
  proofs = [
    await prove(buildWitnessInput(requestFor(ageFixture()))),
    await prove(buildWitnessInput(requestFor(reputationFixture()))),
  ];
  await shutdownZk();
  pool = await createVerifierPool({ threads: 2, maxBatch: 8 });
});
afterAll(async () => {
  await pool.close();
});

const tampered = (p: ProofResult): ProofResult => ({
  proof: p.proof,
  publicSignals: p.publicSignals.map((s, i) => (i === 5 ? String(BigInt(s) + 1n) : s)),
});
const verdict = (r: VerifyResult): string => (r.verified ? 'ok' : r.code);
/** Waits (polling, no time limit of its own: jest's timeout applies) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 2));
}
/** `n` items, every third one tampered, and the verdicts they must get. */
function mixed(n: number): { items: ProofResult[]; expected: string[] } {
  const items = Array.from({ length: n }, (_, i) =>
    i % 3 === 2 ? tampered(proofs[i % 2]!) : proofs[i % 2]!,
  );
  return { items, expected: items.map((_, i) => (i % 3 === 2 ? 'proof_invalid' : 'ok')) };
}
async function expectIdleAndWorking(p: VerifierPool): Promise<void> {
  const { items, expected } = mixed(24);
  expect((await p.verifyMany(items)).map(verdict)).toEqual(expected);
  expect(p.queued).toBe(0);
  expect(p.inFlight).toBe(0);
}

describe('verifier pool', () => {
  it('gives every one of many concurrent proofs its own verdict', async () => {
    const items = Array.from({ length: 60 }, (_, i) =>
      i % 5 === 3 ? tampered(proofs[i % 2]!) : proofs[i % 2]!,
    );
    const results = await pool.verifyMany(items);
    expect(results.map((r) => r.verified)).toEqual(items.map((_, i) => i % 5 !== 3));
    expect(pool.queued).toBe(0);
  });

  it('returns the public signals of a verified proof', async () => {
    const res = await pool.verify(proofs[1]!.proof, proofs[1]!.publicSignals);
    expect(res).toEqual(await verify(proofs[1]!.proof, proofs[1]!.publicSignals));
    expect(res.verified && Object.values(res.signals).map(String)).toEqual(
      proofs[1]!.publicSignals,
    );
  });

  it('returns encoding failures as results', async () => {
    const res = await pool.verify({ pi_a: [] }, proofs[0]!.publicSignals);
    expect(res).toMatchObject({ verified: false, code: 'bad_proof_encoding' });
  });

  it('refuses work beyond its queue limit with `busy` (and still answers the rest)', async () => {
    const small = await createVerifierPool({ threads: 1, maxBatch: 1, maxQueue: 3 });
    try {
      const settled = await Promise.allSettled(
        Array.from({ length: 6 }, () => small.verify(proofs[0]!.proof, proofs[0]!.publicSignals)),
      );
      const busy = settled.filter((s) => s.status === 'rejected');
      expect(busy.length).toBeGreaterThan(0);
      for (const b of busy)
        expect((b as PromiseRejectedResult).reason).toMatchObject({ code: 'busy' });
      const done = settled.filter((s) => s.status === 'fulfilled') as PromiseFulfilledResult<{
        verified: boolean;
      }>[];
      expect(done.length).toBeGreaterThan(0);
      for (const d of done) expect(d.value.verified).toBe(true);
    } finally {
      await small.close();
    }
  });

  it('rejects new work after close', async () => {
    const p = await createVerifierPool({ threads: 1 });
    await p.close();
    await expect(p.verify(proofs[0]!.proof, proofs[0]!.publicSignals)).rejects.toMatchObject({
      code: 'busy',
    });
  });

  it('close() settles everything pending, queued or in flight', async () => {
    const p = await createVerifierPool({ threads: 1, maxBatch: 4 });
    const all = Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        p.verify(proofs[i % 2]!.proof, proofs[i % 2]!.publicSignals),
      ),
    );
    await until(() => p.inFlight > 0);
    await p.close();
    const settled = await all;
    for (const s of settled) {
      if (s.status === 'fulfilled') expect(s.value.verified).toBe(true);
      else expect(s.reason).toMatchObject({ code: 'busy', name: 'ZkError' });
    }
    expect(settled.some((s) => s.status === 'rejected')).toBe(true);
    expect(p.queued + p.inFlight).toBe(0);
  });
});

describe('verifier pool: hostile input', () => {
  const valid = (): ProofResult => proofs[0]!;
  const p0 = (): ProofResult['proof'] => proofs[0]!.proof;
  const s0 = (): string[] => proofs[0]!.publicSignals;
  // what JSON.parse gives for a hostile 10 KB request body: 5,000 levels of nesting
  const deep = (): unknown => JSON.parse('['.repeat(5000) + ']'.repeat(5000));
  const throwing = (): object =>
    Object.defineProperty({}, 'pi_a', {
      enumerable: true,
      get() {
        throw new Error('getter says no');
      },
    });
  const trapAll = <T extends object>(target: T): T =>
    new Proxy(target, {
      get() {
        throw new Error('trap');
      },
      has() {
        throw new Error('trap');
      },
      ownKeys() {
        throw new Error('trap');
      },
      getOwnPropertyDescriptor() {
        throw new Error('trap');
      },
      getPrototypeOf() {
        throw new Error('trap');
      },
    });
  const revoked = (): object => {
    const r = Proxy.revocable([], {});
    r.revoke();
    return r.proxy;
  };
  const withSignal = (i: number, v: unknown): unknown[] =>
    s0().map((s, j) => (j === i ? v : s)) as unknown[];

  /** [name, proof, publicSignals, expected verdict] */
  const cases = (): [string, unknown, unknown, string][] => [
    ['deep proof', deep(), s0(), 'bad_proof_encoding'],
    ['deep signals', p0(), deep(), 'bad_public_signals'],
    ['deep pi_b', { ...p0(), pi_b: deep() }, s0(), 'bad_proof_encoding'],
    ['deep signal element', p0(), withSignal(2, deep()), 'bad_public_signals'],
    ['function proof', () => p0(), s0(), 'bad_proof_encoding'],
    ['function signal', p0(), withSignal(0, () => '1'), 'bad_public_signals'],
    ['symbol proof', Symbol('p'), s0(), 'bad_proof_encoding'],
    ['symbol in pi_c', { ...p0(), pi_c: [Symbol('x'), '2', '1'] }, s0(), 'bad_proof_encoding'],
    ['bigint signal', p0(), withSignal(1, 5n), 'bad_public_signals'],
    ['throwing getter proof', throwing(), s0(), 'bad_proof_encoding'],
    [
      'throwing getter signal',
      p0(),
      Object.defineProperty([...s0()], 3, {
        get() {
          throw new Error('no');
        },
      }),
      'bad_public_signals',
    ],
    ['10M-element signals', p0(), new Array(10_000_000), 'bad_public_signals'],
    ['10M-element pi_a', { ...p0(), pi_a: new Array(10_000_000) }, s0(), 'bad_proof_encoding'],
    ['1 MB signal', p0(), withSignal(4, '1'.repeat(1 << 20)), 'bad_public_signals'],
    [
      '1 MB coordinate',
      { ...p0(), pi_a: ['9'.repeat(1 << 20), '1', '1'] },
      s0(),
      'bad_proof_encoding',
    ],
    [
      '__proto__ key carrying the proof',
      JSON.parse(`{"__proto__": ${JSON.stringify(p0())}}`),
      s0(),
      'bad_proof_encoding',
    ],
    ['__proto__ signals object', p0(), JSON.parse('{"__proto__": []}'), 'bad_public_signals'],
    ['proxy proof that throws', trapAll({ ...p0() }), s0(), 'bad_proof_encoding'],
    ['proxy signals that throw', p0(), trapAll([...s0()]), 'bad_public_signals'],
    ['revoked proxy signals', p0(), revoked(), 'bad_public_signals'],
    ['revoked proxy proof', revoked(), s0(), 'bad_proof_encoding'],
    ['null everything', null, null, 'bad_public_signals'],
    // benign extras around a valid proof do not matter: only the proof's own fields are read
    ['valid proof + function field', { ...p0(), extra: () => 1 }, s0(), 'ok'],
    ['valid proof + deep field', { ...p0(), extra: deep() }, s0(), 'ok'],
    ['valid proof behind a transparent proxy', new Proxy({ ...p0() }, {}), s0(), 'ok'],
  ];

  it('gives every hostile item the verdict verify() gives; valid proofs around them verify', async () => {
    const list = cases();
    const calls = list.flatMap(([, proof, signals]) => [
      pool.verify(valid().proof, valid().publicSignals),
      pool.verify(proof, signals),
    ]);
    const settled = await Promise.allSettled(calls);
    const got = settled.map((s) => (s.status === 'fulfilled' ? verdict(s.value) : 'rejected'));
    expect(got).toEqual(list.flatMap(([, , , want]) => ['ok', want]));
    // the same verdict (code and message) as the in-process verifier for the same input
    for (const [i, [, proof, signals]] of list.entries()) {
      const direct = await verify(proof, signals);
      expect((settled[2 * i + 1] as PromiseFulfilledResult<VerifyResult>).value).toEqual(direct);
    }
    expect(pool.workerRestarts).toBe(0);
    await expectIdleAndWorking(pool);
  });

  it('verifyMany: hostile elements and containers get verdicts, the valid ones verify', async () => {
    const list = cases();
    const items: unknown[] = list.map(([, proof, publicSignals]) => ({ proof, publicSignals }));
    items.splice(3, 0, valid(), trapAll({ proof: p0(), publicSignals: s0() }), valid());
    const res = await pool.verifyMany(items as never);
    const want = list.map(([, , , w]) => w);
    want.splice(3, 0, 'ok', 'bad_public_signals', 'ok');
    expect(res.map(verdict)).toEqual(want);
    expect((await pool.verifyMany(deep() as never)).map(verdict)).toEqual(['bad_public_signals']);
    await expect(pool.verifyMany(trapAll([]) as never)).rejects.toMatchObject({
      code: 'bad_input',
    });
    await expect(pool.verifyMany({ length: 5 } as never)).rejects.toMatchObject({
      code: 'bad_input',
    });
    await expectIdleAndWorking(pool);
  });
});

describe('verifier pool: failing workers', () => {
  let fragile: VerifierPool;
  beforeAll(async () => {
    fragile = await createVerifierPool({ threads: 2, maxBatch: 4 });
  });
  afterAll(async () => {
    await fragile.close();
  });
  const workers = (): Worker[] => verifierPoolWorkersForTesting(fragile);

  it('a worker terminated mid-batch is replaced; its items still get their verdicts', async () => {
    const { items, expected } = mixed(30);
    const all = fragile.verifyMany(items);
    await until(() => fragile.inFlight > 0);
    const restarts = fragile.workerRestarts;
    await workers()[0]!.terminate();
    expect((await all).map(verdict)).toEqual(expected);
    expect(fragile.workerRestarts).toBe(restarts + 1);
    await until(() => workers().length === 2); // the replacement is up
    await expectIdleAndWorking(fragile);
  });

  it('both workers dying at once: the items wait for the replacements and verify', async () => {
    await until(() => workers().length === 2);
    const { items, expected } = mixed(20);
    const all = fragile.verifyMany(items);
    await until(() => fragile.inFlight > 0);
    await Promise.all(workers().map((w) => w.terminate()));
    expect((await all).map(verdict)).toEqual(expected);
    await expectIdleAndWorking(fragile);
  });

  it("a worker's error event counts as its death (replaced, items re-queued)", async () => {
    await until(() => workers().length === 2);
    const { items, expected } = mixed(16);
    const all = fragile.verifyMany(items);
    await until(() => fragile.inFlight > 0);
    const restarts = fragile.workerRestarts;
    workers()[1]!.emit('error', new Error('simulated crash'));
    expect((await all).map(verdict)).toEqual(expected);
    expect(fragile.workerRestarts).toBe(restarts + 1);
    await expectIdleAndWorking(fragile);
  });

  it('postMessage throwing on one worker: its batch goes to another, every item gets its verdict', async () => {
    await until(() => workers().length === 2);
    const broken = workers()[0]!;
    broken.postMessage = () => {
      throw new RangeError('Maximum call stack size exceeded');
    };
    const { items, expected } = mixed(20);
    expect((await fragile.verifyMany(items)).map(verdict)).toEqual(expected);
    expect(workers()).not.toContain(broken);
    await expectIdleAndWorking(fragile);
  });

  it('postMessage throwing on every worker: items held twice are rejected with worker_failed, none hang', async () => {
    await until(() => workers().length === 2);
    for (const w of workers()) {
      w.postMessage = () => {
        throw new RangeError('Maximum call stack size exceeded');
      };
    }
    const { items } = mixed(12);
    const settled = await Promise.allSettled(
      items.map((i) => fragile.verify(i.proof, i.publicSignals)),
    );
    const rejected = settled.filter((s) => s.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected.length).toBeGreaterThan(0); // the first batch failed on both workers
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(ZkError);
      expect(r.reason).toMatchObject({ code: 'worker_failed' });
    }
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled')
        expect(verdict(s.value)).toBe(i % 3 === 2 ? 'proof_invalid' : 'ok');
    });
    await expectIdleAndWorking(fragile); // served by the replacements
  });
});
