/**
 * Withdrawing a consent and telling its verifier, against a small HTTP server standing in for
 * the verifier's `POST /v1/withdrawals` (no chain: the verifier's did:ethr document is served by
 * an in-test resolver, as ethr-did-resolver builds it for a DID with no registry changes). The
 * stand-in checks each withdrawal as the verifier does (`parseWithdrawal`, `withdrawalSignedFor`
 * against the receipt it holds, its clock within 300 s) and answers with a deletion record signed
 * by its DID key, the same record for a repeat.
 *
 * Each answer: 200, a repeat (from a wallet restored from a backup), 404, 401, 400, 429, an
 * unreachable verifier then a retry; deletion records that must be refused (another signer,
 * another receipt, another issuer, not an erasure record); and the CLI's output for each state.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ES256KSigner, createJWT, type JWTHeader } from 'did-jwt';
import { Resolver, type Resolvable } from 'did-resolver';
import { hexToBytes, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import {
  canonicalConsentReceipt,
  consentReceiptHash,
  parseConsentReceipt,
  parseWithdrawal,
  withdrawalSignedFor,
  type ConsentReceipt,
  type Withdrawal,
} from '#platform';
import {
  backupWallet,
  consentStatusText,
  initWallet,
  listConsents,
  openWallet,
  recoverWallet,
  restoreWallet,
  runCli,
  withdrawConsent,
  withdrawalsUrl,
  type Wallet,
} from '#wallet';
import { ConsentEntity } from '../store/schema.js';

const PASS = 'a long wallet passphrase';
const CHAIN = {
  name: '0x7a69',
  chainId: 31337,
  registry: '0x0000000000000000000000000000000000000001',
};
const RPC = 'http://127.0.0.1:1';

const root = mkdtempSync(join(tmpdir(), 'zkrep-withdraw-'));
const fresh = (): string => join(root, randomUUID());

/** did:ethr documents of DIDs with no registry changes (their address is their only key). */
const resolver: Resolvable = new Resolver({
  ethr: async (did) => {
    const address = did.split(':').pop()!;
    const key = `${did}#controller`;
    return {
      didResolutionMetadata: { contentType: 'application/did+ld+json' },
      didDocumentMetadata: {},
      didDocument: {
        '@context': ['https://www.w3.org/ns/did/v1'],
        id: did,
        verificationMethod: [
          {
            id: key,
            type: 'EcdsaSecp256k1RecoveryMethod2020',
            controller: did,
            blockchainAccountId: `eip155:31337:${address}`,
          },
        ],
        authentication: [key],
        assertionMethod: [key],
      },
    };
  },
});

const didOf = (key: Hex): string => `did:ethr:0x7a69:${privateKeyToAddress(key)}`;
const VERIFIER_KEY = generatePrivateKey();
const VERIFIER = didOf(VERIFIER_KEY);

/** A deletion record as the verifier signs it (`over` changes its claims or header). */
function erasureRecord(
  receiptHash: string,
  over: { key?: Hex; iss?: string; typ?: string; receiptHash?: string } = {},
): Promise<string> {
  const at = Math.floor(Date.now() / 1000);
  return createJWT(
    {
      erasure: {
        cause: 'withdrawal',
        receiptHash: over.receiptHash ?? receiptHash,
        erased: [{ seq: 7, bodyHash: `0x${'cd'.repeat(32)}` }],
        at,
      },
    },
    { issuer: over.iss ?? VERIFIER, signer: ES256KSigner(hexToBytes(over.key ?? VERIFIER_KEY)) },
    { alg: 'ES256K', typ: (over.typ ?? 'zkrep-erasure+jwt') as JWTHeader['typ'] },
  );
}

// ---- the stand-in verifier ----

type Reply = { status: number; body: unknown } | 'drop';
/** Receipts the verifier holds, by hash. */
const held = new Map<string, ConsentReceipt>();
/** The record it issued for each receipt (a repeat gets the same one). */
const records = new Map<string, { withdrawnAt: number; record: string }>();
/** What it was sent (path and body), in order. */
const received: { path: string; body: unknown }[] = [];
/** Overrides the verifier's own answer (one test's fault), or null. */
let fault: ((w: Withdrawal) => Promise<Reply> | Reply) | null = null;

async function verifierAnswer(path: string, body: unknown): Promise<Reply> {
  if (path !== '/v1/withdrawals') {
    return { status: 404, body: { code: 'not_found', message: `no route for POST ${path}` } };
  }
  let w: Withdrawal;
  try {
    w = parseWithdrawal(body);
  } catch (e) {
    return { status: 400, body: { code: 'bad_input', message: (e as Error).message } };
  }
  if (fault) return fault(w);
  const now = Math.floor(Date.now() / 1000);
  if (Math.abs(w.at - now) > 300) {
    return {
      status: 400,
      body: { code: 'bad_input', message: "at is more than 300 s from the verifier's clock" },
    };
  }
  const receipt = held.get(w.receiptHash);
  if (!receipt) {
    return { status: 404, body: { code: 'not_found', message: 'no record of that receipt' } };
  }
  if (!(await withdrawalSignedFor(w, receipt))) {
    return {
      status: 401,
      body: { code: 'bad_signature', message: "not signed by the receipt's withdraw key" },
    };
  }
  let done = records.get(w.receiptHash);
  if (!done) {
    done = { withdrawnAt: now, record: await erasureRecord(w.receiptHash) };
    records.set(w.receiptHash, done);
  }
  return { status: 200, body: { status: 'withdrawn', ...done } };
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      try {
        resolve(JSON.parse(text));
      } catch {
        resolve(text);
      }
    });
  });
}

let server: Server;
let base: string;
let wallet: Wallet;
let phrase: string;
/** The wallet's clock offset from the system's (s). */
let skew = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    void (async () => {
      const path = String(req.url);
      const body = await readBody(req);
      received.push({ path, body });
      const reply = await verifierAnswer(path, body);
      if (reply === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    })();
  }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ wallet, phrase } = await initWallet({
    dir: fresh(),
    passphrase: PASS,
    rpcUrl: RPC,
    chain: CHAIN,
    now: () => Math.floor(Date.now() / 1000) + skew,
  }));
});

afterEach(() => {
  fault = null;
  skew = 0;
});

afterAll(async () => {
  await wallet?.close();
  await new Promise((r) => server.close(r));
  rmSync(root, { recursive: true, force: true });
});

/**
 * A consent given in `w` to the stand-in verifier (which then holds it, unless `held: false`),
 * with its withdraw key derived by `w`, answered at `responseUri`.
 */
async function giveConsent(
  w: Wallet,
  p: { responseUri?: string | null; held?: boolean } = {},
): Promise<ConsentReceipt> {
  const receiptId = randomUUID();
  const requestId = randomUUID();
  const receipt = parseConsentReceipt({
    version: 'zkrep-consent/2',
    receiptId,
    requestId,
    verifier: VERIFIER,
    policyId: 'adults',
    purpose: 'Alcohol may only be sold to adults.',
    legalBasis: 'legal_obligation',
    retentionDays: 90,
    predicates: [{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }],
    consentedAt: w.now(),
    withdrawKey: (await w.withdrawAccount(receiptId)).address,
  });
  await w.dataSource.getRepository(ConsentEntity).insert({
    receiptId,
    requestId,
    verifier: VERIFIER,
    policyId: 'adults',
    receipt: canonicalConsentReceipt(receipt),
    receiptHash: consentReceiptHash(receipt),
    account: '0x1111111111111111111111111111111111111111',
    status: 'given',
    createdAt: w.now(),
    withdrawnAt: null,
    responseUri:
      p.responseUri === undefined ? `${base}/v1/requests/${requestId}/response` : p.responseUri,
  });
  if (p.held !== false) held.set(consentReceiptHash(receipt), receipt);
  return receipt;
}

const withdraw = (w: Wallet, id: string) => withdrawConsent(w, id, { resolver });
const stored = (w: Wallet, receiptId: string) =>
  w.dataSource.getRepository(ConsentEntity).findOneByOrFail({ receiptId });

/** The stand-in's answer to a withdrawal, replaced by `reply` for one test. */
const answerWith = (reply: Reply): void => {
  fault = () => reply;
};

describe('withdrawConsent tells the verifier', () => {
  it('200: signs the withdrawal with the receipt key, checks and keeps the deletion record', async () => {
    const receipt = await giveConsent(wallet);
    const before = received.length;
    const c = await withdraw(wallet, receipt.receiptId.slice(0, 8));
    expect(c.status).toBe('withdrawn');
    const record = records.get(consentReceiptHash(receipt))!;
    expect(c.verifierNotice).toEqual({
      state: 'erased',
      withdrawnAt: record.withdrawnAt,
      record: record.record,
      error: null,
    });
    expect(consentStatusText(c)).toBe('withdrawn; the verifier erased its record');
    // One withdrawal, to the verifier's base URL, signed by the receipt's withdraw key.
    const sent = received.slice(before);
    expect(sent.map((r) => r.path)).toEqual(['/v1/withdrawals']);
    const w = parseWithdrawal(sent[0]!.body);
    expect(await withdrawalSignedFor(w, receipt)).toBe(true);
    expect(w).toMatchObject({
      version: 'zkrep-withdraw/1',
      verifier: VERIFIER,
      receiptHash: consentReceiptHash(receipt),
    });
    expect(Math.abs(w.at - wallet.now())).toBeLessThanOrEqual(1);
    expect(await stored(wallet, receipt.receiptId)).toMatchObject({
      status: 'withdrawn',
      verifierStatus: 'erased',
      verifierWithdrawnAt: record.withdrawnAt,
      erasureRecord: record.record,
      noticeErrorCode: null,
    });
    // Told: withdrawing again asks nothing and changes nothing.
    const again = await withdraw(wallet, receipt.receiptId);
    expect(again).toEqual(c);
    expect(received.length).toBe(before + 1);
    expect((await listConsents(wallet)).find((x) => x.receiptId === receipt.receiptId)).toEqual(c);
  });

  it('a repeat: the wallet restored from a backup withdraws again and gets the same record', async () => {
    const receipt = await giveConsent(wallet);
    const file = join(root, `${randomUUID()}.backup`);
    await backupWallet(wallet, file, PASS); // the consent still given in the backup
    const first = await withdraw(wallet, receipt.receiptId);
    const restored = await restoreWallet({ dir: fresh(), passphrase: PASS, rpcUrl: RPC, file });
    try {
      const before = received.length;
      const second = await withdraw(restored, receipt.receiptId);
      expect(received.length).toBe(before + 1); // it did ask, and the verifier accepted it
      expect(second.verifierNotice).toEqual(first.verifierNotice);
      expect(second.verifierNotice?.state).toBe('erased');
    } finally {
      await restored.close();
    }
    // A wallet recovered from the phrase alone derives the same withdraw key.
    const recovered = await recoverWallet({
      dir: fresh(),
      passphrase: PASS,
      rpcUrl: RPC,
      chain: CHAIN,
      phrase,
    });
    try {
      expect((await recovered.withdrawAccount(receipt.receiptId)).address).toBe(
        receipt.withdrawKey,
      );
    } finally {
      await recovered.close();
    }
  });

  it('404: the verifier holds no record (already purged): done, and said so', async () => {
    const receipt = await giveConsent(wallet, { held: false });
    const c = await withdraw(wallet, receipt.receiptId);
    expect(c.verifierNotice).toEqual({
      state: 'no_record',
      withdrawnAt: null,
      record: null,
      error: null,
    });
    expect(consentStatusText(c)).toMatch(/held no record/);
    const before = received.length;
    expect((await withdraw(wallet, receipt.receiptId)).verifierNotice?.state).toBe('no_record');
    expect(received.length).toBe(before); // not asked again
  });

  it('another URI layout goes to the origin; a 404 naming no route is not "no record"', async () => {
    const receipt = await giveConsent(wallet, {
      responseUri: `${base}/v0/requests/x/response/elsewhere`,
    });
    const c = await withdraw(wallet, receipt.receiptId);
    expect(received.at(-1)!.path).toBe('/v1/withdrawals'); // the origin: an unknown layout
    expect(c.verifierNotice?.state).toBe('erased');
    // Under a path prefix this verifier does not serve: its 404 names no route, not a record.
    const old = await giveConsent(wallet, { responseUri: `${base}/old/v1/requests/x/response` });
    const pending = await withdraw(wallet, old.receiptId);
    expect(received.at(-1)!.path).toBe('/old/v1/withdrawals');
    expect(pending.verifierNotice).toMatchObject({
      state: 'pending',
      error: { code: 'service_unreachable', message: expect.stringMatching(/withdrawals/) },
    });
  });

  it('401: refused, kept withdrawn with the code; a later retry tells it', async () => {
    const receipt = await giveConsent(wallet);
    answerWith({
      status: 401,
      body: { code: 'bad_signature', message: "not signed by the receipt's withdraw key" },
    });
    const c = await withdraw(wallet, receipt.receiptId);
    expect(c.status).toBe('withdrawn');
    expect(c.verifierNotice).toMatchObject({
      state: 'pending',
      record: null,
      error: { code: 'bad_signature' },
    });
    expect(Math.abs(c.verifierNotice!.error!.at - wallet.now())).toBeLessThanOrEqual(1);
    expect(c.verifierNotice!.error!.message).toMatch(/withdraw key/);
    expect(consentStatusText(c)).toBe('withdrawn (verifier not told yet)');
    fault = null;
    const retried = await withdraw(wallet, receipt.receiptId);
    expect(retried.verifierNotice).toMatchObject({ state: 'erased', error: null });
    expect(retried.withdrawnAt).toBe(c.withdrawnAt); // the holder's time, kept
  });

  it("400: a withdrawal off the verifier's clock is refused; with the clock right it is told", async () => {
    const receipt = await giveConsent(wallet);
    skew = -1000;
    const c = await withdraw(wallet, receipt.receiptId);
    expect(c.verifierNotice).toMatchObject({
      state: 'pending',
      error: { code: 'bad_input', message: expect.stringMatching(/300 s/) },
    });
    skew = 0;
    expect((await withdraw(wallet, receipt.receiptId)).verifierNotice?.state).toBe('erased');
  });

  it('429: rate limited, still to tell', async () => {
    const receipt = await giveConsent(wallet);
    answerWith({ status: 429, body: { code: 'rate_limited', message: 'too many requests' } });
    const c = await withdraw(wallet, receipt.receiptId);
    expect(c.verifierNotice).toMatchObject({ state: 'pending', error: { code: 'rate_limited' } });
  });

  it('unreachable: withdrawn here at once, "not told yet"; a retry tells it later', async () => {
    const receipt = await giveConsent(wallet);
    answerWith('drop');
    const c = await withdraw(wallet, receipt.receiptId);
    expect(c.status).toBe('withdrawn');
    expect(c.verifierNotice).toMatchObject({
      state: 'pending',
      error: { code: 'service_unreachable' },
    });
    expect(await stored(wallet, receipt.receiptId)).toMatchObject({
      status: 'withdrawn',
      verifierStatus: null,
      noticeErrorCode: 'service_unreachable',
    });
    fault = null;
    const told = await withdraw(wallet, receipt.receiptId);
    expect(told.verifierNotice?.state).toBe('erased');
    expect(await stored(wallet, receipt.receiptId)).toMatchObject({
      verifierStatus: 'erased',
      noticeErrorCode: null,
      noticeError: null,
    });
  });

  it('a closed port, and a consent with no response URI kept, stay "not told yet"', async () => {
    const closed = await giveConsent(wallet, {
      responseUri: 'http://127.0.0.1:1/v1/requests/x/response',
    });
    expect((await withdraw(wallet, closed.receiptId)).verifierNotice).toMatchObject({
      state: 'pending',
      error: { code: 'service_unreachable' },
    });
    const old = await giveConsent(wallet, { responseUri: null });
    const c = await withdraw(wallet, old.receiptId);
    expect(c.status).toBe('withdrawn');
    expect(c.verifierNotice).toMatchObject({
      state: 'pending',
      error: { code: 'service_unreachable', message: expect.stringMatching(/did not keep/) },
    });
  });

  it.each([
    ['signed by another key', { key: generatePrivateKey() }, 'bad_signature'],
    ['for another receipt', { receiptHash: `0x${'ee'.repeat(32)}` }, 'bad_signature'],
    [
      'issued by another DID (signed by it)',
      ((k: Hex) => ({ key: k, iss: didOf(k) }))(generatePrivateKey()),
      'bad_signature',
    ],
    ['not an erasure record', { typ: 'JWT' }, 'bad_input'],
  ])('refuses a deletion record %s: not marked told', async (_what, over, code) => {
    const receipt = await giveConsent(wallet);
    const hash = consentReceiptHash(receipt);
    fault = async () => ({
      status: 200,
      body: { status: 'withdrawn', withdrawnAt: 1, record: await erasureRecord(hash, over) },
    });
    const c = await withdraw(wallet, receipt.receiptId);
    expect(c.verifierNotice).toMatchObject({ state: 'pending', record: null, error: { code } });
    expect(await stored(wallet, receipt.receiptId)).toMatchObject({
      status: 'withdrawn',
      verifierStatus: null,
      erasureRecord: null,
    });
    // The genuine record is accepted on the retry.
    fault = null;
    expect((await withdraw(wallet, receipt.receiptId)).verifierNotice?.state).toBe('erased');
  });

  it('refuses an answer that is not a withdrawal record', async () => {
    const receipt = await giveConsent(wallet);
    answerWith({ status: 200, body: { status: 'ok' } });
    expect((await withdraw(wallet, receipt.receiptId)).verifierNotice).toMatchObject({
      state: 'pending',
      error: { code: 'service_unreachable' },
    });
  });

  it('finds the verifier from the response URI, under a path prefix too', () => {
    expect(withdrawalsUrl('https://v.example/v1/requests/abc/response')).toBe(
      'https://v.example/v1/withdrawals',
    );
    expect(withdrawalsUrl('https://v.example:8443/zk/v1/requests/abc/response')).toBe(
      'https://v.example:8443/zk/v1/withdrawals',
    );
    expect(withdrawalsUrl('https://v.example/answers/abc')).toBe(
      'https://v.example/v1/withdrawals',
    );
    for (const bad of [null, '', 'not a url', 'ftp://v.example/v1/requests/a/response']) {
      expect(withdrawalsUrl(bad)).toBeNull();
    }
  });

  it('a wallet from before the migration opens, its consents kept; their verifier cannot be told', async () => {
    const dir = fresh();
    const { wallet: w } = await initWallet({ dir, passphrase: PASS, rpcUrl: RPC, chain: CHAIN });
    const receipt = await giveConsent(w, { responseUri: null });
    const columns = async (x: Wallet) =>
      ((await x.dataSource.query('PRAGMA table_info(wallet_consent)')) as { name: string }[]).map(
        (c) => c.name,
      );
    expect(await columns(w)).toContain('erasure_record');
    await w.dataSource.undoLastMigration({ transaction: 'all' });
    expect(await columns(w)).not.toContain('response_uri');
    await w.close();
    const reopened = await openWallet({ dir, passphrase: PASS, rpcUrl: RPC });
    try {
      expect(await columns(reopened)).toEqual(
        expect.arrayContaining(['response_uri', 'notice_error']),
      );
      const c = await withdraw(reopened, receipt.receiptId);
      expect(c.status).toBe('withdrawn');
      expect(c.verifierNotice).toMatchObject({
        state: 'pending',
        error: { code: 'service_unreachable', message: expect.stringMatching(/did not keep/) },
      });
    } finally {
      await reopened.close();
    }
  });

  it('not_found for an unknown receipt; nothing written', async () => {
    await expect(withdraw(wallet, 'nope-nope')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('zkrep wallet withdraw', () => {
  function io() {
    let stdout = '';
    let stderr = '';
    return {
      io: {
        stdout: { write: (s: string) => ((stdout += s), true) } as never,
        stderr: { write: (s: string) => ((stderr += s), true) } as never,
        stdin: { isTTY: false } as never,
        env: { ZKREP_WALLET_DIR: wallet.dir, ZKREP_WALLET_PASSPHRASE: PASS, RPC_URL: RPC },
      },
      out: () => ({ stdout, stderr }),
    };
  }
  const cli = async (...args: string[]) => {
    const { io: i, out } = io();
    const code = await runCli(['wallet', ...args], i);
    return { code, ...out() };
  };

  it('an unreachable verifier: one line with its code, exit 1; the consent is withdrawn', async () => {
    const receipt = await giveConsent(wallet);
    answerWith('drop');
    const r = await cli('withdraw', receipt.receiptId);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^zkrep wallet: consent \S+ is withdrawn in your wallet, but the verifier was not told: .*again later to tell it \(service_unreachable\)\n$/,
    );
    const list = await cli('consents', '--json');
    const mine = (JSON.parse(list.stdout) as { receiptId: string; verifierNotice: unknown }[]).find(
      (c) => c.receiptId === receipt.receiptId,
    );
    expect(mine?.verifierNotice).toMatchObject({
      state: 'pending',
      error: { code: 'service_unreachable' },
    });
    expect((await cli('consents')).stdout).toContain('(verifier not told yet: ');
  });

  it('a refusal (401): one line with the code, exit 1', async () => {
    const receipt = await giveConsent(wallet);
    answerWith({ status: 401, body: { code: 'bad_signature', message: 'not signed by it' } });
    const r = await cli('withdraw', receipt.receiptId);
    expect([r.code, r.stderr.trim().split('\n').length]).toEqual([1, 1]);
    expect(r.stderr).toMatch(/the verifier: not signed by it; .*\(bad_signature\)$/m);
  });

  it('no record at the verifier: exit 0, says so (text and --json)', async () => {
    const receipt = await giveConsent(wallet, { held: false });
    const r = await cli('withdraw', receipt.receiptId, '--json');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout)).toMatchObject({
      receiptId: receipt.receiptId,
      status: 'withdrawn',
      verifierNotice: { state: 'no_record' },
    });
    const text = await cli('withdraw', receipt.receiptId);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/holds no record of it any more \(already erased\)/);
  });

  it('a consent told: the record in --json, and the listing says so', async () => {
    const receipt = await giveConsent(wallet);
    await withdraw(wallet, receipt.receiptId); // checked with the in-test resolver
    const r = await cli('withdraw', receipt.receiptId, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      verifierNotice: {
        state: 'erased',
        record: records.get(consentReceiptHash(receipt))!.record,
      },
    });
    expect((await cli('withdraw', receipt.receiptId)).stdout).toMatch(
      /recorded the withdrawal .* signed a deletion record/s,
    );
    expect((await cli('consents')).stdout).toContain('the verifier erased its record');
  });
});
