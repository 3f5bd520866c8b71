/**
 * Webhooks on SQLite and a real PostgreSQL, delivered over real HTTP to a `node:http` receiver on
 * 127.0.0.1: signatures (round trip and every refusal), the outbox (one event per request, undone
 * with its transaction), retries on an injected clock (2 s, then 4 s), timeouts, giving up,
 * redirects not followed, no secret, logs without the body or URL, and two dispatchers racing on
 * one database delivering each event exactly once.
 */
import { createHmac } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import { openDatabase, withTransaction } from '#platform';
import { databaseEngines } from '../../test/helpers/databases.js';
import { VerifierError } from '../errors.js';
import {
  WEBHOOK_ENTITIES,
  WEBHOOK_MIGRATIONS,
  WebhookDeliveryEntity,
  type WebhookDeliveryRow,
} from '../store/webhook-schema.js';
import {
  checkWebhookUrl,
  createWebhookDispatcher,
  enqueueWebhook,
  signWebhook,
  verifyWebhookSignature,
  type WebhookDispatcherDeps,
} from './webhooks.js';

const engines = databaseEngines({ entities: WEBHOOK_ENTITIES, migrations: WEBHOOK_MIGRATIONS });
const NOW = 1_790_000_000;
const SECRET = 'whsec_test_0123456789';
const MARKETPLACE = 'mkt-1';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return e instanceof VerifierError ? e.code : `unexpected: ${String(e)}`;
  }
};

// --- a real HTTP receiver ---------------------------------------------------------------------

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** Listens on 127.0.0.1; `handle` answers each request (or does not: a hanging receiver). */
async function receiver(
  handle: (r: Received, res: ServerResponse) => void = (_r, res) => res.end('ok'),
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const r = { path: req.url ?? '', headers: req.headers, body };
      received.push(r);
      handle(r, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received };
}

/** Answers with these statuses in turn, then 200. */
const scripted =
  (statuses: number[]) =>
  (_r: Received, res: ServerResponse): void => {
    res.statusCode = statuses.shift() ?? 200;
    res.end('answer');
  };

// --- helpers ----------------------------------------------------------------------------------

const enqueue = (
  ds: DataSource,
  p: { requestId: string; url: string; data?: Record<string, unknown>; now?: number },
) =>
  withTransaction(ds, (tx) =>
    enqueueWebhook(tx, {
      requestId: p.requestId,
      marketplaceId: MARKETPLACE,
      url: p.url,
      type: 'proof_request.completed',
      data: p.data ?? { requestId: p.requestId, outcome: 'verified' },
      now: p.now ?? NOW,
    }),
  );

const rowOf = (ds: DataSource, id: string): Promise<WebhookDeliveryRow> =>
  ds.getRepository(WebhookDeliveryEntity).findOneByOrFail({ id });

/** A dispatcher on an injected clock (`clock.now`). */
function dispatcher(
  ds: DataSource,
  clock: { now: number },
  options: Partial<WebhookDispatcherDeps> = {},
) {
  return createWebhookDispatcher({
    dataSource: ds,
    secretOf: (m) => (m === MARKETPLACE ? SECRET : undefined),
    now: () => clock.now,
    ...options,
  });
}

const nothing = { delivered: 0, retried: 0, failed: 0 };

// --- signatures and URLs (no database) --------------------------------------------------------

describe('webhook signatures', () => {
  const body = '{"id":"evt_1","type":"proof_request.completed","createdAt":1,"data":{}}';

  it('signs t=<unix>,v1=<HMAC-SHA256(secret, "t.body")> and verifies it', () => {
    const header = signWebhook(SECRET, NOW, body);
    const mac = createHmac('sha256', SECRET).update(`${NOW}.${body}`).digest('hex');
    expect(header).toBe(`t=${NOW},v1=${mac}`);
    expect(verifyWebhookSignature({ secret: SECRET, header, body, now: NOW })).toBe(true);
    // Within the default tolerance of 300 s either way; custom tolerance honoured.
    expect(verifyWebhookSignature({ secret: SECRET, header, body, now: NOW + 300 })).toBe(true);
    expect(verifyWebhookSignature({ secret: SECRET, header, body, now: NOW - 300 })).toBe(true);
    expect(
      verifyWebhookSignature({ secret: SECRET, header, body, now: NOW + 30, toleranceSeconds: 10 }),
    ).toBe(false);
    // A second v1 (secret rotation): one match is enough, order does not matter.
    const other = signWebhook('old-secret', NOW, body).split(',')[1];
    expect(
      verifyWebhookSignature({ secret: SECRET, header: `${header},${other}`, body, now: NOW }),
    ).toBe(true);
    expect(
      verifyWebhookSignature({
        secret: SECRET,
        header: `t=${NOW},${other},${header.split(',')[1]}`,
        body,
        now: NOW,
      }),
    ).toBe(true);
  });

  it('refuses a wrong secret, a tampered body, a stale or future timestamp', () => {
    const header = signWebhook(SECRET, NOW, body);
    const ok = { secret: SECRET, header, body, now: NOW };
    expect(verifyWebhookSignature({ ...ok, secret: 'another-secret' })).toBe(false);
    expect(
      verifyWebhookSignature({ ...ok, body: body.replace('"data":{}', '"data":{"a":1}') }),
    ).toBe(false);
    expect(verifyWebhookSignature({ ...ok, body: `${body} ` })).toBe(false);
    expect(verifyWebhookSignature({ ...ok, now: NOW + 301 })).toBe(false); // stale
    expect(verifyWebhookSignature({ ...ok, now: NOW - 301 })).toBe(false); // from the future
    // The timestamp is signed: moving t to "now" breaks the signature.
    const moved = header.replace(`t=${NOW}`, `t=${NOW + 1000}`);
    expect(verifyWebhookSignature({ ...ok, header: moved, now: NOW + 1000 })).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['no fields', 'garbage'],
    ['no v1', `t=${NOW}`],
    ['no t', 'v1=' + 'ab'.repeat(32)],
    ['t not a number', 'v1=' + 'ab'.repeat(32) + ',t=soon'],
    ['t twice', `t=${NOW},t=${NOW},v1=${'ab'.repeat(32)}`],
    ['short v1', `t=${NOW},v1=abcd`],
    ['v1 not hex', `t=${NOW},v1=${'zz'.repeat(32)}`],
    ['a part without =', `t=${NOW},v1`],
    ['not a string', 42],
    ['undefined', undefined],
  ])('a malformed header (%s) is false, never a throw', (_name, header) => {
    expect(verifyWebhookSignature({ secret: SECRET, header, body, now: NOW })).toBe(false);
  });

  it('refuses to sign with no secret or a bad timestamp', () => {
    expect(codeOf(() => signWebhook('', NOW, body))).toBe('bad_input');
    expect(codeOf(() => signWebhook(SECRET, 1.5, body))).toBe('bad_input');
    expect(codeOf(() => signWebhook(SECRET, -1, body))).toBe('bad_input');
  });
});

describe('checkWebhookUrl', () => {
  it('accepts http(s) URLs, normalised', () => {
    expect(checkWebhookUrl('https://Market.example/hooks/zkrep?tenant=7')).toBe(
      'https://market.example/hooks/zkrep?tenant=7',
    );
    expect(checkWebhookUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/');
    const long = `https://m.example/${'a'.repeat(2048 - 'https://m.example/'.length)}`;
    expect(checkWebhookUrl(long)).toBe(long);
  });

  it.each([
    ['ftp', 'ftp://m.example/hook'],
    ['javascript', 'javascript:alert(1)'],
    ['file', 'file:///etc/passwd'],
    ['user and password', 'https://user:pw@m.example/hook'],
    ['user only', 'https://user@m.example/hook'],
    ['too long', `https://m.example/${'a'.repeat(2048)}`],
    ['not a URL', 'not a url'],
    ['relative', '/hooks/zkrep'],
    ['empty', ''],
    ['a number', 42],
    ['undefined', undefined],
  ])('refuses %s', (_name, url) => {
    expect(codeOf(() => checkWebhookUrl(url))).toBe('bad_input');
  });
});

// --- the outbox and the dispatcher on both engines ------------------------------------------

describe.each(engines.list)('webhooks on %s', (engine) => {
  it('enqueue is idempotent per request and goes with its transaction', async () => {
    const ds = await engines.open(engine);
    const first = await enqueue(ds, { requestId: 'req-1', url: 'https://m.example/hook' });
    expect(first.inserted).toBe(true);
    expect(first.eventId).toMatch(/^evt_[0-9a-f]{32}$/);
    const again = await enqueue(ds, {
      requestId: 'req-1',
      url: 'https://other.example/hook',
      data: { outcome: 'failed' },
      now: NOW + 50,
    });
    expect(again).toEqual({ eventId: first.eventId, inserted: false });

    const rows = await ds.getRepository(WebhookDeliveryEntity).find();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual({
      id: first.eventId,
      requestId: 'req-1',
      marketplaceId: MARKETPLACE,
      url: 'https://m.example/hook',
      payload: expect.any(String),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: NOW,
      leaseUntil: null,
      lastStatus: null,
      deliveredAt: null,
      createdAt: NOW,
    });
    expect(JSON.parse(rows[0]!.payload)).toEqual({
      id: first.eventId,
      type: 'proof_request.completed',
      createdAt: NOW,
      data: { requestId: 'req-1', outcome: 'verified' },
    });

    // Concurrent completions of one request: one event.
    const racing = await Promise.all(
      Array.from({ length: 10 }, () => enqueue(ds, { requestId: 'req-2', url: 'https://m.ex/' })),
    );
    expect(racing.filter((r) => r.inserted)).toHaveLength(1);
    expect(new Set(racing.map((r) => r.eventId)).size).toBe(1);

    // An event enqueued in a transaction that rolls back does not exist.
    await expect(
      withTransaction(ds, async (tx) => {
        await enqueueWebhook(tx, {
          requestId: 'req-3',
          marketplaceId: MARKETPLACE,
          url: 'https://m.example/hook',
          type: 'proof_request.completed',
          data: {},
          now: NOW,
        });
        throw new Error('completion failed');
      }),
    ).rejects.toThrow('completion failed');
    expect(await ds.getRepository(WebhookDeliveryEntity).countBy({ requestId: 'req-3' })).toBe(0);
    expect(await ds.getRepository(WebhookDeliveryEntity).count()).toBe(2);

    // Bad input is refused before anything is written.
    for (const bad of [
      { requestId: 'req-4', url: 'ftp://m.example/' },
      { requestId: '', url: 'https://m.example/' },
      { requestId: 'req-4', url: 'https://m.example/', now: -5 },
    ]) {
      const e = await enqueue(ds, bad).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(VerifierError);
      expect((e as VerifierError).code).toBe('bad_input');
    }
    expect(await ds.getRepository(WebhookDeliveryEntity).count()).toBe(2);
  });

  it('500, 500, 200: three attempts of the same signed event, 2 s then 4 s apart, then done', async () => {
    const ds = await engines.open(engine);
    const { url, received } = await receiver(scripted([500, 500]));
    const { eventId } = await enqueue(ds, { requestId: 'req-1', url: `${url}/hook` });
    const payload = (await rowOf(ds, eventId)).payload;
    const clock = { now: NOW };
    const d = dispatcher(ds, clock);

    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect(await rowOf(ds, eventId)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatus: 500,
      nextAttemptAt: NOW + 2,
      leaseUntil: null,
    });
    clock.now = NOW + 1; // not yet due
    expect(await d.runOnce()).toEqual(nothing);
    expect(received).toHaveLength(1);

    clock.now = NOW + 2;
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect(await rowOf(ds, eventId)).toMatchObject({
      attempts: 2,
      lastStatus: 500,
      nextAttemptAt: NOW + 2 + 4,
    });
    clock.now = NOW + 5;
    expect(await d.runOnce()).toEqual(nothing);

    clock.now = NOW + 6;
    expect(await d.runOnce()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(await rowOf(ds, eventId)).toMatchObject({
      status: 'delivered',
      attempts: 3,
      lastStatus: 200,
      deliveredAt: NOW + 6,
      leaseUntil: null,
    });

    expect(received).toHaveLength(3);
    const sentAt = [NOW, NOW + 2, NOW + 6];
    received.forEach((r, i) => {
      expect(r.path).toBe('/hook');
      expect(r.body).toBe(payload);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['zkrep-event-id']).toBe(eventId);
      const header = r.headers['zkrep-signature'];
      expect(header).toBe(signWebhook(SECRET, sentAt[i]!, payload));
      expect(
        verifyWebhookSignature({ secret: SECRET, header, body: r.body, now: sentAt[i]! }),
      ).toBe(true);
    });
    expect(JSON.parse(received[0]!.body)).toMatchObject({ id: eventId });

    // Delivered: never sent again.
    clock.now = NOW + 100_000;
    expect(await d.runOnce()).toEqual(nothing);
    expect(received).toHaveLength(3);
  });

  it('a hanging receiver: the timeout is a failed attempt', async () => {
    const ds = await engines.open(engine);
    const { url, received } = await receiver(() => {}); // never answers
    const { eventId } = await enqueue(ds, { requestId: 'req-1', url });
    const d = dispatcher(ds, { now: NOW }, { timeoutMs: 300 });
    const started = Date.now();
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(received).toHaveLength(1);
    expect(await rowOf(ds, eventId)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatus: null,
      nextAttemptAt: NOW + 2,
      leaseUntil: null,
    });
  });

  it('gives up after maxAttempts, with the capped backoff', async () => {
    const ds = await engines.open(engine);
    const { url, received } = await receiver(scripted(Array(10).fill(503)));
    const { eventId } = await enqueue(ds, { requestId: 'req-1', url });
    const clock = { now: NOW };
    const d = dispatcher(ds, clock, { maxAttempts: 4, baseDelaySeconds: 10, maxDelaySeconds: 30 });
    const results = [];
    const dueTimes = [];
    for (let i = 0; i < 4; i++) {
      results.push(await d.runOnce());
      const row = await rowOf(ds, eventId);
      dueTimes.push(row.nextAttemptAt - clock.now);
      clock.now = row.nextAttemptAt;
    }
    const retried = { delivered: 0, retried: 1, failed: 0 };
    expect(results).toEqual([retried, retried, retried, { delivered: 0, retried: 0, failed: 1 }]);
    expect(dueTimes.slice(0, 3)).toEqual([10, 20, 30]); // 10·2^0, 10·2^1, min(30, 40)
    expect(await rowOf(ds, eventId)).toMatchObject({
      status: 'failed',
      attempts: 4,
      lastStatus: 503,
    });
    clock.now += 100_000;
    expect(await d.runOnce()).toEqual(nothing);
    expect(received).toHaveLength(4);
  });

  it('a 3xx is a failed attempt and its Location is not followed', async () => {
    const ds = await engines.open(engine);
    const { url, received } = await receiver((r, res) => {
      if (r.path === '/hook') res.writeHead(302, { location: '/elsewhere' }).end();
      else res.end('ok');
    });
    const { eventId } = await enqueue(ds, { requestId: 'req-1', url: `${url}/hook` });
    expect(await dispatcher(ds, { now: NOW }).runOnce()).toEqual({
      delivered: 0,
      retried: 1,
      failed: 0,
    });
    expect(received.map((r) => r.path)).toEqual(['/hook']);
    expect(await rowOf(ds, eventId)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatus: 302,
    });
  });

  it('no secret for the marketplace: failed at once, nothing sent, a warning', async () => {
    const ds = await engines.open(engine);
    const { url, received } = await receiver();
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }),
    );
    const { eventId } = await enqueue(ds, { requestId: 'req-1', url });
    const d = dispatcher(ds, { now: NOW }, { secretOf: () => undefined, logger });
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 1 });
    expect(received).toHaveLength(0);
    expect(await rowOf(ds, eventId)).toMatchObject({ status: 'failed', attempts: 0 });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 40, eventId }),
    ]);
  });

  it('two dispatchers racing on one database deliver each event exactly once', async () => {
    const N = 15;
    // Two API nodes: on PostgreSQL two data sources (pools) on one database; on SQLite one data
    // source (one connection per process) shared by two dispatchers.
    const at = await engines.target(engine);
    const open = () =>
      openDatabase({ ...at, entities: WEBHOOK_ENTITIES, migrations: WEBHOOK_MIGRATIONS });
    const a = await open();
    const b = engine === 'postgres' ? await open() : a;
    try {
      const { url, received } = await receiver((_r, res) => {
        setTimeout(() => res.end('ok'), 20); // keep the two runs overlapping
      });
      const events = [];
      for (let i = 0; i < N; i++)
        events.push((await enqueue(a, { requestId: `req-${i}`, url })).eventId);
      const clock = { now: NOW };
      const [ra, rb] = await Promise.all([
        dispatcher(a, clock).runOnce(),
        dispatcher(b, clock).runOnce(),
      ]);
      expect(ra.delivered + rb.delivered).toBe(N);
      expect(ra.retried + rb.retried + ra.failed + rb.failed).toBe(0);
      const ids = received.map((r) => r.headers['zkrep-event-id']);
      expect([...ids].sort()).toEqual([...events].sort()); // each once, none twice
      const rows = await a.getRepository(WebhookDeliveryEntity).find();
      expect(rows.map((r) => [r.status, r.attempts])).toEqual(Array(N).fill(['delivered', 1]));

      clock.now = NOW + 100_000;
      expect(
        await Promise.all([dispatcher(a, clock).runOnce(), dispatcher(b, clock).runOnce()]),
      ).toEqual([nothing, nothing]);
      expect(received).toHaveLength(N);
    } finally {
      await a.destroy();
      if (b !== a) await b.destroy();
    }
  });
});

describe('the dispatcher (sqlite)', () => {
  it('logs event id, attempt and status, never the body or the URL', async () => {
    const ds = await engines.open('sqlite');
    const { url } = await receiver(scripted([500]));
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }),
    );
    const { eventId } = await enqueue(ds, {
      requestId: 'req-1',
      url: `${url}/hook?token=url-secret-token`,
      data: { marker: 'body-marker-value' },
    });
    const clock = { now: NOW };
    const d = dispatcher(ds, clock, { logger });
    await d.runOnce();
    clock.now = NOW + 2;
    await d.runOnce();
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.map((l) => [l.eventId, l.attempt, l.status])).toEqual([
      [eventId, 1, 500],
      [eventId, 2, 200],
    ]);
    const all = lines.join('\n');
    for (const secret of ['url-secret-token', 'body-marker-value', '127.0.0.1', SECRET]) {
      expect(all).not.toContain(secret);
    }
  });

  it('start() delivers in the background; stop() waits for the run in flight', async () => {
    const ds = await engines.open('sqlite');
    let answered = 0;
    const { url, received } = await receiver((_r, res) => {
      setTimeout(() => {
        answered += 1;
        res.end('ok');
      }, 100);
    });
    const { eventId } = await enqueue(ds, { requestId: 'req-1', url });
    const d = dispatcher(ds, { now: NOW });
    d.start(10);
    d.start(10); // a second start is a no-op
    for (let i = 0; i < 200 && received.length === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(received).toHaveLength(1);
    expect(answered).toBe(0); // the receiver has not answered yet: a run is in flight
    await d.stop();
    expect(answered).toBe(1);
    expect((await rowOf(ds, eventId)).status).toBe('delivered');
    // Stopped: a new event stays pending.
    await enqueue(ds, { requestId: 'req-2', url });
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(1);
  });

  it('a database error propagates out of runOnce', async () => {
    const ds = await engines.open('sqlite');
    await ds.destroy(); // the database is gone: the scan for due events fails
    await expect(dispatcher(ds, { now: NOW }).runOnce()).rejects.toThrow();
  });

  it('refuses invalid options', () => {
    const ds = {} as DataSource;
    for (const options of [{ maxAttempts: 0 }, { timeoutMs: 1.5 }, { batchSize: -1 }]) {
      expect(codeOf(() => dispatcher(ds, { now: NOW }, options))).toBe('config_invalid');
    }
  });
});
