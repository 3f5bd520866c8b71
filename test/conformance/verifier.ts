/**
 * The verifier's conformance suite: what any deployment of the verifier API must do, whatever
 * runs it. `test/e2e/verifier-http.e2e.test.ts` runs it against the app inside the test process
 * (SQLite) and against a separate server process over HTTP (PostgreSQL). No proofs are made here
 * (the flows with proofs are in verifier.e2e.test.ts): policies, requests, the request object and
 * QR codes, authentication and isolation between marketplaces, and every malformed answer
 * (SECURITY-CASES A01–A07), each refused with `{ code, message }` and nothing consumed.
 */
import { createHash } from 'node:crypto';
import { ERROR_CODES } from '#zk';
import { agePolicyBody, placeholderAnswer } from '../fixtures/policies.js';

export interface ConformanceTarget {
  /** Base URL of the API. */
  url: string;
  /** Two marketplaces' API keys. */
  keyA: string;
  keyB: string;
  /** A decimal issuer key hash to trust. */
  issuerKeyHash: string;
}

const json = (body: unknown, key?: string): RequestInit => ({
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    ...(key ? { authorization: `Bearer ${key}` } : {}),
  },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** An error body: exactly `{ code, message }`, a known code, a one-line message, no stack. */
async function expectError(res: Response, status: number, code: string): Promise<string> {
  expect(res.status).toBe(status);
  const text = await res.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body).toMatchObject({ code });
  expect(Object.keys(ERROR_CODES)).toContain(body['code']);
  expect(typeof body['message']).toBe('string');
  expect(String(body['message'])).not.toMatch(/\n|\bat .*\(|node_modules|\.ts:\d/);
  return String(body['message']);
}

export function verifierConformance(name: string, target: () => ConformanceTarget): void {
  describe(`verifier conformance: ${name}`, () => {
    let t: ConformanceTarget;
    let policyId: string;
    let requestId: string;
    const unique = createHash('sha256').update(name).digest('hex').slice(0, 8);
    const policy = (over: Record<string, unknown> = {}) =>
      agePolicyBody(t.issuerKeyHash, { id: `conf-${unique}`, ...over });
    const api = (path: string, init?: RequestInit) => fetch(`${t.url}${path}`, init);
    const asA = (path: string) => api(path, { headers: { authorization: `Bearer ${t.keyA}` } });

    beforeAll(async () => {
      t = target();
      const res = await api('/v1/policies', json(policy(), t.keyA));
      expect(res.status).toBe(201);
      const created = (await res.json()) as { id: string; queryHash: string; status: string };
      expect(created).toMatchObject({ id: `conf-${unique}`, status: 'active' });
      expect(created.queryHash).toMatch(/^[1-9][0-9]+$/);
      policyId = created.id;
      const req = await api('/v1/requests', json({ policyId, ttlSeconds: 600 }, t.keyA));
      expect(req.status).toBe(201);
      requestId = ((await req.json()) as { id: string }).id;
    });

    describe('operability', () => {
      it('health, readiness, metrics and the OpenAPI document', async () => {
        expect(await (await api('/health')).json()).toEqual({ status: 'ok' });
        expect(await (await api('/ready')).json()).toEqual({
          status: 'ready',
          database: true,
          chain: true,
          clock: true,
        });
        const metrics = await (await api('/metrics')).text();
        expect(metrics).toMatch(/^zkrep_verifier_pool_queue_depth \d+$/m);
        expect(metrics).toContain('zkrep_verifier_verification_seconds');
        const doc = (await (await api('/openapi.json')).json()) as {
          openapi: string;
          paths: Record<string, unknown>;
          components: { schemas: Record<string, unknown> };
        };
        expect(doc.openapi).toBe('3.1.0');
        expect(Object.keys(doc.paths)).toEqual(
          expect.arrayContaining([
            '/v1/policies',
            '/v1/policies/{id}',
            '/v1/policies/{id}/disable',
            '/v1/requests',
            '/v1/requests/{id}',
            '/v1/requests/{id}/request.jwt',
            '/v1/requests/{id}/qr.png',
            '/v1/requests/{id}/qr.svg',
            '/v1/requests/{id}/response',
            '/health',
            '/ready',
            '/metrics',
          ]),
        );
        expect(Object.keys(doc.components.schemas)).toEqual(
          expect.arrayContaining(['PolicyInput', 'ProofResponse', 'ConsentReceipt', 'Error']),
        );
      });

      it('an unknown route is a JSON 404', async () => {
        await expectError(await api('/nope'), 404, 'not_found');
      });
    });

    describe('policies', () => {
      it('are listed and read back by their marketplace only', async () => {
        const list = (await (await asA('/v1/policies')).json()) as { id: string }[];
        expect(list.map((p) => p.id)).toContain(policyId);
        const one = (await (await asA(`/v1/policies/${policyId}`)).json()) as {
          predicates: unknown;
        };
        expect(one.predicates).toEqual([{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }]);
        const other = await api(`/v1/policies/${policyId}`, {
          headers: { authorization: `Bearer ${t.keyB}` },
        });
        await expectError(other, 404, 'policy_unknown');
      });

      it('an id already taken is refused', async () => {
        await expectError(await api('/v1/policies', json(policy(), t.keyA)), 400, 'bad_input');
      });

      it.each([
        ['unknown attribute', { predicates: [{ attribute: 'height', op: 'gte', value: 1 }] }],
        [
          'op that makes no sense',
          { predicates: [{ attribute: 'country', op: 'ageAtLeast', value: 18 }] },
        ],
        ['unknown schema', { schema: 'PassportCredential' }],
        ['no trusted issuer', { trustedIssuers: [] }],
        ['an unknown field', { admin: true }],
        ['a non-integer lifetime', { passLifetimeSeconds: 1.5 }],
        [
          'age out of range',
          { predicates: [{ attribute: 'birthDate', op: 'ageAtLeast', value: 151 }] },
        ],
      ])('refuses a policy with %s (400, nothing stored)', async (_what, over) => {
        const id = `bad-${unique}-${Math.random().toString(36).slice(2, 8)}`;
        const res = await api('/v1/policies', json(policy({ id, ...over }), t.keyA));
        expect(res.status).toBe(400);
        expect(['bad_input', 'bad_encoding', 'out_of_range']).toContain(
          ((await res.json()) as { code: string }).code,
        );
        await expectError(await asA(`/v1/policies/${id}`), 404, 'policy_unknown');
      });

      it('a disabled policy takes no new requests', async () => {
        const id = `off-${unique}`;
        expect((await api('/v1/policies', json(policy({ id }), t.keyA))).status).toBe(201);
        const off = await api(`/v1/policies/${id}/disable`, json({}, t.keyA));
        expect(((await off.json()) as { status: string }).status).toBe('disabled');
        await expectError(
          await api('/v1/requests', json({ policyId: id }, t.keyA)),
          409,
          'policy_disabled',
        );
      });
    });

    describe('proof requests', () => {
      it('serve a request object (JWT) and QR codes; the status is pending', async () => {
        const jwt = await (await api(`/v1/requests/${requestId}/request.jwt`)).text();
        expect(jwt.split('.')).toHaveLength(3);
        const header = JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as {
          typ: string;
        };
        expect(header.typ).toBe('oauth-authz-req+jwt');
        const png = Buffer.from(
          await (await api(`/v1/requests/${requestId}/qr.png`)).arrayBuffer(),
        );
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        expect(await (await api(`/v1/requests/${requestId}/qr.svg`)).text()).toContain('<svg');
        const status = (await (await asA(`/v1/requests/${requestId}`)).json()) as {
          status: string;
          result: unknown;
        };
        expect(status).toMatchObject({ status: 'pending', result: null });
      });

      it('are refused for an unknown policy, a bad lifetime or webhook URL', async () => {
        await expectError(
          await api('/v1/requests', json({ policyId: 'nope' }, t.keyA)),
          404,
          'policy_unknown',
        );
        await expectError(
          await api('/v1/requests', json({ policyId, ttlSeconds: 3_601 }, t.keyA)),
          400,
          'bad_input',
        );
        await expectError(
          await api('/v1/requests', json({ policyId, webhookUrl: 'ftp://x.example' }, t.keyA)),
          400,
          'bad_input',
        );
        // another marketplace cannot create requests under this policy
        await expectError(
          await api('/v1/requests', json({ policyId }, t.keyB)),
          404,
          'policy_unknown',
        );
      });

      it('another marketplace cannot read the status', async () => {
        const res = await api(`/v1/requests/${requestId}`, {
          headers: { authorization: `Bearer ${t.keyB}` },
        });
        await expectError(res, 404, 'not_found');
      });
    });

    describe('authentication (A07)', () => {
      it('no key, a wrong key, a key in the query string: 401', async () => {
        await expectError(await api('/v1/policies'), 401, 'unauthorized');
        await expectError(
          await api('/v1/policies', {
            headers: { authorization: 'Bearer wrong-key-0123456789abcdef' },
          }),
          401,
          'unauthorized',
        );
        await expectError(await api(`/v1/policies?api_key=${t.keyA}`), 401, 'unauthorized');
      });
    });

    describe('malformed answers are refused before any work (A01–A06)', () => {
      const respond = (body: string | object, headers: Record<string, string> = {}) =>
        api(`/v1/requests/${requestId}/response`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        });
      const signals = ['1', '2', '3', '4', '5', '6', '7'];
      // built when a test runs: requestId is set in beforeAll
      const good = () => placeholderAnswer(requestId);

      it('A01: a 10 MB body is 413 without being read whole', async () => {
        const res = await respond('{"a":"' + 'x'.repeat(10 * 1024 * 1024) + '"}');
        await expectError(res, 413, 'payload_too_large');
      });

      it.each<[string, () => string]>([
        ['malformed JSON', () => '{"proof":'],
        ['trailing garbage', () => JSON.stringify(good()) + 'xyz'],
        ['a BOM', () => '\ufeff' + JSON.stringify(good())],
        ['a top-level array', () => '[]'],
        ['10 000-level nesting', () => '['.repeat(10_000) + ']'.repeat(10_000)],
      ])('A02/A03: %s → 400', async (_what, body) => {
        // The same body without the fault is well-formed: it gets past the parser.
        const res = await respond(body());
        expect([400, 413]).toContain(res.status);
        await expectError(res, res.status, res.status === 413 ? 'payload_too_large' : 'bad_input');
      });

      it('A02: a wrong content type → 400', async () => {
        await expectError(
          await respond(JSON.stringify(good()), { 'content-type': 'text/plain' }),
          400,
          'bad_input',
        );
      });

      it('A03: __proto__ / constructor keys are refused, nothing is polluted', async () => {
        await expectError(
          await respond(`{"__proto__":{"polluted":true},${JSON.stringify(good()).slice(1)}`),
          400,
          'bad_input',
        );
        await expectError(
          await respond({ ...good(), constructor: { prototype: {} } }),
          400,
          'bad_input',
        );
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      });

      it.each([
        ['empty string', ''],
        ['padded', ' 12 '],
        ['hex', '0x1'],
        ['negative', '-1'],
        ['exponent', '1e3'],
        ['leading zero', '01'],
        ['a JSON number', 12],
        ['a number > 2^53', 2 ** 60],
        ['an object', { length: 3 }],
      ])('A04: a public signal that is %s → 400', async (_what, bad) => {
        const publicSignals = [...signals];
        (publicSignals as unknown[])[3] = bad;
        await expectError(await respond({ ...good(), publicSignals }), 400, 'bad_input');
      });

      it('A05: 6 or 8 public signals → 400', async () => {
        await expectError(
          await respond({ ...good(), publicSignals: signals.slice(1) }),
          400,
          'bad_input',
        );
        await expectError(
          await respond({ ...good(), publicSignals: [...signals, '8'] }),
          400,
          'bad_input',
        );
      });

      it('A06: a client-supplied verification key, circuit or verifier is refused', async () => {
        for (const extra of [
          { vk: {} },
          { verificationKey: {} },
          { circuitId: 'x' },
          { verifier: '0x1' },
        ]) {
          await expectError(await respond({ ...good(), ...extra }), 400, 'bad_input');
        }
      });

      it('an unknown or malformed request id → 404 / 400', async () => {
        const res = await api(
          `/v1/requests/00000000-0000-4000-8000-000000000000/response`,
          json(good()),
        );
        await expectError(res, 404, 'not_found');
        await expectError(await api(`/v1/requests/abc/response`, json(good())), 400, 'bad_input');
      });

      it('control: the same answer without a fault passes the schema (then: consent_mismatch)', async () => {
        await expectError(await respond(good()), 422, 'consent_mismatch');
      });

      it('none of it consumed the request: it is still pending', async () => {
        const status = (await (await asA(`/v1/requests/${requestId}`)).json()) as {
          status: string;
        };
        expect(status.status).toBe('pending');
      });
    });
  });
}
