/**
 * The wallet agent end to end, against a real anvil chain with the contracts, the real issuer
 * and two real verifiers, with real Groth16 proofs:
 *
 * - through the CLI (`bin/zkrep.mjs`, its own process): init → request-credential → respond →
 *   verified, then history, consents, withdraw, backup/restore and recover; every failure is one
 *   line and a non-zero exit;
 * - W09 unlinkability: one holder's proofs to two verifiers, and to two policies of one
 *   verifier, share no holder-specific value (every value they share, another holder's proofs
 *   to the same requests share too), and their nullifiers differ;
 * - W08: a request for an exact birth date is refused before consent, and logged;
 * - W10: a presentation that fails mid-way is logged with its stage and reason, with attribute
 *   names and predicates only.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnvilChain } from '#contracts';
import type { RunningIssuer } from '#issuer';
import type { RunningVerifier } from '#verifier';
import { buildConsentReceipt } from '#platform';
import { listPresentations, openRequest, proveRequest, respond, type Wallet } from '#wallet';
import { shutdownZk } from '#zk';
import { getAddress } from 'viem';
import { postJson, recordKyc } from '../helpers/holder.js';
import { walletWithAge } from '../helpers/wallet.js';
import {
  TEST_ADMIN_KEY,
  startDeployedChain,
  startTestIssuer,
  startTestVerifier,
} from '../helpers/stack.js';
import { agePolicyBody } from '../fixtures/policies.js';

const MARKET_KEY = 'market-key-for-wallet-tests-0123';
const PASS = 'wallet passphrase for tests';
const BIRTH_DATE = '1990-02-28';
const ZKREP = new URL('../../bin/zkrep.mjs', import.meta.url).pathname;

let chain: AnvilChain;
let work: string;
let issuer: RunningIssuer;
let v1: RunningVerifier;
let v2: RunningVerifier;
const market = { authorization: `Bearer ${MARKET_KEY}` };

/** Runs `zkrep …` in its own process. */
function zkrep(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [ZKREP, ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: work, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const kyc = (did: string): Promise<void> => recordKyc(issuer.url, TEST_ADMIN_KEY, did, BIRTH_DATE);

async function policy(v: RunningVerifier, id: string, over: Record<string, unknown> = {}) {
  const res = await postJson(
    `${v.url}/v1/policies`,
    agePolicyBody(issuer.issuerKeyHash.toString(), { id, ...over }),
    market,
  );
  expect(res.status).toBe(201);
}

async function proofRequest(v: RunningVerifier, policyId: string) {
  const res = await postJson(`${v.url}/v1/requests`, { policyId }, market);
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; walletUrl: string; requestUri: string };
}

async function requestStatus(v: RunningVerifier, id: string): Promise<string> {
  const res = await fetch(`${v.url}/v1/requests/${id}`, { headers: market });
  return ((await res.json()) as { status: string }).status;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-wallet-e2e-'));
  chain = await startDeployedChain(work);
  issuer = await startTestIssuer(chain, work);
  const shop = { marketplace: 'shop', apiKey: MARKET_KEY };
  v1 = await startTestVerifier(chain, work, { name: 'v1', ...shop });
  v2 = await startTestVerifier(chain, work, { name: 'v2', ...shop });
  await policy(v1, 'adults');
  await policy(v1, 'adults-too', { purpose: 'Tobacco may only be sold to adults.' });
  await policy(v2, 'adults');
  await policy(v1, 'exact-birth-date', {
    predicates: [{ attribute: 'birthDate', op: 'eq', value: BIRTH_DATE }],
  });
}, 240_000);

afterAll(async () => {
  await v1?.close().catch(() => undefined);
  await v2?.close().catch(() => undefined); // closed by the W10 test
  await issuer?.close();
  await chain?.stop();
  await shutdownZk();
  await rm(work, { recursive: true, force: true });
});

describe('the wallet CLI', () => {
  it('takes a holder from init to a verified proof, and keeps what happened', async () => {
    const env = {
      ZKREP_WALLET_DIR: join(work, 'cli-wallet'),
      ZKREP_WALLET_PASSPHRASE: PASS,
      RPC_URL: chain.rpcUrl,
      ZKREP_DEPLOYMENTS_DIR: join(work, 'deployments'),
    };
    const init = await zkrep(['wallet', 'init', '--json'], env);
    expect([init.code, init.stderr]).toEqual([0, '']);
    const { did, recoveryPhrase } = JSON.parse(init.stdout) as {
      did: string;
      recoveryPhrase: string;
    };
    expect(did).toMatch(/^did:ethr:0x7a69:0x[0-9a-fA-F]{40}$/);
    expect(recoveryPhrase.split(' ')).toHaveLength(24);

    await kyc(did);
    const got = await zkrep(['wallet', 'request-credential', issuer.url, 'age', '--json'], env);
    expect([got.code, got.stderr]).toEqual([0, '']);
    const credential = JSON.parse(got.stdout) as { id: string; type: string };
    expect(credential.type).toBe('AgeCredential');

    const list = await zkrep(['wallet', 'list', '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: credential.id })]);
    expect(list.stdout).not.toContain(BIRTH_DATE);
    const show = await zkrep(['wallet', 'show', credential.id.slice(0, 8)], env);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`birthDate: ${BIRTH_DATE}`);

    const request = await proofRequest(v1, 'adults');
    // Without a terminal and without --yes nobody can consent: refused, nothing sent.
    const noConsent = await zkrep(['wallet', 'respond', request.walletUrl], env);
    expect(noConsent.code).toBe(1);
    expect(noConsent.stderr).toContain('you are at least 18 years old');
    expect(noConsent.stderr.trim().split('\n').at(-1)).toMatch(
      /^zkrep wallet: .*\(consent_declined\)$/,
    );
    expect(await requestStatus(v1, request.id)).toBe('pending');

    const answered = await zkrep(['wallet', 'respond', request.walletUrl, '--yes', '--json'], env);
    expect([answered.code, answered.stderr.includes('Proving')]).toEqual([0, true]);
    const result = JSON.parse(answered.stdout) as { verified: boolean; receiptId: string };
    expect(result.verified).toBe(true);
    expect(await requestStatus(v1, request.id)).toBe('verified');

    // Answering again: one line, its code, no stack trace.
    const again = await zkrep(['wallet', 'respond', request.walletUrl, '--yes'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/request_completed/);
    expect(again.stderr).not.toMatch(/\n\s+at /);

    const history = JSON.parse((await zkrep(['wallet', 'history', '--json'], env)).stdout) as {
      outcome: string;
      predicates: unknown;
    }[];
    expect(history.map((h) => h.outcome)).toEqual(['failed', 'verified', 'declined']);
    expect(history[1]!.predicates).toEqual([
      { attribute: 'birthDate', op: 'ageAtLeast', value: 18 },
    ]);
    expect(JSON.stringify(history)).not.toContain(BIRTH_DATE);

    const consents = JSON.parse((await zkrep(['wallet', 'consents', '--json'], env)).stdout) as {
      receiptId: string;
      status: string;
    }[];
    expect(consents.map((c) => c.status)).toContain('given');
    const withdrawn = await zkrep(
      ['wallet', 'withdraw', result.receiptId.slice(0, 8), '--json'],
      env,
    );
    expect(JSON.parse(withdrawn.stdout)).toMatchObject({
      receiptId: result.receiptId,
      status: 'withdrawn',
    });

    // Nothing personal in the wallet file in the clear.
    const file = readFileSync(join(env.ZKREP_WALLET_DIR, 'wallet.sqlite'));
    expect(file.includes(Buffer.from(BIRTH_DATE))).toBe(false);

    // Wrong passphrase, bad arguments, help.
    const wrong = await zkrep(['wallet', 'list'], {
      ...env,
      ZKREP_WALLET_PASSPHRASE: 'not it at all',
    });
    expect([wrong.code, wrong.stderr.trim()]).toEqual([
      1,
      'zkrep wallet: wrong passphrase (wrong_passphrase)',
    ]);
    const usage = await zkrep(['wallet', 'respond'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim().split('\n')).toHaveLength(1);
    const help = await zkrep(['wallet', 'respond', '--help'], env);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('--yes')]);

    // Backup → restore elsewhere, and recovery from the phrase: the same DID.
    const backupFile = join(work, 'cli.backup');
    expect((await zkrep(['wallet', 'backup', backupFile], env)).code).toBe(0);
    const restored = await zkrep(['wallet', 'restore', backupFile, '--json'], {
      ...env,
      ZKREP_WALLET_DIR: join(work, 'cli-restored'),
    });
    expect(JSON.parse(restored.stdout)).toMatchObject({ did, credentials: 1 });
    const recovered = await zkrep(['wallet', 'recover', '--json'], {
      ...env,
      ZKREP_WALLET_DIR: join(work, 'cli-recovered'),
      ZKREP_WALLET_PHRASE: recoveryPhrase,
    });
    expect(JSON.parse(recovered.stdout)).toMatchObject({ did });
  });
});

describe('the wallet library', () => {
  let alice: Wallet;
  let bob: Wallet;
  /** One clock for both holders' proofs (set once their credentials are issued). */
  let NOW: number | undefined;
  const clock = (): number => NOW ?? Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    for (const name of ['alice', 'bob']) {
      const wallet = await walletWithAge({
        dir: join(work, name),
        chain,
        issuer,
        passphrase: PASS,
        birthDate: BIRTH_DATE,
        now: clock,
      });
      if (name === 'alice') alice = wallet;
      else bob = wallet;
    }
    NOW = Math.floor(Date.now() / 1000) + 1;
  }, 120_000);

  afterAll(async () => {
    await alice?.close();
    await bob?.close();
  });

  it('W09: proofs to two verifiers and to two policies share no holder-specific value', async () => {
    const destinations: [RunningVerifier, string][] = [
      [v1, 'adults'],
      [v1, 'adults-too'],
      [v2, 'adults'],
    ];
    /** Every leaf value (as a string) of each wallet's answer to each destination. */
    const leaves = (x: unknown, out = new Set<string>()): Set<string> => {
      if (Array.isArray(x)) x.forEach((y) => leaves(y, out));
      else if (x && typeof x === 'object') Object.values(x).forEach((y) => leaves(y, out));
      else out.add(String(x).toLowerCase());
      return out;
    };
    const answers = new Map<Wallet, { body: unknown; nullifier: string }[]>();
    for (const [i, w] of [alice, bob].entries()) {
      const list = [];
      for (const [j, [v, policyId]] of destinations.entries()) {
        const request = await proofRequest(v, policyId);
        const opened = await openRequest(w, request.walletUrl);
        // A separate account per marketplace (a shared account would link them by design).
        const account = getAddress(`0x${(0xa000 + i * 16 + j).toString(16).padStart(40, '0')}`);
        const receipt = buildConsentReceipt(opened.claims, {
          verifier: opened.verifier,
          account,
          now: clock(),
        });
        const body = await proveRequest(w, opened, receipt, account);
        const res = await postJson(opened.responseUri, body);
        expect([res.status, ((await res.json()) as { verified: boolean }).verified]).toEqual([
          200,
          true,
        ]);
        list.push({ body, nullifier: body.publicSignals[0]! });
      }
      answers.set(w, list);
    }
    const a = answers.get(alice)!;
    const b = answers.get(bob)!;
    expect(new Set(a.map((x) => x.nullifier)).size).toBe(3);
    const bobValues = new Set(b.flatMap((x) => [...leaves(x.body)]));
    for (const [x, y] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      const shared = [...leaves(a[x]!.body)].filter((v) => leaves(a[y]!.body).has(v));
      expect(shared.length).toBeGreaterThan(0); // protocol constants, issuer, root, time…
      expect(shared.filter((v) => !bobValues.has(v))).toEqual([]);
    }
  });

  it('W08: a request for an exact birth date is refused before consent, and logged', async () => {
    const request = await proofRequest(v1, 'exact-birth-date');
    let asked = false;
    await expect(
      respond(alice, request.walletUrl, {
        consent: async () => {
          asked = true;
          return true;
        },
      }),
    ).rejects.toMatchObject({ code: 'request_untrusted' });
    expect(asked).toBe(false);
    expect(await requestStatus(v1, request.id)).toBe('pending');
    const [last] = await listPresentations(alice);
    expect(last).toMatchObject({
      outcome: 'failed',
      stage: 'review',
      reasonCode: 'request_untrusted',
    });
    expect(last!.predicates).toEqual([{ attribute: 'birthDate', op: 'eq', value: BIRTH_DATE }]);
  });

  it('W10: a presentation failing mid-way is logged with its stage and reason', async () => {
    const request = await proofRequest(v2, 'adults');
    // The verifier goes away after consent: the proof is made, the submission fails.
    await expect(
      respond(bob, request.walletUrl, {
        consent: async () => {
          await v2.close();
          return true;
        },
      }),
    ).rejects.toMatchObject({ code: 'service_unreachable' });
    const [last] = await listPresentations(bob);
    expect(last).toMatchObject({
      outcome: 'failed',
      stage: 'submit',
      reasonCode: 'service_unreachable',
      policyId: 'adults',
    });
    expect(last!.receiptId).not.toBeNull();
  });
});
