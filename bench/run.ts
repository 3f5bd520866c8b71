/**
 * npm run bench [-- --quick]: measures the zk core and writes bench/results.json and
 * bench/results.md (keys per ../shared/design/BENCH.md; later components add theirs).
 * Every headline figure is paired with a baseline measured in the same run, interleaved.
 */
import { fork, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
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

  // --- verify: strict verify (ours) vs plain snarkjs verify, interleaved ---
  const nVerify = quick ? 20 : 100;
  let i = 0;
  const ver = await interleave(
    nVerify,
    async () => {
      const p = proofs[i++ % proofs.length]!;
      if (!(await zk.verify(p.proof, p.publicSignals, vk)).verified)
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

  // --- throughput: ours in one forked process per core vs plain snarkjs in one process ---
  const proofsFile = join(TMP, 'proofs.json');
  writeFileSync(proofsFile, JSON.stringify(proofs));
  const durationMs = quick ? 3000 : 10000;
  const workers = cpus().length;
  const ours = await poolThroughput(proofs, workers, durationMs);
  const base = await throughput(proofsFile, 'snarkjs', 1, durationMs);
  log(
    `verify throughput ${ours.toFixed(1)}/s with ${workers} threads (baseline ${base.toFixed(1)}/s)`,
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
  log(`gas: gated verification ${g.gatedActionTx}, raw verifier tx ${g.verifierExecTx}`);

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
      path: 'createVerifierPool: one worker thread per core, strict encoding/subgroup checks, batched mcl pairing check (up to 32 proofs)',
      durationS: durationMs / 1000,
    },
    gas: {
      verifierExec: g.verifierExecTx,
      gatedActionTx: g.gatedActionTx,
      gatedRenewalTx: g.gatedRenewalTx,
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

/** The project's path: the verifier pool, fed in waves of 256 concurrent requests. */
async function poolThroughput(
  proofs: zk.ProofResult[],
  threads: number,
  durationMs: number,
): Promise<number> {
  const pool = await zk.createVerifierPool({ threads });
  try {
    const wave = Array.from({ length: 256 }, (_, i) => proofs[i % proofs.length]!);
    await pool.verifyMany(wave); // warm-up
    let count = 0;
    const start = performance.now();
    while (performance.now() - start < durationMs) {
      const res = await pool.verifyMany(wave);
      if (res.some((r) => !r.verified))
        throw new Error('a valid proof failed verification during the benchmark');
      count += wave.length;
    }
    return count / ((performance.now() - start) / 1000);
  } finally {
    await pool.close();
  }
}

async function throughput(
  file: string,
  mode: 'snarkjs',
  n: number,
  durationMs: number,
): Promise<number> {
  const children = Array.from({ length: n }, () =>
    fork(join(ROOT, 'bench/verify-worker.ts'), [file, mode, String(durationMs)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  await Promise.all(children.map((c) => new Promise((res) => c.once('message', res))));
  const done = children.map(
    (c) =>
      new Promise<{ count: number; failed: number; seconds: number }>((res) =>
        c.once('message', res as never),
      ),
  );
  for (const c of children) c.send('go');
  const reports = await Promise.all(done);
  if (reports.some((r) => r.failed > 0))
    throw new Error('a valid proof failed verification during the benchmark');
  return reports.reduce((s, r) => s + r.count / r.seconds, 0);
}

function markdown(r: {
  meta: { date: string; cpus: number; cpuModel: string; quick: boolean };
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
    row('verify, strict (vs plain snarkjs verify)', c.verifyMs, c.baseline.verifyMs.p50),
    ``,
    `Cold (fresh process, first call, best of ${(r.circuit as unknown as { samples: { coldProcesses: number } }).samples.coldProcesses}): witness ${c.witnessMs.cold} ms, prove (witness included) ${c.proveMs.cold} ms, verify ${c.verifyMs.cold} ms.`,
    ``,
    `Gas (real receipts): gated verification ${gasOf(r, 'gatedActionTx')} (target ≤ 280,000; raw snarkjs verifier tx ${gasOf(r, 'verifierExec')}), marketplace overhead with a pass ${gasOf(r, 'marketplaceGateOverhead')} (target ≤ 10,000).`,
    ``,
    `Verify throughput: ${v.opsPerSec}/s with the verifier pool (${v.threads} threads, batched) vs ${v.baselineSnarkjsOpsPerSec}/s plain snarkjs in one process (ratio ${v.ratio}).`,
    ``,
  ].join('\n');
}

function gasOf(r: unknown, key: string): string {
  const v = (r as { gas?: Record<string, unknown> }).gas?.[key];
  return typeof v === 'number' ? v.toLocaleString('en-US') : 'n/a';
}

main().catch(async (err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  await zk.shutdownZk();
  process.exit(1);
});
