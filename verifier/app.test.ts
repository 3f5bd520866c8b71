/**
 * The verifier app in-process with stand-in chain and pool (a unit test of the HTTP layer; the
 * real start-up path and real proofs are in test/e2e/verifier*.e2e.test.ts), on a real SQLite
 * database: rate limits per IP and per API key (A07: 429 + Retry-After), readiness naming the
 * failing dependency (the clock included, A14), 503 + Retry-After while draining (A18), the
 * metrics of a refused answer, and the audit checkpoint routes (signed for real with an ES256K
 * key; anchoring on the real chain is in test/e2e/audit.e2e.test.ts).
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ES256KSigner, decodeJWT } from 'did-jwt';
import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import {
  buildConsentReceipt,
  consentReceiptHash,
  expectedScope,
  expectedSignalHash,
  withTransaction,
} from '#platform';
import { ZkError, encodeProofTime } from '#zk';
import {
  TEST_ISSUER_KEY_HASH,
  agePolicyInput,
  placeholderAnswer,
} from '../test/fixtures/policies.js';
import { databaseEngines } from '../test/helpers/databases.js';
import { createApp, type VerifierDeps } from './app.js';
import { appendAuditEntry, auditCheckpointer } from './domain/audit.js';
import { VerifierError } from './errors.js';
import { CHECKPOINT_TYP, signCheckpoint } from './domain/audit-checkpoint.js';
import { createPolicy } from './domain/policy-store.js';
import { createProofRequest, requestBinding, requestClaims } from './domain/requests.js';
import { ProofRequestEntity, VERIFIER_ENTITIES, VERIFIER_MIGRATIONS } from './store/schema.js';

const engines = databaseEngines({ entities: VERIFIER_ENTITIES, migrations: VERIFIER_MIGRATIONS });
const KEY_A = 'market-a-key-0123456789abcdef';
const KEY_B = 'market-b-key-0123456789abcdef';
const VERIFIER_ID = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa';
const ANCHOR = '0x00000000000000000000000000000000000000cc';
const signer = ES256KSigner(randomBytes(32));
const REGULATOR = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000ee';

async function serve(
  ds: DataSource,
  over: Partial<VerifierDeps> = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const deps: VerifierDeps = {
    dataSource: ds,
    pool: {
      queued: 3,
      inFlight: 1,
      workerRestarts: 0,
      verify: async () => ({ verified: false, code: 'proof_invalid', message: 'no' }),
    },
    logger: pino({ level: 'silent' }),
    baseUrl: 'http://127.0.0.1',
    verifierId: VERIFIER_ID,
    signRequestObject: async () => 'a.b.c',
    marketplaces: [
      { id: 'a', apiKey: KEY_A, webhookSecret: undefined },
      { id: 'b', apiKey: KEY_B, webhookSecret: undefined },
    ],
    now: () => 1_790_000_000,
    rootAccepted: () => true,
    issuerStanding: async () => null,
    ready: {
      database: async () => true,
      chain: async () => true,
      clock: async () => true,
    },
    report: () => Promise.reject(new VerifierError('not_found', 'no reports in this test')),
    // The report store and exports: verifier/domain/report-store.test.ts, test/e2e/dashboard.
    reports: {
      save: async () => '00000000-0000-4000-8000-000000000001',
      list: async () => ({ items: [], next: null }),
      get: async () => null,
    },
    reportCredential: () => Promise.reject(new VerifierError('internal', 'not in this test')),
    printPdf: () => Promise.reject(new VerifierError('internal', 'not in this test')),
    withdraw: () => Promise.reject(new VerifierError('not_found', 'no withdrawals in this test')),
    verifyRegulator: (token) =>
      token === 'regulator.token.ok'
        ? Promise.resolve(REGULATOR)
        : Promise.reject(new VerifierError('forbidden', 'not a regulator')),
    audit: auditCheckpointer({
      dataSource: ds,
      sign: (claims) => signCheckpoint({ did: VERIFIER_ID, signer, claims }),
      chainId: 31_337,
      anchor: ANCHOR,
      now: () => 1_790_000_000,
      logger: pino({ level: 'silent' }),
    }),
    ...over,
  };
  const server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

describe('rate limits (A07)', () => {
  it('per API key: a marketplace over its limit gets 429 + Retry-After, another does not', async () => {
    const s = await serve(await engines.open('sqlite'), { rateLimitPerKey: 3 });
    try {
      for (let i = 0; i < 3; i++)
        expect((await fetch(`${s.url}/v1/policies`, as(KEY_A))).status).toBe(200);
      const limited = await fetch(`${s.url}/v1/policies`, as(KEY_A));
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.json()).toEqual({ code: 'rate_limited', message: 'too many requests' });
      expect((await fetch(`${s.url}/v1/policies`, as(KEY_B))).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('per IP: every route, keyed or not', async () => {
    const s = await serve(await engines.open('sqlite'), { rateLimitPerIp: 2 });
    try {
      expect((await fetch(`${s.url}/v1/policies`, as(KEY_A))).status).toBe(200);
      expect((await fetch(`${s.url}/v1/policies`, as(KEY_B))).status).toBe(200);
      const limited = await fetch(
        `${s.url}/v1/requests/00000000-0000-4000-8000-000000000000/response`,
        {
          method: 'POST',
        },
      );
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).not.toBeNull();
      // the probes are never limited
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
      expect((await fetch(`${s.url}/ready`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('readiness', () => {
  it.each(['database', 'chain', 'clock'] as const)(
    'is 503 naming the failing %s',
    async (failing) => {
      const ready = {
        database: async () => true,
        chain: async () => true,
        clock: async () => true,
        [failing]: async () => {
          throw new Error('down');
        },
      };
      const s = await serve(await engines.open('sqlite'), { ready });
      try {
        const res = await fetch(`${s.url}/ready`);
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('5');
        const body = (await res.json()) as Record<string, unknown>;
        expect(body).toMatchObject({ status: 'unavailable', [failing]: false });
        expect(Object.values(body).filter((v) => v === false)).toHaveLength(1);
      } finally {
        await s.close();
      }
    },
  );
});

describe('draining (A18)', () => {
  it('answers 503 busy with Retry-After while shutting down', async () => {
    let draining = false;
    const s = await serve(await engines.open('sqlite'), { draining: () => draining });
    try {
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
      draining = true;
      const res = await fetch(`${s.url}/v1/policies`, as(KEY_A));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toMatchObject({ code: 'busy' });
    } finally {
      await s.close();
    }
  });
});

describe('a full verifier queue (A08)', () => {
  it('answers 503 busy with Retry-After and leaves the request pending for a retry', async () => {
    const ds = await engines.open('sqlite');
    const now = 1_790_000_000;
    const policy = await createPolicy(
      ds,
      agePolicyInput({ marketplaceId: 'a', trustedIssuers: [TEST_ISSUER_KEY_HASH] }),
      now,
    );
    const request = await createProofRequest(ds, { policyId: policy.id, now, ttlSeconds: 600 });
    const account = '0x1111111111111111111111111111111111111111';
    const binding = requestBinding(policy, VERIFIER_ID, undefined);
    const consentReceipt = buildConsentReceipt(requestClaims(policy, request, binding), {
      verifier: VERIFIER_ID,
      now,
      withdrawKey: '0x2222222222222222222222222222222222222222',
    });
    // Signals that pass every check, so the answer reaches the pool.
    const publicSignals = [
      1n,
      BigInt(TEST_ISSUER_KEY_HASH),
      policy.queryHash,
      5n,
      encodeProofTime(now),
      expectedScope(binding, policy.id),
      expectedSignalHash(binding, {
        challenge: request.challenge as `0x${string}`,
        consentReceiptHash: consentReceiptHash(consentReceipt),
        account,
      }),
    ].map(String);
    let reached = 0;
    const s = await serve(ds, {
      now: () => now,
      pool: {
        queued: 1,
        inFlight: 1,
        workerRestarts: 0,
        verify: async () => {
          reached++;
          throw new ZkError('busy', 'too many proofs are waiting for verification');
        },
      },
    });
    try {
      const { proof } = placeholderAnswer(request.id);
      const res = await fetch(`${s.url}/v1/requests/${request.id}/response`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ proof, publicSignals, account, consentReceipt }),
      });
      expect(reached).toBe(1);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toMatchObject({ code: 'busy' });
      const status = await fetch(`${s.url}/v1/requests/${request.id}`, as(KEY_A));
      expect(await status.json()).toMatchObject({ status: 'pending', result: null });
    } finally {
      await s.close();
    }
  });
});

describe('the request object', () => {
  it('is served while the request can be answered; not once answered (409) or expired (410)', async () => {
    const ds = await engines.open('sqlite');
    const t0 = 1_790_000_000;
    let now = t0;
    const policy = await createPolicy(
      ds,
      agePolicyInput({ marketplaceId: 'a', trustedIssuers: [TEST_ISSUER_KEY_HASH] }),
      t0,
    );
    const sign = async () => 'h.p.s';
    const open = await createProofRequest(ds, {
      policyId: policy.id,
      now: t0,
      ttlSeconds: 600,
      sign,
    });
    const answered = await createProofRequest(ds, {
      policyId: policy.id,
      now: t0,
      ttlSeconds: 600,
      sign,
    });
    await ds
      .getRepository(ProofRequestEntity)
      .update(
        { id: answered.id },
        { status: 'failed', account: '0x1111111111111111111111111111111111111111' },
      );
    const s = await serve(ds, { now: () => now });
    try {
      const get = (id: string) => fetch(`${s.url}/v1/requests/${id}/request.jwt`);
      const pending = await get(open.id);
      expect(pending.status).toBe(200);
      expect(await pending.text()).toBe('h.p.s');
      const done = await get(answered.id);
      expect(done.status).toBe(409);
      expect(await done.json()).toMatchObject({ code: 'request_completed' });
      now = t0 + 599;
      expect((await get(open.id)).status).toBe(200);
      now = t0 + 600;
      const late = await get(open.id);
      expect(late.status).toBe(410);
      expect(await late.json()).toMatchObject({ code: 'request_expired' });
    } finally {
      await s.close();
    }
  });
});

describe('metrics', () => {
  it('expose the pool gauges and count refused answers by code, with no identifiers', async () => {
    const s = await serve(await engines.open('sqlite'));
    try {
      const id = '00000000-0000-4000-8000-000000000000';
      const body = placeholderAnswer(id);
      const res = await fetch(`${s.url}/v1/requests/${id}/response`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(404);
      const text = await (await fetch(`${s.url}/metrics`)).text();
      expect(text).toMatch(/^zkrep_verifier_pool_queue_depth 3$/m);
      expect(text).toMatch(/^zkrep_verifier_pool_in_flight 1$/m);
      expect(text).toMatch(/^zkrep_verifier_refusals_total\{code="not_found"\} 1$/m);
      expect(text).toMatch(
        /zkrep_verifier_http_request_duration_seconds_count\{method="POST",route="\/v1\/requests\/:id\/response",status="404"\} 1/,
      );
      expect(text).not.toContain(id);
      expect(text).not.toContain('0x1111');
    } finally {
      await s.close();
    }
  });
});

describe('audit checkpoints', () => {
  const append = (ds: DataSource, n: number) =>
    withTransaction(ds, (tx) =>
      appendAuditEntry(tx, { kind: 'verification', at: 1_790_000_000, body: { n } }),
    );
  const post = (url: string, key?: string) =>
    fetch(`${url}/audit/checkpoints`, { method: 'POST', ...(key ? as(key) : {}) });

  it('POST needs a marketplace API key; nothing to checkpoint in an empty log', async () => {
    const s = await serve(await engines.open('sqlite'));
    try {
      expect((await post(s.url)).status).toBe(401);
      expect((await post(s.url, 'not-a-key-0123456789abcdef')).status).toBe(401);
      const empty = await post(s.url, KEY_A);
      expect(empty.status).toBe(404);
      expect(await empty.json()).toEqual({ code: 'not_found', message: 'the audit log is empty' });
      const latest = await fetch(`${s.url}/audit/checkpoints/latest`);
      expect(latest.status).toBe(404);
      expect(await latest.json()).toMatchObject({ code: 'not_found' });
    } finally {
      await s.close();
    }
  });

  it('signs a checkpoint of the head (201), returns it while the head stays (200), and anew once it moves', async () => {
    const ds = await engines.open('sqlite');
    const s = await serve(ds);
    try {
      const first = await append(ds, 1);
      const created = await post(s.url, KEY_A);
      expect(created.status).toBe(201);
      const body = (await created.json()) as {
        checkpoint: { jwt: string };
        anchoring: unknown;
      };
      expect(body).toEqual({
        created: true,
        checkpoint: {
          seq: 1,
          head: first.hash,
          at: 1_790_000_000,
          chainId: 31_337,
          anchor: ANCHOR,
          jwt: expect.any(String),
        },
        // no relayer key in these deps: signed, not anchored
        anchoring: { status: 'disabled' },
      });
      const jwt = decodeJWT(body.checkpoint.jwt);
      expect(jwt.header).toMatchObject({ alg: 'ES256K', typ: CHECKPOINT_TYP });
      expect(jwt.payload).toEqual({
        iss: VERIFIER_ID,
        iat: 1_790_000_000,
        seq: 1,
        head: first.hash,
        at: 1_790_000_000,
        chainId: 31_337,
        anchor: ANCHOR,
        anchoredBy: null,
      });

      // By another marketplace, with the head unchanged: the same checkpoint.
      const again = await post(s.url, KEY_B);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ ...body, created: false });
      const latest = await fetch(`${s.url}/audit/checkpoints/latest`); // public
      expect(latest.status).toBe(200);
      expect(latest.headers.get('cache-control')).toBe('no-store');
      expect(await latest.json()).toEqual({
        checkpoint: body.checkpoint,
        anchoring: body.anchoring,
      });

      const second = await append(ds, 2);
      const moved = await post(s.url, KEY_A);
      expect(moved.status).toBe(201);
      expect(await moved.json()).toMatchObject({
        created: true,
        checkpoint: { seq: 2, head: second.hash },
      });
    } finally {
      await s.close();
    }
  });

  it('are in the OpenAPI document: POST with the API key, GET public', async () => {
    const s = await serve(await engines.open('sqlite'));
    try {
      const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { security?: unknown[] }>>;
      };
      expect(doc.paths['/audit/checkpoints']?.['post']?.security).toEqual([{ apiKey: [] }]);
      expect(doc.paths['/audit/checkpoints/latest']?.['get']).toBeDefined();
      expect(doc.paths['/audit/checkpoints/latest']?.['get']?.security).toBeUndefined();
      expect(doc.paths['/v1/reports']?.['post']?.security).toEqual([{ apiKey: [] }]);
    } finally {
      await s.close();
    }
  });

  it('POST /v1/reports: the API key names the marketplace reported on (another: 403); a regulator token reports on any; a bad period is a 400', async () => {
    const asked: unknown[] = [];
    const s = await serve(await engines.open('sqlite'), {
      report: async (q) => {
        asked.push(q);
        return 'a.b.c';
      },
    });
    try {
      const post = (body: unknown, headers: Record<string, string> = as(KEY_B).headers) =>
        fetch(`${s.url}/v1/reports`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        });
      const ok = await post({ from: 10, to: 20, policyId: 'p1' });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ id: '00000000-0000-4000-8000-000000000001', jwt: 'a.b.c' });
      expect(asked).toEqual([
        { from: 10, to: 20, policyId: 'p1', marketplaceId: 'b', regulator: null },
      ]);
      const noKey = await post({ from: 10, to: 20 }, {});
      expect(noKey.status).toBe(401);
      expect(await noKey.json()).toMatchObject({ code: 'unauthorized' });
      const bad = await post({ from: 20, to: 10 });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'bad_input' });
      const other = await post({ from: 10, to: 20, marketplaceId: 'a' });
      expect(other.status).toBe(403);
      expect(await other.json()).toMatchObject({ code: 'forbidden' });
      expect(asked).toHaveLength(1);
      // A bearer that is no API key but a JWT goes to the regulator check: every marketplace,
      // or the one it names.
      const regulator = { authorization: 'Bearer regulator.token.ok' };
      expect((await post({ from: 10, to: 20 }, regulator)).status).toBe(200);
      expect((await post({ from: 10, to: 20, marketplaceId: 'a' }, regulator)).status).toBe(200);
      expect(asked.slice(1)).toEqual([
        { from: 10, to: 20, policyId: null, marketplaceId: null, regulator: REGULATOR },
        { from: 10, to: 20, policyId: null, marketplaceId: 'a', regulator: REGULATOR },
      ]);
      const refused = await post({ from: 10, to: 20 }, { authorization: 'Bearer some.other.jwt' });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: 'forbidden' });
      // A wrong API key that is not JWT-shaped never reaches the regulator check.
      const wrongKey = await post({ from: 10, to: 20 }, { authorization: 'Bearer not-a-key' });
      expect(wrongKey.status).toBe(401);
      expect(asked).toHaveLength(3);
    } finally {
      await s.close();
    }
  });
});
