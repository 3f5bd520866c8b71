/**
 * The consent page's protection and screens over real HTTP (no chain: nothing here resolves a
 * DID): the token (link → cookie, bearer), the loopback Host check, the anti-forgery field and
 * Origin on form posts, the security headers, and that the history shows attribute names and the
 * verifier's thresholds but never a value. Each refusal has a request where only it is wrong.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, csrfValue, initWallet, type Wallet } from '#wallet';
import { saveCredential } from './domain/credentials.js';
import { ConsentEntity, PresentationEntity } from './store/schema.js';

const TOKEN = 'ab'.repeat(32);
const CHAIN = {
  name: '0x7a69',
  chainId: 31337,
  registry: '0x0000000000000000000000000000000000000001',
};
const root = mkdtempSync(join(tmpdir(), 'zkrep-wallet-app-'));
let wallet: Wallet;
let server: Server;
let port: number;
let receiptId: string;
/** The account of the stored consent (the wallet's own record of it; not in the receipt). */
const CONSENT_ACCOUNT = '0x2222222222222222222222222222222222222222';

/** A raw HTTP request (fetch would not let a test set Host or Origin). */
function call(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { host: `127.0.0.1:${port}`, ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

const cookie = { cookie: `zkrep_wallet=${TOKEN}` };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const formHeaders = { ...cookie, 'content-type': 'application/x-www-form-urlencoded' };

beforeAll(async () => {
  ({ wallet } = await initWallet({
    dir: join(root, 'w'),
    passphrase: 'a long wallet passphrase',
    rpcUrl: 'http://127.0.0.1:1',
    chain: CHAIN,
  }));
  await saveCredential(wallet, {
    id: randomUUID(),
    type: 'AgeCredential',
    issuer: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000bb',
    issuerUrl: 'http://issuer.example',
    issuedAt: 1_790_000_000,
    expiresAt: 1_820_000_000,
    sealed: await wallet.vault.seal('{"birthDate":"1990-02-28"}'),
    createdAt: 1_790_000_000,
  });
  receiptId = randomUUID();
  await wallet.dataSource.getRepository(ConsentEntity).insert({
    receiptId,
    requestId: 'req-1',
    verifier: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa',
    policyId: 'adults',
    receipt: JSON.stringify({
      version: 'zkrep-consent/2',
      receiptId,
      requestId: 'req-1',
      verifier: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa',
      policyId: 'adults',
      purpose: 'Alcohol may only be sold to adults.',
      legalBasis: 'legal_obligation',
      retentionDays: 90,
      predicates: [{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }],
      consentedAt: 1_790_000_100,
      withdrawKey: (await wallet.withdrawAccount(receiptId)).address,
    }),
    receiptHash: `0x${'ab'.repeat(32)}`,
    account: CONSENT_ACCOUNT,
    status: 'given',
    createdAt: 1_790_000_100,
    withdrawnAt: null,
    // Nothing listens there: the verifier cannot be told.
    responseUri: 'http://127.0.0.1:1/v1/requests/req-1/response',
  });
  // A consent withdrawn earlier, its verifier told: its deletion record is shown.
  const toldId = randomUUID();
  await wallet.dataSource.getRepository(ConsentEntity).insert({
    receiptId: toldId,
    requestId: 'req-0',
    verifier: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa',
    policyId: 'adults',
    receipt: JSON.stringify({
      version: 'zkrep-consent/2',
      receiptId: toldId,
      requestId: 'req-0',
      verifier: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa',
      policyId: 'adults',
      purpose: 'Alcohol may only be sold to adults.',
      legalBasis: 'legal_obligation',
      retentionDays: 90,
      predicates: [{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }],
      consentedAt: 1_789_000_000,
      withdrawKey: (await wallet.withdrawAccount(toldId)).address,
    }),
    receiptHash: `0x${'cd'.repeat(32)}`,
    account: CONSENT_ACCOUNT,
    status: 'withdrawn',
    createdAt: 1_789_000_000,
    withdrawnAt: 1_789_500_000,
    responseUri: 'http://127.0.0.1:1/v1/requests/req-0/response',
    verifierStatus: 'erased',
    verifierWithdrawnAt: 1_789_500_001,
    erasureRecord: 'eyJhbGciOiJFUzI1NksifQ.eyJlcmFzdXJlIjp7fX0.c2ln',
  });
  await wallet.dataSource.getRepository(PresentationEntity).insert({
    id: randomUUID(),
    at: 1_790_000_101,
    verifier: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa',
    requestId: 'req-1',
    policyId: 'adults',
    schema: 'AgeCredential',
    predicates: JSON.stringify([{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }]),
    outcome: 'verified',
    stage: 'done',
    reasonCode: null,
    receiptId,
    account: '0x1111111111111111111111111111111111111111',
  });
  server = createApp({ wallet, token: TOKEN }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await wallet.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the consent page', () => {
  it('refuses a token that is too short to be one', () => {
    expect(() => createApp({ wallet, token: 'abc' })).toThrow(/token/);
  });

  it('moves the token from the link into an HttpOnly SameSite=Strict cookie', async () => {
    const res = await call('GET', `/?token=${TOKEN}`);
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/');
    expect(String(res.headers['set-cookie'])).toMatch(
      /^zkrep_wallet=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    expect((await call('GET', `/?token=${'cd'.repeat(32)}`)).status).toBe(401);
  });

  it('needs the token for every page and API call', async () => {
    expect((await call('GET', '/')).status).toBe(401);
    expect(
      (await call('GET', '/history', { cookie: `zkrep_wallet=${'cd'.repeat(32)}` })).status,
    ).toBe(401);
    expect((await call('GET', '/api/status')).status).toBe(401);
    expect(
      (await call('GET', '/api/status', { authorization: `Bearer ${'cd'.repeat(32)}` })).status,
    ).toBe(401);
    const ok = await call('GET', '/api/status', { authorization: `Bearer ${TOKEN}` });
    expect([ok.status, JSON.parse(ok.text)]).toEqual([200, { did: wallet.did }]);
    expect((await call('GET', '/', cookie)).status).toBe(200);
  });

  it('answers only under a loopback Host (no DNS rebinding)', async () => {
    expect((await call('GET', '/', { ...cookie, host: `evil.example:${port}` })).status).toBe(403);
    expect((await call('GET', '/', { ...cookie, host: `127.0.0.1:${port + 1}` })).status).toBe(403);
    expect((await call('GET', '/', { ...cookie, host: `localhost:${port}` })).status).toBe(200);
  });

  it('sends a strict CSP and no caching', async () => {
    const res = await call('GET', '/', cookie);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('lists credentials by type and issuer, never their contents', async () => {
    const res = await call('GET', '/', cookie);
    expect(res.text).toContain('AgeCredential');
    expect(res.text).toContain(wallet.did);
    expect(res.text).not.toContain('1990-02-28');
  });

  it('shows the history with attribute names and thresholds only', async () => {
    const res = await call('GET', '/history', cookie);
    expect(res.text).toContain('birthDate ageAtLeast 18');
    expect(res.text).toContain('Alcohol may only be sold to adults.');
    expect(res.text).toContain(`for ${CONSENT_ACCOUNT}`);
    expect(res.text).not.toContain('1990-02-28');
    // The consent told earlier: what its verifier said, and its deletion record.
    expect(res.text).toContain('withdrawn 2026-09-15 19:20 UTC');
    expect(res.text).toContain(
      'The verifier recorded it (2026-09-15 19:20 UTC) and erased its record.',
    );
    expect(res.text).toContain('eyJhbGciOiJFUzI1NksifQ.eyJlcmFzdXJlIjp7fX0.c2ln');
  });

  it('withdraws a consent only from its own form', async () => {
    const path = `/consents/${receiptId}/withdraw`;
    const csrf = csrfValue(TOKEN);
    const noField = await call('POST', path, formHeaders, form({}));
    const wrongField = await call(
      'POST',
      path,
      formHeaders,
      form({ csrf: csrfValue('ef'.repeat(32)) }),
    );
    const otherSite = await call(
      'POST',
      path,
      { ...formHeaders, origin: 'https://evil.example' },
      form({ csrf }),
    );
    expect([noField.status, wrongField.status, otherSite.status]).toEqual([403, 403, 403]);
    const stillGiven = await wallet.dataSource
      .getRepository(ConsentEntity)
      .findOneBy({ receiptId });
    expect(stillGiven?.status).toBe('given');

    const ok = await call(
      'POST',
      path,
      { ...formHeaders, origin: `http://127.0.0.1:${port}` },
      form({ csrf }),
    );
    expect([ok.status, ok.headers['location']]).toEqual([303, '/history']);
    const withdrawn = await wallet.dataSource.getRepository(ConsentEntity).findOneBy({ receiptId });
    expect(withdrawn?.status).toBe('withdrawn');
    // Withdrawn here even though the verifier could not be told; the page says so and offers
    // to tell it again.
    expect(withdrawn?.noticeErrorCode).toBe('service_unreachable');
    const history = await call('GET', '/history', cookie);
    expect(history.text).toContain('(verifier not told yet)');
    expect(history.text).toContain('<code>service_unreachable</code>');
    expect(history.text).toContain('>Tell the verifier</button>');
    expect(history.text).not.toContain('>Withdraw</button>');
  });

  it('explains a bad link instead of failing', async () => {
    const res = await call('GET', '/request?link=nonsense', cookie);
    expect(res.status).toBe(400);
    expect(res.text).toContain('bad_input');
    const api = await call(
      'POST',
      '/api/respond',
      { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      JSON.stringify({}),
    );
    expect([api.status, JSON.parse(api.text).code]).toEqual([400, 'bad_input']);
  });
});
