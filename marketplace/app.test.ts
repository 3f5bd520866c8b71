/**
 * The marketplace's HTTP layer in-process, on a real SQLite database with real accounts and
 * actions over a scripted verifier and chain (the real stack, Chromium and real proofs are in
 * test/e2e/marketplace.e2e.test.ts): the page under a strict CSP, a session cookie per browser
 * (HttpOnly, SameSite=Strict) naming its demo account, errors as `{ code, message }`, another
 * origin refused, and an action's Server-Sent Events from waiting to done.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { openDatabase } from '#platform';
import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import { getAddress, type Hex } from 'viem';
import { createApp, type MarketplaceDeps } from './app.js';
import { createAccounts } from './domain/accounts.js';
import { createActions, type Actions, type MarketChain } from './domain/actions.js';
import { listListings } from './domain/listings.js';
import { DEMO_POLICIES } from './domain/policies.js';
import { scriptedVerifier } from './test/scripted-verifier.js';
import { MARKETPLACE_ENTITIES, MARKETPLACE_MIGRATIONS } from './store/schema.js';

const TX = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex;
const CONTRACT = getAddress('0x00000000000000000000000000000000000000cc');

let dataSource: DataSource;
let actions: Actions;
let server: Server;
let url: string;
const funded: string[] = [];

const { api: verifier, statuses } = scriptedVerifier();
const chain: MarketChain = {
  contract: CONTRACT,
  getListing: async () => {
    throw new Error('unused');
  },
  getListings: async () => [],
  list: async () => ({ listingId: 1n, transactionHash: TX(7) }),
  buy: async () => ({ transactionHash: TX(8) }),
  hasPass: async () => false,
};

let deps: MarketplaceDeps;

beforeAll(async () => {
  dataSource = await openDatabase({
    sqlitePath: ':memory:',
    veramo: false,
    entities: MARKETPLACE_ENTITIES,
    migrations: MARKETPLACE_MIGRATIONS,
  });
  const now = () => 1_900_000_000;
  const policies = {
    reputation: { id: DEMO_POLICIES.reputation.id, chainPolicyId: '1' },
    age: { id: DEMO_POLICIES.age.id, chainPolicyId: '2' },
  };
  actions = createActions({ dataSource, verifier, chain, policies, now, pollMs: 5 });
  deps = {
    logger: pino({ level: 'silent' }),
    accounts: createAccounts({
      dataSource,
      now,
      fund: async (a) => {
        funded.push(a);
        return TX(funded.length);
      },
    }),
    actions,
    listings: (viewer) => listListings({ dataSource, chain }, viewer),
    info: { contract: CONTRACT, policies },
    ready: { database: async () => true, chain: async () => true },
  };
  server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await actions.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await dataSource.destroy();
});

async function session(): Promise<{ cookie: string; account: string }> {
  const res = await fetch(`${url}/api/session`, { method: 'POST' });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie')!;
  expect(setCookie).toMatch(/^zkrep_market=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict/);
  const body = (await res.json()) as { account: string; custodial: boolean; fundTx: string };
  expect(body.custodial).toBe(true);
  return { cookie: setCookie.split(';')[0]!, account: body.account };
}

describe('the marketplace app', () => {
  it('serves the page under a strict CSP, with no inline script', async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).toContain('<script src="/app.js" defer></script>');
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
    expect((await fetch(`${url}/app.js`)).headers.get('content-type')).toContain('javascript');
  });

  it('limits new (funded) accounts per client; an existing session is always answered', async () => {
    const limited = createApp({ ...deps, newAccountsPerHour: 2 }).listen(0, '127.0.0.1');
    await new Promise((r) => limited.once('listening', r));
    const at = `http://127.0.0.1:${(limited.address() as AddressInfo).port}/api/session`;
    try {
      const first = await fetch(at, { method: 'POST' });
      expect((await fetch(at, { method: 'POST' })).status).toBe(200);
      const fundedBefore = funded.length;
      const third = await fetch(at, { method: 'POST' });
      expect(third.status).toBe(429);
      expect(await third.json()).toEqual({ code: 'rate_limited', message: expect.any(String) });
      expect(third.headers.get('set-cookie')).toBeNull();
      expect(funded).toHaveLength(fundedBefore); // nothing funded
      // A bogus cookie is a new account too: still refused.
      const bogus = await fetch(at, { method: 'POST', headers: { cookie: 'zkrep_market=x' } });
      expect(bogus.status).toBe(429);
      const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
      const again = await fetch(at, { method: 'POST', headers: { cookie } });
      expect(again.status).toBe(200);
    } finally {
      limited.closeAllConnections();
      await new Promise((r) => limited.close(r));
    }
  });

  it('gives each session its own funded demo account, and keeps it', async () => {
    const a = await session();
    const b = await session();
    expect(a.account).not.toBe(b.account);
    expect(funded).toEqual(expect.arrayContaining([a.account, b.account]));
    const again = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: { cookie: a.cookie },
    });
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(((await again.json()) as { account: string }).account).toBe(a.account);
  });

  it('answers errors as { code, message }: no session, bad input, another origin', async () => {
    const none = await fetch(`${url}/api/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'buy', listingId: '1' }),
    });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ code: 'unauthorized', message: expect.any(String) });
    const { cookie } = await session();
    const bad = await fetch(`${url}/api/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ kind: 'list', title: 'x', priceWei: '-1', ageRestricted: false }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('bad_input');
    const foreign = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', cookie },
    });
    expect(foreign.status).toBe(403);
    const missing = await fetch(`${url}/api/actions/00000000-0000-4000-8000-000000000099`, {
      headers: { cookie },
    });
    expect(missing.status).toBe(404);
  });

  it("streams an action's states as Server-Sent Events, to its own session only", async () => {
    const { cookie, account } = await session();
    const started = await fetch(`${url}/api/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ kind: 'list', title: 'Lamp', priceWei: '1000', ageRestricted: false }),
    });
    expect(started.status).toBe(201);
    const view = (await started.json()) as { id: string; state: string; qr: string };
    expect(view.state).toBe('waiting');
    const qr = await fetch(`${url}${view.qr}`, { headers: { cookie } });
    expect(qr.headers.get('content-type')).toContain('image/svg+xml');
    expect(await qr.text()).toMatch(/^<svg/);

    const other = await session();
    const foreign = await fetch(`${url}/api/actions/${view.id}/events`, {
      headers: { cookie: other.cookie },
    });
    expect(foreign.status).toBe(404);

    const stream = await fetch(`${url}/api/actions/${view.id}/events`, { headers: { cookie } });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const [requestId] = [...statuses.keys()].slice(-1);
    statuses.set(requestId!, {
      status: 'verified',
      result: { verified: true, code: null, account },
      relay: { status: 'confirmed', transactionHash: TX(5), code: null },
    });
    const text = await stream.text(); // the server ends the stream once the action is done
    const states = [...text.matchAll(/^data: (.*)$/gm)].map(
      (m) => (JSON.parse(m[1]!) as { state: string }).state,
    );
    expect(states).toEqual(['waiting', 'verified', 'pass', 'done']);
    expect(text).toContain(TX(7));
  });
});
