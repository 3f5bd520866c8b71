/**
 * The reports the verifier issued (docs/compliance.md §5.3), kept so that whoever asked for one
 * can list it and fetch it again: `POST /v1/reports` saves every report it signs, `GET
 * /v1/reports` lists them and `GET /v1/reports/{id}` returns one. No express.
 *
 * Visibility: each caller sees the reports it requested — a marketplace (its principal, the
 * marketplace id) the reports of its own marketplace it asked for, a regulator
 * (`regulator:<did>`) its own. Another caller's report answers as if it did not exist, so ids do
 * not leak. The list is newest first, paged with an opaque cursor.
 */
import { randomUUID } from 'node:crypto';
import { decodeJWT } from 'did-jwt';
import type { DataSource, EntityManager } from 'typeorm';
import { VerifierError } from '../errors.js';
import { StoredReportEntity, type StoredReportRow } from '../store/report-schema.js';
import type { ComplianceReport, ReportCounts } from './report.js';

/** A stored report as it is listed (the JWT and the report itself are fetched one by one). */
export interface StoredReportSummary {
  id: string;
  generatedAt: number;
  period: { from: number; to: number };
  policyId: string | null;
  marketplaceId: string | null;
  counts: ReportCounts;
}

/** One stored report: its summary, the signed JWT and the report it carries. */
export interface StoredReport extends StoredReportSummary {
  jwt: string;
  report: ComplianceReport;
}

export interface ReportListQuery {
  /** The caller: a marketplace id or `regulator:<did>`. */
  requestedBy: string;
  /** Reports whose period overlaps [from, to] (unix seconds; either bound may be absent). */
  from?: number | undefined;
  to?: number | undefined;
  policyId?: string | undefined;
  marketplaceId?: string | undefined;
  /** 1 … 100 (default 20). */
  limit?: number | undefined;
  /** The `next` of the previous page. */
  cursor?: string | undefined;
}

export interface ReportPage {
  items: StoredReportSummary[];
  /** The cursor of the next page, or null on the last one. */
  next: string | null;
}

export interface ReportStore {
  /** Saves a report the verifier just signed, for the principal that asked; returns its id. */
  save(p: { jwt: string; requestedBy: string }): Promise<string>;
  list(q: ReportListQuery): Promise<ReportPage>;
  /** The report `id` if `requestedBy` asked for it, else null. */
  get(p: { id: string; requestedBy: string }): Promise<StoredReport | null>;
}

export const REPORT_LIST_MAX = 100;
const REPORT_LIST_DEFAULT = 20;

const badInput = (message: string) => new VerifierError('bad_input', message);

const summary = (row: StoredReportRow): StoredReportSummary => ({
  id: row.id,
  generatedAt: Number(row.generatedAt),
  period: { from: Number(row.periodFrom), to: Number(row.periodTo) },
  policyId: row.policyId,
  marketplaceId: row.marketplaceId,
  counts: JSON.parse(row.counts) as ReportCounts,
});

/** The report a JWT carries, unverified: the verifier reads back what it signed itself. */
function reportOf(jwt: string): ComplianceReport {
  let report: unknown;
  try {
    report = (decodeJWT(jwt, false).payload as { report?: unknown }).report;
  } catch (cause) {
    throw new VerifierError('internal', 'the signed report cannot be decoded', { cause });
  }
  if (typeof report !== 'object' || report === null) {
    throw new VerifierError('internal', 'the signed report carries no report');
  }
  return report as ComplianceReport;
}

const encodeCursor = (row: { generatedAt: number; id: string }) =>
  Buffer.from(JSON.stringify([row.generatedAt, row.id])).toString('base64url');

function decodeCursor(cursor: string): { generatedAt: number; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      Number.isSafeInteger(v[0]) &&
      typeof v[1] === 'string' &&
      v[1].length <= 36
    ) {
      return { generatedAt: v[0] as number, id: v[1] };
    }
  } catch {
    // reported below
  }
  throw badInput('invalid query: cursor');
}

/** The report store on the verifier's database (`store/report-schema.ts`). */
export function reportStore(dataSource: DataSource): ReportStore {
  const repo = () => dataSource.getRepository(StoredReportEntity);
  return {
    async save({ jwt, requestedBy }) {
      const r = reportOf(jwt);
      const id = randomUUID();
      await repo().insert({
        id,
        generatedAt: r.generatedAt,
        periodFrom: r.period.from,
        periodTo: r.period.to,
        policyId: r.policyId ?? null,
        marketplaceId: r.marketplaceId ?? null,
        requestedBy,
        counts: JSON.stringify(r.counts),
        jwt,
      });
      return id;
    },

    async list(q) {
      const limit = q.limit ?? REPORT_LIST_DEFAULT;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > REPORT_LIST_MAX) {
        throw badInput(`invalid query: limit (1 … ${REPORT_LIST_MAX})`);
      }
      const qb = repo()
        .createQueryBuilder('r')
        .select([
          'r.id',
          'r.generatedAt',
          'r.periodFrom',
          'r.periodTo',
          'r.policyId',
          'r.marketplaceId',
          'r.counts',
        ])
        .where('r.requested_by = :by', { by: q.requestedBy });
      if (q.from !== undefined) qb.andWhere('r.period_to >= :from', { from: q.from });
      if (q.to !== undefined) qb.andWhere('r.period_from <= :to', { to: q.to });
      if (q.policyId !== undefined) qb.andWhere('r.policy_id = :policy', { policy: q.policyId });
      if (q.marketplaceId !== undefined) {
        qb.andWhere('r.marketplace_id = :market', { market: q.marketplaceId });
      }
      if (q.cursor !== undefined) {
        const c = decodeCursor(q.cursor);
        qb.andWhere('(r.generated_at < :cg OR (r.generated_at = :cg AND r.id < :cid))', {
          cg: c.generatedAt,
          cid: c.id,
        });
      }
      const rows = await qb
        .orderBy('r.generated_at', 'DESC')
        .addOrderBy('r.id', 'DESC')
        .limit(limit + 1)
        .getMany();
      const items = rows.slice(0, limit).map(summary);
      const last = items.at(-1);
      return { items, next: rows.length > limit && last ? encodeCursor(last) : null };
    },

    async get({ id, requestedBy }) {
      const row = await repo().findOne({ where: { id, requestedBy } });
      if (!row) return null;
      return { ...summary(row), jwt: row.jwt, report: reportOf(row.jwt) };
    },
  };
}

/**
 * Deletes, inside `tx`, the stored reports whose period covers any of the times `at` (unix
 * seconds): they may show the body of an entry erased at that time (a withdrawal or a purge,
 * erasure.ts), so they are not kept once it is erased. Whoever asked for one can ask again; the
 * new report shows the entry as a stub. Returns how many went.
 */
export async function dropReportsCovering(
  tx: EntityManager,
  at: readonly number[],
): Promise<number> {
  let dropped = 0;
  for (const t of new Set(at)) {
    const res = await tx
      .getRepository(StoredReportEntity)
      .createQueryBuilder()
      .delete()
      .where('period_from <= :t AND period_to >= :t', { t })
      .execute();
    dropped += res.affected ?? 0;
  }
  return dropped;
}
