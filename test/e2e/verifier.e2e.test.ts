/**
 * The verifier service end to end on the embedded chain, with the REAL issuer and REAL proofs:
 * a marketplace creates policies and proof requests over HTTP; the holder's side (as the wallet
 * agent will do it) fetches the request object, checks its signature against the verifier's DID
 * document, writes a consent receipt, proves with the credential the issuer issued, and answers.
 *
 * - off-chain policy: verified, status, signed webhook, replay refused (A09), 50 concurrent
 *   answers → exactly one 200 (A10 on the request), consent receipt checked;
 * - on-chain policy (mirrored into ZkGate): the verified proof is relayed to `verifyFor`, the
 *   account holds the on-chain pass and paid no gas; disabling goes to the chain too;
 * - RPC down (A11): the answer is refused with 503 + Retry-After, the request stays pending,
 *   readiness says so; when the RPC is back the same answer verifies;
 * - graceful shutdown (A18): an in-flight answer completes, a new one gets 503;
 * - no personal data in the verifier's database or logs (A17).
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  createClients,
  disablePolicy as disableChainPolicy,
  getPass,
  getPolicy,
  setIssuerStatus,
  type AnvilChain,
} from '#contracts';
import type { RunningIssuer } from '#issuer';
import {
  loadVerifierConfig,
  startVerifier,
  verifyWebhookSignature,
  type RunningVerifier,
} from '#verifier';
import { shutdownZk } from '#zk';
import { pino } from 'pino';
import { getAddress, type Address } from 'viem';
import { issueAge, newHolder, postJson, type Holder } from '../helpers/holder.js';
import {
  DEV_KEYS,
  TEST_ADMIN_KEY,
  chainResolver,
  devClients,
  startDeployedChain,
  startTestIssuer,
} from '../helpers/stack.js';
import { answerRequest } from '../helpers/wallet.js';
import { agePolicyBody } from '../fixtures/policies.js';

const MARKET_KEY = 'market-key-for-tests-0123456789';
const WEBHOOK_SECRET = 'webhook-secret-for-tests-012345';
const BIRTH_DATE = '1990-02-28';

let chain: AnvilChain;
let work: string;
let issuer: RunningIssuer;
let verifier: RunningVerifier;
let holder: Holder;
let credential: string;
let rpcProxy: { url: string; down: boolean; close(): Promise<void> };
const logLines: string[] = [];

const nowS = () => Math.floor(Date.now() / 1000);
const market = { authorization: `Bearer ${MARKET_KEY}` };
const account = (n: number) => getAddress(`0x${n.toString(16).padStart(40, '0')}`);

/** A JSON-RPC proxy to anvil that can be switched off (A11). */
async function startRpcProxy(target: string) {
  const state = { down: false };
  const server: Server = createServer((req, res) => {
    if (state.down) {
      res.writeHead(502).end('bad gateway');
      return;
    }
    const up = httpRequest(target, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function verifierEnv(over: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    VERIFIER_PORT: '0',
    VERIFIER_DATA_DIR: join(work, 'verifier'),
    VERIFIER_KMS_SECRET: 'ab'.repeat(32),
    VERIFIER_MARKETPLACES: `demo-market:${MARKET_KEY}:${WEBHOOK_SECRET}`,
    RPC_URL: rpcProxy.url,
    ZKREP_DEPLOYMENTS_DIR: join(work, 'deployments'),
    VERIFIER_RELAYER_KEY: DEV_KEYS.relayer,
    VERIFIER_POOL_THREADS: '1',
    LOG_LEVEL: 'info',
    ...over,
  };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-verifier-e2e-'));
  chain = await startDeployedChain(work);
  issuer = await startTestIssuer(chain, work);
  rpcProxy = await startRpcProxy(chain.rpcUrl);
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  verifier = await startVerifier(loadVerifierConfig(verifierEnv()), {
    logger: pino({ level: 'info' }, sink),
    webhookIntervalMs: 3_600_000, // delivered on demand (deliverWebhooks) in this file
  });
  holder = newHolder(`0x${chain.chainId.toString(16)}`);
  credential = await issueAge(issuer.url, TEST_ADMIN_KEY, holder, BIRTH_DATE);
}, 180_000);

afterAll(async () => {
  await verifier?.close();
  await issuer?.close();
  await rpcProxy?.close();
  await chain?.stop();
  await shutdownZk();
  await rm(work, { recursive: true, force: true });
});

const v = (path: string, init: RequestInit = {}) => fetch(`${verifier.url}${path}`, init);

async function createPolicy(over: Record<string, unknown> = {}) {
  const res = await postJson(
    `${verifier.url}/v1/policies`,
    agePolicyBody(issuer.issuerKeyHash.toString(), over),
    market,
  );
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; queryHash: string; chainPolicyId: string | null };
}

interface Created {
  id: string;
  requestUri: string;
  walletUrl: string;
  qr: { png: string; svg: string };
}
async function createRequest(policyId: string, over: Record<string, unknown> = {}) {
  const res = await postJson(`${verifier.url}/v1/requests`, { policyId, ...over }, market);
  expect(res.status).toBe(201);
  return (await res.json()) as Created;
}

/** The wallet's side (test/helpers/wallet.ts): verify the request object, consent, prove. */
const answerFor = (created: Created, who: Holder, acct: Address, did = verifier.did) =>
  answerRequest({
    requestUri: created.requestUri,
    verifierDid: did,
    holder: who,
    credential,
    issuerUrl: issuer.url,
    account: acct,
    resolver: chainResolver(chain, issuer),
    chain: { chain, gate: issuer.deployment.contracts.zkGate.address },
  });

const submit = (created: Created, body: unknown) =>
  postJson(`${verifier.url}/v1/requests/${created.id}/response`, body);

describe('verifier e2e: an off-chain policy', () => {
  let policy: { id: string };
  let created: Created;
  let answer: Awaited<ReturnType<typeof answerFor>>;
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  let hook: Server;

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    policy = await createPolicy({ id: 'adult-buyers' });
    const { port } = hook.address() as AddressInfo;
    created = await createRequest(policy.id, { webhookUrl: `http://127.0.0.1:${port}/zkrep` });
    answer = await answerFor(created, holder, account(0xa11ce));
  }, 120_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => hook.close(() => resolve()));
  });

  it('serves the request object, a wallet URL and QR codes', async () => {
    expect(created.walletUrl).toMatch(/^openid4vp:\/\/\?client_id=did%3Aethr%3A/);
    const png = Buffer.from(await (await fetch(created.qr.png)).arrayBuffer());
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(await (await fetch(created.qr.svg)).text()).toMatch(/^<svg[^>]*>.*<path/s);
    const status = await (await v(`/v1/requests/${created.id}`, { headers: market })).json();
    expect(status).toMatchObject({ status: 'pending', result: null, relay: null });
  });

  it('refuses a consent receipt for another purpose, leaving the request pending', async () => {
    const res = await submit(created, {
      ...answer,
      consentReceipt: { ...answer.consentReceipt, purpose: 'Marketing.' },
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: 'consent_mismatch' });
    const status = (await (await v(`/v1/requests/${created.id}`, { headers: market })).json()) as {
      status: string;
    };
    expect(status.status).toBe('pending');
  });

  it('verifies the honest answer; of 50 concurrent copies exactly one gets 200 (A09/A10)', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        submit(created, answer).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { verified?: boolean; code?: string; passExpiresAt?: number },
        })),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.body.verified).toBe(true);
    expect(ok[0]!.body.passExpiresAt).toBeGreaterThan(nowS());
    expect(results.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(
      Array(49).fill('request_completed'),
    );
    const status = (await (await v(`/v1/requests/${created.id}`, { headers: market })).json()) as {
      status: string;
      result: { verified: boolean; account: string };
    };
    expect(status.status).toBe('verified');
    expect(status.result).toMatchObject({ verified: true, account: account(0xa11ce) });
  });

  it('announces the verdict in one signed webhook', async () => {
    await verifier.deliverWebhooks();
    expect(received).toHaveLength(1);
    const [d] = received;
    expect(
      verifyWebhookSignature({
        secret: WEBHOOK_SECRET,
        header: String(d!.headers['zkrep-signature']),
        body: d!.body,
        now: nowS(),
      }),
    ).toBe(true);
    expect(JSON.parse(d!.body)).toMatchObject({
      type: 'proof_request.completed',
      data: { requestId: created.id, policyId: 'adult-buyers', verified: true },
    });
    await verifier.deliverWebhooks();
    expect(received).toHaveLength(1);
  });

  it('the same credential for another account on a new request: nullifier_reused (409)', async () => {
    const second = await createRequest(policy.id);
    const res = await submit(second, await answerFor(second, holder, account(0xb0b)));
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ verified: false, code: 'nullifier_reused' });
  });

  it('another marketplace or no key sees nothing', async () => {
    expect((await v(`/v1/requests/${created.id}`)).status).toBe(401);
    expect(
      (await v(`/v1/requests/${created.id}`, { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401);
  });
});

describe('verifier e2e: a policy mirrored into ZkGate, relayed to verifyFor', () => {
  it('creates the chain policy, relays the verified proof, and the account holds the pass', async () => {
    const policy = await createPolicy({ id: 'adult-buyers-onchain', onChain: true });
    expect(policy.chainPolicyId).toMatch(/^[1-9][0-9]*$/);
    const { publicClient } = createClients({ rpcUrl: chain.rpcUrl, chainId: chain.chainId });
    const gate = issuer.deployment.contracts.zkGate.address;
    const onChain = await getPolicy(publicClient, {
      gate,
      policyId: BigInt(policy.chainPolicyId!),
    });
    expect(onChain.queryHash.toString()).toBe(policy.queryHash);

    const created = await createRequest(policy.id, { relay: true });
    const acct = account(0xca11);
    const res = await submit(created, await answerFor(created, holder, acct));
    const body = (await res.json()) as { verified: boolean; relay: { status: string } };
    expect(res.status).toBe(200);
    expect(body.relay).toMatchObject({ status: 'confirmed', code: null });
    const pass = await getPass(publicClient, {
      gate,
      policyId: BigInt(policy.chainPolicyId!),
      account: acct,
    });
    expect(pass.valid).toBe(true);
    // The account never sent a transaction: the relayer paid.
    expect(await publicClient.getTransactionCount({ address: acct })).toBe(0);

    const disabled = await postJson(`${verifier.url}/v1/policies/${policy.id}/disable`, {}, market);
    expect(disabled.status).toBe(200);
    const after = await getPolicy(publicClient, { gate, policyId: BigInt(policy.chainPolicyId!) });
    expect(after.disabled).toBe(true);
  });

  it('a policy disabled on-chain by its admin is disabled here at the next start', async () => {
    const dir = join(work, 'verifier-reconcile');
    const config = loadVerifierConfig(verifierEnv({ VERIFIER_DATA_DIR: dir }));
    let node = await startVerifier(config, { logger: pino({ level: 'silent' }) });
    try {
      const res = await postJson(
        `${node.url}/v1/policies`,
        agePolicyBody(issuer.issuerKeyHash.toString(), { id: 'reconciled', onChain: true }),
        market,
      );
      const { chainPolicyId } = (await res.json()) as { chainPolicyId: string };
      // The admin (the relayer key) disables it on the chain, not through the API.
      const { publicClient, walletClient } = devClients(chain, 'relayer');
      await disableChainPolicy({
        publicClient,
        walletClient,
        gate: issuer.deployment.contracts.zkGate.address,
        policyId: BigInt(chainPolicyId),
      });
      await node.close();
      node = await startVerifier(config, { logger: pino({ level: 'silent' }) });
      const read = await fetch(`${node.url}/v1/policies/reconciled`, { headers: market });
      expect(await read.json()).toMatchObject({ status: 'disabled', chainPolicyId });
    } finally {
      await node.close();
    }
  });
});

describe('verifier e2e: faults', () => {
  it('A11: with the RPC down the answer fails closed (503, Retry-After) and stays answerable', async () => {
    const policy = await createPolicy({ id: 'a11-policy' });
    const created = await createRequest(policy.id);
    const answer = await answerFor(created, holder, account(0xa11));
    rpcProxy.down = true;
    try {
      const res = await submit(created, answer);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toMatchObject({ code: 'chain_unreachable' });
      const ready = await v('/ready');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ chain: false, database: true });
    } finally {
      rpcProxy.down = false;
    }
    const res = await submit(created, answer);
    expect(res.status).toBe(200);
    expect((await v('/ready')).status).toBe(200);
  });

  it("issuer_inactive: the registry's owner suspends the issuer, and its proofs are refused", async () => {
    const policy = await createPolicy({ id: 'suspended-issuer' });
    const created = await createRequest(policy.id);
    const answer = await answerFor(created, holder, account(0x5b5));
    const { publicClient, walletClient } = devClients(chain, 'owner');
    const registry = {
      publicClient,
      walletClient,
      gate: issuer.deployment.contracts.zkGate.address,
      keyHash: issuer.issuerKeyHash,
    };
    await setIssuerStatus({ ...registry, status: 'suspended' });
    try {
      const res = await submit(created, answer);
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ verified: false, code: 'issuer_inactive' });
    } finally {
      await setIssuerStatus({ ...registry, status: 'active' });
    }
  });

  it('A08: a flood through a one-slot queue: one verdict, every other answer a clean 409 or 503 + Retry-After, no crash', async () => {
    const small = await startVerifier(
      loadVerifierConfig(
        verifierEnv({
          VERIFIER_DATA_DIR: join(work, 'verifier-a08'),
          VERIFIER_POOL_MAX_QUEUE: '1',
        }),
      ),
      { logger: pino({ level: 'silent' }) },
    );
    try {
      const policy = await postJson(
        `${small.url}/v1/policies`,
        agePolicyBody(issuer.issuerKeyHash.toString(), { id: 'a08' }),
        market,
      );
      expect(policy.status).toBe(201);
      const res = await postJson(`${small.url}/v1/requests`, { policyId: 'a08' }, market);
      const created = (await res.json()) as Created;
      const answer = await answerFor(created, holder, account(0xa08), small.did);
      // Every signal right, the proof point wrong: each copy goes all the way to the pool.
      const forged = { ...answer, proof: { ...answer.proof, pi_a: ['1', '2', '1'] } }; // G1's generator
      const results = await Promise.all(
        Array.from({ length: 30 }, () =>
          postJson(`${small.url}/v1/requests/${created.id}/response`, forged).then(async (r) => ({
            status: r.status,
            retryAfter: r.headers.get('retry-after'),
            code: ((await r.json()) as { code: string }).code,
          })),
        ),
      );
      // How many find the queue full depends on timing; each such answer is a clean 503.
      const busy = results.filter((r) => r.status === 503);
      expect(busy.every((r) => r.code === 'busy' && r.retryAfter === '1')).toBe(true);
      // exactly one verdict (the forged proof refused); the rest found the request answered
      expect(results.filter((r) => r.status === 422)).toHaveLength(1);
      expect(
        results.filter((r) => r.status === 409).every((r) => r.code === 'request_completed'),
      ).toBe(true);
      expect(results.every((r) => [503, 422, 409].includes(r.status))).toBe(true);
      expect((await fetch(`${small.url}/health`)).status).toBe(200);
      const metrics = await (await fetch(`${small.url}/metrics`)).text();
      const counted = /zkrep_verifier_refusals_total\{code="busy"\} (\d+)/.exec(metrics);
      expect(Number(counted?.[1] ?? 0)).toBe(busy.length);
    } finally {
      await small.close();
    }
  });

  it('A14: a clock 10 minutes off either way fails readiness', async () => {
    for (const offset of [600, -600]) {
      const off = await startVerifier(
        loadVerifierConfig(
          verifierEnv({ VERIFIER_DATA_DIR: join(work, `verifier-clock${offset}`) }),
        ),
        { logger: pino({ level: 'silent' }), now: () => nowS() + offset },
      );
      try {
        const res = await fetch(`${off.url}/ready`);
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({ clock: false, chain: true, database: true });
      } finally {
        await off.close();
      }
    }
    expect(await (await v('/ready')).json()).toMatchObject({ clock: true });
  });

  it('A17: no personal data in the database or the logs', async () => {
    const tables = [
      'verifier_policy',
      'verifier_proof_request',
      'verifier_nullifier_binding',
      'verifier_verification_record',
      'verifier_webhook_delivery',
    ];
    const dump: string[] = [];
    for (const t of tables) {
      dump.push(JSON.stringify(await verifier.dataSource.query(`SELECT * FROM ${t}`)));
    }
    const db = dump.join('\n');
    const logs = logLines.join('');
    expect(db.length).toBeGreaterThan(1_000);
    expect(logs).toContain('verifier listening');
    const pii = [
      holder.did.toLowerCase(),
      holder.wallet.address.toLowerCase(),
      BIRTH_DATE,
      BIRTH_DATE.replaceAll('-', ''),
      credential.slice(-40),
    ];
    for (const p of pii) {
      expect(db.toLowerCase()).not.toContain(p.toLowerCase());
      expect(logs.toLowerCase()).not.toContain(p.toLowerCase());
    }
    // No raw proof reaches the logs (A17).
    expect(logs).not.toMatch(/pi_a|publicSignals|consentReceipt/);
  });

  it('A18: a shutdown lets the in-flight answer finish and refuses new work', async () => {
    const second = await startVerifier(
      loadVerifierConfig(verifierEnv({ VERIFIER_DATA_DIR: join(work, 'verifier-2') })),
      { logger: pino({ level: 'silent' }) },
    );
    try {
      const base = second.url;
      const policy = await postJson(
        `${base}/v1/policies`,
        agePolicyBody(issuer.issuerKeyHash.toString(), { id: 'a18' }),
        market,
      );
      expect(policy.status).toBe(201);
      const res = await postJson(`${base}/v1/requests`, { policyId: 'a18' }, market);
      const created = (await res.json()) as Created;
      const answer = await answerFor(created, holder, account(0xa18), second.did);
      const inFlight = postJson(`${base}/v1/requests/${created.id}/response`, answer);
      // Close once the answer is in the verifier's hands (queued or being checked).
      for (let i = 0; i < 5_000 && second.pool.queued + second.pool.inFlight === 0; i++) {
        await new Promise((r) => setTimeout(r, 1));
      }
      const closing = second.close();
      const verdict = await inFlight;
      expect(verdict.status).toBe(200);
      await closing;
      await expect(fetch(`${base}/health`)).rejects.toThrow();
    } finally {
      await second.close();
    }
  });
});
