/**
 * Faults and sustained load, with real parts only (anvil with the real contracts, the issuer and
 * the verifier as their own `server.ts` processes or in this process, SQLite and embedded
 * PostgreSQL, real Groth16 proofs), on loopback:
 * - the verifier killed (SIGKILL) with answers in flight: every answer the client saw accepted is
 *   still verified after a restart on the same data, its nullifier still bound, the audit log
 *   intact with one entry per verdict; every other request is pending and answerable, or verified;
 * - a restart on the same data resumes: the DID, the policy, a pending request (answered after the
 *   restart), and the audit chain, whose new entries link to the old head;
 * - the issuer killed during issuance, KYC records and revocations: after a restart every
 *   credential the client received is known and revocable, every acknowledged KYC record and
 *   revocation kept, and the revocation root on the chain is the one the issuer serves;
 * - the chain RPC down (a TCP proxy in front of anvil that destroys and refuses connections):
 *   the verifier refuses an answer with 503 `chain_unreachable` and keeps the request answerable;
 *   the issuer is not ready and publishes nothing; both recover when the RPC is back;
 * - PostgreSQL down: the verifier answers 503 `database_unavailable`, is not ready, does not
 *   crash or hang, and verifies again once the database is back, without a restart;
 * - a sustained load of real verifications (the bench's re-arming, bench/rearm.ts, and its load
 *   process, bench/api-load.ts): no 5xx but deliberate 503 `busy`, every accepted answer recorded
 *   once in the audit log, the verifier still healthy. Behaviour only: the latency target is the
 *   bench's (`npm run bench`, api.p99LimitRps).
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClients, getCurrentRoot, type AnvilChain } from '#contracts';
import { loadIssuerConfig, startIssuer, type RunningIssuer } from '#issuer';
import { startPostgres, type EmbeddedPostgres } from '#platform';
import { readAuditEntries, verifyAuditLog, type AuditEntry, type RunningVerifier } from '#verifier';
import { shutdownZk } from '#zk';
import { decodeJWT } from 'did-jwt';
import { openRearm } from '../../bench/rearm.js';
import type { LoadResult, LoadSpec } from '../../bench/api-load.js';
import {
  startServiceChild,
  startTcpProxy,
  pollUntil,
  type ServiceChild,
  type TcpProxy,
} from '../helpers/faults.js';
import {
  authJwt,
  issueAge,
  newHolder,
  postJson,
  recordKyc,
  type Holder,
} from '../helpers/holder.js';
import {
  createAgePolicy,
  createProofRequest,
  submitAnswer,
  testAccount,
  type CreatedRequest,
} from '../helpers/market.js';
import {
  TEST_ADMIN_KEY,
  chainResolver,
  issuerEnv,
  startDeployedChain,
  startTestIssuer,
  startTestVerifier,
  verifierEnv,
} from '../helpers/stack.js';
import { answerRequest, type WalletAnswer } from '../helpers/wallet.js';

const MARKET = 'fault-market';
const MARKET_KEY = 'fault-market-key-0123456789abcdef';
const market = { authorization: `Bearer ${MARKET_KEY}` };
const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const ACCOUNT = testAccount(0xfa17);
/** Every HTTP call of this file gives up after this long: a hang fails the test, it never stalls. */
const HTTP_BOUND_MS = 30_000;

let work: string;
let chain: AnvilChain;
/** anvil's RPC behind a proxy that can be cut: the services under test reach the chain through it. */
let rpc: TcpProxy;
/** The issuer the holder's credential comes from (on the chain directly). */
let issuer: RunningIssuer;
let holder: Holder;
let credential: string;
const children = new Set<ServiceChild>();
const verifiers = new Set<RunningVerifier>();
const issuers = new Set<RunningIssuer>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-faults-e2e-'));
  await chmod(work, 0o755); // PostgreSQL runs as nobody when the tests run as root
  chain = await startDeployedChain(work);
  rpc = await startTcpProxy(chain.rpcUrl);
  issuer = await startTestIssuer(chain, work);
  holder = newHolder(`0x${chain.chainId.toString(16)}`);
  credential = await issueAge(issuer.url, TEST_ADMIN_KEY, holder);
}, 180_000);

afterAll(async () => {
  for (const c of children) await c.kill();
  for (const v of verifiers) await v.close().catch(() => undefined);
  for (const i of issuers) await i.close().catch(() => undefined);
  await issuer?.close();
  await rpc?.close();
  await chain?.stop();
  await shutdownZk();
  await rm(work, { recursive: true, force: true });
}, 60_000);

// ---- helpers ----

const bounded = (url: string, init: RequestInit = {}): Promise<Response> =>
  fetch(url, { ...init, signal: AbortSignal.timeout(HTTP_BOUND_MS) });

async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** The holder's real answer (request object checked, consent receipt, a Groth16 proof). */
const answerFor = (created: CreatedRequest, verifierDid: string, account = ACCOUNT) =>
  answerRequest({
    requestUri: created.requestUri,
    verifierDid,
    holder,
    credential,
    issuerUrl: issuer.url,
    account,
    resolver: chainResolver(chain, issuer),
  });

const api = (url: string) => ({ url, headers: market, issuer });

/** `GET /v1/requests/{id}` as the marketplace sees it. */
async function requestState(url: string, id: string) {
  const res = await bounded(`${url}/v1/requests/${id}`, { headers: market });
  expect(res.status).toBe(200);
  return json<{ status: string; result: { verified?: boolean; account?: string } | null }>(res);
}

/** A verifier in this process, closed by the afterAll hook unless the test closes it. */
async function verifierHere(p: Parameters<typeof startTestVerifier>[2]): Promise<RunningVerifier> {
  const v = await startTestVerifier(chain, work, p);
  verifiers.add(v);
  return v;
}

async function closeHere(v: RunningVerifier): Promise<void> {
  verifiers.delete(v);
  await v.close();
}

async function child(name: 'issuer' | 'verifier', env: NodeJS.ProcessEnv): Promise<ServiceChild> {
  const c = await startServiceChild(name, env);
  children.add(c);
  return c;
}

const entriesOf = (v: RunningVerifier): Promise<AuditEntry[]> =>
  readAuditEntries(v.dataSource, { limit: 100_000 });

/** The revocation root the issuer `keyHash` last published on the chain (read from anvil itself). */
async function chainRoot(keyHash: bigint): Promise<bigint | undefined> {
  const { publicClient } = createClients({ rpcUrl: chain.rpcUrl, chainId: chain.chainId });
  const current = await getCurrentRoot(publicClient, {
    gate: issuer.deployment.contracts.zkGate.address,
    issuerKeyHash: keyHash,
  });
  return current?.root;
}

const credentialIdOf = (jwt: string): number =>
  Number(
    (
      decodeJWT(jwt).payload as {
        vc: { credentialSubject: { zk: { credentialId: string } } };
      }
    ).vc.credentialSubject.zk.credentialId,
  );

// ---- the verifier on SQLite, killed and restarted ----

/** The SQLite verifier: its data under `<work>/verifier-sqlite`, the chain through the proxy. */
const sqliteNode = () => ({
  name: 'verifier-sqlite',
  marketplace: MARKET,
  apiKey: MARKET_KEY,
  over: { VERIFIER_AUDIT_ANCHOR_SECONDS: '0', RPC_URL: rpc.url },
});
/** What the kill test leaves for the restart test and the chain test. */
const killed: {
  did?: string;
  policyId?: string;
  /** A request made before the kill and never answered, with its answer proved before the kill. */
  kept?: { created: CreatedRequest; answer: WalletAnswer };
  /** The audit log's last entry at the restart. */
  head?: AuditEntry;
  restarted?: RunningVerifier;
} = {};

describe('faults: the verifier killed (SIGKILL) with answers in flight', () => {
  it('keeps every answer the client saw accepted (verified, nullifier bound, audited); every other request is pending and answerable, or verified', async () => {
    const node = await child('verifier', verifierEnv(chain, work, sqliteNode()));
    killed.did = node.did;
    const policy = await createAgePolicy(api(node.url), { id: 'kill-adults' });
    killed.policyId = policy.id;
    // One verified answer before the storm, four for the storm, one kept for after the restart.
    const created: CreatedRequest[] = [];
    for (let i = 0; i < 6; i++) created.push(await createProofRequest(api(node.url), policy.id));
    const answers: WalletAnswer[] = [];
    for (const c of created) answers.push(await answerFor(c, node.did));
    const first = await submitAnswer(node.url, created[0]!, answers[0]);
    expect(first.status).toBe(200);
    killed.kept = { created: created[5]!, answer: answers[5]! };

    // The storm: four answers at once; the verifier dies as soon as the first one is accepted.
    const storm = created.slice(1, 5).map((c, i) => ({ created: c, answer: answers[i + 1]! }));
    const seen = new Map<string, string>();
    let kill: Promise<void> | undefined;
    await Promise.all(
      storm.map(async ({ created: c, answer }) => {
        try {
          const res = await submitAnswer(node.url, c, answer);
          const body = await json<{ verified?: boolean; code?: string }>(res);
          seen.set(
            c.id,
            res.status === 200 && body.verified === true
              ? 'accepted'
              : `${res.status} ${body.code}`,
          );
          if (res.status === 200) kill ??= node.kill();
        } catch {
          seen.set(c.id, 'no answer'); // the connection died with the process
        }
      }),
    );
    await (kill ?? node.kill());
    children.delete(node);
    expect(node.child.signalCode).toBe('SIGKILL');
    // Before the kill nothing was refused: each answer was accepted, or cut off by the kill.
    for (const [id, outcome] of seen)
      expect(`${id}: ${outcome}`).toMatch(/: (accepted|no answer)$/);
    const accepted = storm.filter((s) => seen.get(s.created.id) === 'accepted');
    expect(accepted.length).toBeGreaterThanOrEqual(1);

    // Restart on the same data directory (in this process, to read the audit log).
    const v = await verifierHere(sqliteNode());
    killed.restarted = v;
    expect(v.did).toBe(node.did);

    // Nothing half-written: each verified request has exactly one audit entry, and the log verifies.
    const states = new Map<string, string>();
    for (const c of created) states.set(c.id, (await requestState(v.url, c.id)).status);
    const entries = await entriesOf(v);
    killed.head = entries.at(-1);
    const verifiedCount = [...states.values()].filter((s) => s === 'verified').length;
    expect(verifyAuditLog(entries)).toMatchObject({ ok: true, count: verifiedCount });
    expect(entries.every((e) => e.kind === 'verification')).toBe(true);

    for (const { created: c, answer } of storm) {
      const state = await requestState(v.url, c.id);
      if (seen.get(c.id) === 'accepted') {
        expect({ id: c.id, status: state.status, verified: state.result?.verified }).toEqual({
          id: c.id,
          status: 'verified',
          verified: true,
        });
        expect(state.result?.account).toBe(ACCOUNT);
      } else {
        // Committed just before the kill (the response lost), or not at all: never anything else.
        expect(['pending', 'verified']).toContain(state.status);
      }
      if (state.status === 'verified') {
        // A replay of an accepted answer is refused: its challenge is spent.
        const replay = await submitAnswer(v.url, c, answer);
        expect(replay.status).toBe(409);
        expect(await json(replay)).toMatchObject({ code: 'request_completed' });
      } else {
        const res = await submitAnswer(v.url, c, answer);
        expect(res.status).toBe(200);
        expect(await json(res)).toMatchObject({ verified: true, requestId: c.id });
      }
    }

    // The nullifier is still bound to the account: the same credential for another account is
    // refused.
    const other = await createProofRequest(api(v.url), policy.id);
    const res = await submitAnswer(v.url, other, await answerFor(other, v.did, testAccount(0xb0b)));
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ verified: false, code: 'nullifier_reused' });
  });
});

describe('faults: a restart on the same data directory resumes', () => {
  it('keeps the DID, the policy and a pending request (answered now); new audit entries link to the old head', async () => {
    const v = killed.restarted!;
    expect(v.did).toBe(killed.did);
    const policy = await bounded(`${v.url}/v1/policies/${killed.policyId}`, { headers: market });
    expect(policy.status).toBe(200);
    expect(await json(policy)).toMatchObject({ id: killed.policyId, status: 'active' });

    // A request made before the kill, answered with the answer proved before it.
    const { created, answer } = killed.kept!;
    expect((await requestState(v.url, created.id)).status).toBe('pending');
    const res = await submitAnswer(v.url, created, answer);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ verified: true, requestId: created.id });

    const head = killed.head!;
    const entries = await entriesOf(v);
    const after = entries.filter((e) => e.seq > head.seq);
    expect(after.length).toBeGreaterThanOrEqual(1);
    expect(after[0]!.prevHash).toBe(head.hash);
    expect(
      verifyAuditLog(after, { start: { seq: head.seq, hash: head.hash as `0x${string}` } }),
    ).toMatchObject({
      ok: true,
    });
    expect(verifyAuditLog(entries)).toMatchObject({ ok: true, count: entries.length });
  });
});

// ---- the issuer, killed and restarted ----

/** The issuer restarted after the kill (in this process), for the chain test. */
let revived: RunningIssuer | undefined;
let revivedEnv: NodeJS.ProcessEnv;

describe('faults: the issuer killed (SIGKILL) during issuance, KYC records and revocations', () => {
  it('after a restart, every credential received is known and revocable, every acknowledged KYC record and revocation kept, and the chain root is the served one', async () => {
    revivedEnv = issuerEnv(chain, work, {
      ISSUER_DATA_DIR: join(work, 'issuer-killed'),
      RPC_URL: rpc.url,
    });
    const node = await child('issuer', revivedEnv);
    // Two credentials to revoke during the storm.
    const network = `0x${chain.chainId.toString(16)}`;
    const earlyIds: number[] = [];
    for (let k = 0; k < 2; k++) {
      earlyIds.push(credentialIdOf(await issueAge(node.url, TEST_ADMIN_KEY, newHolder(network))));
    }

    const issuing = Array.from({ length: 4 }, () => newHolder(network));
    const kycOnly = Array.from({ length: 3 }, () => newHolder(network));
    const received: { holder: Holder; id: number }[] = [];
    const kycAcked = new Set<Holder>();
    const revokedAcked: number[] = [];
    let kill: Promise<void> | undefined;
    const attempt = async (f: () => Promise<void>) => {
      try {
        await f();
      } catch {
        // cut off by the kill
      }
    };
    await Promise.all([
      ...issuing.map((h) =>
        attempt(async () => {
          await recordKyc(node.url, TEST_ADMIN_KEY, h.did);
          kycAcked.add(h);
          const res = await postJson(`${node.url}/credentials`, {
            proof: await authJwt(node.url, h),
          });
          if (res.status !== 200) throw new Error(`credential refused: ${res.status}`);
          const { credential: jwt } = await json<{ credential: string }>(res);
          received.push({ holder: h, id: credentialIdOf(jwt) });
          kill ??= node.kill();
        }),
      ),
      ...kycOnly.map((h) =>
        attempt(async () => {
          await recordKyc(node.url, TEST_ADMIN_KEY, h.did);
          kycAcked.add(h);
        }),
      ),
      ...earlyIds.map((id) =>
        attempt(async () => {
          const res = await postJson(`${node.url}/admin/credentials/${id}/revoke`, {}, admin);
          if (res.status === 200) revokedAcked.push(id);
        }),
      ),
    ]);
    await (kill ?? node.kill());
    children.delete(node);
    expect(node.child.signalCode).toBe('SIGKILL');
    expect(received.length).toBeGreaterThanOrEqual(1);

    const i = await startIssuer(loadIssuerConfig(revivedEnv));
    issuers.add(i);
    revived = i;
    expect(i.did).toBe(node.did);

    // Every credential received is known, with its holder, and can be revoked.
    const ids = received.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const revoked = new Set(revokedAcked);
    for (const r of received) {
      const rec = await bounded(`${i.url}/admin/credentials/${r.id}`, { headers: admin });
      expect({ id: r.id, status: rec.status }).toEqual({ id: r.id, status: 200 });
      expect(await json(rec)).toMatchObject({
        id: r.id,
        holderDid: r.holder.did,
        status: 'active',
      });
      const res = await postJson(`${i.url}/admin/credentials/${r.id}/revoke`, {}, admin);
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ changed: true });
      revoked.add(r.id);
    }
    // Every acknowledged revocation is kept.
    for (const id of revokedAcked) {
      const rec = await bounded(`${i.url}/admin/credentials/${id}`, { headers: admin });
      expect(await json(rec)).toMatchObject({ id, status: 'revoked' });
    }
    // Every acknowledged KYC record of a holder that never asked for its credential is still
    // there: the holder collects it now, under a fresh id.
    for (const h of kycOnly.filter((x) => kycAcked.has(x))) {
      const res = await postJson(`${i.url}/credentials`, { proof: await authJwt(i.url, h) });
      expect(res.status).toBe(200);
      const { credentialId } = await json<{ credentialId: number }>(res);
      expect(ids).not.toContain(credentialId);
      expect(earlyIds).not.toContain(credentialId);
    }

    // The root on the chain is the one the issuer serves, and it covers every revocation.
    await i.publishNow();
    const snap = await json<{ root: string; revoked: string[] }>(
      await bounded(`${i.url}/revocation`),
    );
    expect(await chainRoot(i.issuerKeyHash)).toBe(BigInt(snap.root));
    for (const id of revoked) expect(snap.revoked).toContain(String(id));
    const again = await postJson(`${i.url}/admin/credentials/${ids[0]}/revoke`, {}, admin);
    expect(await json(again)).toMatchObject({ changed: false, root: snap.root });
  });
});

// ---- the chain RPC down ----

describe('faults: the chain RPC down (connections destroyed and refused), then back', () => {
  afterEach(() => rpc.resume());

  it('the verifier refuses an answer that needs the chain with 503 chain_unreachable, keeps it answerable, and verifies it once the RPC is back', async () => {
    const v = killed.restarted!;
    const created = await createProofRequest(api(v.url), killed.policyId!);
    const answer = await answerFor(created, v.did);
    rpc.pause();
    const refused = await submitAnswer(v.url, created, answer);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    const body = await json(refused);
    expect(body).toMatchObject({ code: 'chain_unreachable' });
    expect(typeof body['message']).toBe('string');
    const ready = await bounded(`${v.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await json(ready)).toMatchObject({
      status: 'unavailable',
      chain: false,
      database: true,
    });
    expect((await requestState(v.url, created.id)).status).toBe('pending');

    rpc.resume();
    await pollUntil('the verifier ready again after the RPC came back', async () =>
      (await bounded(`${v.url}/ready`)).status === 200 ? true : undefined,
    );
    const res = await submitAnswer(v.url, created, answer);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ verified: true, requestId: created.id });
  });

  it('the issuer is not ready and publishes nothing; a revocation is recorded and published once the RPC is back', async () => {
    const i = revived!;
    const h = newHolder(`0x${chain.chainId.toString(16)}`);
    const id = credentialIdOf(await issueAge(i.url, TEST_ADMIN_KEY, h));
    const before = await chainRoot(i.issuerKeyHash);
    const served = await json<{ root: string }>(await bounded(`${i.url}/revocation`));
    expect(BigInt(served.root)).toBe(before);

    rpc.pause();
    const notReady = await pollUntil('the issuer reporting the chain down', async () => {
      const res = await bounded(`${i.url}/ready`);
      return res.status === 503 ? json(res) : undefined;
    });
    expect(notReady).toMatchObject({ status: 'unavailable', chain: false, database: true });
    const res = await postJson(`${i.url}/admin/credentials/${id}/revoke`, {}, admin);
    expect(res.status).toBe(200);
    const { root } = await json<{ root: string; changed: boolean }>(res);
    expect(BigInt(root)).not.toBe(before);
    await i.publishNow(); // fails against the cut RPC, and says so only in the log
    expect(await chainRoot(i.issuerKeyHash)).toBe(before);
    // Wallets keep getting the published tree, never an unpublished one.
    expect(await json(await bounded(`${i.url}/revocation`))).toMatchObject({ root: served.root });

    rpc.resume();
    await pollUntil('the issuer ready again after the RPC came back', async () =>
      (await bounded(`${i.url}/ready`)).status === 200 ? true : undefined,
    );
    await i.publishNow();
    expect(await chainRoot(i.issuerKeyHash)).toBe(BigInt(root));
    const snap = await json<{ root: string; revoked: string[] }>(
      await bounded(`${i.url}/revocation`),
    );
    expect(snap.root).toBe(root);
    expect(snap.revoked).toContain(String(id));
  });
});

// ---- PostgreSQL down ----

describe('faults: PostgreSQL down, then back (the verifier is not restarted)', () => {
  let pg: EmbeddedPostgres | undefined;
  afterAll(async () => {
    await pg?.stop();
  });

  it('answers 503 database_unavailable and is not ready, without crashing or hanging; verifies again once the database is back', async () => {
    const dataDir = join(work, 'pg');
    pg = await startPostgres({ dataDir, durable: false });
    const v = await verifierHere({
      name: 'verifier-pg',
      marketplace: MARKET,
      apiKey: MARKET_KEY,
      over: { DATABASE_URL: pg.url, VERIFIER_AUDIT_ANCHOR_SECONDS: '0' },
    });
    const policy = await createAgePolicy(api(v.url), { id: 'pg-adults' });
    const created = await createProofRequest(api(v.url), policy.id);
    const answer = await answerFor(created, v.did);

    const { port } = pg;
    await pg.stop();
    pg = undefined;
    const refused = await bounded(`${v.url}/v1/requests/${created.id}/response`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(answer),
    });
    expect(refused.status).toBe(503);
    const body = await json(refused);
    expect(body).toMatchObject({ code: 'database_unavailable' });
    expect(typeof body['message']).toBe('string');
    const read = await bounded(`${v.url}/v1/requests/${created.id}`, { headers: market });
    expect(read.status).toBe(503);
    expect(await json(read)).toMatchObject({ code: 'database_unavailable' });
    const ready = await bounded(`${v.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await json(ready)).toMatchObject({ status: 'unavailable', database: false });
    expect((await bounded(`${v.url}/health`)).status).toBe(200);

    pg = await startPostgres({ dataDir, port, durable: false });
    await pollUntil('the verifier ready again after PostgreSQL came back', async () =>
      (await bounded(`${v.url}/ready`)).status === 200 ? true : undefined,
    );
    expect((await requestState(v.url, created.id)).status).toBe('pending');
    const res = await submitAnswer(v.url, created, answer);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ verified: true, requestId: created.id });
    await closeHere(v);
  });
});

// ---- sustained load ----

describe('faults: a sustained load of real verifications (behaviour, not timing)', () => {
  const RATE = 16;
  const DURATION_S = 12;
  const ANSWERS = 8;

  it('answers only 200, a spent-request 409 or a deliberate 503 busy; records every accepted answer once; stays healthy', async () => {
    const LOAD_NODE = {
      name: 'verifier-load',
      marketplace: MARKET,
      apiKey: MARKET_KEY,
      over: {
        VERIFIER_RATE_LIMIT_IP: '10000000',
        VERIFIER_RATE_LIMIT_KEY: '10000000',
        VERIFIER_REQUEST_TTL: '3600',
        VERIFIER_AUDIT_ANCHOR_SECONDS: '0',
        VERIFIER_RETENTION_SWEEP_SECONDS: '0',
      },
    };
    const node = await child('verifier', verifierEnv(chain, work, LOAD_NODE));
    const policy = await createAgePolicy(api(node.url), {
      id: 'load-adults',
      maxProofAgeSeconds: 3_600,
    });
    // One holder, one account: once its nullifier is bound, every answer verifies as a renewal.
    const answers: { id: string; body: string }[] = [];
    for (let k = 0; k < ANSWERS; k++) {
      const created = await createProofRequest(api(node.url), policy.id, { ttlSeconds: 3_600 });
      answers.push({ id: created.id, body: JSON.stringify(await answerFor(created, node.did)) });
    }

    const rearm = openRearm(join(work, LOAD_NODE.name, 'verifier.sqlite'));
    const timer = setInterval(rearm.sweep, 50);
    let result: LoadResult;
    try {
      const spec: LoadSpec = {
        url: node.url,
        rate: RATE,
        durationS: DURATION_S,
        capS: DURATION_S + 30,
        maxConnections: RATE,
        maxSlots: 4,
        answers,
      };
      result = await runLoad(spec, join(work, 'load.json'));
    } finally {
      clearInterval(timer);
      rearm.close();
    }

    expect({ capped: result.capped, sent: result.sent }).toEqual({
      capped: false,
      sent: RATE * DURATION_S,
    });
    // Anything but a verified answer is a spent request (its answer came back before it was
    // re-armed) or deliberate backpressure; nothing went unanswered.
    const allowed = ['409:request_completed', '503:busy'];
    expect(Object.entries(result.errorKinds).filter(([kind]) => !allowed.includes(kind))).toEqual(
      [],
    );
    expect(result.completed).toBe(result.sent);
    // Answers were verified again and again (re-armed), not just once each.
    expect(result.verified).toBeGreaterThan(ANSWERS);

    expect((await bounded(`${node.url}/health`)).status).toBe(200);
    expect((await bounded(`${node.url}/ready`)).status).toBe(200);
    expect(await node.stop()).toBe(0);
    children.delete(node);

    // Every accepted answer is in the audit log exactly once (a refusal before a verdict is not),
    // and the log verifies.
    const v = await verifierHere(LOAD_NODE);
    const entries = await entriesOf(v);
    expect(verifyAuditLog(entries)).toMatchObject({ ok: true, count: result.verified });
    await closeHere(v);
  });
});

/** `bench/api-load.ts` (autocannon on loopback) in its own process, on `spec`. */
async function runLoad(spec: LoadSpec, specFile: string): Promise<LoadResult> {
  await writeFile(specFile, JSON.stringify(spec));
  const load = spawn(process.execPath, ['--import', 'tsx', 'bench/api-load.ts', specFile], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  load.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  load.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => load.once('exit', resolve));
  if (code !== 0) throw new Error(`bench/api-load.ts exited with ${code}: ${err.trim()}`);
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
}
