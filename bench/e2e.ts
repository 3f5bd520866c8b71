/**
 * End-to-end bench (BENCH.md `endToEnd`): a holder answering a proof request.
 *
 * Set-up (before any clock): an embedded anvil with the zkrep contracts, the real issuer and the
 * real verifier; one wallet (`#wallet`) with an age credential; a running wallet agent
 * (`startWalletAgent`: the wallet unlocked, the prover warm) as `zkrep wallet serve` runs it.
 *
 * - `issueProveVerifyMs`: warm, in the wallet process: the marketplace creates a proof request,
 *   the wallet fetches and checks it, consents, proves, submits, the verifier verifies (p50).
 * - `respondColdMs`: `zkrep wallet respond <link> --yes` from a cold CLI process (node + the
 *   CLI's modules) to its exit with the verdict, handing the work to the running agent (p50).
 * - `respondNoAgentMs`: the same command with no agent running: the CLI unlocks the wallet and
 *   proves itself, everything cold (p50).
 * - `baselineSnarkjsFullProveMs`: plain `snarkjs.groth16.fullProve` of the same input respond
 *   proves (a fresh request's), warm, in this process (p50).
 * Each cold CLI run alternates with a baseline run (interleaved). Prints one JSON line.
 *
 *   npx tsx bench/e2e.ts [--quick]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import type { AnvilChain } from '#contracts';
import type { RunningIssuer } from '#issuer';
import { buildConsentReceipt } from '#platform';
import type { RunningVerifier } from '#verifier';
import {
  answerInput,
  answerParams,
  openRequest,
  respond,
  startWalletAgent,
  type Wallet,
} from '#wallet';
import { artifactPath, shutdownZk } from '#zk';
import { getAddress } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { postJson } from '../test/helpers/holder.js';
import { startDeployedChain, startTestIssuer, startTestVerifier } from '../test/helpers/stack.js';
import { walletWithAge } from '../test/helpers/wallet.js';
import { agePolicyBody } from '../test/fixtures/policies.js';
import { round, summarize } from './stats.js';

const quick = process.argv.includes('--quick');
const N = quick ? 3 : 7;
/** Runs without an agent (each about 5 s: the CLI unlocks the wallet and proves cold). */
const N_NO_AGENT = quick ? 2 : 3;
const MARKET_KEY = 'bench-e2e-market-key-0123456789ab';
const PASS = 'bench wallet passphrase';
const ZKREP = new URL('../bin/zkrep.mjs', import.meta.url).pathname;
const market = { authorization: `Bearer ${MARKET_KEY}` };
const t0 = performance.now();
const log = (m: string): void =>
  void process.stderr.write(
    `bench/e2e: [${((performance.now() - t0) / 1000).toFixed(1)} s] ${m}\n`,
  );

async function timedCli(args: string[], env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [ZKREP, ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  const ms = performance.now() - started;
  if (code !== 0 || (JSON.parse(out) as { verified?: boolean }).verified !== true) {
    throw new Error(`zkrep ${args.join(' ')} failed: ${err.trim().split('\n').pop()}`);
  }
  return ms;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'zkrep-bench-e2e-'));
  let chain: AnvilChain | undefined;
  let issuer: RunningIssuer | undefined;
  let verifier: RunningVerifier | undefined;
  let wallet: Wallet | undefined;
  try {
    chain = await startDeployedChain(work);
    issuer = await startTestIssuer(chain, work);
    verifier = await startTestVerifier(chain, work, {
      marketplace: 'bench',
      apiKey: MARKET_KEY,
      over: { VERIFIER_POOL_THREADS: '' }, // one verification thread per core
    });
    const policy = await postJson(
      `${verifier.url}/v1/policies`,
      agePolicyBody(issuer.issuerKeyHash.toString(), { id: 'adults' }),
      market,
    );
    if (policy.status !== 201) throw new Error(`policy refused: ${policy.status}`);
    const newRequest = async (): Promise<string> => {
      const res = await postJson(`${verifier!.url}/v1/requests`, { policyId: 'adults' }, market);
      if (res.status !== 201) throw new Error(`request refused: ${res.status}`);
      return ((await res.json()) as { walletUrl: string }).walletUrl;
    };

    const dir = join(work, 'wallet');
    wallet = await walletWithAge({ dir, chain, issuer, passphrase: PASS });
    const cliEnv = {
      ZKREP_WALLET_DIR: dir,
      ZKREP_WALLET_PASSPHRASE: PASS,
      RPC_URL: chain.rpcUrl,
      ZKREP_DEPLOYMENTS_DIR: join(work, 'deployments'),
    };

    // The same input respond proves, for the baseline.
    const opened = await openRequest(wallet, await newRequest());
    const account = getAddress(wallet.address);
    const receipt = buildConsentReceipt(opened.claims, {
      verifier: opened.verifier,
      now: wallet.now(),
      withdrawKey: privateKeyToAccount(generatePrivateKey()).address,
    });
    const input = answerInput(await answerParams(wallet, opened, receipt, account));
    const wasm = artifactPath('wasm');
    const zkey = artifactPath('zkey');
    const fullProve = async (): Promise<number> => {
      const t = performance.now();
      await snarkjs.groth16.fullProve(input as never, wasm, zkey);
      return performance.now() - t;
    };

    // --- no agent: everything cold in the CLI process ---
    const noAgent: number[] = [];
    const baseline: number[] = [];
    await fullProve(); // warm the baseline once
    for (let i = 0; i < N_NO_AGENT; i++) {
      noAgent.push(
        await timedCli(['wallet', 'respond', await newRequest(), '--yes', '--json'], cliEnv),
      );
      baseline.push(await fullProve());
    }
    log(`respond without an agent: ${noAgent.map((x) => x.toFixed(0)).join(', ')} ms`);

    // --- the agent running (warm prover), the CLI cold ---
    const agent = await startWalletAgent(wallet, { port: 0 });
    try {
      await timedCli(['wallet', 'respond', await newRequest(), '--yes', '--json'], cliEnv); // warm-up
      const cold: number[] = [];
      for (let i = 0; i < N; i++) {
        cold.push(
          await timedCli(['wallet', 'respond', await newRequest(), '--yes', '--json'], cliEnv),
        );
        baseline.push(await fullProve());
      }
      log(`respond with the agent: ${cold.map((x) => x.toFixed(0)).join(', ')} ms`);

      // --- warm, in the wallet process ---
      const warm: number[] = [];
      for (let i = 0; i < N; i++) {
        const link = await newRequest();
        const t = performance.now();
        const r = await respond(wallet, link, { yes: true });
        warm.push(performance.now() - t);
        if (!r.verified) throw new Error(`warm respond refused: ${r.code}`);
      }
      log(`warm respond in-process: ${warm.map((x) => x.toFixed(0)).join(', ')} ms`);

      const b = summarize(baseline).p50;
      const out = {
        issueProveVerifyMs: summarize(warm).p50,
        respondColdMs: summarize(cold).p50,
        respondNoAgentMs: summarize(noAgent).p50,
        baselineSnarkjsFullProveMs: b,
        respondColdRatio: round(summarize(cold).p50 / b),
        respondNoAgentRatio: round(summarize(noAgent).p50 / b),
        issueProveVerifyRatio: round(summarize(warm).p50 / b),
        target: { respondColdRatio: 2.0 },
        samples: { warm: N, cold: N, noAgent: N_NO_AGENT, baseline: baseline.length },
        details: {
          issueProveVerifyMs: summarize(warm),
          respondColdMs: summarize(cold),
          respondNoAgentMs: summarize(noAgent),
          baselineSnarkjsFullProveMs: summarize(baseline),
        },
        cpuModel: cpus()[0]?.model ?? 'unknown',
        what: 'issueProveVerifyMs: in the wallet process, warm: proof request created → fetched and checked → consent receipt → proof → submitted → verified. respondColdMs: `zkrep wallet respond <link> --yes --json` as a new process until it exits with the verdict, a wallet agent (zkrep wallet serve) running with its prover warm. respondNoAgentMs: the same with no agent (the CLI unlocks the wallet, loads the zk core and proves cold). Verifier and issuer are real, on anvil, in the bench process.',
        baseline:
          'plain snarkjs.groth16.fullProve of the input respond proves (same credential, policy and circuit), warm, in the bench process, interleaved with the CLI runs',
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } finally {
      await agent.close();
    }
  } finally {
    await wallet?.close().catch(() => undefined);
    await verifier?.close().catch(() => undefined);
    await issuer?.close().catch(() => undefined);
    await chain?.stop().catch(() => undefined);
    await shutdownZk();
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench/e2e: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  },
);
