/**
 * The verifier as it is deployed, over HTTP:
 * - the conformance suite (test/conformance/verifier.ts) against the app inside this process
 *   (`startVerifier`, SQLite) and against a separate `verifier/server.ts` process configured from
 *   the environment (PostgreSQL);
 * - the scale-out path: two verifier processes on one PostgreSQL, racing on the same nullifiers
 *   with real proofs: in every round exactly one account wins the credential (SECURITY-CASES A10
 *   across nodes), the other gets 409 `nullifier_reused`;
 * - a configuration problem: the server prints one line listing every problem and exits non-zero.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnvilChain } from '#contracts';
import type { RunningIssuer } from '#issuer';
import { startPostgres, type EmbeddedPostgres } from '#platform';
import { loadVerifierConfig, startVerifier, type RunningVerifier } from '#verifier';
import { shutdownZk } from '#zk';
import pg from 'pg';
import { pino } from 'pino';
import { getAddress } from 'viem';
import { verifierConformance } from '../conformance/verifier.js';
import { agePolicyBody } from '../fixtures/policies.js';
import { issueAge, newHolder, postJson, type Holder } from '../helpers/holder.js';
import {
  TEST_ADMIN_KEY,
  chainResolver,
  startDeployedChain,
  startTestIssuer,
} from '../helpers/stack.js';
import { answerRequest, type WalletAnswer } from '../helpers/wallet.js';

const KEY_A = 'market-a-key-for-tests-0123456789';
const KEY_B = 'market-b-key-for-tests-0123456789';
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

let chain: AnvilChain;
let work: string;
let issuer: RunningIssuer;
let inProcess: RunningVerifier;
let postgres: EmbeddedPostgres;
const nodes: { url: string; did: string; child: ChildProcess }[] = [];
let holder: Holder;
let credential: string;

function env(over: Record<string, string> = {}): Record<string, string> {
  return {
    VERIFIER_PORT: '0',
    VERIFIER_DATA_DIR: join(work, 'verifier'),
    VERIFIER_KMS_SECRET: 'ef'.repeat(32),
    VERIFIER_MARKETPLACES: `market-a:${KEY_A},market-b:${KEY_B}`,
    RPC_URL: chain.rpcUrl,
    ZKREP_DEPLOYMENTS_DIR: join(work, 'deployments'),
    VERIFIER_POOL_THREADS: '1',
    LOG_LEVEL: 'warn',
    ...over,
  };
}

/** Runs `verifier/server.ts` as its own process; resolves once it prints its URL. */
function startNode(over: Record<string, string>): Promise<(typeof nodes)[number]> {
  const child = spawn(process.execPath, [tsxCli, 'verifier/server.ts'], {
    env: { PATH: process.env['PATH'] ?? '', ...env(over) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^verifier: (http:\/\/\S+) \((did:[^)]+)\)$/m.exec(out);
      if (m) resolve({ url: m[1]!, did: m[2]!, child });
    });
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', (code) =>
      reject(new Error(`verifier exited ${code}: ${err.slice(0, 500)}`)),
    );
  });
}

const stopNode = (n: { child: ChildProcess }) =>
  new Promise<void>((resolve) => {
    if (n.child.exitCode !== null) return resolve();
    n.child.once('exit', () => resolve());
    n.child.kill('SIGTERM');
  });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-verifier-http-'));
  await chmod(work, 0o755); // PostgreSQL runs as nobody when the tests run as root
  chain = await startDeployedChain(work);
  [issuer, postgres] = await Promise.all([
    startTestIssuer(chain, work),
    startPostgres({ dataDir: join(work, 'pg'), durable: false }),
  ]);
  inProcess = await startVerifier(loadVerifierConfig(env()), {
    logger: pino({ level: 'silent' }),
  });
  // Two stateless nodes on one database. The first creates the schema and the verifier's DID;
  // the second starts on them.
  nodes.push(await startNode({ DATABASE_URL: postgres.url }));
  nodes.push(await startNode({ DATABASE_URL: postgres.url }));
  holder = newHolder(`0x${chain.chainId.toString(16)}`);
  credential = await issueAge(issuer.url, TEST_ADMIN_KEY, holder);
}, 240_000);

afterAll(async () => {
  await Promise.all(nodes.map(stopNode));
  await inProcess?.close();
  await issuer?.close();
  await postgres?.stop();
  await chain?.stop();
  await shutdownZk();
  await rm(work, { recursive: true, force: true });
});

const target = (url: () => string) => () => ({
  url: url(),
  keyA: KEY_A,
  keyB: KEY_B,
  issuerKeyHash: issuer.issuerKeyHash.toString(),
});
verifierConformance(
  'the app in this process (SQLite)',
  target(() => inProcess.url),
);
verifierConformance(
  'a separate server process over HTTP (PostgreSQL)',
  target(() => nodes[0]!.url),
);

describe('two verifier processes on one PostgreSQL', () => {
  it('share one verifier DID (created once, in the database)', () => {
    expect(nodes[1]!.did).toBe(nodes[0]!.did);
  });

  it('two nodes started at the same moment on an empty database still make one DID', async () => {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE together');
    } finally {
      await admin.end();
    }
    const url = postgres.url.replace(/\/[^/]+$/, '/together');
    const pair = await Promise.all([
      startNode({ DATABASE_URL: url }),
      startNode({ DATABASE_URL: url }),
    ]);
    try {
      expect(pair[1].did).toBe(pair[0].did);
      expect(pair[0].did).not.toBe(nodes[0]!.did);
    } finally {
      await Promise.all(pair.map(stopNode));
    }
  });

  it('racing on the same nullifier: exactly one account wins it, in every round', async () => {
    const resolver = chainResolver(chain, issuer);
    const auth = { authorization: `Bearer ${KEY_A}` };
    for (let round = 0; round < 3; round++) {
      const [a, b] = [nodes[0]!, nodes[1]!];
      const policy = await postJson(
        `${a.url}/v1/policies`,
        agePolicyBody(issuer.issuerKeyHash.toString(), { id: `race-${round}` }),
        auth,
      );
      expect(policy.status).toBe(201);
      // One request made on each node; one account each; the same credential (same nullifier).
      const requests = await Promise.all(
        [a, b].map(async (n) => {
          const res = await postJson(`${n.url}/v1/requests`, { policyId: `race-${round}` }, auth);
          return (await res.json()) as { id: string; requestUri: string };
        }),
      );
      const accounts = [1, 2].map((i) =>
        getAddress(`0x${(0xace0 + round * 16 + i).toString(16).padStart(40, '0')}`),
      );
      const answers: WalletAnswer[] = [];
      for (const i of [0, 1]) {
        answers.push(
          await answerRequest({
            requestUri: requests[i]!.requestUri,
            verifierDid: a.did,
            holder,
            credential,
            issuerUrl: issuer.url,
            account: accounts[i]!,
            resolver,
          }),
        );
      }
      const results = await Promise.all(
        [a, b].map(async (n, i) => {
          const res = await postJson(
            `${n.url}/v1/requests/${requests[i]!.id}/response`,
            answers[i],
          );
          return { status: res.status, body: (await res.json()) as { code?: string } };
        }),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)!.body.code).toBe('nullifier_reused');
    }
  });
});

describe('verifier server configuration', () => {
  it('lists every problem in one line and exits non-zero', async () => {
    const child = spawn(process.execPath, [tsxCli, 'verifier/server.ts'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        VERIFIER_PORT: 'x',
        VERIFIER_MARKETPLACES: 'a:short',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    const lines = err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^verifier: config_invalid: invalid verifier configuration: /);
    for (const v of ['VERIFIER_PORT', 'VERIFIER_KMS_SECRET', 'RPC_URL', 'the API key']) {
      expect(lines[0]).toContain(v);
    }
  });
});
