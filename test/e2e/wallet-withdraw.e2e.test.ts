/**
 * Withdrawing a consent end to end: a real anvil chain with the contracts, the real issuer and
 * the real verifier, a real Groth16 proof made by the wallet, then the withdrawal told to the
 * verifier (`POST /v1/withdrawals`, signed by the receipt's withdraw key, which the wallet derives
 * from its seed), its deletion record checked against the verifier's DID document on the chain,
 * and the verifier's request showing `withdrawn`:
 *
 * - through the CLI (`bin/zkrep.mjs`, its own process): respond → withdraw → the record, a repeat
 *   that asks nothing, and the listing;
 * - through the library, from a wallet restored from a backup made before the withdrawal (the
 *   same derived key), then the original wallet withdrawing the same consent: the verifier
 *   answers the repeat with the same record.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJWT } from 'did-jwt';
import type { AnvilChain } from '#contracts';
import type { RunningIssuer } from '#issuer';
import type { RunningVerifier } from '#verifier';
import { backupWallet, listConsents, respond, restoreWallet, withdrawConsent } from '#wallet';
import { shutdownZk } from '#zk';
import { postJson, recordKyc } from '../helpers/holder.js';
import { walletWithAge } from '../helpers/wallet.js';
import {
  TEST_ADMIN_KEY,
  startDeployedChain,
  startTestIssuer,
  startTestVerifier,
} from '../helpers/stack.js';
import { zkrepIsolated } from '../helpers/market.js';
import { agePolicyBody } from '../fixtures/policies.js';

const MARKET_KEY = 'market-key-for-withdraw-tests-01';
const PASS = 'wallet passphrase for tests';
const BIRTH_DATE = '1990-02-28';

let chain: AnvilChain;
let work: string;
let issuer: RunningIssuer;
let verifier: RunningVerifier;
const market = { authorization: `Bearer ${MARKET_KEY}` };

/** Runs `zkrep …` in its own process, HOME in the work folder. */
const zkrep = (args: string[], env: Record<string, string>) => zkrepIsolated(work, args, env);

async function proofRequest(policyId: string) {
  const res = await postJson(`${verifier.url}/v1/requests`, { policyId }, market);
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; walletUrl: string };
}

async function requestStatus(id: string): Promise<string> {
  const res = await fetch(`${verifier.url}/v1/requests/${id}`, { headers: market });
  return ((await res.json()) as { status: string }).status;
}

/** The claims of a deletion record (its signature is the wallet's to check, and it did). */
function erasureOf(record: string) {
  const { header, payload } = decodeJWT(record);
  return {
    typ: header.typ,
    iss: payload.iss,
    erasure: (payload as { erasure?: { cause: string; receiptHash: string; erased: unknown[] } })
      .erasure,
  };
}

interface ConsentJson {
  receiptId: string;
  status: string;
  receiptHash: string;
  receipt: { verifier: string; withdrawKey: string };
  verifierNotice: {
    state: string;
    withdrawnAt: number | null;
    record: string | null;
    error: unknown;
  } | null;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-withdraw-e2e-'));
  chain = await startDeployedChain(work);
  issuer = await startTestIssuer(chain, work);
  verifier = await startTestVerifier(chain, work, { marketplace: 'shop', apiKey: MARKET_KEY });
  const res = await postJson(
    `${verifier.url}/v1/policies`,
    agePolicyBody(issuer.issuerKeyHash.toString(), { id: 'adults' }),
    market,
  );
  expect(res.status).toBe(201);
}, 240_000);

afterAll(async () => {
  await verifier?.close().catch(() => undefined);
  await issuer?.close();
  await chain?.stop();
  await shutdownZk();
  await rm(work, { recursive: true, force: true });
});

describe('withdrawing a consent, told to the real verifier', () => {
  it('the CLI: respond, withdraw, a checked deletion record, and the request withdrawn', async () => {
    const env = {
      ZKREP_WALLET_DIR: join(work, 'cli-wallet'),
      ZKREP_WALLET_PASSPHRASE: PASS,
      RPC_URL: chain.rpcUrl,
      ZKREP_DEPLOYMENTS_DIR: join(work, 'deployments'),
    };
    const init = await zkrep(['wallet', 'init', '--json'], env);
    expect([init.code, init.stderr]).toEqual([0, '']);
    const { did } = JSON.parse(init.stdout) as { did: string };
    await recordKyc(issuer.url, TEST_ADMIN_KEY, did, BIRTH_DATE);
    const got = await zkrep(['wallet', 'request-credential', issuer.url, 'age'], env);
    expect([got.code, got.stderr]).toEqual([0, '']);

    const request = await proofRequest('adults');
    const answered = await zkrep(['wallet', 'respond', request.walletUrl, '--yes', '--json'], env);
    expect(answered.code).toBe(0);
    const result = JSON.parse(answered.stdout) as { verified: boolean; receiptId: string };
    expect(result.verified).toBe(true);
    expect(await requestStatus(request.id)).toBe('verified');

    const withdrawn = await zkrep(
      ['wallet', 'withdraw', result.receiptId.slice(0, 8), '--json'],
      env,
    );
    expect([withdrawn.code, withdrawn.stderr]).toEqual([0, '']);
    const c = JSON.parse(withdrawn.stdout) as ConsentJson;
    expect(c).toMatchObject({ receiptId: result.receiptId, status: 'withdrawn' });
    expect(c.verifierNotice).toMatchObject({ state: 'erased', error: null });
    expect(typeof c.verifierNotice!.withdrawnAt).toBe('number');
    const record = erasureOf(c.verifierNotice!.record!);
    expect(record).toMatchObject({
      typ: 'zkrep-erasure+jwt',
      iss: c.receipt.verifier,
      erasure: { cause: 'withdrawal', receiptHash: c.receiptHash },
    });
    expect(record.erasure!.erased.length).toBeGreaterThan(0);
    expect(await requestStatus(request.id)).toBe('withdrawn');

    // Again: told already, the same answer; the listing says so.
    const again = await zkrep(['wallet', 'withdraw', result.receiptId], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/recorded the withdrawal .* signed a deletion record/s);
    const list = await zkrep(['wallet', 'consents'], env);
    expect(list.stdout).toContain('the verifier erased its record');
  });

  it('a wallet restored from a backup withdraws with the same derived key; a repeat gets the same record', async () => {
    const alice = await walletWithAge({
      dir: join(work, 'alice'),
      chain,
      issuer,
      passphrase: PASS,
      birthDate: BIRTH_DATE,
    });
    try {
      const request = await proofRequest('adults');
      const result = await respond(alice, request.walletUrl, { yes: true });
      expect(result.verified).toBe(true);
      const file = join(work, 'alice.backup');
      await backupWallet(alice, file, PASS);

      const restored = await restoreWallet({
        dir: join(work, 'alice-restored'),
        passphrase: PASS,
        rpcUrl: chain.rpcUrl,
        file,
      });
      let first;
      try {
        first = await withdrawConsent(restored, result.receiptId);
      } finally {
        await restored.close();
      }
      expect(first.verifierNotice).toMatchObject({ state: 'erased', error: null });
      expect(await requestStatus(request.id)).toBe('withdrawn');

      const second = await withdrawConsent(alice, result.receiptId);
      expect(second.verifierNotice).toEqual(first.verifierNotice);
      const [mine] = (await listConsents(alice)).filter((c) => c.receiptId === result.receiptId);
      expect(mine?.verifierNotice?.record).toBe(first.verifierNotice!.record);
    } finally {
      await alice.close();
    }
  });
});
