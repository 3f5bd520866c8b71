/**
 * npm run bench [-- --quick]: measures the zk core and writes bench/results.json and
 * bench/results.md (keys per ../shared/design/BENCH.md; later components add theirs).
 * Every headline figure is paired with a baseline measured in the same run, interleaved.
 */
import { fork, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import * as zk from '#zk';
import { ageFixture, reputationFixture, requestFor } from '../test/fixtures/credentials.js';
import { interleave, round, summarize } from './stats.js';

const require = createRequire(import.meta.url);
const quick = process.argv.includes('--quick');
const ROOT = new URL('..', import.meta.url).pathname;
const TMP = join(ROOT, 'bench', 'tmp');
const RESULTS = join(ROOT, 'bench', 'results.json');
const tsx = require.resolve('tsx/cli');
const log = (m: string): void => console.log(`bench: ${m}`);

function version(pkg: string): string {
  try {
    const dir = join(ROOT, 'node_modules', ...pkg.split('/'));
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'not installed';
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  mkdirSync(TMP, { recursive: true });
  execFileSync(process.execPath, [tsx, join(ROOT, 'circuits/scripts/build.ts')], {
    stdio: 'inherit',
  });
  const lock = zk.readLock();

  const inputs = [ageFixture(), reputationFixture()].map((f) =>
    zk.buildWitnessInput(requestFor(f)),
  );
  const input = inputs[0]!;
  const wasmPath = zk.artifactPath('wasm');
  const zkeyPath = zk.artifactPath('zkey');
  const vk = zk.loadVerificationKey();

  // --- cold prove: fresh processes, first proof includes curve/worker start-up ---
  const inputFile = join(TMP, 'input.json');
  writeFileSync(inputFile, JSON.stringify(input));
  const coldRuns = quick ? 1 : 3;
  const cold: number[] = [];
  const coldWitness: number[] = [];
  const coldVerify: number[] = [];
  for (let i = 0; i < coldRuns; i++) {
    const out = execFileSync(
      process.execPath,
      [tsx, join(ROOT, 'bench/prove-cold.ts'), inputFile],
      {
        encoding: 'utf8',
      },
    );
    const c = JSON.parse(out.trim().split('\n').pop()!) as {
      coldWitnessMs: number;
      coldProveMs: number;
      coldVerifyMs: number;
    };
    cold.push(c.coldProveMs);
    coldWitness.push(c.coldWitnessMs);
    coldVerify.push(c.coldVerifyMs);
  }
  log(`cold prove ${cold.map((x) => x.toFixed(0)).join(', ')} ms`);

  // --- witness: reused calculator (ours) vs snarkjs.wtns.calculate (baseline), interleaved ---
  await zk.calculateWitness(input); // instantiate once, as a service does
  const nWitness = quick ? 10 : 40;
  const witness = await interleave(
    nWitness,
    () => zk.calculateWitness(input),
    () => snarkjs.wtns.calculate(input, wasmPath, { type: 'mem' }),
  );
  log(`witness p50 ${summarize(witness.a).p50} ms (baseline ${summarize(witness.b).p50} ms)`);

  // --- warm prove: ours (witness + prove) vs snarkjs.groth16.fullProve, interleaved ---
  await zk.prove(input);
  const nProve = quick ? 3 : 12;
  const proofs: zk.ProofResult[] = [];
  const prove = await interleave(
    nProve,
    async () => proofs.push(await zk.prove(inputs[proofs.length % 2]!)),
    () => snarkjs.groth16.fullProve(input, wasmPath, zkeyPath),
  );
  log(`prove p50 ${summarize(prove.a).p50} ms (baseline fullProve ${summarize(prove.b).p50} ms)`);

  // --- verify: strict verify (ours, called as an API calls it: no key argument, so the
  // locked key's cached preparation is what is measured) vs plain snarkjs verify, interleaved ---
  const nVerify = quick ? 20 : 100;
  let i = 0;
  const ver = await interleave(
    nVerify,
    async () => {
      const p = proofs[i++ % proofs.length]!;
      if (!(await zk.verify(p.proof, p.publicSignals)).verified)
        throw new Error('bench proof did not verify');
    },
    async () => {
      const p = proofs[i % proofs.length]!;
      if (!(await snarkjs.groth16.verify(vk, p.publicSignals, p.proof)))
        throw new Error('baseline did not verify');
    },
  );
  log(`verify p50 ${summarize(ver.a).p50} ms (baseline ${summarize(ver.b).p50} ms)`);
  const peakRssMb = round(process.resourceUsage().maxRSS / 1024, 0);
  await zk.shutdownZk();

  // --- throughput: the verifier pool (one worker thread per core) vs plain snarkjs in one
  // process, in alternating rounds so both see the same machine load; then a wave of hostile
  // items through the same pool, and the same rounds again ---
  const proofsFile = join(TMP, 'proofs.json');
  writeFileSync(proofsFile, JSON.stringify(proofs));
  const rounds = quick ? 3 : 5;
  const roundMs = quick ? 1000 : 2000;
  const workers = cpus().length;
  const tp = await verifyThroughput(proofs, proofsFile, workers, rounds, roundMs);
  const [ours, base] = [tp.ours, tp.base];
  log(
    `differential corpus: ${tp.corpus.items} items (${tp.corpus.valid} valid), pool and snarkjs ${tp.corpus.identical ? 'agree on every verdict' : 'DISAGREE'}`,
  );
  log(
    `verify throughput ${ours.toFixed(1)}/s with ${workers} threads (baseline ${base.toFixed(1)}/s, ratio ${(ours / base).toFixed(2)}; the pool used ${tp.coresUsed.toFixed(2)} cores, load ${tp.loadAvg1m.map((x) => x.toFixed(1)).join('→')})`,
  );
  log(
    `verify throughput after ${tp.hostileItems} hostile items ${tp.afterHostile.toFixed(1)}/s (${(tp.afterHostile / ours).toFixed(2)}× before)`,
  );

  // --- gas: real receipts on the embedded anvil, real proofs, the gate built with the locked
  // key. The measurement lives in contracts/test/gas.test.ts (it also pins the targets); it
  // writes contracts/build/gas.json, which is read back here.
  const gasFile = join(ROOT, 'contracts', 'build', 'gas.json');
  rmSync(gasFile, { force: true });
  execFileSync(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--runInBand', '--silent', 'contracts/test/gas.test.ts'],
    {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules' },
    },
  );
  const g = JSON.parse(readFileSync(gasFile, 'utf8')) as Record<string, number>;

  // --- issuance: the issuer's Veramo agent next to raw did-jwt-vc (bench/issuance.ts)
  log('issuance: agent vs raw did-jwt-vc, interleaved');
  const issuance = JSON.parse(
    execFileSync(
      process.execPath,
      [tsx, join(ROOT, 'bench', 'issuance.ts'), ...(quick ? ['--quick'] : [])],
      {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    ).trim(),
  ) as Record<string, unknown>;
  log(`issuance: ${JSON.stringify(issuance)}`);

  // --- api: the verifier server under load from a separate process (bench/api.ts)
  log('api: the verifier server under autocannon load, per offered rate');
  const api = JSON.parse(
    execFileSync(
      process.execPath,
      [tsx, join(ROOT, 'bench', 'api.ts'), ...(quick ? ['--quick'] : [])],
      {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    ).trim(),
  ) as Record<string, unknown>;
  log(`api: p99 ≤ 250 ms up to ${String(api.p99LimitRps)}/s offered`);

  // --- endToEnd: a holder answering a proof request, CLI and wallet agent (bench/e2e.ts)
  log('endToEnd: zkrep wallet respond, cold CLI with and without the agent, vs snarkjs fullProve');
  const endToEnd = JSON.parse(
    execFileSync(
      process.execPath,
      [tsx, join(ROOT, 'bench', 'e2e.ts'), ...(quick ? ['--quick'] : [])],
      {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    ).trim(),
  ) as Record<string, unknown>;
  log(
    `endToEnd: ${JSON.stringify({ ...endToEnd, what: undefined, baseline: undefined, details: undefined })}`,
  );
  log(
    `gas: gated verification ${g.gatedActionTx} (via a relayer ${g.gatedActionViaRelayerTx}), raw verifier tx ${g.verifierExecTx}, marketplace overhead ${g.marketplaceGateOverhead}`,
  );

  const wStats = summarize(witness.a);
  const pStats = summarize(prove.a);
  const vStats = summarize(ver.a);
  const previous = existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>)
    : {};
  const results = {
    ...previous,
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      quick,
      durationS: round((Date.now() - started) / 1000, 1),
      versions: {
        snarkjs: version('snarkjs'),
        circom: `circom2 ${version('circom2')}`,
        circomlib: version('circomlib'),
        veramo: version('@veramo/core'),
      },
    },
    circuit: {
      name: 'CredentialQuery(8 attributes, 4 predicates, revocation depth 24)',
      constraints: lock.constraints,
      publicSignals: lock.publicSignals,
      zkeyBytes: statSync(zkeyPath).size,
      wasmBytes: statSync(wasmPath).size,
      witnessMs: { ...wStats, cold: round(Math.min(...coldWitness)) },
      proveMs: { ...pStats, cold: round(Math.min(...cold)) },
      verifyMs: { ...vStats, cold: round(Math.min(...coldVerify)) },
      peakRssMb,
      baseline: {
        what: 'snarkjs.wtns.calculate / snarkjs.groth16.fullProve / snarkjs.groth16.verify, interleaved in the same run',
        witnessMs: summarize(witness.b),
        proveMs: summarize(prove.b),
        verifyMs: summarize(ver.b),
        witnessRatio: round(wStats.p50 / summarize(witness.b).p50),
        proveRatio: round(pStats.p50 / summarize(prove.b).p50),
        verifyRatio: round(vStats.p50 / summarize(ver.b).p50),
      },
      samples: { witness: nWitness, prove: nProve, verify: nVerify, coldProcesses: coldRuns },
    },
    verifyThroughput: {
      opsPerSec: round(ours, 1),
      baselineSnarkjsOpsPerSec: round(base, 1),
      ratio: round(ours / base),
      threads: workers,
      path: 'createVerifierPool: one worker thread per core; items normalised in the calling thread and sent as decimal strings; strict encoding/subgroup checks; batched mcl pairing check (up to 32 proofs)',
      method: `${rounds} alternating rounds of ${roundMs / 1000} s each (pool, then snarkjs), waves of 256 concurrent requests`,
      durationS: round((2 * rounds * roundMs) / 1000, 1),
      // how much CPU the pool got (2 = both cores): other processes on the machine lower it,
      // and they cost the 2-thread pool more than the 1-process baseline
      differentialCorpus: {
        what: "every bench proof plus well-formed invalid variants (each public signal changed, A/C swapped, B rows swapped, another proof's A): the pool's verdict vs plain snarkjs.groth16.verify",
        ...tp.corpus,
      },
      poolCoresUsed: round(tp.coresUsed),
      loadAvg1m: tp.loadAvg1m.map((x) => round(x)),
      afterHostile: {
        what: `the same pool and rounds after ${tp.hostileItems} hostile items (5,000-level nesting, functions, symbols, throwing getters and proxies, 10M-element arrays, 1 MB strings, __proto__ keys) interleaved with valid proofs`,
        opsPerSec: round(tp.afterHostile, 1),
        baselineSnarkjsOpsPerSec: round(tp.baseAfter, 1),
        ratio: round(tp.afterHostile / tp.baseAfter),
        vsBefore: round(tp.afterHostile / ours),
        workerRestarts: tp.workerRestarts,
      },
    },
    issuance,
    api,
    endToEnd,
    gas: {
      verifierExec: g.verifierExecTx,
      gatedActionTx: g.gatedActionTx,
      gatedRenewalTx: g.gatedRenewalTx,
      gatedActionViaRelayerTx: g.gatedActionViaRelayerTx,
      gatedRenewalViaRelayerTx: g.gatedRenewalViaRelayerTx,
      gatedNewNullifierExistingPassTx: g.gatedNewNullifierExistingPassTx,
      marketplaceActionWithPassTx: g.marketplaceActionWithPassTx,
      marketplaceActionWithoutGateTx: g.marketplaceBuyWithoutGateTx,
      marketplaceGateOverhead: g.marketplaceGateOverhead,
      deploy: {
        ZkGate: g.deployZkGate,
        Groth16Verifier: g.deployGroth16Verifier,
        AuditAnchor: g.deployAuditAnchor,
        Marketplace: g.deployMarketplace,
      },
      targets: { gatedActionTx: 280_000, marketplaceGateOverhead: 10_000 },
      targetsMet: {
        gatedActionTx:
          (g.gatedActionTx ?? Infinity) <= 280_000 &&
          (g.gatedActionViaRelayerTx ?? Infinity) <= 280_000,
        marketplaceGateOverhead: (g.marketplaceGateOverhead ?? Infinity) <= 10_000,
      },
      notes:
        'gatedActionTx / gatedActionViaRelayerTx: first pass via ZkGate.verify / verifyFor; a first pass writes two fresh slots (the pass of (policy, account) that passOf reads, and the nullifier binding), see docs/contracts.md section 6. marketplaceGateOverhead: an age-restricted buy (buyer age pass + seller reputation pass, one gate call) minus the same buy of an unrestricted listing.',
      baseline:
        'verifierExec: the snarkjs-generated Groth16Verifier called in a transaction of its own (no checks, no state), same chain and proofs',
      ratio: round((g.gatedActionTx ?? 0) / (g.verifierExecTx ?? 1)),
    },
  };
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(ROOT, 'bench', 'results.md'), markdown(results));
  rmSync(TMP, { recursive: true, force: true });
  log(`wrote bench/results.json in ${results.meta.durationS} s`);
}

interface Tally {
  count: number;
  ms: number;
  /** CPU time of this process (all its threads) during the rounds, ms. */
  cpuMs?: number;
}
const rate = (t: Tally): number => t.count / (t.ms / 1000);

/** One round of the project's path: the verifier pool, fed in waves of 256 concurrent requests. */
async function poolRound(
  pool: zk.VerifierPool,
  wave: zk.ProofResult[],
  ms: number,
  into: Tally,
): Promise<void> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  while (performance.now() - start < ms) {
    const res = await pool.verifyMany(wave);
    if (res.some((r) => !r.verified))
      throw new Error('a valid proof failed verification during the benchmark');
    into.count += wave.length;
  }
  into.ms += performance.now() - start;
  const used = process.cpuUsage(cpu);
  into.cpuMs = (into.cpuMs ?? 0) + (used.user + used.system) / 1000;
}

/** The baseline: plain snarkjs in one forked process (bench/verify-worker.ts), round by round. */
async function snarkjsProcess(file: string): Promise<{
  round(ms: number, into: Tally): Promise<void>;
  stop(): void;
}> {
  const child = fork(join(ROOT, 'bench/verify-worker.ts'), [file, 'snarkjs'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let waiting: { res: (m: unknown) => void; rej: (e: Error) => void } | undefined;
  const settle = (f: (w: NonNullable<typeof waiting>) => void): void => {
    const w = waiting;
    waiting = undefined;
    if (w) f(w);
  };
  child.on('message', (m) => settle((w) => w.res(m)));
  child.on('exit', (code) =>
    settle((w) => w.rej(new Error(`the baseline process exited (${code})`))),
  );
  const next = (): Promise<unknown> => new Promise((res, rej) => (waiting = { res, rej }));
  await next(); // ready (curve warmed up)
  return {
    async round(ms, into) {
      const reply = next();
      child.send({ durationMs: ms });
      const r = (await reply) as { count: number; failed: number; ms: number };
      if (r.failed > 0) throw new Error('a valid proof failed verification during the benchmark');
      into.count += r.count;
      into.ms += r.ms;
    },
    stop: () => {
      if (child.connected) child.send('stop');
    },
  };
}

/**
 * Items an attacker could post to a public verification endpoint (what JSON.parse or a
 * careless caller can produce), each paired with a valid proof. Every hostile item must get
 * a failure verdict and every valid one must verify, or the benchmark fails.
 */
/**
 * The differential corpus: every bench proof, and for each a set of invalid variants that are
 * well-formed (so plain snarkjs can judge them): each public signal changed in turn, A and C
 * swapped, B's coordinates swapped, another proof's A. The pool's verdict must equal snarkjs's
 * on every item, or the throughput comparison would compare different work.
 */
async function differential(
  pool: zk.VerifierPool,
  proofs: zk.ProofResult[],
  vk: object,
): Promise<{ items: number; valid: number; invalid: number; identical: boolean }> {
  const items: zk.VerifyItem[] = [];
  proofs.forEach((p, k) => {
    items.push({ proof: p.proof, publicSignals: p.publicSignals });
    p.publicSignals.forEach((_s, i) => {
      const signals = [...p.publicSignals];
      signals[i] = ((BigInt(signals[i]!) + 1n) % zk.SNARK_FIELD_SIZE).toString();
      items.push({ proof: p.proof, publicSignals: signals });
    });
    items.push({
      proof: { ...p.proof, pi_a: p.proof.pi_c, pi_c: p.proof.pi_a },
      publicSignals: p.publicSignals,
    });
    items.push({
      proof: { ...p.proof, pi_b: [p.proof.pi_b[1], p.proof.pi_b[0], p.proof.pi_b[2]] },
      publicSignals: p.publicSignals,
    });
    const other = proofs[(k + 1) % proofs.length]!;
    if (other !== p)
      items.push({ proof: { ...p.proof, pi_a: other.proof.pi_a }, publicSignals: p.publicSignals });
  });
  const ours = await pool.verifyMany(items);
  let valid = 0;
  let identical = true;
  for (const [i, item] of items.entries()) {
    const theirs = await snarkjs.groth16.verify(
      vk,
      item.publicSignals as string[],
      item.proof as object,
    );
    if (theirs) valid++;
    if (ours[i]!.verified !== theirs) identical = false;
  }
  return { items: items.length, valid, invalid: items.length - valid, identical };
}

function hostileWave(proofs: zk.ProofResult[]): { item: zk.VerifyItem; valid: boolean }[] {
  const p = proofs[0]!;
  const deep = (): unknown => JSON.parse('['.repeat(5000) + ']'.repeat(5000));
  const throwing = Object.defineProperty({}, 'pi_a', {
    get() {
      throw new Error('getter');
    },
  });
  const trap = new Proxy(
    {},
    {
      get() {
        throw new Error('trap');
      },
    },
  );
  const signal = (v: unknown): unknown[] => p.publicSignals.map((s, i) => (i === 3 ? v : s));
  const hostile: zk.VerifyItem[] = [
    { proof: deep(), publicSignals: p.publicSignals },
    { proof: p.proof, publicSignals: deep() },
    { proof: () => p.proof, publicSignals: p.publicSignals },
    { proof: p.proof, publicSignals: signal(Symbol('s')) },
    { proof: throwing, publicSignals: p.publicSignals },
    { proof: trap, publicSignals: trap },
    { proof: p.proof, publicSignals: new Array(10_000_000) },
    { proof: p.proof, publicSignals: signal('9'.repeat(1 << 20)) },
    {
      proof: JSON.parse(`{"__proto__": ${JSON.stringify(p.proof)}}`),
      publicSignals: p.publicSignals,
    },
  ];
  const out: { item: zk.VerifyItem; valid: boolean }[] = [];
  for (let k = 0; k < 16; k++) {
    for (const h of hostile) {
      out.push({ item: proofs[out.length % proofs.length]!, valid: true });
      out.push({ item: h, valid: false });
    }
  }
  return out;
}

/** Pool vs snarkjs in alternating rounds; then hostile items; then the same rounds again. */
async function verifyThroughput(
  proofs: zk.ProofResult[],
  file: string,
  threads: number,
  rounds: number,
  roundMs: number,
): Promise<{
  ours: number;
  base: number;
  afterHostile: number;
  baseAfter: number;
  hostileItems: number;
  workerRestarts: number;
  coresUsed: number;
  loadAvg1m: number[];
  corpus: { items: number; valid: number; invalid: number; identical: boolean };
}> {
  const pool = await zk.createVerifierPool({ threads });
  const baseline = await snarkjsProcess(file);
  try {
    const wave = Array.from({ length: 256 }, (_, i) => proofs[i % proofs.length]!);
    await pool.verifyMany(wave); // warm-up
    const corpus = await differential(pool, proofs, zk.loadVerificationKey());
    if (!corpus.identical) throw new Error('differential corpus: the pool and snarkjs disagree');
    const load = [loadavg()[0]!];
    const [ours, base, after, baseAfter]: Tally[] = Array.from({ length: 4 }, () => ({
      count: 0,
      ms: 0,
    }));
    for (let r = 0; r < rounds; r++) {
      await poolRound(pool, wave, roundMs, ours!);
      await baseline.round(roundMs, base!);
    }
    const hostile = hostileWave(proofs);
    const settled = await Promise.allSettled(
      hostile.map(({ item }) => pool.verify(item.proof, item.publicSignals)),
    );
    settled.forEach((s, k) => {
      const ok = s.status === 'fulfilled' && s.value.verified === hostile[k]!.valid;
      if (!ok) throw new Error(`hostile wave: item ${k} got the wrong verdict`);
    });
    for (let r = 0; r < rounds; r++) {
      await poolRound(pool, wave, roundMs, after!);
      await baseline.round(roundMs, baseAfter!);
    }
    return {
      ours: rate(ours!),
      base: rate(base!),
      afterHostile: rate(after!),
      baseAfter: rate(baseAfter!),
      hostileItems: hostile.filter((h) => !h.valid).length,
      workerRestarts: pool.workerRestarts,
      coresUsed: (ours!.cpuMs ?? 0) / ours!.ms,
      loadAvg1m: [...load, loadavg()[0]!],
      corpus,
    };
  } finally {
    baseline.stop();
    await pool.close();
  }
}

/** The API's sustained run in words (results.md). */
function sustainedLine(x: unknown): string[] {
  if (!x) return [];
  const s = x as {
    offeredRps: number;
    durationS: number;
    verifyRps: number;
    p50Ms: number;
    p99Ms: number;
    errors: number;
    withinTarget: boolean;
  };
  return [
    `Sustained: ${s.offeredRps}/s offered for ${s.durationS} s: ${s.verifyRps} verified/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, ${s.errors} errors (${s.withinTarget ? 'within' : 'NOT within'} the 250 ms p99 target).`,
  ];
}

function markdown(r: {
  meta: { date: string; cpus: number; cpuModel: string; quick: boolean };
  issuance?: Record<string, unknown>;
  api?: Record<string, unknown>;
  endToEnd?: Record<string, unknown>;
  circuit: Record<string, unknown> & { baseline: Record<string, unknown> };
  verifyThroughput: Record<string, unknown>;
}): string {
  const c = r.circuit as unknown as {
    constraints: number;
    publicSignals: number;
    zkeyBytes: number;
    witnessMs: { p50: number; min: number; max: number; cold: number };
    proveMs: { p50: number; min: number; max: number; cold: number };
    verifyMs: { p50: number; min: number; max: number; cold: number };
    peakRssMb: number;
    baseline: { witnessMs: { p50: number }; proveMs: { p50: number }; verifyMs: { p50: number } };
  };
  const v = r.verifyThroughput as {
    opsPerSec: number;
    baselineSnarkjsOpsPerSec: number;
    ratio: number;
    threads: number;
    afterHostile?: { opsPerSec: number; vsBefore: number };
  };
  const row = (k: string, x: { p50: number; min: number; max: number }, base: number): string =>
    `| ${k} | ${x.p50} | ${x.min}–${x.max} | ${base} | ${round(x.p50 / base)} |`;
  return [
    `# Benchmark results`,
    ``,
    `${r.meta.date}, ${r.meta.cpus} × ${r.meta.cpuModel}${r.meta.quick ? ' (quick)' : ''}. Raw data: results.json.`,
    ``,
    `Circuit: ${c.constraints} constraints, ${c.publicSignals} public signals, zkey ${(c.zkeyBytes / 1e6).toFixed(1)} MB, peak RSS ${c.peakRssMb} MB.`,
    ``,
    `| measure (ms) | p50 | min–max | baseline p50 | ratio |`,
    `|---|---|---|---|---|`,
    row(
      'witness (reused calculator vs snarkjs.wtns.calculate)',
      c.witnessMs,
      c.baseline.witnessMs.p50,
    ),
    row('prove, warm (vs snarkjs fullProve)', c.proveMs, c.baseline.proveMs.p50),
    row(
      'verify, strict, no key argument (vs plain snarkjs verify)',
      c.verifyMs,
      c.baseline.verifyMs.p50,
    ),
    ``,
    `Cold (fresh process, first call, best of ${(r.circuit as unknown as { samples: { coldProcesses: number } }).samples.coldProcesses}): witness ${c.witnessMs.cold} ms, prove (witness included) ${c.proveMs.cold} ms, verify ${c.verifyMs.cold} ms.`,
    ``,
    `Gas (real receipts): gated verification ${gasOf(r, 'gatedActionTx')}, via a relayer (verifyFor) ${gasOf(r, 'gatedActionViaRelayerTx')} (target ≤ 280,000, ${metOf(r, 'gatedActionTx')}: a first pass writes two fresh slots, see docs/contracts.md §6; raw snarkjs verifier tx ${gasOf(r, 'verifierExec')}), marketplace overhead of a purchase checking two passes ${gasOf(r, 'marketplaceGateOverhead')} (target ≤ 10,000, ${metOf(r, 'marketplaceGateOverhead')}).`,
    ``,
    ...(r.issuance
      ? [
          `Issuance: the agent issues ${String(r.issuance.issuePerSec)} JWT VCs/s vs ${String(r.issuance.baselineDidJwtVcIssuePerSec)}/s raw did-jwt-vc (ratio ${String(r.issuance.issueRatio)}, target ≥ 0.25) and verifies ${String(r.issuance.verifyCredentialPerSec)}/s vs ${String(r.issuance.baselineDidJwtVcVerifyPerSec)}/s (ratio ${String(r.issuance.verifyRatio)}, target ≥ 0.5); the whole issuance path ${String(r.issuance.fullIssuancePerSec)}/s.`,
          ``,
        ]
      : []),
    ...(r.api
      ? [
          `API (POST /v1/requests/{id}/response, sustained ${String(r.api.levelDurationS)} s levels from a separate process): p99 ≤ 250 ms up to ${String(r.api.p99LimitRps)} answers/s offered${r.api.limitReached === false ? ' (every level passed)' : `, crossed above it and at or below ${String(r.api.firstFailingRps)}/s`}; there ${String(r.api.verifyRps)} verified/s, p50 ${String(r.api.p50Ms)} ms, p95 ${String(r.api.p95Ms)} ms, p99 ${String(r.api.p99Ms)} ms, ${String(r.api.errors)} errors, ${String(r.api.concurrency)} connections, ${String(r.api.durationS)} s.`,
          ...sustainedLine(r.api.sustained),
          ``,
        ]
      : []),
    ...(r.endToEnd
      ? [
          `End to end (holder answering a proof request, real issuer and verifier): \`zkrep wallet respond --yes\` from a cold CLI start ${String(r.endToEnd.respondColdMs)} ms with the wallet agent running (${String(r.endToEnd.respondColdRatio)}× plain snarkjs fullProve ${String(r.endToEnd.baselineSnarkjsFullProveMs)} ms, target ≤ 2.0×), ${String(r.endToEnd.respondNoAgentMs)} ms without it (${String(r.endToEnd.respondNoAgentRatio)}×); warm in the wallet process, request → verified ${String(r.endToEnd.issueProveVerifyMs)} ms.`,
          ``,
        ]
      : []),
    `Verify throughput: ${v.opsPerSec}/s with the verifier pool (${v.threads} threads, batched) vs ${v.baselineSnarkjsOpsPerSec}/s plain snarkjs in one process (ratio ${v.ratio}; alternating rounds).` +
      (v.afterHostile
        ? ` After a wave of hostile items: ${v.afterHostile.opsPerSec}/s (${v.afterHostile.vsBefore}× before).`
        : ''),
    ``,
  ].join('\n');
}

function metOf(r: unknown, key: string): string {
  const v = (r as { gas?: { targetsMet?: Record<string, unknown> } }).gas?.targetsMet?.[key];
  return v === true ? 'met' : v === false ? 'not met' : 'n/a';
}

function gasOf(r: unknown, key: string): string {
  const v = (r as { gas?: Record<string, unknown> }).gas?.[key];
  return typeof v === 'number' ? v.toLocaleString('en-US') : 'n/a';
}

main().then(
  async () => {
    // Stop snarkjs's curve workers (a later section may have rebuilt the curve) so the run ends.
    await zk.shutdownZk();
    process.exit(0);
  },
  async (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    await zk.shutdownZk();
    process.exit(1);
  },
);
