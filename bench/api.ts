/**
 * API bench (BENCH.md `api`): how many wallet answers per second the verifier's HTTP API
 * verifies under sustained load with p99 ≤ 250 ms, and the rate at which p99 crosses 250 ms.
 *
 * Set-up (before any clock): an embedded anvil with the zkrep contracts, the real issuer, and the
 * real verifier server (`verifier/server.ts`, a child process). A marketplace creates one policy
 * and N proof requests; one holder with one age credential answers every request for one account
 * (`test/helpers/wallet.ts`: request object checked, consent receipt, a real Groth16 proof). The
 * nullifier is then bound to that account, which the verifier accepts as a renewal, so every
 * answer verifies.
 *
 * Sustained load with N single-use answers: a proof costs ~1 s to make, so a 10 s level at
 * 200/s would need 2,000 of them. Instead each request is re-armed once its answer verified:
 * while a level runs, this process sets every completed request back to pending and deletes its
 * verification record, one short write transaction on the verifier's SQLite file every 50 ms, so
 * the same answer verifies again one cycle (N/rate s) later. The verifier's path per answer is
 * the production one, unchanged; the re-arming writes are extra work on its database (they err
 * on the slow side), and an answer sent before its request was re-armed (the previous one still
 * in flight) is refused and counted as an error.
 *
 * Per offered rate, after warm-up: `bench/api-load.ts` (a separate process, autocannon on
 * loopback) offers the rate for a fixed duration and reports latencies and errors (anything but
 * `200 {verified: true}`). Rates rise until a level fails (p99 > 250 ms or an error), then the
 * gap between the last passing and the first failing rate is halved down to `RESOLUTION`.
 * Prints one JSON line (progress on stderr).
 *
 *   npx tsx bench/api.ts [--quick]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnvilChain } from '#contracts';
import type { RunningIssuer } from '#issuer';
import { shutdownZk } from '#zk';
import { getAddress } from 'viem';
import { issueAge, newHolder, postJson } from '../test/helpers/holder.js';
import {
  TEST_ADMIN_KEY,
  chainResolver,
  startDeployedChain,
  startTestIssuer,
} from '../test/helpers/stack.js';
import { answerRequest } from '../test/helpers/wallet.js';
import { agePolicyBody } from '../test/fixtures/policies.js';
import type { LoadResult, LoadSpec } from './api-load.js';
import { openRearm } from './rearm.js';

const require = createRequire(import.meta.url);
const quick = process.argv.includes('--quick');
/** Prepared answers (real proofs): each is sent again one cycle (N/rate s) after its last send. */
const N = quick ? 20 : 80;
const WARMUP = 4;
/** Answers made concurrently (the witness of one overlaps the multi-threaded proof of another). */
const PROVERS = Number(process.env['BENCH_API_PROVERS'] ?? 2);
/** How long each level offers its rate. */
const LEVEL_S = quick ? 3 : 10;
/** After the search: the sustained run, at this share of the p99 limit, for this long. */
const SUSTAINED_SHARE = 0.8;
const SUSTAINED_S = quick ? 5 : 30;
/** Rising rates, until one fails; then the gap to the last passing one is halved. */
const LEVELS = quick ? [10, 20] : [20, 40, 80, 120, 160, 200, 240, 300, 400, 600];
/** The bisection stops when the last passing and first failing rates are this close. */
const RESOLUTION = 10;
const P99_LIMIT_MS = 250;
/** One connection per request per second (autocannon paces whole requests per second). */
const MAX_CONNECTIONS = 600;
const MAX_SLOTS = 30;
/** How often completed requests are set back to pending while a level runs. */
const REARM_MS = 50;
const ROOT = new URL('..', import.meta.url).pathname;
const TSX = require.resolve('tsx/cli');

const MARKET_KEY = 'bench-market-key-0123456789abcdef';
const ACCOUNT = getAddress('0x00000000000000000000000000000000000be4c1');

const t0 = performance.now();
const log = (m: string): void =>
  void process.stderr.write(
    `bench/api: [${((performance.now() - t0) / 1000).toFixed(1)} s] ${m}\n`,
  );
const round = (x: number, d = 2): number => Number(x.toFixed(d));

/** Every child process this bench started (each the leader of its own process group). */
const children = new Set<ChildProcess>();
let workDir: string | undefined;
let closeRearm: (() => void) | undefined;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Stops a child (SIGTERM to its group, SIGKILL after `graceMs`) and waits for it to exit. */
async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
  children.delete(child);
}

function spawnChild(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [TSX, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: stopping it stops tsx's node child too
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** The last `max` characters of a stream, drained continuously so the pipe never fills. */
function tail(stream: NodeJS.ReadableStream | null, max = 4_000): () => string {
  let text = '';
  stream?.on('data', (c: Buffer) => {
    text = (text + c.toString('utf8')).slice(-max);
  });
  return () => text;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface VerifierChild {
  url: string;
  did: string;
  child: ChildProcess;
}

/** Starts `verifier/server.ts` and waits for its `verifier: <url> (<did>)` line and `/ready`. */
async function startVerifierChild(env: NodeJS.ProcessEnv): Promise<VerifierChild> {
  const child = spawnChild([join(ROOT, 'verifier', 'server.ts')], env);
  const stderr = tail(child.stderr);
  const stdout = tail(child.stdout);
  const { url, did } = await new Promise<{ url: string; did: string }>((resolve, reject) => {
    const timer = setTimeout(() => fail('did not start within 60 s'), 60_000);
    let buffered = '';
    const onData = (c: Buffer): void => {
      buffered += c.toString('utf8');
      const m = /^verifier: (\S+) \((\S+)\)$/m.exec(buffered);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolve({ url: m[1]!, did: m[2]! });
      }
    };
    const onExit = (code: number | null): void => fail(`exited with code ${code}`);
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(new Error(`verifier ${why}: ${(stderr() || stdout()).trim().slice(-1_000)}`));
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  }).catch(async (err: unknown) => {
    await stopChild(child);
    throw err;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${url}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      await stopChild(child);
      throw new Error(`verifier never became ready: ${stderr().trim().slice(-1_000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, did, child };
}

/** Runs `bench/api-load.ts` on `spec` in its own process; resolves with its JSON line. */
async function runLoadChild(spec: LoadSpec, specFile: string): Promise<LoadResult> {
  await writeFile(specFile, JSON.stringify(spec));
  const child = spawnChild([join(ROOT, 'bench', 'api-load.ts'), specFile], process.env);
  const stderr = tail(child.stderr);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  children.delete(child);
  if (code !== 0) throw new Error(`load process exited with ${code}: ${stderr().trim()}`);
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
}

/** The verifier's environment: ours only (no inherited VERIFIER_*, DATABASE_URL, …). */
function verifierEnv(p: {
  port: number;
  dataDir: string;
  rpcUrl: string;
  deploymentsDir: string;
}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(VERIFIER_|DATABASE_URL$|DID_NETWORK$|RPC_URL$|ZKREP_|LOG_LEVEL$)/.test(k)) continue;
    env[k] = v;
  }
  return {
    ...env,
    VERIFIER_HOST: '127.0.0.1',
    VERIFIER_PORT: String(p.port),
    VERIFIER_DATA_DIR: p.dataDir,
    VERIFIER_KMS_SECRET: 'ef'.repeat(32),
    VERIFIER_MARKETPLACES: `bench-market:${MARKET_KEY}`,
    RPC_URL: p.rpcUrl,
    ZKREP_DEPLOYMENTS_DIR: p.deploymentsDir,
    VERIFIER_RATE_LIMIT_IP: '10000000',
    VERIFIER_RATE_LIMIT_KEY: '10000000',
    VERIFIER_REQUEST_TTL: '3600',
    LOG_LEVEL: 'warn',
    // VERIFIER_POOL_THREADS unset: one verification thread per core
  };
}

interface Level extends LoadResult {
  pass: boolean;
  /** Requests set back to pending while the level ran. */
  rearmed: number;
  /** Requests sent per second over the level (sent / duration). */
  offeredActualRps: number;
  /** The load process sent less than 95 % of the rate: the level measures nothing. */
  underOffered: boolean;
  /** The machine's 1-minute load average after the level (other work on it shows here). */
  loadAvg1m: number;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'zkrep-bench-api-'));
  workDir = work;
  let chain: AnvilChain | undefined;
  let issuer: RunningIssuer | undefined;
  let verifier: VerifierChild | undefined;
  try {
    const deploymentsDir = join(work, 'deployments');
    const dataDir = join(work, 'verifier');
    chain = await startDeployedChain(work);
    issuer = await startTestIssuer(chain, work);
    const env = verifierEnv({
      port: await freePort(),
      dataDir,
      rpcUrl: chain.rpcUrl,
      deploymentsDir,
    });
    verifier = await startVerifierChild(env);
    const { url, did } = verifier;
    log(`verifier ${url} (${did}); issuer ${issuer.url}`);

    // --- the marketplace's side: one policy, N + WARMUP proof requests ---
    const market = { authorization: `Bearer ${MARKET_KEY}` };
    const policy = await postJson(
      `${url}/v1/policies`,
      agePolicyBody(issuer.issuerKeyHash.toString(), {
        id: 'bench-adults',
        maxProofAgeSeconds: 3_600,
      }),
      market,
    );
    if (policy.status !== 201) throw new Error(`policy refused: ${policy.status}`);
    const requests: { id: string; requestUri: string }[] = [];
    for (let i = 0; i < N + WARMUP; i++) {
      const res = await postJson(
        `${url}/v1/requests`,
        { policyId: 'bench-adults', ttlSeconds: 3_600 },
        market,
      );
      if (res.status !== 201) throw new Error(`proof request refused: ${res.status}`);
      requests.push((await res.json()) as { id: string; requestUri: string });
    }

    // --- the wallet's side: one holder, one credential, one account, a real proof per request ---
    const network = `0x${chain.chainId.toString(16)}`;
    const holder = newHolder(network);
    const credential = await issueAge(issuer.url, TEST_ADMIN_KEY, holder, '1990-02-28');
    const resolver = chainResolver(chain, issuer);
    const proving = performance.now();
    const answers: { id: string; body: string }[] = Array.from({ length: requests.length });
    let made = 0;
    let nextAnswer = 0;
    const iss = issuer;
    const wallet = async (): Promise<void> => {
      while (nextAnswer < requests.length) {
        const i = nextAnswer++;
        const r = requests[i]!;
        const answer = await answerRequest({
          requestUri: r.requestUri,
          verifierDid: did,
          holder,
          credential,
          issuerUrl: iss.url,
          account: ACCOUNT,
          resolver,
        });
        answers[i] = { id: r.id, body: JSON.stringify(answer) };
        if (++made % 20 === 0 || made === requests.length) {
          log(
            `answers ${made}/${requests.length} (${((performance.now() - proving) / made).toFixed(0)} ms each)`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: PROVERS }, wallet));
    const proveS = (performance.now() - proving) / 1000;
    await issuer.close(); // the verifier needs only the chain from here on
    issuer = undefined;

    // --- the load: one verifier process, warmed up once, every level re-arming as it goes ---
    const rearm = openRearm(join(dataDir, 'verifier.sqlite'));
    closeRearm = rearm.close;
    // Warm-up (JIT, worker threads, DID and chain caches) with answers kept for it, in pairs.
    const warmup = answers.slice(0, WARMUP);
    const load = answers.slice(WARMUP);
    for (let i = 0; i < warmup.length; i += 2) {
      await Promise.all(
        warmup.slice(i, i + 2).map(async (a) => {
          const res = await fetch(`${url}/v1/requests/${a.id}/response`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: a.body,
          });
          const body = (await res.json()) as { verified?: boolean; code?: string };
          if (res.status !== 200 || body.verified !== true) {
            throw new Error(`warm-up answer refused: ${res.status} ${body.code ?? ''}`);
          }
        }),
      );
    }

    const levels: Level[] = [];
    const runLevel = async (rate: number, durationS = LEVEL_S): Promise<Level> => {
      rearm.sweep(); // every request pending before the first answer goes
      const rearmed0 = rearm.rearmed;
      const timer = setInterval(rearm.sweep, REARM_MS);
      let r: LoadResult;
      try {
        r = await runLoadChild(
          {
            url,
            rate,
            durationS,
            capS: durationS + 30,
            maxConnections: MAX_CONNECTIONS,
            maxSlots: MAX_SLOTS,
            answers: load,
          },
          join(work, `load-${rate}.json`),
        );
      } finally {
        clearInterval(timer);
      }
      // The load process must have offered the rate (a slower send rate would flatter the server).
      const offeredActualRps = round(r.sent / Math.max(r.durationS, durationS));
      const underOffered = offeredActualRps < 0.95 * rate;
      const latencyOk = r.errors === 0 && !r.capped && r.p99Ms <= P99_LIMIT_MS;
      const pass = latencyOk && !underOffered;
      const level: Level = {
        ...r,
        pass,
        offeredActualRps,
        // Only a level the server kept up with can blame the load process; a slow server also
        // slows autocannon's sending (each connection waits for its answer).
        underOffered: underOffered && latencyOk,
        rearmed: rearm.rearmed - rearmed0,
        loadAvg1m: round(loadavg()[0]!),
      };
      levels.push(level);
      log(
        `offered ${rate}/s for ${durationS} s: ${r.verifyRps} verified/s, p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms, errors ${r.errors}${r.errors ? ` ${JSON.stringify(r.errorKinds)}` : ''}, ${r.connections} connections, ${r.durationS} s, ${level.rearmed} re-armed, load process ${r.loadGenCores} cores → ${pass ? 'pass' : 'FAIL'}`,
      );
      // Let an overloaded level's backlog drain before the next one starts.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return level;
    };

    let lastPass: number | undefined;
    let firstFail: number | undefined;
    let loadLimitRps: number | undefined;
    const judge = (level: Level): void => {
      if (level.underOffered) loadLimitRps ??= level.rate;
      else if (level.pass) lastPass = level.rate;
      else firstFail = level.rate;
    };
    for (const rate of LEVELS) {
      judge(await runLevel(rate));
      if (firstFail !== undefined || loadLimitRps !== undefined) break;
    }
    // Halve the gap between the last passing and the first failing rate.
    while (
      loadLimitRps === undefined &&
      firstFail !== undefined &&
      firstFail - (lastPass ?? 0) > RESOLUTION
    ) {
      const mid = Math.round(((lastPass ?? 0) + firstFail) / 2);
      const level = await runLevel(mid);
      if (level.underOffered) break;
      judge(level);
    }
    // Sustained load: a steady rate below the limit, held several times longer than a level.
    const sustainedRate = Math.max(
      RESOLUTION,
      Math.floor((SUSTAINED_SHARE * (lastPass ?? 0)) / RESOLUTION) * RESOLUTION,
    );
    const held = await runLevel(sustainedRate, SUSTAINED_S);
    levels.pop(); // not a step of the search
    rearm.close();
    closeRearm = undefined;

    const byRate = [...levels].sort((x, y) => x.rate - y.rate);
    const best = byRate.filter((l) => l.pass).at(-1);
    const head = best ?? byRate[0]!;
    const out = {
      verifyRps: head.verifyRps,
      p50Ms: head.p50Ms,
      p95Ms: head.p95Ms,
      p99Ms: head.p99Ms,
      errors: head.errors,
      concurrency: head.connections,
      durationS: head.durationS,
      p99LimitRps: lastPass ?? 0,
      limitReached: firstFail !== undefined,
      /** The load process could not offer this rate (the search stopped there). */
      loadGeneratorLimitRps: loadLimitRps ?? null,
      firstFailingRps: firstFail ?? null,
      p99CrossingRps:
        firstFail === undefined
          ? null
          : { above: lastPass ?? 0, atMost: firstFail, resolution: RESOLUTION },
      maxVerifyRps: Math.max(...levels.map((l) => l.verifyRps)),
      sustained: {
        offeredRps: sustainedRate,
        durationS: held.durationS,
        verifyRps: held.verifyRps,
        p50Ms: held.p50Ms,
        p99Ms: held.p99Ms,
        maxMs: held.maxMs,
        errors: held.errors,
        withinTarget: held.pass,
        what: `${SUSTAINED_S} s at ${Math.round(SUSTAINED_SHARE * 100)} % of p99LimitRps (rounded down to ${RESOLUTION}/s), after the search, same verifier process`,
      },
      target: { p99Ms: P99_LIMIT_MS },
      levelDurationS: LEVEL_S,
      answers: N,
      warmupAnswers: WARMUP,
      threads: cpus().length,
      loadAvg1m: round(loadavg()[0]!),
      proveAnswersS: round(proveS, 1),
      what: 'POST /v1/requests/{id}/response on the verifier server (its own process): HTTP → strict zod validation → consent-receipt check → signal checks incl. a revocation-root read on anvil → verifier pool (one worker thread per core) → one SQLite transaction (nullifier binding as a renewal, record, completion)',
      method: `${N} valid answers (real Groth16 proofs, one holder, one account, one policy) made before the clock; one verifier process, warmed up with ${WARMUP} answers of its own; each level offers its rate for ${LEVEL_S} s from a separate load process (bench/api-load.ts, autocannon on loopback): connections = min(rate, ${MAX_CONNECTIONS}), connection c starting at c/connections s so that request k leaves at about k/rate s (autocannon paces per second, so the connections are grouped into up to ${MAX_SLOTS} autocannon instances started at their phases), answers sent in turn and again every N/rate s; while the level runs, the bench sets every completed request back to pending and deletes its verification record every ${REARM_MS} ms (one write transaction on the verifier's SQLite file, extra load on its database), so each answer verifies again on its next turn. A level that met the latency target while its load process sent under 95 % of its rate measures nothing and ends the search (loadGeneratorLimitRps). Latencies are raw per-response times, nearest-rank percentiles; an error is anything but 200 {verified: true} (or no answer), including an answer that arrives before its request was re-armed. Rates rise (${LEVELS.join(', ')}/s) until a level fails (p99 > ${P99_LIMIT_MS} ms or an error), then the gap to the last passing rate is halved down to ${RESOLUTION}/s. p99LimitRps: the highest offered rate that passed; p99CrossingRps: p99 crosses ${P99_LIMIT_MS} ms above 'above' and at or below 'atMost' (null: no level failed); the headline fields are the p99LimitRps level's.`,
      levels: levels.map((l) => ({
        offeredRps: l.rate,
        offeredActualRps: l.offeredActualRps,
        verifyRps: l.verifyRps,
        p50Ms: l.p50Ms,
        p95Ms: l.p95Ms,
        p99Ms: l.p99Ms,
        maxMs: l.maxMs,
        meanMs: l.meanMs,
        errors: l.errors,
        ...(l.errors ? { errorKinds: l.errorKinds } : {}),
        connections: l.connections,
        durationS: l.durationS,
        sent: l.sent,
        rearmed: l.rearmed,
        capped: l.capped,
        loadGenCores: l.loadGenCores,
        loadAvg1m: l.loadAvg1m,
        pass: l.pass,
        ...(l.underOffered ? { underOffered: true } : {}),
      })),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    closeRearm?.();
    for (const c of [...children]) await stopChild(c, 5_000);
    await issuer?.close().catch(() => undefined);
    await chain?.stop().catch(() => undefined);
    await shutdownZk();
    await rm(work, { recursive: true, force: true });
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const c of children) killGroup(c, 'SIGKILL');
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    process.exit(1);
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const cause = (err as { cause?: { message?: string; code?: string } })?.cause;
    const why = cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : '';
    process.stderr.write(`bench/api: ${(err as Error)?.message ?? String(err)}${why}\n`);
    if (process.env['BENCH_DEBUG']) console.error(err);
    process.exit(1);
  },
);
