/**
 * The wallet's own tables, next to Veramo's (keys, DIDs) in one SQLite file (WAL,
 * `synchronous=FULL`: a committed row survives a crash and a power loss).
 *
 * - `wallet_meta`: the format version, the KDF parameters, the key check, the DID, the chain,
 *   and the BIP-39 seed (sealed).
 * - `wallet_credential`: a credential's metadata in the clear (type, issuer, dates) and the
 *   credential itself (a VC JWT holding personal data) sealed with the wallet key.
 * - `wallet_consent`: the consent receipts the holder gave (v2: no personal data — the verifier,
 *   the policy's terms and predicates, the time), their withdrawal, and, for the holder's own view,
 *   the account each consent was for (the receipt no longer names it; the proof binds it), where
 *   the verifier answered (its `response_uri`, from the signed request object: where it is told
 *   of a withdrawal), and what telling it gave (its deletion record, or the last failure).
 * - `wallet_presentation`: the holder's log of every presentation, successful or not: who asked,
 *   which attributes and predicates, the outcome and the reason, never an attribute value.
 *   Only the holder deletes it (`history --clear`).
 */
import { bigintColumn, createTablesMigration, ddl, nullableBigintColumn } from '#platform';
import { EntitySchema, TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

export interface MetaRow {
  key: string;
  value: string;
}

export interface CredentialRow {
  id: string;
  /** The W3C credential type (e.g. AgeCredential). */
  type: string;
  /** The issuer's DID. */
  issuer: string;
  /** Where it was collected (the issuer's URL). */
  issuerUrl: string;
  issuedAt: number;
  expiresAt: number | null;
  /** The VC JWT, sealed. */
  sealed: string;
  createdAt: number;
}

export type ConsentStatus = 'given' | 'withdrawn';

/**
 * What the verifier said about a withdrawal: `erased` (a deletion record signed by its DID, for
 * this receipt), `no_record` (it holds no record of this receipt: already erased); null while it
 * has not been told (or never will be: a consent still given).
 */
export type VerifierWithdrawal = 'erased' | 'no_record';

export interface ConsentRow {
  receiptId: string;
  requestId: string;
  verifier: string;
  policyId: string;
  /** The receipt as JSON (canonical form: what the proof's signal hash binds). */
  receipt: string;
  receiptHash: string;
  /** The account the proof was for (the holder's own record: the receipt does not name it). */
  account: string;
  status: ConsentStatus;
  createdAt: number;
  withdrawnAt: number | null;
  /** The request object's `response_uri` (null for consents kept before it was). */
  responseUri: string | null;
  /** What the verifier said about the withdrawal; null until it has been told. */
  verifierStatus: VerifierWithdrawal | null;
  /** When the verifier recorded the withdrawal (its clock), for `erased`. */
  verifierWithdrawnAt: number | null;
  /** The verifier's deletion record (a JWT signed by its DID, checked), for `erased`. */
  erasureRecord: string | null;
  /** The last failed attempt to tell the verifier: when, the error code and its message. */
  noticeFailedAt: number | null;
  noticeErrorCode: string | null;
  noticeError: string | null;
}

export type PresentationOutcome = 'verified' | 'failed' | 'declined';

export interface PresentationRow {
  id: string;
  at: number;
  verifier: string;
  requestId: string;
  policyId: string;
  schema: string;
  /** JSON: `[{ attribute, op, value }]`, the verifier's predicates (its thresholds, not ours). */
  predicates: string;
  outcome: PresentationOutcome;
  /** Where it stopped: `request`, `review`, `consent`, `prove`, `submit`, or `done`. */
  stage: string;
  /** The error code of a failure (null when verified). */
  reasonCode: string | null;
  receiptId: string | null;
  account: string | null;
}

export const MetaEntity = new EntitySchema<MetaRow>({
  name: 'WalletMeta',
  tableName: 'wallet_meta',
  columns: {
    key: { type: 'varchar', length: 64, primary: true },
    value: { type: 'text' },
  },
});

export const CredentialEntity = new EntitySchema<CredentialRow>({
  name: 'WalletCredential',
  tableName: 'wallet_credential',
  columns: {
    id: { type: 'varchar', length: 64, primary: true },
    type: { type: 'varchar', length: 128 },
    issuer: { type: 'varchar', length: 256 },
    issuerUrl: { name: 'issuer_url', type: 'text' },
    issuedAt: { name: 'issued_at', ...bigintColumn },
    expiresAt: { name: 'expires_at', ...nullableBigintColumn },
    sealed: { type: 'text' },
    createdAt: { name: 'created_at', ...bigintColumn },
  },
});

export const ConsentEntity = new EntitySchema<ConsentRow>({
  name: 'WalletConsent',
  tableName: 'wallet_consent',
  columns: {
    receiptId: { name: 'receipt_id', type: 'varchar', length: 64, primary: true },
    requestId: { name: 'request_id', type: 'varchar', length: 64 },
    verifier: { type: 'varchar', length: 256 },
    policyId: { name: 'policy_id', type: 'varchar', length: 64 },
    receipt: { type: 'text' },
    receiptHash: { name: 'receipt_hash', type: 'varchar', length: 66 },
    account: { type: 'varchar', length: 42 },
    status: { type: 'varchar', length: 16 },
    createdAt: { name: 'created_at', ...bigintColumn },
    withdrawnAt: { name: 'withdrawn_at', ...nullableBigintColumn },
    responseUri: { name: 'response_uri', type: 'text', nullable: true },
    verifierStatus: { name: 'verifier_status', type: 'varchar', length: 16, nullable: true },
    verifierWithdrawnAt: { name: 'verifier_withdrawn_at', ...nullableBigintColumn },
    erasureRecord: { name: 'erasure_record', type: 'text', nullable: true },
    noticeFailedAt: { name: 'notice_failed_at', ...nullableBigintColumn },
    noticeErrorCode: { name: 'notice_error_code', type: 'varchar', length: 40, nullable: true },
    noticeError: { name: 'notice_error', type: 'text', nullable: true },
  },
});

export const PresentationEntity = new EntitySchema<PresentationRow>({
  name: 'WalletPresentation',
  tableName: 'wallet_presentation',
  columns: {
    id: { type: 'varchar', length: 64, primary: true },
    at: { ...bigintColumn },
    verifier: { type: 'varchar', length: 256 },
    requestId: { name: 'request_id', type: 'varchar', length: 64 },
    policyId: { name: 'policy_id', type: 'varchar', length: 64 },
    schema: { type: 'varchar', length: 128 },
    predicates: { type: 'text' },
    outcome: { type: 'varchar', length: 16 },
    stage: { type: 'varchar', length: 16 },
    reasonCode: { name: 'reason_code', type: 'varchar', length: 40, nullable: true },
    receiptId: { name: 'receipt_id', type: 'varchar', length: 64, nullable: true },
    account: { type: 'varchar', length: 42, nullable: true },
  },
});

export const WALLET_ENTITIES = [MetaEntity, CredentialEntity, ConsentEntity, PresentationEntity];

const { text, bigint: big } = ddl;

export const CreateWalletTables1764720000000 = createTablesMigration(
  'CreateWalletTables1764720000000',
  () => [
    {
      name: 'wallet_meta',
      columns: [
        { ...text('key', 64), isPrimary: true },
        { name: 'value', type: 'text' },
      ],
    },
    {
      name: 'wallet_credential',
      columns: [
        { ...text('id', 64), isPrimary: true },
        text('type', 128),
        text('issuer', 256),
        { name: 'issuer_url', type: 'text' },
        big('issued_at'),
        big('expires_at', true),
        { name: 'sealed', type: 'text' },
        big('created_at'),
      ],
    },
    {
      name: 'wallet_consent',
      columns: [
        { ...text('receipt_id', 64), isPrimary: true },
        text('request_id', 64),
        text('verifier', 256),
        text('policy_id', 64),
        { name: 'receipt', type: 'text' },
        text('receipt_hash', 66),
        text('account', 42),
        text('status', 16),
        big('created_at'),
        big('withdrawn_at', true),
      ],
    },
    {
      name: 'wallet_presentation',
      columns: [
        { ...text('id', 64), isPrimary: true },
        big('at'),
        text('verifier', 256),
        text('request_id', 64),
        text('policy_id', 64),
        text('schema', 128),
        { name: 'predicates', type: 'text' },
        text('outcome', 16),
        text('stage', 16),
        { ...text('reason_code', 40), isNullable: true },
        { ...text('receipt_id', 64), isNullable: true },
        { ...text('account', 42), isNullable: true },
      ],
      indices: [{ name: 'wallet_presentation_at', columnNames: ['at'] }],
    },
  ],
);

/** The columns `AddConsentWithdrawalNotice` adds to `wallet_consent`, in order. */
const NOTICE_COLUMNS = (): TableColumn[] => [
  new TableColumn({ name: 'response_uri', type: 'text', isNullable: true }),
  new TableColumn({ ...text('verifier_status', 16), isNullable: true }),
  new TableColumn(big('verifier_withdrawn_at', true)),
  new TableColumn({ name: 'erasure_record', type: 'text', isNullable: true }),
  new TableColumn(big('notice_failed_at', true)),
  new TableColumn({ ...text('notice_error_code', 40), isNullable: true }),
  new TableColumn({ name: 'notice_error', type: 'text', isNullable: true }),
];

/**
 * Telling the verifier of a withdrawal: where it answered (`response_uri`) and what telling it
 * gave. Consents kept before this have no `response_uri`: their verifier cannot be told.
 */
export class AddConsentWithdrawalNotice1764979200000 implements MigrationInterface {
  name = 'AddConsentWithdrawalNotice1764979200000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('wallet_consent', NOTICE_COLUMNS());
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumns('wallet_consent', NOTICE_COLUMNS().reverse());
  }
}

export const WALLET_MIGRATIONS = [
  CreateWalletTables1764720000000,
  AddConsentWithdrawalNotice1764979200000,
];
