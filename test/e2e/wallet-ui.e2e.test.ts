/**
 * The wallet agent's consent page in real headless Chromium (installed by npm), against a real
 * anvil chain, the real issuer and verifier, and real proofs: the holder opens the printed link,
 * sees the credential, opens a proof request, reads in plain words what the shop will and will
 * not learn, consents, and the verifier records the proof; a decline sends nothing; a request for
 * an exact birth date is shown as refused. No console errors on any page. Screenshots go to
 * `test-artifacts/wallet-ui/`.
 *
 * The same running agent serves the CLI: `zkrep wallet respond` with no passphrase at all hands
 * the request to it (its prover is warm) through `agent.json`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnvilChain } from '#contracts';
import type { RunningIssuer } from '#issuer';
import type { RunningVerifier } from '#verifier';
import { startWalletAgent, type RunningWalletAgent, type Wallet } from '#wallet';
import { shutdownZk } from '#zk';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, launchBrowser } from '../helpers/browser.js';
import { postJson } from '../helpers/holder.js';
import { startDeployedChain, startTestIssuer, startTestVerifier } from '../helpers/stack.js';
import { walletWithAge } from '../helpers/wallet.js';
import { agePolicyBody } from '../fixtures/policies.js';

const MARKET_KEY = 'market-key-for-wallet-ui-0123456';
const BIRTH_DATE = '1990-02-28';
const ZKREP = new URL('../../bin/zkrep.mjs', import.meta.url).pathname;
const market = { authorization: `Bearer ${MARKET_KEY}` };

let chain: AnvilChain;
let work: string;
let issuer: RunningIssuer;
let verifier: RunningVerifier;
let wallet: Wallet;
let agent: RunningWalletAgent;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

async function proofRequest(policyId: string) {
  const res = await postJson(`${verifier.url}/v1/requests`, { policyId }, market);
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; walletUrl: string };
}

async function status(id: string): Promise<string> {
  const res = await fetch(`${verifier.url}/v1/requests/${id}`, { headers: market });
  return ((await res.json()) as { status: string }).status;
}

async function openRequestPage(walletUrl: string): Promise<void> {
  await page.goto(agent.url);
  await page.fill('#link', walletUrl);
  await Promise.all([page.waitForURL(/\/request\?link=/), page.click('button[type=submit]')]);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-wallet-ui-'));
  chain = await startDeployedChain(work);
  issuer = await startTestIssuer(chain, work);
  verifier = await startTestVerifier(chain, work, { marketplace: 'shop', apiKey: MARKET_KEY });
  for (const [id, over] of [
    ['adults', {}],
    ['exact-birth-date', { predicates: [{ attribute: 'birthDate', op: 'eq', value: BIRTH_DATE }] }],
  ] as const) {
    const res = await postJson(
      `${verifier.url}/v1/policies`,
      agePolicyBody(issuer.issuerKeyHash.toString(), { id, ...over }),
      market,
    );
    expect(res.status).toBe(201);
  }
  wallet = await walletWithAge({
    dir: join(work, 'wallet'),
    chain,
    issuer,
    passphrase: 'a wallet passphrase for the ui test',
    birthDate: BIRTH_DATE,
  });
  agent = await startWalletAgent(wallet, { port: 0 });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await agent?.close();
  await wallet?.close();
  await verifier?.close();
  await issuer?.close();
  await chain?.stop();
  await shutdownZk();
  await rm(work, { recursive: true, force: true });
});

describe('the consent page in Chromium', () => {
  it('opens with the printed link and shows the credential, never its contents', async () => {
    const res = await page.goto(agent.entryUrl);
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${agent.url}/`); // the token left the address bar
    const text = await page.textContent('body');
    expect(text).toContain('AgeCredential');
    expect(text).toContain(wallet.did);
    expect(text).not.toContain(BIRTH_DATE);
    await page.screenshot({ path: artifactPath('wallet-ui', '1-home'), fullPage: true });
  });

  it('explains a request in plain words, and a consent sends the proof', async () => {
    const request = await proofRequest('adults');
    await openRequestPage(request.walletUrl);
    expect(await page.textContent('#statements')).toBe('you are at least 18 years old');
    const learns = await page.textContent('#reveals');
    const notLearned = await page.textContent('#withholds');
    expect(learns).toContain('that you are at least 18 years old');
    expect(notLearned).toContain('your date of birth itself');
    expect(notLearned).toContain('your DID, your name or any other identifier');
    expect(await page.textContent('#purpose')).toBe('Alcohol may only be sold to adults.');
    expect(await page.textContent('body')).not.toContain(BIRTH_DATE);
    await page.screenshot({ path: artifactPath('wallet-ui', '2-consent'), fullPage: true });

    await Promise.all([page.waitForURL(/\/respond$/), page.click('#consent')]);
    expect(await page.textContent('#result')).toBe('Verified');
    expect(await status(request.id)).toBe('verified');
    await page.screenshot({ path: artifactPath('wallet-ui', '3-verified'), fullPage: true });

    await page.goto(`${agent.url}/history`);
    const history = await page.textContent('#presentations');
    expect(history).toContain('birthDate ageAtLeast 18');
    expect(history).toContain('verified');
    expect(history).not.toContain(BIRTH_DATE);
    await page.screenshot({ path: artifactPath('wallet-ui', '4-history'), fullPage: true });
  });

  it('a decline sends nothing', async () => {
    const request = await proofRequest('adults');
    await openRequestPage(request.walletUrl);
    await Promise.all([page.waitForURL(/\/decline$/), page.click('#decline')]);
    expect(await page.textContent('#result')).toBe('Declined');
    expect(await status(request.id)).toBe('pending');
  });

  it('shows a request for an exact birth date as refused (W08)', async () => {
    const request = await proofRequest('exact-birth-date');
    await openRequestPage(request.walletUrl);
    expect(await page.textContent('#warnings')).toContain('exact date of birth');
    expect(await page.$('#consent')).toBeNull(); // only an explicit override remains
    await page.screenshot({ path: artifactPath('wallet-ui', '5-refused'), fullPage: true });
    expect(await status(request.id)).toBe('pending');
  });

  it('logged no console errors on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});

describe('the CLI with a running agent', () => {
  it('hands respond to the warm agent: no passphrase needed, verified', async () => {
    const request = await proofRequest('adults');
    const child = spawn(
      process.execPath,
      [ZKREP, 'wallet', 'respond', request.walletUrl, '--yes', '--json'],
      {
        env: { PATH: process.env['PATH'] ?? '', HOME: work, ZKREP_WALLET_DIR: wallet.dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect([code, stderr]).toEqual([0, expect.stringContaining('by the wallet agent')]);
    expect(JSON.parse(stdout)).toMatchObject({ verified: true, requestId: request.id });
    expect(await status(request.id)).toBe('verified');
  });
});
