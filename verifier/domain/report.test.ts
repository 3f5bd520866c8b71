/**
 * Compliance reports from the audit log on real SQLite and a real PostgreSQL (docs/compliance.md
 * §5): a report is cut at a fresh checkpoint; it discloses exactly the verification entries of
 * its period, marketplace and policy, shows every other entry from the one before the period to
 * the checkpoint as a redacted stub, and its log verifies against the checkpoint; counts,
 * circuits and issuer key hashes are those of the events; a verifier that anchors refuses a
 * report whose checkpoint is not anchored; bad periods and an empty log are refused.
 * (Signing, the checker and the real chain: test/e2e/report.e2e.test.ts.)
 */
import { randomBytes } from 'node:crypto';
import { ES256KSigner } from 'did-jwt';
import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import { withTransaction } from '#platform';
import { databaseEngines, type Engine } from '../../test/helpers/databases.js';
import { VERIFIER_ENTITIES, VERIFIER_MIGRATIONS } from '../store/schema.js';
import { verifyAuditLog } from './audit-chain.js';
import { signCheckpoint } from './audit-checkpoint.js';
import { appendAuditEntry, auditCheckpointer, type AuditCheckpointer } from './audit.js';
import { buildReport, reportCounts } from './report.js';

const engines = databaseEngines({ entities: VERIFIER_ENTITIES, migrations: VERIFIER_MIGRATIONS });
const DID = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa';
const ANCHOR = '0x00000000000000000000000000000000000000bb';
const T = 1_790_000_000;
const signer = ES256KSigner(randomBytes(32));

/** A verification body as `verificationAuditBody` writes it (the fields a report reads). */
const body = (p: {
  policyId: string;
  marketplaceId?: string;
  outcome: 'verified' | 'failed';
  reasonCode?: string;
  issuer?: string;
  legalBasis?: string;
  receipt?: boolean;
}) => ({
  version: 1,
  requestId: `req-${Math.random()}`,
  policyId: p.policyId,
  marketplaceId: p.marketplaceId ?? 'm1',
  outcome: p.outcome,
  reasonCode: p.reasonCode ?? null,
  circuit: { name: 'age_v1', vkHash: 'ab'.repeat(32) },
  issuerKeyHash: p.issuer ?? '123',
  legalBasis: p.legalBasis ?? 'legal_obligation',
  retentionDays: 30,
  // The receipt itself (its fields do not matter here; null: a submission that came without).
  consentReceipt: p.receipt === false ? null : { version: 'zkrep-consent/2' },
});

/** The log: seq → (at, body). Period [T+10, T+20]. */
const LOG = [
  { at: T, b: body({ policyId: 'p1', outcome: 'verified' }) }, // 1: before
  { at: T + 5, b: body({ policyId: 'p1', outcome: 'verified' }) }, // 2: before (the stub)
  { at: T + 10, b: body({ policyId: 'p1', outcome: 'verified', issuer: '7' }) }, // 3: event
  { at: T + 11, b: body({ policyId: 'p2', outcome: 'failed', reasonCode: 'root_unknown' }) }, // 4
  { at: T + 12, b: body({ policyId: 'p1', marketplaceId: 'm2', outcome: 'verified' }) }, // 5: m2
  { at: T + 20, b: body({ policyId: 'p1', outcome: 'failed', reasonCode: 'proof_invalid' }) }, // 6
  { at: T + 21, b: body({ policyId: 'p1', outcome: 'verified' }) }, // 7: after
];

async function seeded(
  engine: Engine,
): Promise<{ ds: DataSource; checkpointer: AuditCheckpointer }> {
  const ds = await engines.open(engine);
  for (const { at, b } of LOG) {
    await withTransaction(ds, (tx) => appendAuditEntry(tx, { kind: 'verification', at, body: b }));
  }
  const checkpointer = auditCheckpointer({
    dataSource: ds,
    sign: (claims) => signCheckpoint({ did: DID, signer, claims }),
    chainId: 31337,
    anchor: ANCHOR,
    now: () => T + 100,
    logger: pino({ level: 'silent' }),
  });
  return { ds, checkpointer };
}

const disclosedSeqs = (entries: { seq: number; body: string | null }[]) =>
  entries.filter((e) => e.body !== null).map((e) => e.seq);

describe.each(engines.list)('compliance reports on %s', (engine: Engine) => {
  it('discloses the period’s events of the marketplace, stubs the rest, and verifies to a fresh checkpoint', async () => {
    const { ds, checkpointer } = await seeded(engine);
    const deps = { dataSource: ds, checkpointer, verifier: DID, anchors: false };
    const report = await buildReport(deps, {
      from: T + 10,
      to: T + 20,
      marketplaceId: 'm1',
      now: T + 100,
    });
    // The head (7) was checkpointed for the report, signed, unanchored (no anchorer here).
    expect(report.checkpoints).toEqual([
      expect.objectContaining({ seq: 7, anchor: ANCHOR, anchoredBy: null, chainId: 31337 }),
    ]);
    expect((await checkpointer.latest())?.checkpoint.seq).toBe(7);
    // From the entry before the period (2) to the checkpoint (7).
    expect(report.log.entries.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(report.log.start.seq).toBe(1);
    expect(disclosedSeqs(report.log.entries)).toEqual([3, 4, 6]);
    for (const e of report.log.entries) expect(e.bodyHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(
      verifyAuditLog(report.log.entries, {
        start: report.log.start,
        checkpoints: report.checkpoints,
      }),
    ).toMatchObject({ ok: true, head: { seq: 7, hash: report.checkpoints[0]!.head } });
    expect(report).toMatchObject({
      version: 1,
      verifier: DID,
      generatedAt: T + 100,
      period: { from: T + 10, to: T + 20 },
      marketplaceId: 'm1',
      policyId: null,
      counts: {
        events: 3,
        byPolicy: { p1: 2, p2: 1 },
        byOutcome: { verified: 1, failed: 2 },
        byReason: { root_unknown: 1, proof_invalid: 1 },
      },
      circuits: [{ name: 'age_v1', vkHash: 'ab'.repeat(32) }],
      issuerKeyHashes: ['123', '7'],
    });
  });

  it('filtered to one policy: the other policy’s entry is a stub, and the log still verifies', async () => {
    const { ds, checkpointer } = await seeded(engine);
    const deps = { dataSource: ds, checkpointer, verifier: DID, anchors: false };
    const report = await buildReport(deps, {
      from: T + 10,
      to: T + 20,
      marketplaceId: 'm1',
      policyId: 'p2',
      now: T + 100,
    });
    expect(disclosedSeqs(report.log.entries)).toEqual([4]);
    expect(report.counts).toEqual(reportCounts([{ kind: 'verification', body: LOG[3]!.b }]));
    expect(
      verifyAuditLog(report.log.entries, {
        start: report.log.start,
        checkpoints: report.checkpoints,
      }),
    ).toMatchObject({ ok: true });
    // A period from the first entry on: no stub before it, the start is the genesis.
    const all = await buildReport(deps, { from: 0, to: T + 100, marketplaceId: 'm2', now: T });
    expect(all.log.start.seq).toBe(0);
    expect(disclosedSeqs(all.log.entries)).toEqual([5]);
  });

  it('a period with no entries: the report is the checkpoint’s entry alone, as a stub older than the period, and verifies', async () => {
    const { ds, checkpointer } = await seeded(engine);
    const deps = { dataSource: ds, checkpointer, verifier: DID, anchors: false };
    const report = await buildReport(deps, {
      from: T + 50,
      to: T + 60,
      marketplaceId: 'm1',
      now: T,
    });
    expect(report.log.start.seq).toBe(6);
    expect(report.log.entries).toEqual([
      expect.objectContaining({
        seq: 7,
        at: T + 21,
        body: null,
        hash: report.checkpoints[0]!.head,
      }),
    ]);
    expect(report.counts).toEqual({
      events: 0,
      byPolicy: {},
      byOutcome: {},
      byReason: {},
      withdrawals: 0,
      purged: 0,
    });
    expect(
      verifyAuditLog(report.log.entries, {
        start: report.log.start,
        checkpoints: report.checkpoints,
      }),
    ).toMatchObject({ ok: true });
  });
});

describe('compliance reports: refusals (SQLite)', () => {
  it('a verifier that anchors refuses a report whose checkpoint is not anchored', async () => {
    const { ds, checkpointer } = await seeded('sqlite');
    const q = { from: T, to: T + 30, marketplaceId: 'm1', now: T };
    const withAnchoring = (anchoring: unknown): Pick<AuditCheckpointer, 'checkpoint'> => ({
      checkpoint: async () => ({ ...(await checkpointer.checkpoint()), anchoring }) as never,
    });
    const build = (anchoring: unknown) =>
      buildReport(
        { dataSource: ds, checkpointer: withAnchoring(anchoring), verifier: DID, anchors: true },
        q,
      );
    await expect(build({ status: 'failed', code: 'chain_unreachable' })).rejects.toMatchObject({
      code: 'chain_unreachable',
    });
    await expect(build({ status: 'pending' })).rejects.toMatchObject({ code: 'busy' });
    await expect(build({ status: 'disabled' })).rejects.toMatchObject({ code: 'busy' });
    const anchored = await build({
      status: 'anchored',
      transactionHash: `0x${'cd'.repeat(32)}`,
      anchoredBy: '0x00000000000000000000000000000000000000cc',
    });
    expect(anchored.checkpoints[0]).toMatchObject({
      anchoredBy: '0x00000000000000000000000000000000000000cc',
      transactionHash: `0x${'cd'.repeat(32)}`,
    });
  });

  it('refuses a bad period, and an empty log', async () => {
    const { ds, checkpointer } = await seeded('sqlite');
    const deps = { dataSource: ds, checkpointer, verifier: DID, anchors: false };
    for (const [from, to] of [
      [T + 1, T],
      [-1, T],
      [0.5, T],
    ] as const) {
      await expect(
        buildReport(deps, { from, to, marketplaceId: 'm1', now: T }),
      ).rejects.toMatchObject({ code: 'bad_input' });
    }
    const empty = await engines.open('sqlite');
    const none = auditCheckpointer({
      dataSource: empty,
      sign: (claims) => signCheckpoint({ did: DID, signer, claims }),
      chainId: 31337,
      anchor: ANCHOR,
      now: () => T,
      logger: pino({ level: 'silent' }),
    });
    await expect(
      buildReport(
        { dataSource: empty, checkpointer: none, verifier: DID, anchors: false },
        { from: 0, to: T, marketplaceId: 'm1', now: T },
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});
