/**
 * The store of issued reports (report-store.ts) on real SQLite and a real PostgreSQL: a saved
 * report comes back whole for the principal that asked for it and for nobody else; the list
 * holds the caller's reports only, newest first, filtered by period overlap, policy and
 * marketplace, and pages through every report exactly once (ties on the time included); bad
 * limits and cursors are refused.
 */
import { randomBytes } from 'node:crypto';
import { ES256KSigner, createJWT } from 'did-jwt';
import { databaseEngines, type Engine } from '../../test/helpers/databases.js';
import { REPORT_ENTITIES, REPORT_MIGRATIONS } from '../store/report-schema.js';
import type { ComplianceReport } from './report.js';
import { withTransaction } from '#platform';
import { dropReportsCovering, reportStore, type ReportStore } from './report-store.js';

const engines = databaseEngines({ entities: REPORT_ENTITIES, migrations: REPORT_MIGRATIONS });
const DID = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa';
const REGULATOR = 'regulator:did:ethr:0x7a69:0x00000000000000000000000000000000000000ee';
const signer = ES256KSigner(randomBytes(32));
const T = 1_790_000_000;

/** A report JWT (the store reads it back unverified: the verifier signed it itself). */
async function reportJwt(p: {
  generatedAt: number;
  from: number;
  to: number;
  policyId?: string | null;
  marketplaceId?: string | null;
  events?: number;
}): Promise<{ jwt: string; report: ComplianceReport }> {
  const report = {
    version: 1,
    verifier: DID,
    generatedAt: p.generatedAt,
    period: { from: p.from, to: p.to },
    marketplaceId: p.marketplaceId === undefined ? 'm1' : p.marketplaceId,
    policyId: p.policyId ?? null,
    counts: { events: p.events ?? 1, byPolicy: {}, byOutcome: { verified: 1 }, byReason: {} },
    log: { start: { seq: 0, hash: `0x${'00'.repeat(32)}` }, entries: [] },
    checkpoints: [],
    circuits: [],
    issuerKeyHashes: [],
  } as unknown as ComplianceReport;
  const jwt = await createJWT({ report }, { issuer: DID, signer, alg: 'ES256K' });
  return { jwt, report };
}

describe.each(engines.list)('report store on %s', (engine: Engine) => {
  let store: ReportStore;
  beforeAll(async () => {
    store = reportStore(await engines.open(engine));
  });

  it('gives a saved report back whole to the principal that asked, and to nobody else', async () => {
    const { jwt, report } = await reportJwt({
      generatedAt: T,
      from: T - 100,
      to: T,
      policyId: 'p1',
      events: 3,
    });
    const id = await store.save({ jwt, requestedBy: 'm1' });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await expect(store.get({ id, requestedBy: 'm1' })).resolves.toEqual({
      id,
      generatedAt: T,
      period: { from: T - 100, to: T },
      policyId: 'p1',
      marketplaceId: 'm1',
      counts: report.counts,
      jwt,
      report,
    });
    await expect(store.get({ id, requestedBy: 'm2' })).resolves.toBeNull();
    await expect(store.get({ id, requestedBy: REGULATOR })).resolves.toBeNull();
    await expect(
      store.get({ id: '00000000-0000-4000-8000-000000000000', requestedBy: 'm1' }),
    ).resolves.toBeNull();
  });

  it('drops the reports whose period covers an erased entry’s time (bounds inclusive), and only those', async () => {
    const ds = await engines.open(engine);
    const own = reportStore(ds);
    const save = async (from: number, to: number) =>
      own.save({ jwt: (await reportJwt({ generatedAt: to, from, to })).jwt, requestedBy: 'm1' });
    const before = await save(T - 200, T - 101);
    const covering = await save(T - 100, T);
    const startsAt = await save(T + 50, T + 60);
    const after = await save(T + 61, T + 70);
    const dropped = await withTransaction(ds, (tx) =>
      dropReportsCovering(tx, [T - 50, T + 50, T - 50]),
    );
    expect(dropped).toBe(2);
    const left = async (id: string) => (await own.get({ id, requestedBy: 'm1' })) !== null;
    expect([
      await left(before),
      await left(covering),
      await left(startsAt),
      await left(after),
    ]).toEqual([true, false, false, true]);
  });

  describe('the list', () => {
    let s: ReportStore;
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      s = reportStore(await engines.open(engine));
      // m1's reports: a (oldest) … e (newest); d and e generated in the same second.
      const rows: [string, string, Parameters<typeof reportJwt>[0]][] = [
        ['a', 'm1', { generatedAt: T + 1, from: T, to: T + 99 }],
        ['b', 'm1', { generatedAt: T + 2, from: T + 100, to: T + 199, policyId: 'p1' }],
        ['c', 'm1', { generatedAt: T + 3, from: T + 200, to: T + 299, policyId: 'p2' }],
        ['d', 'm1', { generatedAt: T + 4, from: T + 300, to: T + 399 }],
        ['e', 'm1', { generatedAt: T + 4, from: T + 400, to: T + 499 }],
        ['m2', 'm2', { generatedAt: T + 5, from: T, to: T + 499, marketplaceId: 'm2' }],
        ['r-all', REGULATOR, { generatedAt: T + 6, from: T, to: T + 499, marketplaceId: null }],
        ['r-m1', REGULATOR, { generatedAt: T + 7, from: T, to: T + 99, marketplaceId: 'm1' }],
      ];
      for (const [name, by, p] of rows) {
        ids[name] = await s.save({ jwt: (await reportJwt(p)).jwt, requestedBy: by });
      }
    });
    const names = (items: { id: string }[]) =>
      items.map((i) => Object.keys(ids).find((k) => ids[k] === i.id));

    it("holds the caller's own reports only, newest first", async () => {
      const m1 = await s.list({ requestedBy: 'm1' });
      expect(names(m1.items).slice(2)).toEqual(['c', 'b', 'a']);
      expect(names(m1.items).slice(0, 2).sort()).toEqual(['d', 'e']);
      expect(m1.next).toBeNull();
      expect(names((await s.list({ requestedBy: 'm2' })).items)).toEqual(['m2']);
      // A regulator's report about m1 is the regulator's, not m1's.
      expect(names((await s.list({ requestedBy: REGULATOR })).items)).toEqual(['r-m1', 'r-all']);
      expect((await s.list({ requestedBy: 'nobody' })).items).toEqual([]);
      expect(m1.items[0]).toEqual({
        id: expect.any(String),
        generatedAt: T + 4,
        period: expect.any(Object),
        policyId: null,
        marketplaceId: 'm1',
        counts: { events: 1, byPolicy: {}, byOutcome: { verified: 1 }, byReason: {} },
      });
    });

    it('filters by period overlap (bounds inclusive), policy and marketplace', async () => {
      const m1 = (q: Record<string, unknown>) =>
        s.list({ requestedBy: 'm1', ...q }).then((p) => names(p.items).sort());
      expect(await m1({ from: T + 199, to: T + 200 })).toEqual(['b', 'c']);
      expect(await m1({ from: T + 450 })).toEqual(['e']);
      expect(await m1({ to: T + 99 })).toEqual(['a']);
      expect(await m1({ from: T + 500 })).toEqual([]);
      expect(await m1({ policyId: 'p2' })).toEqual(['c']);
      const reg = (q: Record<string, unknown>) =>
        s.list({ requestedBy: REGULATOR, ...q }).then((p) => names(p.items));
      expect(await reg({ marketplaceId: 'm1' })).toEqual(['r-m1']);
      expect(await reg({ marketplaceId: 'm2' })).toEqual([]);
    });

    it('pages through every report once, ties on the time included', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const p = await s.list({ requestedBy: 'm1', limit: 2, cursor });
        expect(p.items.length).toBeLessThanOrEqual(2);
        seen.push(...(names(p.items) as string[]));
        if (!p.next) break;
        cursor = p.next;
      }
      expect(seen).toHaveLength(5);
      expect([...seen].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(seen.slice(2)).toEqual(['c', 'b', 'a']);
    });

    it('refuses a bad limit and a bad cursor (bad_input)', async () => {
      for (const limit of [0, 101, 1.5]) {
        await expect(s.list({ requestedBy: 'm1', limit })).rejects.toMatchObject({
          code: 'bad_input',
          message: expect.stringContaining('limit'),
        });
      }
      for (const cursor of ['nope', Buffer.from('[1]').toString('base64url')]) {
        await expect(s.list({ requestedBy: 'm1', cursor })).rejects.toMatchObject({
          code: 'bad_input',
          message: 'invalid query: cursor',
        });
      }
    });
  });
});
