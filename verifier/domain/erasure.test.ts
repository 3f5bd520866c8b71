/**
 * Withdrawal, crypto-shredding and retention on real SQLite and a real PostgreSQL
 * (SECURITY-CASES R03, R05, R06; docs/compliance.md §6). Verifications are seeded as
 * verification.ts `complete` stores them (a data key, the sealed receipt on the record, the
 * sealed body in the log); the real flow with real proofs: test/e2e/withdrawal.e2e.test.ts.
 * - a withdrawal signed by the receipt's withdraw key erases: the key is gone, receipt,
 *   nullifier, account and body are null, the body hash stays, an `erasure` entry names the
 *   erased entry, the deletion record is signed and returned again on a repeat;
 * - each refusal alone: another key, another verifier, a stale time, an unknown receipt, a
 *   receipt already purged;
 * - the log still verifies; a report shows the erased entry as a stub and the erasure as an
 *   event (counts.withdrawals), and none of the withdrawn holder's data;
 * - retention: only verifications whose retention ended are purged, one `purge` entry per
 *   marketplace and policy listing seq, body hash, retainUntil and retention days; a second run
 *   purges nothing;
 * - R03: a report withholds (stubs, counts.withheld) events without a receipt, past their
 *   retention, or of a legal basis the requester may not read;
 * - the sealed values: a ciphertext moved to another record, or altered, does not open.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  buildConsentReceipt,
  canonicalConsentReceipt,
  consentReceiptHash,
  parseWithdrawal,
  withTransaction,
  withdrawalMessage,
  type ConsentReceipt,
  type Withdrawal,
} from '#platform';
import { ES256KSigner, decodeJWT } from 'did-jwt';
import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import { getAddress } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { agePolicyInput, pendingRequestRow } from '../../test/fixtures/policies.js';
import { databaseEngines, type Engine } from '../../test/helpers/databases.js';
import { localDid } from '../../test/helpers/local-did.js';
import {
  AuditEntryEntity,
  DataKeyEntity,
  ProofRequestEntity,
  VERIFIER_ENTITIES,
  VERIFIER_MIGRATIONS,
  VerificationRecordEntity,
} from '../store/schema.js';
import { auditBodyHash, auditEntryHash, verifyAuditLog } from './audit-chain.js';
import { signCheckpoint, type CheckpointClaims } from './audit-checkpoint.js';
import { auditCheckpointer, readAuditEntries, appendVerificationEntry } from './audit.js';
import { purgeExpired, signErasureRecord, withdrawConsent, type ErasureDeps } from './erasure.js';
import { createPolicy } from './policy-store.js';
import { buildReport, signReport, type ComplianceReport } from './report.js';
import { checkReport } from './report-check.js';
import { requestBinding, requestClaims, type StoredPolicy } from './requests.js';
import { createDataKey, open, seal } from './shred.js';

const engines = databaseEngines({ entities: VERIFIER_ENTITIES, migrations: VERIFIER_MIGRATIONS });
const DID = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa';
const T = 1_790_000_000;
const DAY = 86_400;
const signer = ES256KSigner(randomBytes(32));
const ALICE = '0x000000000000000000000000000000000000a11c';
const NULLIFIER = '987654321987654321';

interface Seeded {
  requestId: string;
  receipt: ConsentReceipt;
  /** The withdraw key's private key. */
  key: `0x${string}`;
  seq: number;
}

/** A verification as `complete` stores it, at `at`, for `policy`. */
async function seedVerification(
  ds: DataSource,
  policy: StoredPolicy,
  at: number,
  p: { withReceipt?: boolean; outcome?: 'verified' | 'failed' } = {},
): Promise<Seeded> {
  const requestId = randomUUID();
  const key = generatePrivateKey();
  const request = pendingRequestRow({ id: requestId, policyId: policy.id, createdAt: at });
  const receipt = buildConsentReceipt(
    requestClaims(policy, request, requestBinding(policy, DID, undefined)),
    { verifier: DID, now: at, withdrawKey: privateKeyToAccount(key).address },
  );
  const withReceipt = p.withReceipt ?? true;
  const seq = await withTransaction(ds, async (tx) => {
    await tx
      .getRepository(ProofRequestEntity)
      .insert({ ...request, status: 'verified', account: ALICE });
    const dataKey = await createDataKey(tx, {
      id: requestId,
      retainUntil: at + policy.retentionDays * DAY,
      now: at,
    });
    await tx.getRepository(VerificationRecordEntity).insert({
      requestId,
      policyId: policy.id,
      outcome: p.outcome ?? 'verified',
      reasonCode: p.outcome === 'failed' ? 'proof_invalid' : null,
      nullifier: NULLIFIER,
      account: ALICE,
      consentReceiptHash: consentReceiptHash(receipt),
      consentReceipt: withReceipt ? seal(dataKey, canonicalConsentReceipt(receipt)) : null,
      passExpiresAt: at + DAY,
      createdAt: at,
      withdrawnAt: null,
      erasureRecord: null,
    });
    const head = await appendVerificationEntry(tx, {
      requestId,
      policy,
      scope: '7',
      consentReceiptHash: consentReceiptHash(receipt),
      consentReceipt: withReceipt ? receipt : null,
      requestDigest: `0x${'cd'.repeat(32)}`,
      outcome: p.outcome ?? 'verified',
      code: p.outcome === 'failed' ? 'proof_invalid' : null,
      evidence: null,
      at,
      dataKey,
    });
    return head.seq;
  });
  return { requestId, receipt, key, seq };
}

async function withdrawalOf(
  s: Seeded,
  p: { at: number; key?: `0x${string}`; verifier?: string },
): Promise<Withdrawal> {
  const base = {
    version: 'zkrep-withdraw/1' as const,
    verifier: p.verifier ?? DID,
    receiptHash: consentReceiptHash(s.receipt),
    at: p.at,
  };
  const signature = await privateKeyToAccount(p.key ?? s.key).signMessage({
    message: withdrawalMessage(base),
  });
  return parseWithdrawal({ ...base, signature });
}

const depsAt = (ds: DataSource, now: number): ErasureDeps => ({
  dataSource: ds,
  verifier: DID,
  sign: (claims) => signErasureRecord({ did: DID, signer, claims }),
  now: () => now,
  logger: pino({ level: 'silent' }),
});

const checkpointerOf = (ds: DataSource, now: number) =>
  auditCheckpointer({
    dataSource: ds,
    sign: (claims) => signCheckpoint({ did: DID, signer, claims }),
    chainId: 31337,
    anchor: '0x00000000000000000000000000000000000000bb',
    now: () => now,
    logger: pino({ level: 'silent' }),
  });

async function policies(ds: DataSource) {
  const adults = await createPolicy(ds, agePolicyInput({ id: 'adults', retentionDays: 30 }), T);
  const short = await createPolicy(
    ds,
    agePolicyInput({ id: 'short', retentionDays: 1, legalBasis: 'consent' }),
    T,
  );
  const other = await createPolicy(
    ds,
    agePolicyInput({ id: 'other-market', marketplaceId: 'm2', retentionDays: 1 }),
    T,
  );
  return { adults, short, other };
}

async function expectCode(p: Promise<unknown>, code: string) {
  await expect(p).rejects.toMatchObject({ code });
}

describe.each(engines.list)('withdrawal and retention on %s', (engine: Engine) => {
  it('a signed withdrawal crypto-shreds the verification, logs an erasure and signs a deletion record; a repeat gets the same', async () => {
    const ds = await engines.open(engine);
    const { adults } = await policies(ds);
    const kept = await seedVerification(ds, adults, T);
    const s = await seedVerification(ds, adults, T + 10);
    const entryBefore = await ds.getRepository(AuditEntryEntity).findOneByOrFail({ seq: s.seq });
    const w = await withdrawalOf(s, { at: T + 100 });
    const out = await withdrawConsent(depsAt(ds, T + 120), w);
    expect(out.withdrawnAt).toBe(T + 120);

    // The deletion record: signed as the verifier DID, naming the receipt and the erased entry.
    const { header, payload } = decodeJWT(out.record);
    expect(header).toMatchObject({ typ: 'zkrep-erasure+jwt', alg: 'ES256K' });
    expect(payload).toMatchObject({
      iss: DID,
      erasure: {
        cause: 'withdrawal',
        receiptHash: w.receiptHash,
        erased: [{ seq: s.seq, bodyHash: entryBefore.bodyHash }],
        at: T + 120,
      },
    });

    // Shredded: the key, the receipt, the nullifier, the account, the body; the hash stays.
    expect(await ds.getRepository(DataKeyEntity).findOneBy({ id: s.requestId })).toBeNull();
    expect(
      await ds.getRepository(VerificationRecordEntity).findOneByOrFail({ requestId: s.requestId }),
    ).toMatchObject({
      consentReceipt: null,
      nullifier: null,
      account: '0x0000000000000000000000000000000000000000',
      withdrawnAt: T + 120,
      erasureRecord: out.record,
    });
    expect(
      await ds.getRepository(ProofRequestEntity).findOneByOrFail({ id: s.requestId }),
    ).toMatchObject({ account: null });
    const after = await ds.getRepository(AuditEntryEntity).findOneByOrFail({ seq: s.seq });
    expect(after).toMatchObject({ body: null, bodyHash: entryBefore.bodyHash });
    // The other verification is untouched.
    expect(await ds.getRepository(DataKeyEntity).findOneBy({ id: kept.requestId })).not.toBeNull();

    // The erasure entry: no receipt hash, no account, no nullifier.
    const entries = await readAuditEntries(ds);
    const erasure = entries.at(-1)!;
    expect(erasure.kind).toBe('erasure');
    expect(JSON.parse(erasure.body!)).toEqual({
      version: 1,
      cause: 'withdrawal',
      policyId: 'adults',
      marketplaceId: 'demo-market',
      erased: [{ seq: s.seq, bodyHash: entryBefore.bodyHash }],
    });
    expect(erasure.body).not.toContain(w.receiptHash);
    expect(erasure.body!.toLowerCase()).not.toContain(ALICE);
    expect(entries.find((e) => e.seq === s.seq)!.body).toBeNull();
    expect(verifyAuditLog(entries, {})).toMatchObject({ ok: true });

    // A repeat (even later, even re-signed): the same record, nothing more appended.
    const again = await withdrawConsent(
      depsAt(ds, T + 400),
      await withdrawalOf(s, { at: T + 390 }),
    );
    expect(again).toEqual(out);
    expect(await readAuditEntries(ds)).toHaveLength(entries.length);
  });

  it('concurrent withdrawals of one receipt erase once: one erasure entry, one deletion record', async () => {
    const ds = await engines.open(engine);
    const { adults } = await policies(ds);
    const s = await seedVerification(ds, adults, T);
    const deps = depsAt(ds, T + 10);
    const w = await withdrawalOf(s, { at: T + 10 });
    const settled = await Promise.allSettled([0, 1, 2].map(() => withdrawConsent(deps, w)));
    // Each either erased, got the record, or was told to retry (busy) — nothing else.
    for (const r of settled) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'busy' });
    }
    const done = await withdrawConsent(deps, w);
    for (const r of settled) if (r.status === 'fulfilled') expect(r.value).toEqual(done);
    const entries = await readAuditEntries(ds);
    expect(entries.filter((e) => e.kind === 'erasure')).toHaveLength(1);
    expect(verifyAuditLog(entries, {})).toMatchObject({ ok: true });
  });

  it('refuses each bad withdrawal alone, and changes nothing', async () => {
    const ds = await engines.open(engine);
    const { adults } = await policies(ds);
    const s = await seedVerification(ds, adults, T);
    const deps = depsAt(ds, T + 1_000);
    await expectCode(
      withdrawConsent(deps, await withdrawalOf(s, { at: T + 1_000, key: generatePrivateKey() })),
      'bad_signature',
    );
    await expectCode(
      withdrawConsent(
        deps,
        await withdrawalOf(s, {
          at: T + 1_000,
          verifier: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000ff',
        }),
      ),
      'bad_signature',
    );
    await expectCode(withdrawConsent(deps, await withdrawalOf(s, { at: T + 600 })), 'bad_input');
    await expectCode(withdrawConsent(deps, await withdrawalOf(s, { at: T + 1_400 })), 'bad_input');
    const stranger = { ...s, receipt: { ...s.receipt, receiptId: randomUUID() } };
    await expectCode(
      withdrawConsent(deps, await withdrawalOf(stranger, { at: T + 1_000 })),
      'not_found',
    );
    // Nothing changed: the key, the receipt and the body are all still there.
    expect(await ds.getRepository(DataKeyEntity).findOneBy({ id: s.requestId })).not.toBeNull();
    const entries = await readAuditEntries(ds);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.body).not.toBeNull();
    // Then the right one goes through.
    await expect(
      withdrawConsent(deps, await withdrawalOf(s, { at: T + 1_000 })),
    ).resolves.toMatchObject({ withdrawnAt: T + 1_000 });
  });

  it('a report after a withdrawal shows the erased entry as a stub, the erasure as an event, and still verifies', async () => {
    const ds = await engines.open(engine);
    const { adults } = await policies(ds);
    await seedVerification(ds, adults, T + 10);
    const s = await seedVerification(ds, adults, T + 20);
    await withdrawConsent(depsAt(ds, T + 30), await withdrawalOf(s, { at: T + 30 }));
    const report = await buildReport(
      { dataSource: ds, checkpointer: checkpointerOf(ds, T + 40), verifier: DID, anchors: false },
      { from: T, to: T + 40, marketplaceId: 'demo-market', now: T + 40 },
    );
    expect(report.log.entries.map((e) => [e.seq, e.kind, e.body !== null])).toEqual([
      [1, 'verification', true],
      [2, 'verification', false],
      [3, 'erasure', true],
    ]);
    expect(report.counts).toMatchObject({ events: 1, withdrawals: 1, purged: 0 });
    expect(report.withheld).toBe(0);
    expect(
      verifyAuditLog(report.log.entries, {
        start: report.log.start,
        checkpoints: report.checkpoints,
      }),
    ).toMatchObject({ ok: true });
    const text = JSON.stringify(report);
    expect(text).not.toContain(consentReceiptHash(s.receipt));
    expect(text).not.toContain(s.receipt.receiptId);
    expect(text).not.toContain(privateKeyToAccount(s.key).address);
  });

  it('retention: purges only what is past its retention, one purge entry per marketplace and policy; again: nothing', async () => {
    const ds = await engines.open(engine);
    const { adults, short, other } = await policies(ds);
    const a = await seedVerification(ds, adults, T); // 30 days: kept
    const b = await seedVerification(ds, short, T); // 1 day: due at T + DAY
    const c = await seedVerification(ds, short, T + DAY); // due at T + 2 DAY: kept
    const d = await seedVerification(ds, other, T + 5); // another marketplace, due
    const out = await purgeExpired({
      dataSource: ds,
      now: () => T + DAY + 5,
      logger: pino({ level: 'silent' }),
    });
    expect(out).toEqual({ purged: 2, entries: 2 });
    const keys = (await ds.getRepository(DataKeyEntity).find()).map((k) => k.id).sort();
    expect(keys).toEqual([a.requestId, c.requestId].sort());
    const entries = await readAuditEntries(ds);
    expect(entries.filter((e) => e.body === null).map((e) => e.seq)).toEqual([b.seq, d.seq]);
    const purges = entries.filter((e) => e.kind === 'purge').map((e) => JSON.parse(e.body!));
    const hashOf = (seq: number) => entries.find((e) => e.seq === seq)!.bodyHash;
    expect(purges).toEqual(
      expect.arrayContaining([
        {
          version: 1,
          cause: 'retention',
          policyId: 'short',
          marketplaceId: 'demo-market',
          erased: [
            {
              seq: b.seq,
              bodyHash: hashOf(b.seq),
              policyId: 'short',
              retainUntil: T + DAY,
              retentionDays: 1,
            },
          ],
        },
        {
          version: 1,
          cause: 'retention',
          policyId: 'other-market',
          marketplaceId: 'm2',
          erased: [
            {
              seq: d.seq,
              bodyHash: hashOf(d.seq),
              policyId: 'other-market',
              retainUntil: T + 5 + DAY,
              retentionDays: 1,
            },
          ],
        },
      ]),
    );
    expect(purges).toHaveLength(2);
    expect(verifyAuditLog(entries, {})).toMatchObject({ ok: true });
    // A purged verification can no longer be withdrawn (nothing is kept): not_found.
    await expectCode(
      withdrawConsent(depsAt(ds, T + DAY + 10), await withdrawalOf(b, { at: T + DAY + 10 })),
      'not_found',
    );
    // Run again at the same time: nothing more.
    expect(
      await purgeExpired({
        dataSource: ds,
        now: () => T + DAY + 5,
        logger: pino({ level: 'silent' }),
      }),
    ).toEqual({ purged: 0, entries: 0 });
  });

  it('R03: a report withholds events without a receipt, past their retention, or of a legal basis not the reader’s', async () => {
    const ds = await engines.open(engine);
    const { adults, short } = await policies(ds);
    await seedVerification(ds, adults, T + 10); // shown
    await seedVerification(ds, adults, T + 20, { withReceipt: false }); // no receipt
    await seedVerification(ds, short, T + 30); // consent basis; expires at T + 30 + DAY
    const report = (now: number, legalBases?: string[]) =>
      buildReport(
        { dataSource: ds, checkpointer: checkpointerOf(ds, now), verifier: DID, anchors: false },
        { from: T, to: T + 100, marketplaceId: null, now, legalBases: legalBases ?? null },
      );
    const shown = (r: Awaited<ReturnType<typeof report>>) =>
      r.log.entries.filter((e) => e.body !== null).map((e) => e.seq);

    const all = await report(T + 100);
    expect(shown(all)).toEqual([1, 3]);
    expect(all.withheld).toBe(1);
    expect(all.counts.events).toBe(2);

    const expired = await report(T + 30 + DAY);
    expect(shown(expired)).toEqual([1]);
    expect(expired.withheld).toBe(2);

    const regulator = await report(T + 100, ['legal_obligation']);
    expect(shown(regulator)).toEqual([1]);
    expect(regulator.withheld).toBe(2);
    expect(regulator.counts).toMatchObject({ events: 1, byPolicy: { adults: 1 } });
  });

  it('a sealed value opens only under its own key and id, unaltered', async () => {
    const ds = await engines.open(engine);
    const [k1, k2] = await withTransaction(ds, async (tx) => [
      await createDataKey(tx, { id: 'r1', retainUntil: T, now: T }),
      await createDataKey(tx, { id: 'r2', retainUntil: T, now: T }),
    ]);
    const sealed = seal(k1!, '{"x":1}');
    expect(sealed).toMatch(/^enc1:/);
    expect(sealed).not.toContain('"x"');
    expect(open(k1, sealed)).toBe('{"x":1}');
    expect(() => open(k2, sealed)).toThrow(expect.objectContaining({ code: 'storage_corrupt' }));
    // The same key bytes under another id (a ciphertext moved to another record).
    expect(() => open({ id: 'r2', key: k1!.key }, sealed)).toThrow(
      expect.objectContaining({ code: 'storage_corrupt' }),
    );
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.at(-1)!;
    expect(() => open(k1, flipped)).toThrow(expect.objectContaining({ code: 'storage_corrupt' }));
    expect(() => open(undefined, sealed)).toThrow(
      expect.objectContaining({ code: 'storage_corrupt' }),
    );
    // Plain text (rows from before data keys) comes back as it is.
    expect(open(undefined, '{"x":1}')).toBe('{"x":1}');
  });
});

/**
 * The checker's `erasures` check (report-check.ts), each failure alone: a dishonest operator
 * rewrites the log consistently (re-chained, checkpoint re-signed, "anchored" — the anchor read
 * is a stub that holds whatever head it is asked about), so that every earlier check passes.
 */
/** An erasure or purge body, as the tests below edit it. */
interface Erasing {
  erased: {
    seq: number;
    bodyHash: string;
    retainUntil: number;
    retentionDays: number;
    policyId: string;
  }[];
}

describe('zkrep report verify: the erasures check', () => {
  const { did, signer: local, resolver } = localDid();
  const ANCHOR = '0x00000000000000000000000000000000000000bb';
  const anchorer = {
    sender: getAddress('0x00000000000000000000000000000000000000cc'),
    anchorHead: async () => ({
      ok: true as const,
      transactionHash: `0x${'11'.repeat(32)}` as const,
    }),
    latest: async () => null,
  };
  const checkDeps = {
    resolver,
    chainId: 31337,
    auditAnchor: ANCHOR,
    anchorAt: async () => ({ head: '' }),
    verifyProof: async () => ({
      verified: false as const,
      code: 'proof_invalid' as const,
      message: 'x',
    }),
    vkHash: 'unused',
  };

  /** Signs `report` after re-chaining its log from its start and re-signing its checkpoint. */
  async function forge(report: ComplianceReport): Promise<string> {
    let prev = report.log.start.hash as string;
    for (const e of report.log.entries) {
      if (e.body !== null) e.bodyHash = auditBodyHash(e.body);
      e.prevHash = prev;
      e.hash = auditEntryHash({ prev, seq: e.seq, kind: e.kind, at: e.at, bodyHash: e.bodyHash! });
      prev = e.hash;
    }
    const cp = report.checkpoints[0]!;
    cp.head = prev;
    const {
      iss: _iss,
      iat: _iat,
      ...claims
    } = decodeJWT(cp.jwt).payload as unknown as CheckpointClaims & { iat: number };
    cp.jwt = await signCheckpoint({ did, signer: local, claims: { ...claims, head: prev } });
    return signReport({ did, signer: local, report, iat: T + 10 * DAY });
  }
  const check = (jwt: string, heads: Map<number, string>) =>
    checkReport(jwt, {
      ...checkDeps,
      anchorAt: async (_sender: string, index: number) => ({ head: heads.get(index) ?? '' }),
    });

  let honest: ComplianceReport;
  beforeAll(async () => {
    const ds = await engines.open('sqlite');
    const { adults, short } = await policies(ds);
    const one = await seedVerification(ds, short, T, { outcome: 'failed' });
    await seedVerification(ds, adults, T + 5, { outcome: 'failed' });
    await seedVerification(ds, short, T + DAY, { outcome: 'failed' }); // not due at the purge
    const deps = depsAt(ds, T + 2 * DAY - 10);
    await withdrawConsent(deps, await withdrawalOf(one, { at: T + 2 * DAY - 10 }));
    // Nothing due: seq 1 was withdrawn; seq 3 is due at T + 2 DAY.
    expect((await purgeExpired({ ...deps, now: () => T + DAY + 10 })).purged).toBe(0);
    await purgeExpired({ ...deps, now: () => T + 2 * DAY });
    const checkpointer = auditCheckpointer({
      dataSource: ds,
      sign: (claims) => signCheckpoint({ did, signer: local, claims }),
      chainId: 31337,
      anchor: ANCHOR,
      anchorer,
      now: () => T + 3 * DAY,
      logger: pino({ level: 'silent' }),
    });
    honest = await buildReport(
      { dataSource: ds, checkpointer, verifier: did, anchors: true },
      { from: T - 1, to: T + 3 * DAY, marketplaceId: null, now: T + 3 * DAY },
    );
  });
  const heads = (r: ComplianceReport) => new Map([[r.checkpoints[0]!.seq, r.checkpoints[0]!.head]]);
  const failedCheck = (res: Awaited<ReturnType<typeof checkReport>>) => res.checks.at(-1)!;
  const entryOf = (r: ComplianceReport, kind: string) =>
    r.log.entries.find((e) => e.kind === kind)!;
  const editBody = (r: ComplianceReport, kind: string, f: (b: Erasing) => void) => {
    const e = entryOf(r, kind);
    const b = JSON.parse(e.body!) as Erasing;
    f(b);
    e.body = JSON.stringify(b);
  };

  it('accepts the honest report: the erasure and the purge account for their stubs', async () => {
    expect(honest.log.entries.map((e) => [e.seq, e.kind, e.body !== null])).toEqual([
      [1, 'verification', false],
      [2, 'verification', true],
      [3, 'verification', false],
      [4, 'erasure', true],
      [5, 'purge', true],
    ]);
    const jwt = await forge(structuredClone(honest));
    const res = await check(jwt, heads(honest));
    expect(res).toMatchObject({ ok: true });
    expect(res.checks.find((c) => c.check === 'erasures')!.message).toBe(
      '2 erased entries accounted for',
    );
  });

  it.each<[string, string, (b: Erasing) => void, RegExp]>([
    [
      'a purge before the retention ended',
      'purge',
      (b) => {
        b.erased[0]!.retainUntil += 86_400;
        b.erased[0]!.retentionDays += 1;
      },
      /purged entry 3 before its retention ended/,
    ],
    [
      'a purge whose retention days do not make its deadline',
      'purge',
      (b) => {
        b.erased[0]!.retentionDays = 0;
      },
      /purged entry 3 before its retention ended/,
    ],
    [
      'a purge naming another policy’s retention',
      'purge',
      (b) => {
        b.erased[0]!.policyId = 'adults';
      },
      /purged entry 3 before its retention ended/,
    ],
    [
      'an erasure naming a shown entry',
      'erasure',
      (b) => {
        b.erased[0]!.seq = 2;
      },
      /entry 2 is not the erased stub it names/,
    ],
    [
      'an erasure naming another body hash',
      'erasure',
      (b) => {
        b.erased[0]!.bodyHash = `0x${'00'.repeat(32)}`;
      },
      /entry 1 is not the erased stub it names/,
    ],
    [
      'an erasure naming a later entry',
      'erasure',
      (b) => {
        b.erased[0]!.seq = 5;
      },
      /erases a later entry/,
    ],
    [
      'an erasure naming nothing',
      'erasure',
      (b) => {
        b.erased = [];
      },
      /names nothing erased/,
    ],
  ])(
    'refuses %s (erasures, the entry named), every earlier check passing',
    async (_what, kind, f, message) => {
      const r = structuredClone(honest);
      editBody(r, kind, f);
      const jwt = await forge(r);
      const res = await check(jwt, heads(r));
      expect(res.ok).toBe(false);
      expect(res.checks.map((c) => c.check)).toEqual([
        'signature',
        'chain',
        'checkpoints',
        'proofs',
        'erasures',
      ]);
      expect(failedCheck(res)).toMatchObject({
        check: 'erasures',
        ok: false,
        message: expect.stringMatching(message),
        firstBad: entryOf(r, kind).seq,
      });
    },
  );
});
