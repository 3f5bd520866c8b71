/**
 * Withdrawal, erasure and retention end to end (SECURITY-CASES R03, R05, R06; docs/compliance.md
 * §6): the REAL verifier on the embedded chain with the REAL issuer, two real proofs whose consent
 * receipts carry withdraw keys, and one failed answer; checkpoints anchored in AuditAnchor.
 * - `POST /v1/withdrawals`: a withdrawal signed by another key, for another verifier, or stale is
 *   refused and changes nothing; the right one answers a deletion record signed by the verifier
 *   DID (checked on the chain's did:ethr registry) naming the erased entry; the request then shows
 *   `withdrawn` with no account; a repeat answers the same record;
 * - a report after it: `zkrep report verify` (a child process) accepts it; the erased entry is a
 *   stub, the erasure an event (counts.withdrawals); nothing of the withdrawn receipt is in it;
 * - R03: a regulator listed for `legal_obligation` only reads those events; the others are
 *   withheld (stubs, counts.withheld), and the report still verifies;
 * - R06: with the verifier's clock moved past a policy's retention, the scheduled purge erases
 *   exactly that verification and logs a `purge` entry; the next report verifies and counts it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnvilChain } from '#contracts';
import type { RunningIssuer } from '#issuer';
import {
  consentReceiptHash,
  verifyDidJwtSignature,
  withdrawalMessage,
  type ConsentReceipt,
} from '#platform';
import { readAuditEntries, type AuditEntry, type RunningVerifier } from '#verifier';
import { shutdownZk } from '#zk';
import { ES256KSigner, createJWT, decodeJWT } from 'did-jwt';
import { getAddress, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { issueAge, newHolder, postJson, type Holder } from '../helpers/holder.js';
import {
  DEV_KEYS,
  TEST_ADMIN_KEY,
  chainResolver,
  startDeployedChain,
  startTestIssuer,
  startTestVerifier,
} from '../helpers/stack.js';
import {
  createAgePolicy,
  createProofRequest,
  madeUpAnswer,
  reportOf,
  submitAnswer,
  verifyReportCli,
  type CreatedRequest,
} from '../helpers/market.js';
import { answerRequest, type WalletAnswer } from '../helpers/wallet.js';

const MARKET_KEY = 'market-key-for-withdrawal-tests-0123';
const BIRTH_DATE = '1991-07-14';
const DAY = 86_400;
const REGULATOR_KEY = Buffer.from('ab'.repeat(32), 'hex');
const REGULATOR_DID = `did:ethr:0x7a69:${privateKeyToAccount(`0x${'ab'.repeat(32)}`).address}`;
const account = (n: number) => getAddress(`0x${n.toString(16).padStart(40, '0')}`);
const ALICE = account(0xa11ce);

let chain: AnvilChain;
let work: string;
let issuer: RunningIssuer;
let verifier: RunningVerifier;
let holder: Holder;
let credential: string;
/** The verifier's clock runs this many seconds ahead of the system's (retention). */
let skew = 0;
const nowS = () => Math.floor(Date.now() / 1000) + skew;
const market = { authorization: `Bearer ${MARKET_KEY}` };

const api = () => ({ url: verifier.url, headers: market, issuer });
const createPolicy = (id: string, over: Record<string, unknown>) =>
  createAgePolicy(api(), { id, ...over });
const createRequest = (policyId: string) => createProofRequest(api(), policyId);
const submit = (c: CreatedRequest, body: unknown) => submitAnswer(verifier.url, c, body);

/** A real proof for `c`, its receipt made with the withdraw key `key`. */
async function prove(c: CreatedRequest, key: Hex): Promise<WalletAnswer> {
  return answerRequest({
    requestUri: c.requestUri,
    verifierDid: verifier.did,
    holder,
    credential,
    issuerUrl: issuer.url,
    account: ALICE,
    resolver: chainResolver(chain, issuer),
    chain: { chain, gate: issuer.deployment.contracts.zkGate.address },
    withdrawKey: key,
  });
}

/** A signed withdrawal of `receipt`. */
async function withdrawal(
  receipt: ConsentReceipt,
  p: { key: Hex; at?: number; verifier?: string },
) {
  const base = {
    version: 'zkrep-withdraw/1',
    verifier: p.verifier ?? verifier.did,
    receiptHash: consentReceiptHash(receipt),
    at: p.at ?? nowS(),
  };
  const signature = await privateKeyToAccount(p.key).signMessage({
    message: withdrawalMessage(base),
  });
  return { ...base, signature };
}
const withdraw = (body: unknown) => postJson(`${verifier.url}/v1/withdrawals`, body);

async function requestReport(from: number, headers: Record<string, string> = market) {
  const res = await postJson(`${verifier.url}/v1/reports`, { from, to: nowS() + 60 }, headers);
  expect(res.status).toBe(200);
  return ((await res.json()) as { jwt: string }).jwt;
}
/** `zkrep report verify` as a child process (its output: stdout then stderr). */
async function verifyCli(content: string) {
  const r = await verifyReportCli({ work, chain }, content);
  return { code: r.code, stdout: `${r.stdout}${r.stderr}` };
}
const regulatorToken = () =>
  createJWT(
    { aud: verifier.did, exp: Math.floor(Date.now() / 1000) + 120 },
    { issuer: REGULATOR_DID, signer: ES256KSigner(REGULATOR_KEY), alg: 'ES256K' },
  );

let from: number;
/** Verified under `short-stay` (1 day, legal obligation): purged by retention. */
let kept: { created: CreatedRequest; answer: WalletAnswer; key: Hex };
/** Verified under `by-consent` (30 days, consent): withdrawn. */
let gone: { created: CreatedRequest; answer: WalletAnswer; key: Hex };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-withdrawal-e2e-'));
  chain = await startDeployedChain(work);
  issuer = await startTestIssuer(chain, work);
  verifier = await startTestVerifier(chain, work, {
    marketplace: 'demo-market',
    apiKey: MARKET_KEY,
    over: {
      VERIFIER_RELAYER_KEY: DEV_KEYS.relayer,
      VERIFIER_AUDIT_ANCHOR_SECONDS: '0',
      VERIFIER_RETENTION_SWEEP_SECONDS: '1',
      VERIFIER_REGULATORS: `${REGULATOR_DID}=legal_obligation`,
    },
    options: { now: nowS },
  });
  holder = newHolder(`0x${chain.chainId.toString(16)}`);
  credential = await issueAge(issuer.url, TEST_ADMIN_KEY, holder, BIRTH_DATE);
  from = nowS() - 1;
  await createPolicy('short-stay', { retentionDays: 1, legalBasis: 'legal_obligation' });
  await createPolicy('by-consent', { retentionDays: 30, legalBasis: 'consent' });

  const k1 = generatePrivateKey();
  const c1 = await createRequest('short-stay');
  const a1 = await prove(c1, k1);
  expect((await submit(c1, a1)).status).toBe(200);
  kept = { created: c1, answer: a1, key: k1 };
  const k2 = generatePrivateKey();
  const c2 = await createRequest('by-consent');
  const a2 = await prove(c2, k2);
  expect((await submit(c2, a2)).status).toBe(200);
  gone = { created: c2, answer: a2, key: k2 };
  // A failed answer under `by-consent`: a right receipt, made-up signals.
  const c3 = await createRequest('by-consent');
  const failed = await submit(
    c3,
    await madeUpAnswer({
      chain,
      issuer,
      created: c3,
      proof: a2.proof,
      account: account(0xbad),
      now: nowS(),
    }),
  );
  expect(failed.status).toBe(422);
}, 240_000);

afterAll(async () => {
  await verifier?.close();
  await issuer?.close();
  await chain?.stop();
  await shutdownZk();
  await rm(work, { recursive: true, force: true });
});

describe('withdrawal at the verifier (R05)', () => {
  let record: string;

  it('refuses a withdrawal signed by another key, for another verifier, or stale — and nothing changes', async () => {
    const receipt = gone.answer.consentReceipt;
    const cases: [unknown, number, string][] = [
      [await withdrawal(receipt, { key: generatePrivateKey() }), 400, 'bad_signature'],
      [
        await withdrawal(receipt, {
          key: gone.key,
          verifier: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000ff',
        }),
        400,
        'bad_signature',
      ],
      [await withdrawal(receipt, { key: gone.key, at: nowS() - 900 }), 400, 'bad_input'],
      [
        await withdrawal({ ...receipt, receiptId: crypto.randomUUID() }, { key: gone.key }),
        404,
        'not_found',
      ],
      [{ ...(await withdrawal(receipt, { key: gone.key })), account: ALICE }, 400, 'bad_input'],
    ];
    for (const [body, status, code] of cases) {
      const res = await withdraw(body);
      expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([status, code]);
    }
    const status = await fetch(`${verifier.url}/v1/requests/${gone.created.id}`, {
      headers: market,
    });
    expect(await status.json()).toMatchObject({ status: 'verified', result: { account: ALICE } });
  });

  it('the right one erases and answers a deletion record signed by the verifier DID; the request shows withdrawn; a repeat gets the same record; stored reports that held its body are dropped', async () => {
    const receipt = gone.answer.consentReceipt;
    // A report made before: it shows the body; the verifier keeps it (GET /v1/reports/{id}).
    const res0 = await postJson(`${verifier.url}/v1/reports`, { from, to: nowS() + 60 }, market);
    const earlier = (await res0.json()) as { id: string; jwt: string };
    expect(earlier.jwt).toBeDefined();
    const storedBefore = await fetch(`${verifier.url}/v1/reports/${earlier.id}`, {
      headers: market,
    });
    expect(storedBefore.status).toBe(200);
    const res = await withdraw(await withdrawal(receipt, { key: gone.key }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; withdrawnAt: number; record: string };
    expect(body.status).toBe('withdrawn');
    record = body.record;
    await verifyDidJwtSignature(record, {
      resolver: chainResolver(chain, issuer),
      now: body.withdrawnAt,
      what: 'the deletion record',
      signer: "the verifier's DID",
    });
    const { header, payload } = decodeJWT(record);
    expect(header.typ).toBe('zkrep-erasure+jwt');
    const erasure = (payload as { erasure: { receiptHash: string; erased: { seq: number }[] } })
      .erasure;
    expect(payload.iss).toBe(verifier.did);
    expect(erasure.receiptHash).toBe(consentReceiptHash(receipt));
    expect(erasure.erased).toEqual([{ seq: 2, bodyHash: expect.stringMatching(/^0x/) }]);
    const entries = await readAuditEntries(verifier.dataSource);
    expect(entries.find((e) => e.seq === 2)!.body).toBeNull();
    expect(entries.at(-1)!.kind).toBe('erasure');

    const status = await fetch(`${verifier.url}/v1/requests/${gone.created.id}`, {
      headers: market,
    });
    expect(await status.json()).toMatchObject({
      status: 'withdrawn',
      result: { verified: false, code: 'withdrawn', account: null, passExpiresAt: null },
    });
    const again = await withdraw(await withdrawal(receipt, { key: gone.key }));
    expect(((await again.json()) as { record: string }).record).toBe(record);
    const storedAfter = await fetch(`${verifier.url}/v1/reports/${earlier.id}`, {
      headers: market,
    });
    expect(storedAfter.status).toBe(404);
  });

  it('a report after it verifies with `zkrep report verify`: the erased entry is a stub, the erasure an event, nothing of the receipt left', async () => {
    const jwt = await requestReport(from);
    const cli = await verifyCli(jwt);
    expect(cli).toMatchObject({ code: 0 });
    expect(cli.stdout).toMatch(/erasures/);
    const report = reportOf(jwt);
    expect(report.counts).toMatchObject({ events: 2, withdrawals: 1, purged: 0 });
    const kinds = report.log.entries.map((e: AuditEntry) => [e.seq, e.kind, e.body !== null]);
    expect(kinds).toEqual([
      [1, 'verification', true],
      [2, 'verification', false],
      [3, 'verification', true],
      [4, 'erasure', true],
    ]);
    const text = jwt + JSON.stringify(report);
    const receipt = gone.answer.consentReceipt;
    expect(text).not.toContain(consentReceiptHash(receipt));
    expect(text).not.toContain(receipt.receiptId);
    expect(text).not.toContain(receipt.withdrawKey);
    expect(text.toLowerCase()).not.toContain(ALICE.toLowerCase());
    expect(text).not.toContain(BIRTH_DATE);
  });
});

describe('what a regulator may read (R03)', () => {
  it('a regulator listed for legal_obligation reads only those events; the rest are withheld, and the report verifies', async () => {
    const jwt = await requestReport(from, { authorization: `Bearer ${await regulatorToken()}` });
    const report = reportOf(jwt);
    const shown = report.log.entries.filter((e) => e.body !== null);
    expect(shown.map((e) => [e.seq, e.kind])).toEqual([
      [1, 'verification'],
      [4, 'erasure'],
    ]);
    expect(JSON.parse(shown[0]!.body!)).toMatchObject({
      policyId: 'short-stay',
      legalBasis: 'legal_obligation',
    });
    // The failed answer under `by-consent` (basis: consent) is withheld.
    expect(report.withheld).toBe(1);
    expect(report.counts).toMatchObject({ events: 1, byPolicy: { 'short-stay': 1 } });
    expect(await verifyCli(jwt)).toMatchObject({ code: 0 });
  });
});

describe('retention (R06)', () => {
  it('past the policy’s retention, the scheduled purge erases exactly that verification with a purge entry; the next report verifies and counts it', async () => {
    const before = await readAuditEntries(verifier.dataSource);
    skew = DAY + 120;
    let purge: AuditEntry | undefined;
    for (let i = 0; i < 100 && !purge; i++) {
      await new Promise((r) => setTimeout(r, 100));
      purge = (await readAuditEntries(verifier.dataSource)).find((e) => e.kind === 'purge');
    }
    expect(purge).toBeDefined();
    const body = JSON.parse(purge!.body!) as { erased: Record<string, unknown>[] };
    expect(body).toMatchObject({ cause: 'retention', policyId: 'short-stay' });
    expect(body.erased).toEqual([
      {
        seq: 1,
        bodyHash: before[0]!.bodyHash,
        policyId: 'short-stay',
        retainUntil: before[0]!.at + DAY,
        retentionDays: 1,
      },
    ]);
    const after = await readAuditEntries(verifier.dataSource);
    expect(after.filter((e) => e.body === null).map((e) => e.seq)).toEqual([1, 2]);
    const status = await fetch(`${verifier.url}/v1/requests/${kept.created.id}`, {
      headers: market,
    });
    expect(await status.json()).toMatchObject({
      result: { account: expect.not.stringMatching(/a11ce/i) },
    });

    const jwt = await requestReport(from);
    const report = reportOf(jwt);
    expect(report.counts).toMatchObject({ withdrawals: 1, purged: 1 });
    const cli = await verifyCli(jwt);
    expect(cli).toMatchObject({ code: 0 });
    expect(cli.stdout).toMatch(/2 erased entries accounted for/);
    // A purged verification can no longer be withdrawn: nothing of it is kept.
    const late = await withdraw(await withdrawal(kept.answer.consentReceipt, { key: kept.key }));
    expect(late.status).toBe(404);
  });
});
