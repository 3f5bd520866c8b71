/**
 * The compliance reports the verifier issued (docs/compliance.md §5.3): one row per signed report,
 * kept so that the marketplace or regulator that asked for it can list it and fetch it again
 * (`GET /v1/reports`, the dashboard). See `verifier/domain/report-store.ts`.
 *
 * The row holds the signed JWT as issued (the report itself is its `report` claim) and, for
 * listing without decoding every JWT, its period, policy, marketplace, generation time and
 * counts. No personal data: a report holds none (report.ts).
 *
 * `requested_by` is the principal that asked: a marketplace id, or `regulator:<did>`; each caller
 * sees the rows it requested. Times are unix seconds in BIGINT columns read back with `Number()`.
 */
import { bigintColumn, createTablesMigration, ddl } from '#platform';
import { EntitySchema } from 'typeorm';

/** The longest principal (`regulator:` + a did:ethr with a chain id, with room to spare). */
export const REPORT_PRINCIPAL_MAX_LENGTH = 256;

/** One issued report. */
export interface StoredReportRow {
  /** A UUID. */
  id: string;
  generatedAt: number;
  periodFrom: number;
  periodTo: number;
  /** null: every policy. */
  policyId: string | null;
  /** null: every marketplace (a regulator's report). */
  marketplaceId: string | null;
  /** A marketplace id, or `regulator:<did>`. */
  requestedBy: string;
  /** The report's `counts`, as JSON. */
  counts: string;
  /** The signed report (typ `zkrep-report+jwt`). */
  jwt: string;
}

export const StoredReportEntity = new EntitySchema<StoredReportRow>({
  name: 'VerifierReport',
  tableName: 'verifier_report',
  columns: {
    id: { type: 'varchar', length: 36, primary: true },
    generatedAt: { name: 'generated_at', ...bigintColumn },
    periodFrom: { name: 'period_from', ...bigintColumn },
    periodTo: { name: 'period_to', ...bigintColumn },
    policyId: { name: 'policy_id', type: 'varchar', length: 64, nullable: true },
    marketplaceId: { name: 'marketplace_id', type: 'varchar', length: 64, nullable: true },
    requestedBy: { name: 'requested_by', type: 'varchar', length: REPORT_PRINCIPAL_MAX_LENGTH },
    counts: { type: 'text' },
    jwt: { type: 'text' },
  },
});

export const REPORT_ENTITIES = [StoredReportEntity];

const { text, bigint: big } = ddl;

/** Creates the report store (portable DDL through TypeORM's schema builder). */
export const CreateVerifierReportTables1764979200000 = createTablesMigration(
  'CreateVerifierReportTables1764979200000',
  () => [
    {
      name: 'verifier_report',
      columns: [
        { ...text('id', 36), isPrimary: true },
        big('generated_at'),
        big('period_from'),
        big('period_to'),
        { ...text('policy_id', 64), isNullable: true },
        { ...text('marketplace_id', 64), isNullable: true },
        text('requested_by', REPORT_PRINCIPAL_MAX_LENGTH),
        { name: 'counts', type: 'text' },
        { name: 'jwt', type: 'text' },
      ],
      indices: [
        // The list: a caller's reports, newest first.
        {
          name: 'verifier_report_requested_by',
          columnNames: ['requested_by', 'generated_at', 'id'],
        },
      ],
    },
  ],
);

export const REPORT_MIGRATIONS = [CreateVerifierReportTables1764979200000];
