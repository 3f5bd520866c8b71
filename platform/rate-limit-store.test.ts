/**
 * The shared rate-limit store on both engines: counts per key and window, two connections (two
 * API nodes) on one database share them, a new window starts from zero, keys are stored only as
 * HMACs (no IP address in the database), a database failure is `database_unavailable`; and
 * through express-rate-limit, two apps on one database enforce one limit together (A07).
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { DataSource } from 'typeorm';
import { databaseEngines } from '../test/helpers/databases.js';
import { openDatabase } from './database.js';
import { errorHandler, rateLimiter } from './http.js';
import { DatabaseRateLimitStore } from './rate-limit-store.js';
import { pino } from 'pino';

const engines = databaseEngines({ entities: [], migrations: [] });
const SECRET = 'a-secret-shared-by-the-nodes-0123456789';
const WINDOW = 60_000;

/** Two connections to one fresh database: two nodes. */
async function twoNodes(engine: 'sqlite' | 'postgres'): Promise<[DataSource, DataSource]> {
  const target = await engines.target(engine);
  const params = { ...target, entities: [], migrations: [] };
  const a = await openDatabase(params);
  const b = await openDatabase(params);
  opened.push(a, b);
  return [a, b];
}
const opened: DataSource[] = [];
afterAll(async () => {
  for (const ds of opened) if (ds.isInitialized) await ds.destroy();
});

describe.each(engines.list)('DatabaseRateLimitStore on %s', (engine) => {
  const store = (ds: DataSource, now: () => number, prefix = 'ip:') => {
    const s = new DatabaseRateLimitStore(ds, SECRET, { prefix, now });
    s.init({ windowMs: WINDOW } as never);
    return s;
  };

  it('counts per key and window; two nodes share the counts; a new window starts at zero', async () => {
    const [a, b] = await twoNodes(engine);
    let now = 10 * WINDOW + 5;
    const sa = store(a, () => now);
    const sb = store(b, () => now);
    expect(await sa.increment('203.0.113.7')).toEqual({
      totalHits: 1,
      resetTime: new Date(11 * WINDOW),
    });
    expect((await sb.increment('203.0.113.7')).totalHits).toBe(2);
    expect((await sa.increment('203.0.113.7')).totalHits).toBe(3);
    expect((await sb.increment('198.51.100.1')).totalHits).toBe(1);
    // another limiter (prefix) counts apart
    expect((await store(a, () => now, 'key:').increment('203.0.113.7')).totalHits).toBe(1);
    await sa.decrement('203.0.113.7');
    expect((await sb.increment('203.0.113.7')).totalHits).toBe(3);
    now += WINDOW;
    expect((await sa.increment('203.0.113.7')).totalHits).toBe(1);
    await sb.resetKey('203.0.113.7');
    expect((await sa.increment('203.0.113.7')).totalHits).toBe(1);
  });

  it('stores no key as given: only its HMAC', async () => {
    const [a] = await twoNodes(engine);
    await store(a, () => 1_000).increment('203.0.113.99');
    const rows = JSON.stringify(await a.query('SELECT * FROM zkrep_rate_limit'));
    expect(rows).toMatch(/[0-9a-f]{64}/);
    expect(rows).not.toContain('203.0.113.99');
  });

  it('a database that is gone is database_unavailable, never a pass', async () => {
    const [a] = await twoNodes(engine);
    const s = store(a, () => 1_000);
    await s.increment('x');
    await a.destroy();
    await expect(s.increment('x')).rejects.toMatchObject({ code: 'database_unavailable' });
  });

  it('through express-rate-limit, two apps on one database enforce one limit (429 + Retry-After)', async () => {
    const [a, b] = await twoNodes(engine);
    const serve = async (ds: DataSource) => {
      const app = express();
      app.use(
        rateLimiter({
          windowMs: WINDOW,
          limit: 3,
          store: new DatabaseRateLimitStore(ds, SECRET, { prefix: 'ip:' }),
        }),
      );
      app.get('/', (_req, res) => {
        res.json({ ok: true });
      });
      app.use(errorHandler(pino({ level: 'silent' })));
      const server = app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        close: () => new Promise((r) => server.close(r)),
      };
    };
    const [na, nb] = await Promise.all([serve(a), serve(b)]);
    try {
      const statuses = [];
      for (const url of [na.url, nb.url, na.url, nb.url]) statuses.push((await fetch(url)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await fetch(na.url);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await Promise.all([na.close(), nb.close()]);
    }
  });
});
