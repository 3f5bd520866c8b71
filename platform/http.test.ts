/**
 * The shared HTTP pieces over a real express app on a loopback port: validation errors name
 * paths and never values, the API key guard fails closed, the error middleware answers
 * `{ code, message }` with the code's status and nothing internal, oversized and malformed
 * bodies are clear 413/400s, and the rate limiter answers `rate_limited`.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ZkrepError } from '#zk';
import {
  errorHandler,
  notFound,
  parseInput,
  rateLimiter,
  requestLogger,
  requireApiKey,
  z,
} from './index.js';

const logLines: string[] = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  }),
);

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(requestLogger(logger));
  app.use(express.json({ limit: '1kb' }));
  const Body = z.object({ name: z.string().max(10), age: z.number().int() }).strict();
  app.post('/echo', (req, res) => {
    res.json(parseInput(Body, req.body));
  });
  app.get('/admin', requireApiKey(['secret-key-1']), (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/open-when-empty', requireApiKey(['']), (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/conflict', () => {
    throw new ZkrepError('nullifier_reused', 'already bound');
  });
  app.get('/crash', () => {
    throw new Error('db password=hunter2 at /secret/path');
  });
  app.get('/limited', rateLimiter({ windowMs: 60_000, limit: 2 }), (_req, res) => {
    res.json({ ok: true });
  });
  app.use(notFound);
  app.use(errorHandler(logger));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const post = (path: string, body: string) =>
  fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('shared HTTP pieces', () => {
  it('validation: a 400 bad_input naming the paths, never the values', async () => {
    const res = await post(
      '/echo',
      JSON.stringify({ name: 'x'.repeat(11), age: 1.5, extra: 'Alice' }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('bad_input');
    expect(body.message).toMatch(/name/);
    expect(body.message).toMatch(/age/);
    expect(body.message).not.toMatch(/xxxxxxxxxxx|1\.5|Alice/);
    expect(await (await post('/echo', '{"name":"a","age":3}')).json()).toEqual({
      name: 'a',
      age: 3,
    });
  });

  it('a body over the limit is a 413, malformed JSON a 400', async () => {
    const big = await post('/echo', JSON.stringify({ name: 'x'.repeat(5000), age: 1 }));
    expect([big.status, ((await big.json()) as { code: string }).code]).toEqual([
      413,
      'payload_too_large',
    ]);
    const bad = await post('/echo', '{"name":');
    expect([bad.status, ((await bad.json()) as { code: string }).code]).toEqual([400, 'bad_input']);
  });

  it('the API key guard: missing, wrong and empty-configured keys are refused', async () => {
    expect((await fetch(`${base}/admin`)).status).toBe(401);
    expect(
      (await fetch(`${base}/admin`, { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401);
    const ok = await fetch(`${base}/admin`, { headers: { authorization: 'Bearer secret-key-1' } });
    expect(ok.status).toBe(200);
    expect(
      (await fetch(`${base}/admin`, { headers: { 'x-api-key': 'secret-key-1' } })).status,
    ).toBe(200);
    // An empty configured key never opens the door, even to an empty presented key.
    expect((await fetch(`${base}/open-when-empty`, { headers: { 'x-api-key': '' } })).status).toBe(
      401,
    );
    expect(
      (await fetch(`${base}/open-when-empty`, { headers: { authorization: 'Bearer ' } })).status,
    ).toBe(401);
  });

  it('a coded error gets its status; an unknown one a bare 500 that leaks nothing', async () => {
    const c = await fetch(`${base}/conflict`);
    expect([c.status, await c.json()]).toEqual([
      409,
      { code: 'nullifier_reused', message: 'already bound' },
    ]);
    const crash = await fetch(`${base}/crash`);
    const text = await crash.text();
    expect(crash.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ code: 'internal', message: 'internal error' });
    expect(text).not.toMatch(/hunter2|secret|at /);
    const nf = await fetch(`${base}/nope?email=a@b.c`);
    expect([nf.status, ((await nf.json()) as { code: string }).code]).toEqual([404, 'not_found']);
  });

  it('the rate limiter answers rate_limited after the limit', async () => {
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await fetch(`${base}/limited`)).status);
    expect(codes).toEqual([200, 200, 429]);
    const r = await fetch(`${base}/limited`);
    expect(((await r.json()) as { code: string }).code).toBe('rate_limited');
  });

  it('request logs carry method, path and status, but no query string, header secrets or bodies', async () => {
    await fetch(`${base}/admin?token=abc123`, {
      headers: { authorization: 'Bearer secret-key-1' },
    });
    await post('/echo', JSON.stringify({ name: 'Zorro', age: 4 }));
    const all = logLines.join('');
    expect(all).toMatch(/"path":"\/admin"/);
    expect(all).not.toMatch(/abc123|secret-key-1|Zorro/);
    // the unexpected error of /crash was logged without its message
    expect(all).toMatch(/"code":"internal"/);
    expect(all).not.toMatch(/hunter2/);
  });
});
