/**
 * The demo marketplace end to end, in real headless Chromium against the whole real stack
 * (`scripts/lib/stack.ts`: embedded anvil, every contract, the issuer, the verifier with its
 * relayer, the marketplace, Alice and Bob's seeded wallets with their consent agents), with real
 * Groth16 proofs answered by the wallet's command line:
 *
 * - a seller's page lists an age-restricted item: it shows the proof request as a QR code and a
 *   link carrying the demo account, Alice's wallet answers the link, the page updates live (SSE)
 *   to done with the relay and list transactions and what was revealed; the listing appears and
 *   the chain agrees (the pass is the demo account's, the listing is its);
 * - a second listing needs no new proof (the account's pass still holds);
 * - a buyer's page (another browser context, another demo account) buys the item with Bob's age
 *   proof; the chain records the sale to that account;
 * - a third account's purchase answered by Bob again is refused by the verifier (his credential is
 *   bound to the second account): the page says so plainly;
 * - no console errors, and no page ever shows a birth date or a score.
 * Screenshots: `test-artifacts/marketplace/`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClients, getListing, getTransactionOutcome, hasValidPass } from '#contracts';
import { parseWalletUrl } from '#platform';
import { shutdownZk } from '#zk';
import type { Browser, Page } from 'playwright-core';
import type { Address, Hex } from 'viem';
import { startStack, type RunningStack, type StackWallet } from '../../scripts/lib/stack.js';
import { artifactPath, launchBrowser } from '../helpers/browser.js';
import { zkrepIsolated } from '../helpers/market.js';

const TX_HASH = /^0x[0-9a-f]{64}$/;
const BIRTH_DATES = ['1990-02-28', '2001-07-14', '19900228', '20010714'];

let work: string;
let stack: RunningStack;
/** One browser per user: this Chromium runs single-process, where contexts share cookies. */
const browsers: Browser[] = [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-market-e2e-'));
  stack = await startStack({ dataDir: join(work, 'stack'), anyPorts: true, env: {} });
}, 600_000);

afterAll(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await stack?.close();
  await shutdownZk();
  await rm(work, { recursive: true, force: true });
});

const wallet = (name: string): StackWallet => {
  const w = stack.wallets.find((x) => x.name === name);
  if (!w) throw new Error(`no demo wallet ${name}`);
  return w;
};

/** A new browser (a new session, so a new demo account) on the marketplace page. */
async function openMarket(): Promise<{ page: Page; account: Address }> {
  const browser = await launchBrowser();
  browsers.push(browser);
  const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  const res = await page.goto(stack.urls.marketplace);
  expect(res?.status()).toBe(200);
  expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
  await page.locator('#account', { hasText: /^0x[0-9a-fA-F]{40}$/ }).waitFor();
  expect(await page.textContent('#account-box')).toContain('Demo custodial account');
  return { page, account: (await page.textContent('#account')) as Address };
}

type QrDocument = {
  getElementById(id: string): { complete: boolean; naturalWidth: number } | null;
};

/** The wallet link the page shows, once its QR code has loaded. */
async function shownLink(page: Page, account: Address): Promise<string> {
  await page.waitForSelector('#request:not([hidden])');
  // A function, not a string: the page's CSP refuses eval. (The type check has no DOM library.)
  await page.waitForFunction(() => {
    const doc = (globalThis as unknown as { document: QrDocument }).document;
    const img = doc.getElementById('qr');
    return img !== null && img.complete && img.naturalWidth > 0;
  });
  const link = (await page.getAttribute('#link', 'href'))!;
  expect(parseWalletUrl(link).account).toBe(account);
  expect(await page.textContent('#cli')).toContain(link);
  return link;
}

/** `zkrep wallet respond <link> --yes --json` as `name` (its running agent proves). */
function respond(name: string, link: string) {
  const w = wallet(name);
  return zkrepIsolated(work, ['wallet', 'respond', link, '--yes', '--json'], {
    ZKREP_WALLET_DIR: w.dir,
    ZKREP_WALLET_PASSPHRASE: w.passphrase,
    RPC_URL: stack.rpcUrl,
    ZKREP_DEPLOYMENTS_DIR: join(stack.dataDir, 'deployments'),
  });
}

async function finalState(page: Page): Promise<string> {
  await page.waitForSelector('#state[data-state="done"], #state[data-state="failed"]', {
    timeout: 120_000,
  });
  return (await page.getAttribute('#state', 'data-state'))!;
}

async function expectPrivatePage(page: Page): Promise<void> {
  const text = (await page.textContent('body')) ?? '';
  for (const d of BIRTH_DATES) expect(text).not.toContain(d);
  // A score appears only as the predicate's threshold, never with a value of its own.
  expect(text.replace(/no exact score/g, '')).not.toMatch(/score(?! ≥ 80 )/i);
}

const read = () => createClients({ rpcUrl: stack.rpcUrl, chainId: stack.chainId }).publicClient;

let seller: { page: Page; account: Address };
let buyer: { page: Page; account: Address };
let listingId: bigint;

describe('the demo marketplace in Chromium', () => {
  it('lists an age-restricted item with a reputation proof, live to done', async () => {
    seller = await openMarket();
    const { page, account } = seller;
    await page.fill('#title', 'Vintage port wine');
    await page.fill('#price', '0.05');
    await page.check('#age-restricted');
    await page.click('#list-button');
    const link = await shownLink(page, account);
    expect(await page.textContent('#state')).toBe('waiting for your wallet');
    expect(await page.textContent('#asks')).toContain('reputation score ≥ 80 and ≥ 10 trades');
    await page.screenshot({ path: artifactPath('marketplace', '1-list-request'), fullPage: true });

    const answered = await respond('alice', link);
    expect(answered.code).toBe(0);
    expect(JSON.parse(answered.stdout)).toMatchObject({ verified: true, account });

    expect(await finalState(page)).toBe('done');
    expect(await page.textContent('#revealed')).toBe(
      'reputation score ≥ 80 and ≥ 10 trades — nothing else',
    );
    expect(await page.textContent('#nothing-else')).toMatch(/^revealed: nothing else \(/);
    const relayTx = (await page.textContent('#relay-tx')) as Hex;
    const listTx = (await page.textContent('#action-tx')) as Hex;
    expect(relayTx).toMatch(TX_HASH);
    expect(listTx).toMatch(TX_HASH);
    expect(await page.isHidden('#action-error')).toBe(true);
    await page.waitForSelector('#listings tbody tr');
    const row = page.locator('#listings tbody tr', { hasText: 'Vintage port wine' });
    expect(await row.textContent()).toContain('listed (yours)');
    listingId = BigInt((await row.getAttribute('data-listing-id'))!);
    await page.screenshot({ path: artifactPath('marketplace', '2-listed'), fullPage: true });

    // The chain agrees: both transactions mined, the pass and the listing are the demo account's.
    const client = read();
    expect(await getTransactionOutcome(client, { hash: relayTx })).toBe('success');
    expect(await getTransactionOutcome(client, { hash: listTx })).toBe('success');
    const { reputation } = stack.marketplace.policies;
    const gate = stack.deployment.contracts.zkGate.address;
    expect(
      await hasValidPass(client, { gate, policyId: BigInt(reputation.chainPolicyId), account }),
    ).toBe(true);
    const listing = await getListing(client, {
      marketplace: stack.marketplace.address as Address,
      listingId,
    });
    expect(listing).toMatchObject({ seller: account, ageRestricted: true, state: 'listed' });
    expect(listing.price).toBe(5n * 10n ** 16n);
    await expectPrivatePage(page);
  }, 240_000);

  it('lists again without a new proof while the pass holds', async () => {
    const { page } = seller;
    await page.fill('#title', 'Second bottle');
    await page.click('#list-button');
    expect(await finalState(page)).toBe('done');
    expect(await page.textContent('#revealed')).toMatch(
      /^nothing new: your account already holds a valid pass/,
    );
    expect(await page.textContent('#action-tx')).toMatch(TX_HASH);
    await page.waitForSelector('#listings tbody tr:has-text("Second bottle")');
  }, 120_000);

  it('buys the age-restricted item with an age proof from another account', async () => {
    buyer = await openMarket();
    const { page, account } = buyer;
    expect(account).not.toBe(seller.account);
    const row = page.locator(`#listings tbody tr[data-listing-id="${listingId}"]`);
    await row.locator('button.buy').click();
    const link = await shownLink(page, account);
    expect(await page.textContent('#asks')).toContain('age ≥ 18');
    await page.screenshot({ path: artifactPath('marketplace', '3-buy-request'), fullPage: true });

    const answered = await respond('bob', link);
    expect(answered.code).toBe(0);
    expect(JSON.parse(answered.stdout)).toMatchObject({ verified: true, account });

    expect(await finalState(page)).toBe('done');
    expect(await page.textContent('#revealed')).toBe('age ≥ 18 — nothing else');
    expect(await page.textContent('#nothing-else')).toContain('no birth date');
    expect(await page.textContent('#relay-tx')).toMatch(TX_HASH);
    const buyTx = (await page.textContent('#action-tx')) as Hex;
    expect(buyTx).toMatch(TX_HASH);
    await page.waitForSelector(
      `#listings tbody tr[data-listing-id="${listingId}"]:has-text("bought by you")`,
    );
    await page.screenshot({ path: artifactPath('marketplace', '4-bought'), fullPage: true });

    const listing = await getListing(read(), {
      marketplace: stack.marketplace.address as Address,
      listingId,
    });
    expect(listing).toMatchObject({ state: 'sold', buyer: account });
    await expectPrivatePage(page);
  }, 240_000);

  it('shows a refused proof plainly: one credential, one account', async () => {
    // Seller: a third item, restricted; a third account asks Bob, whose age credential is
    // already bound to the second account in this policy's scope.
    await seller.page.fill('#title', 'Third bottle');
    await seller.page.check('#age-restricted');
    await seller.page.click('#list-button');
    expect(await finalState(seller.page)).toBe('done');
    await seller.page.waitForSelector('#listings tbody tr:has-text("Third bottle")');
    const third = await openMarket();
    const row = third.page.locator('#listings tbody tr', { hasText: 'Third bottle' });
    await row.locator('button.buy').click();
    const link = await shownLink(third.page, third.account);

    const answered = await respond('bob', link);
    expect(answered.code).not.toBe(0);
    expect(answered.stderr).toContain('the verifier did not accept the proof (nullifier_reused)');
    expect(answered.stderr).not.toMatch(/\n\s+at /); // one line per problem, no stack trace

    expect(await finalState(third.page)).toBe('failed');
    expect(await third.page.textContent('#action-error')).toBe(
      'Failed (nullifier_reused): the verifier refused the proof: this credential was already used for another account here',
    );
    expect(await third.page.textContent('#action-tx')).toBe('—');
    await third.page.screenshot({ path: artifactPath('marketplace', '5-refused'), fullPage: true });
    await expectPrivatePage(third.page);
  }, 240_000);

  it('logged no console error on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
