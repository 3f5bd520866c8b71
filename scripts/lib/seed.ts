/**
 * Demo holders for `npm start` (first start only), and the pieces tests and demo scripts reuse:
 *
 * - `createDemoWallet`: a real wallet (`#wallet`) holding an age credential (the issuer's admin
 *   records the KYC result, the wallet collects the credential);
 * - `kycdBuyers`: throwaway wallets that each answer an age proof request of the marketplace's
 *   age policy with `relay: true` (real proofs), so that each account holds a KYC pass on ZkGate;
 * - `seedSellerReputation`: trades and 5★ ratings of a seller with those buyers, posted to the
 *   issuer's `POST /trades` signed by a partner marketplace's key (docs/reputation.md §2, §4);
 * - `seedDemo`: Alice (seller: age + seller reputation, score ≥ 80, trades ≥ 10) and Bob (buyer:
 *   an adult's age credential). It fails loudly when Alice's reputation falls short.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment } from '#contracts';
import { batchDigest, type PostedTradeEvent } from '#issuer';
import {
  initWallet,
  listCredentials,
  openWallet,
  requestCredential,
  respond,
  showCredential,
  walletExists,
  type Wallet,
  type WalletChain,
} from '#wallet';
import { privateKeyToAccount } from 'viem/accounts';

/** Where the demo holders get their credentials. */
export interface SeedContext {
  rpcUrl: string;
  chain: WalletChain;
  issuerUrl: string;
  /** One of the issuer's admin API keys (the KYC provider's records). */
  adminKey: string;
}

/** The wallet's view of a deployment: the did:ethr network, the registry, the gate. */
export function walletChainOf(deployment: Deployment): WalletChain {
  return {
    name: `0x${deployment.chainId.toString(16)}`,
    chainId: deployment.chainId,
    registry: deployment.contracts.didRegistry.address,
    gate: deployment.contracts.zkGate.address,
  };
}

async function call(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> },
  what: string,
): Promise<unknown> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!res.ok) {
    throw new Error(
      `${what} failed: ${res.status} ${body.code ?? ''} ${body.message ?? ''}`.trim(),
    );
  }
  return body;
}

/** The KYC provider's record at the issuer: `did` was verified with `birthDate`. */
export async function recordKyc(ctx: SeedContext, did: string, birthDate: string): Promise<void> {
  await call(
    `${ctx.issuerUrl}/admin/kyc`,
    {
      body: { holderDid: did, birthDate, country: 276, kycLevel: 2 },
      headers: { authorization: `Bearer ${ctx.adminKey}` },
    },
    'the KYC record',
  );
}

/**
 * The wallet in `dir` (created when missing) holding an age credential for `birthDate` (collected
 * when it holds none).
 */
export async function createDemoWallet(
  ctx: SeedContext,
  p: { dir: string; passphrase: string; birthDate: string },
): Promise<Wallet> {
  const params = { dir: p.dir, passphrase: p.passphrase, rpcUrl: ctx.rpcUrl };
  const wallet = walletExists(p.dir)
    ? await openWallet(params)
    : (await initWallet({ ...params, chain: ctx.chain })).wallet;
  try {
    if (!(await listCredentials(wallet)).some((c) => c.type === 'AgeCredential')) {
      await recordKyc(ctx, wallet.did, p.birthDate);
      await requestCredential(wallet, { issuerUrl: ctx.issuerUrl, type: 'age' });
    }
    return wallet;
  } catch (e) {
    await wallet.close();
    throw e;
  }
}

/** The verifier and the marketplace's age policy there (mirrored on-chain). */
export interface AgeGate {
  verifierUrl: string;
  apiKey: string;
  /** The verifier's policy id (not the chain's). */
  policyId: string;
}

/**
 * `count` throwaway accounts holding a KYC pass on ZkGate for the age policy of `gate`: each is
 * a fresh wallet (in a temporary folder, removed after) with an age credential that answers a
 * proof request with `relay: true` (a real proof, relayed to `ZkGate.verifyFor`). Returns their
 * addresses.
 */
export async function kycdBuyers(
  ctx: SeedContext,
  gate: AgeGate,
  count: number,
): Promise<`0x${string}`[]> {
  const accounts: `0x${string}`[] = [];
  for (let i = 0; i < count; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'zkrep-buyer-'));
    try {
      const wallet = await createDemoWallet(ctx, {
        dir,
        passphrase: randomBytes(12).toString('hex'),
        birthDate: `${1970 + (i % 30)}-03-1${i % 10}`,
      });
      try {
        const created = (await call(
          `${gate.verifierUrl}/v1/requests`,
          { body: { policyId: gate.policyId, relay: true }, headers: { 'x-api-key': gate.apiKey } },
          'the proof request',
        )) as { requestUri: string };
        const result = await respond(wallet, created.requestUri, { yes: true });
        const relay = result.relay as { status?: string; code?: string | null } | undefined;
        if (!result.verified || relay?.status !== 'confirmed') {
          throw new Error(
            `a buyer's KYC pass was not granted (${result.code ?? relay?.code ?? relay?.status ?? 'no relay'})`,
          );
        }
        accounts.push(wallet.address as `0x${string}`);
      } finally {
        await wallet.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return accounts;
}

/**
 * Posts `tradesPerBuyer` completed trades (at `priceWei`) and a 5★ rating of each between
 * `seller` and each of `buyers`, in the recent past, to the issuer's `POST /trades`, signed by
 * the partner marketplace's key `partnerKey` (which the issuer must trust). Returns how many
 * events the issuer stored.
 */
export async function seedSellerReputation(p: {
  issuerUrl: string;
  partnerKey: `0x${string}`;
  seller: string;
  buyers: readonly string[];
  tradesPerBuyer?: number;
  priceWei?: bigint;
  /** Unix seconds (default: now). */
  now?: number;
}): Promise<number> {
  const partner = privateKeyToAccount(p.partnerKey);
  const now = p.now ?? Math.floor(Date.now() / 1000);
  const perBuyer = p.tradesPerBuyer ?? 5;
  const price = (p.priceWei ?? 10n ** 16n).toString();
  // Listing ids are per marketplace: start past any earlier seeding with the same key.
  const base = BigInt(now) * 1000n;
  const events: PostedTradeEvent[] = [];
  let n = 0;
  for (const buyer of p.buyers) {
    for (let k = 0; k < perBuyer; k++, n++) {
      const listingId = (base + BigInt(n)).toString();
      const blockTime = now - 3600 * (n + 2);
      events.push(
        { type: 'TradeCompleted', listingId, seller: p.seller, buyer, priceWei: price, blockTime },
        { type: 'Rated', listingId, seller: p.seller, buyer, score: 5, blockTime: blockTime + 600 },
      );
    }
  }
  const signature = await partner.signMessage({
    message: { raw: batchDigest(partner.address, events) },
  });
  const stored = (await call(
    `${p.issuerUrl}/trades`,
    { body: { marketplace: partner.address, events, signature } },
    'posting the trade events',
  )) as { added: number };
  return stored.added;
}

/** What a seller's reputation credential must show for the demo. */
export const DEMO_SELLER_MIN = { score: 80, trades: 10 } as const;

/** Alice's seller reputation credential, collected and checked against `DEMO_SELLER_MIN`. */
export async function collectSellerReputation(
  ctx: SeedContext,
  wallet: Wallet,
): Promise<{ score: number; trades: number }> {
  const summary = await requestCredential(wallet, {
    issuerUrl: ctx.issuerUrl,
    type: 'reputation',
    role: 'seller',
  });
  const details = await showCredential(wallet, summary.id);
  const score = Number(details.attributes['score']);
  const trades = Number(details.attributes['trades']);
  if (!(score >= DEMO_SELLER_MIN.score && trades >= DEMO_SELLER_MIN.trades)) {
    throw new Error(
      `seeding failed: the seller's reputation is score ${score}, trades ${trades} ` +
        `(needs ≥ ${DEMO_SELLER_MIN.score} and ≥ ${DEMO_SELLER_MIN.trades})`,
    );
  }
  return { score, trades };
}

export interface DemoSeed {
  ctx: SeedContext;
  gate: AgeGate;
  partnerKey: `0x${string}`;
  wallets: { alice: { dir: string; passphrase: string }; bob: { dir: string; passphrase: string } };
  /** Throwaway KYC'd buyers (default 6), each with `tradesPerBuyer` trades (default 5). */
  buyers?: number;
  tradesPerBuyer?: number;
  log?: (line: string) => void;
}

/**
 * The demo holders: Alice (seller: age credential + seller reputation), Bob (buyer: age
 * credential). The wallets are closed again; their folders hold everything.
 */
export async function seedDemo(s: DemoSeed): Promise<{ score: number; trades: number }> {
  const log = s.log ?? (() => {});
  const alice = await createDemoWallet(s.ctx, { ...s.wallets.alice, birthDate: '1990-02-28' });
  try {
    const bob = await createDemoWallet(s.ctx, { ...s.wallets.bob, birthDate: '2001-07-14' });
    await bob.close();
    log(`seed: KYC passes for ${s.buyers ?? 6} buyers (real proofs)…`);
    const buyers = await kycdBuyers(s.ctx, s.gate, s.buyers ?? 6);
    await seedSellerReputation({
      issuerUrl: s.ctx.issuerUrl,
      partnerKey: s.partnerKey,
      seller: alice.address,
      buyers,
      tradesPerBuyer: s.tradesPerBuyer ?? 5,
    });
    const rep = await collectSellerReputation(s.ctx, alice);
    log(`seed: Alice's seller reputation: score ${rep.score}, ${rep.trades} trades`);
    return rep;
  } finally {
    await alice.close();
  }
}
