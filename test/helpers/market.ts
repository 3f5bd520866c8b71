/**
 * What the verifier e2e tests do as a marketplace and as a command-line user, in one place: make
 * a policy and a proof request with an API key, post a wallet's answer, make a wrong answer with a
 * right consent receipt (made-up signals: a failed event without proving), run `zkrep …` as a
 * child process, read the report a report JWT carries. Failures are plain errors (no jest), so
 * `npm run demo` (scripts/demo/) uses these helpers too.
 */
import { execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AnvilChain } from '#contracts';
import type { RunningIssuer } from '#issuer';
import { buildConsentReceipt, verifyRequestObject } from '#platform';
import type { ComplianceReport } from '#verifier';
import { decodeJWT } from 'did-jwt';
import { getAddress, type Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { agePolicyBody } from '../fixtures/policies.js';
import { postJson } from './holder.js';
import { chainResolver } from './stack.js';

const run = promisify(execFile);
const ZKREP = new URL('../../bin/zkrep.mjs', import.meta.url).pathname;

/** The account 0x…n (20 bytes, EIP-55). */
export const testAccount = (n: number): Address =>
  getAddress(`0x${n.toString(16).padStart(40, '0')}`);

/** A proof request as `POST /v1/requests` answers it. */
export interface CreatedRequest {
  id: string;
  requestUri: string;
  requestObject: string;
}

/**
 * The body of a `201 Created` answer; any other status throws, naming it and the answer's code
 * (a plain error, so the demo script uses these helpers outside jest too).
 */
async function created(res: Response, what: string): Promise<unknown> {
  const body = (await res.json().catch(() => null)) as { code?: unknown } | null;
  if (res.status !== 201) throw new Error(`${what} answered ${res.status} (${String(body?.code)})`);
  return body;
}

/** `POST /v1/policies`: "adults only" trusting `issuer`, with `over` applied; expects 201. */
export async function createAgePolicy(
  p: { url: string; headers: Record<string, string>; issuer: RunningIssuer },
  over: Record<string, unknown>,
): Promise<{ id: string; chainPolicyId: string | null }> {
  const res = await postJson(
    `${p.url}/v1/policies`,
    agePolicyBody(p.issuer.issuerKeyHash.toString(), over),
    p.headers,
  );
  return (await created(res, 'POST /v1/policies')) as { id: string; chainPolicyId: string | null };
}

/** `POST /v1/requests` for `policyId` (with `over`); expects 201. */
export async function createProofRequest(
  p: { url: string; headers: Record<string, string> },
  policyId: string,
  over: Record<string, unknown> = {},
): Promise<CreatedRequest> {
  const res = await postJson(`${p.url}/v1/requests`, { policyId, ...over }, p.headers);
  return (await created(res, 'POST /v1/requests')) as CreatedRequest;
}

/** The wallet's answer to `created`, posted. */
export const submitAnswer = (url: string, created: { id: string }, body: unknown) =>
  postJson(`${url}/v1/requests/${created.id}/response`, body);

/**
 * A wrong answer to `created` with a right consent receipt (its request object opened on
 * `chain`): `proof` with 7 made-up signals, for `account` — a failed event, no proving.
 */
export async function madeUpAnswer(p: {
  chain: AnvilChain;
  issuer: RunningIssuer;
  created: CreatedRequest;
  proof: unknown;
  account: Address;
  now: number;
}) {
  const opened = await verifyRequestObject(p.created.requestObject, {
    resolver: chainResolver(p.chain, p.issuer),
    now: p.now,
  });
  const consentReceipt = buildConsentReceipt(opened.claims, {
    verifier: opened.clientId,
    now: p.now,
    withdrawKey: privateKeyToAccount(generatePrivateKey()).address,
  });
  return { proof: p.proof, publicSignals: Array(7).fill('1'), account: p.account, consentReceipt };
}

/** `node bin/zkrep.mjs …args` as a child process, with `work`'s deployment records. */
export async function zkrepCli(
  work: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [ZKREP, ...args], {
      env: { ...process.env, ZKREP_DEPLOYMENTS_DIR: join(work, 'deployments') },
      encoding: 'utf8',
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/**
 * `node bin/zkrep.mjs …args` in a clean environment: only PATH, HOME = `home`, and `env` (the
 * wallet's variables), so nothing of the test process leaks into the CLI.
 */
export function zkrepIsolated(
  home: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return spawnCollect(process.execPath, [ZKREP, ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: home, ...env },
  });
}

/** Runs `command` to its exit, collecting its output (never rejects on a non-zero exit). */
export function spawnCollect(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** `zkrep report verify` on a new file in `work` holding `content`. */
export async function verifyReportCli(
  p: { work: string; chain: AnvilChain },
  content: string,
  ...flags: string[]
) {
  const file = join(p.work, `report-${Math.random().toString(36).slice(2)}.jwt`);
  await writeFile(file, content);
  return zkrepCli(p.work, 'report', 'verify', file, '--rpc-url', p.chain.rpcUrl, ...flags);
}

/** The report a report JWT carries (not verified). */
export const reportOf = (jwt: string): ComplianceReport =>
  (decodeJWT(jwt).payload as unknown as { report: ComplianceReport }).report;
