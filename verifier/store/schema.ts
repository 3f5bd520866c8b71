/**
 * The verifier's tables, on one TypeORM connection (SQLite or PostgreSQL). Data minimisation:
 * nothing here holds personal data or an attribute value. A policy is its public definition; a
 * proof request is its id, policy, single-use challenge, expiry, status and (once completed) the
 * account it was for; a nullifier binding is a per-scope pseudonym and the one account it
 * belongs to; a verification record is an outcome, a reason code, the nullifier and the hash of
 * the holder's consent receipt.
 *
 * The audit log (`verifier_audit_entry`, its head and its checkpoints) is an append-only hash
 * chain of verification events (verifier/domain/audit-chain.ts): policies, hashes, nullifiers and
 * codes, never an account or an attribute value.
 *
 * Times are unix seconds in BIGINT columns; TypeORM returns them as strings on PostgreSQL, so
 * the columns convert with `Number()` (all values are < 2^53). Field elements (query hashes,
 * scopes, nullifiers) are decimal strings; accounts are checksummed 0x addresses.
 */
import { bigintColumn, createTablesMigration, ddl, nullableBigintColumn } from '#platform';
import {
  EntitySchema,
  TableColumn,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';

export type PolicyStatus = 'active' | 'disabled';
export type RequestStatus = 'pending' | 'verified' | 'failed';
export type VerificationOutcome = 'verified' | 'failed';
/** On-chain relay of a verified proof: asked for, sent and granted, or refused/failed. */
export type RelayStatus = 'requested' | 'confirmed' | 'failed';

/** A policy: its validated readable definition (JSON) and the query hash compiled from it. */
export interface PolicyRow {
  id: string;
  marketplaceId: string;
  schema: string;
  queryHash: string;
  /** The `PolicyInput` as JSON (predicates, trusted issuers, terms, purpose, legal basis). */
  definition: string;
  status: PolicyStatus;
  /** The ZkGate policy id when the policy is mirrored on-chain (decimal), else null. */
  chainPolicyId: string | null;
  createdAt: number;
}

/** A proof request: single use, completed once (verified or failed). */
export interface ProofRequestRow {
  id: string;
  policyId: string;
  /** 32 random bytes, 0x-hex: what the signal hash binds the proof to. */
  challenge: string;
  /** Valid while now < expiresAt. */
  expiresAt: number;
  status: RequestStatus;
  /** The account the request was completed for (null while pending). */
  account: string | null;
  /** The signed request object (JWT) the wallet fetches. */
  requestObject: string;
  /** Where the completion is announced (signed webhook), or null. */
  webhookUrl: string | null;
  /** Null: no relay asked for; else the state of `ZkGate.verifyFor` for the verified proof. */
  relayStatus: RelayStatus | null;
  relayTxHash: string | null;
  /** The error code of a failed relay. */
  relayCode: string | null;
  createdAt: number;
}

/** One holder per scope: the nullifier (a per-scope pseudonym) and the account it is bound to. */
export interface NullifierBindingRow {
  scope: string;
  nullifier: string;
  account: string;
  createdAt: number;
}

/** The outcome of a proof request (one per request; no personal data). */
export interface VerificationRecordRow {
  requestId: string;
  policyId: string;
  outcome: VerificationOutcome;
  /** The error code of a failure (null when verified). */
  reasonCode: string | null;
  /** The verified nullifier (null when the proof was not verified). */
  nullifier: string | null;
  account: string;
  consentReceiptHash: string;
  /**
   * The holder's consent receipt (`zkrep-consent/2`, RFC 8785 canonical JSON: no personal data),
   * whose hash the proof's signal hash commits to; null for records written before it was kept.
   */
  consentReceipt: string | null;
  /** When a verified pass ends (null on failure). */
  passExpiresAt: number | null;
  createdAt: number;
  /** When the holder withdrew its consent (domain/erasure.ts); null while it stands. */
  withdrawnAt: number | null;
  /** The signed deletion record given to the holder at withdrawal (JWT), or null. */
  erasureRecord: string | null;
}

/**
 * The data key of one verification (domain/shred.ts): what its record's consent receipt and its
 * audit entry's body are encrypted with. Deleting the row crypto-shreds both (withdrawal,
 * retention); `retainUntil` is when the policy's retention ends.
 */
export interface DataKeyRow {
  /** The proof request's id. */
  id: string;
  /** 32 bytes, hex. */
  key: string;
  /** Unix seconds: the entry's time + the policy's retention. */
  retainUntil: number;
  createdAt: number;
}

/** One audit-log entry (verifier/domain/audit-chain.ts): seq 1, 2, 3… without gaps. */
export interface AuditEntryRow {
  seq: number;
  /** 'verification', 'erasure' (a withdrawal), 'purge' (retention ended). */
  kind: string;
  /** Unix seconds. */
  at: number;
  /**
   * The event: RFC 8785 canonical JSON — encrypted (domain/shred.ts) under the data key
   * `dataKey` when that is set; null once erased.
   */
  body: string | null;
  /** keccak256 of the canonical body (what the entry hash commits to); null: entries before it was kept (recomputed from the body). */
  bodyHash: string | null;
  /** The data key (`verifier_data_key.id`) the body is encrypted with, or null (plain body). */
  dataKey: string | null;
  prevHash: string;
  hash: string;
}

/** The log's head (one row, id 1): the last entry's seq and hash (seq 0: empty). */
export interface AuditHeadRow {
  id: number;
  seq: number;
  hash: string;
}

/** A checkpoint of the log: the head at `seq`, signed by the verifier DID, maybe anchored. */
export interface AuditCheckpointRow {
  seq: number;
  hash: string;
  /** Unix seconds. */
  at: number;
  /** The signed checkpoint (compact JWS; audit-checkpoint.ts). */
  jws: string;
  /** The AuditAnchor transaction that anchored it (null: not anchored, or not yet). */
  anchorTx: string | null;
  /** The account that sent `anchorTx`. */
  anchoredBy: string | null;
  chainId: number;
}

export const PolicyEntity = new EntitySchema<PolicyRow>({
  name: 'VerifierPolicy',
  tableName: 'verifier_policy',
  columns: {
    id: { type: 'varchar', length: 64, primary: true },
    marketplaceId: { name: 'marketplace_id', type: 'varchar', length: 64 },
    schema: { type: 'varchar', length: 64 },
    queryHash: { name: 'query_hash', type: 'varchar', length: 80 },
    definition: { type: 'text' },
    status: { type: 'varchar', length: 16 },
    chainPolicyId: { name: 'chain_policy_id', type: 'varchar', length: 80, nullable: true },
    createdAt: { name: 'created_at', ...bigintColumn },
  },
});

export const ProofRequestEntity = new EntitySchema<ProofRequestRow>({
  name: 'VerifierProofRequest',
  tableName: 'verifier_proof_request',
  columns: {
    id: { type: 'varchar', length: 64, primary: true },
    policyId: { name: 'policy_id', type: 'varchar', length: 64 },
    challenge: { type: 'varchar', length: 66 },
    expiresAt: { name: 'expires_at', ...bigintColumn },
    status: { type: 'varchar', length: 16 },
    account: { type: 'varchar', length: 42, nullable: true },
    requestObject: { name: 'request_object', type: 'text' },
    webhookUrl: { name: 'webhook_url', type: 'text', nullable: true },
    relayStatus: { name: 'relay_status', type: 'varchar', length: 16, nullable: true },
    relayTxHash: { name: 'relay_tx_hash', type: 'varchar', length: 66, nullable: true },
    relayCode: { name: 'relay_code', type: 'varchar', length: 40, nullable: true },
    createdAt: { name: 'created_at', ...bigintColumn },
  },
});

export const NullifierBindingEntity = new EntitySchema<NullifierBindingRow>({
  name: 'VerifierNullifierBinding',
  tableName: 'verifier_nullifier_binding',
  columns: {
    scope: { type: 'varchar', length: 80, primary: true },
    nullifier: { type: 'varchar', length: 80, primary: true },
    account: { type: 'varchar', length: 42 },
    createdAt: { name: 'created_at', ...bigintColumn },
  },
});

export const VerificationRecordEntity = new EntitySchema<VerificationRecordRow>({
  name: 'VerifierVerificationRecord',
  tableName: 'verifier_verification_record',
  columns: {
    requestId: { name: 'request_id', type: 'varchar', length: 64, primary: true },
    policyId: { name: 'policy_id', type: 'varchar', length: 64 },
    outcome: { type: 'varchar', length: 16 },
    reasonCode: { name: 'reason_code', type: 'varchar', length: 40, nullable: true },
    nullifier: { type: 'varchar', length: 80, nullable: true },
    account: { type: 'varchar', length: 42 },
    consentReceiptHash: { name: 'consent_receipt_hash', type: 'varchar', length: 66 },
    consentReceipt: { name: 'consent_receipt', type: 'text', nullable: true },
    passExpiresAt: { name: 'pass_expires_at', ...nullableBigintColumn },
    createdAt: { name: 'created_at', ...bigintColumn },
    withdrawnAt: { name: 'withdrawn_at', ...nullableBigintColumn },
    erasureRecord: { name: 'erasure_record', type: 'text', nullable: true },
  },
});

export const DataKeyEntity = new EntitySchema<DataKeyRow>({
  name: 'VerifierDataKey',
  tableName: 'verifier_data_key',
  columns: {
    id: { type: 'varchar', length: 64, primary: true },
    key: { type: 'varchar', length: 64 },
    retainUntil: { name: 'retain_until', ...bigintColumn },
    createdAt: { name: 'created_at', ...bigintColumn },
  },
});

export const AuditEntryEntity = new EntitySchema<AuditEntryRow>({
  name: 'VerifierAuditEntry',
  tableName: 'verifier_audit_entry',
  columns: {
    seq: { primary: true, ...bigintColumn },
    kind: { type: 'varchar', length: 32 },
    at: { ...bigintColumn },
    body: { type: 'text', nullable: true },
    bodyHash: { name: 'body_hash', type: 'varchar', length: 66, nullable: true },
    dataKey: { name: 'data_key', type: 'varchar', length: 64, nullable: true },
    prevHash: { name: 'prev_hash', type: 'varchar', length: 66 },
    hash: { type: 'varchar', length: 66 },
  },
});

export const AuditHeadEntity = new EntitySchema<AuditHeadRow>({
  name: 'VerifierAuditHead',
  tableName: 'verifier_audit_head',
  columns: {
    id: { type: 'integer', primary: true },
    seq: { ...bigintColumn },
    hash: { type: 'varchar', length: 66 },
  },
});

export const AuditCheckpointEntity = new EntitySchema<AuditCheckpointRow>({
  name: 'VerifierAuditCheckpoint',
  tableName: 'verifier_audit_checkpoint',
  columns: {
    seq: { primary: true, ...bigintColumn },
    hash: { type: 'varchar', length: 66 },
    at: { ...bigintColumn },
    jws: { type: 'text' },
    anchorTx: { name: 'anchor_tx', type: 'varchar', length: 66, nullable: true },
    anchoredBy: { name: 'anchored_by', type: 'varchar', length: 42, nullable: true },
    chainId: { name: 'chain_id', ...bigintColumn },
  },
});

export const VERIFIER_ENTITIES = [
  PolicyEntity,
  ProofRequestEntity,
  NullifierBindingEntity,
  VerificationRecordEntity,
  AuditEntryEntity,
  AuditHeadEntity,
  AuditCheckpointEntity,
  DataKeyEntity,
];

const { text, bigint: big } = ddl;

/** Creates the verifier's tables (portable DDL through TypeORM's schema builder). */
export const CreateVerifierTables1764633600000 = createTablesMigration(
  'CreateVerifierTables1764633600000',
  () => [
    {
      name: 'verifier_policy',
      columns: [
        { ...text('id', 64), isPrimary: true },
        text('marketplace_id', 64),
        text('schema', 64),
        text('query_hash'),
        { name: 'definition', type: 'text' },
        text('status', 16),
        { ...text('chain_policy_id'), isNullable: true },
        big('created_at'),
      ],
      indices: [{ name: 'verifier_policy_marketplace', columnNames: ['marketplace_id'] }],
    },
    {
      name: 'verifier_proof_request',
      columns: [
        { ...text('id', 64), isPrimary: true },
        text('policy_id', 64),
        text('challenge', 66),
        big('expires_at'),
        text('status', 16),
        { ...text('account', 42), isNullable: true },
        { name: 'request_object', type: 'text' },
        { name: 'webhook_url', type: 'text', isNullable: true },
        { ...text('relay_status', 16), isNullable: true },
        { ...text('relay_tx_hash', 66), isNullable: true },
        { ...text('relay_code', 40), isNullable: true },
        big('created_at'),
      ],
      indices: [{ name: 'verifier_proof_request_expiry', columnNames: ['expires_at'] }],
    },
    {
      name: 'verifier_nullifier_binding',
      columns: [
        { ...text('scope'), isPrimary: true },
        { ...text('nullifier'), isPrimary: true },
        text('account', 42),
        big('created_at'),
      ],
    },
    {
      name: 'verifier_verification_record',
      columns: [
        { ...text('request_id', 64), isPrimary: true },
        text('policy_id', 64),
        text('outcome', 16),
        { ...text('reason_code', 40), isNullable: true },
        { ...text('nullifier'), isNullable: true },
        text('account', 42),
        text('consent_receipt_hash', 66),
        big('pass_expires_at', true),
        big('created_at'),
      ],
      indices: [
        { name: 'verifier_verification_record_policy', columnNames: ['policy_id', 'created_at'] },
      ],
    },
  ],
);

/** The prev hash of the first audit entry (audit-chain.ts `AUDIT_GENESIS_HASH`). */
const AUDIT_GENESIS = `0x${'0'.repeat(64)}`;

const AuditTables = createTablesMigration('CreateVerifierAuditTables1764806400000', () => [
  {
    name: 'verifier_audit_entry',
    columns: [
      { ...big('seq'), isPrimary: true },
      text('kind', 32),
      big('at'),
      { name: 'body', type: 'text' },
      text('prev_hash', 66),
      text('hash', 66),
    ],
  },
  {
    name: 'verifier_audit_head',
    columns: [{ name: 'id', type: 'integer', isPrimary: true }, big('seq'), text('hash', 66)],
  },
  {
    name: 'verifier_audit_checkpoint',
    columns: [
      { ...big('seq'), isPrimary: true },
      text('hash', 66),
      big('at'),
      { name: 'jws', type: 'text' },
      { ...text('anchor_tx', 66), isNullable: true },
      { ...text('anchored_by', 42), isNullable: true },
      big('chain_id'),
    ],
  },
]);

/**
 * Creates the audit log's tables and its head row (seq 0, the genesis hash): every append
 * updates that one row, which serialises appends (audit.ts).
 */
export class CreateVerifierAuditTables1764806400000 extends AuditTables {
  override async up(q: QueryRunner): Promise<void> {
    await super.up(q);
    await q.manager
      .createQueryBuilder()
      .insert()
      .into('verifier_audit_head', ['id', 'seq', 'hash'])
      .values({ id: 1, seq: 0, hash: AUDIT_GENESIS })
      .execute();
  }
}

/** Keeps the consent receipt itself with each verification record (not only its hash). */
export class AddVerificationConsentReceipt1764892800000 implements MigrationInterface {
  name = 'AddVerificationConsentReceipt1764892800000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      'verifier_verification_record',
      new TableColumn({ name: 'consent_receipt', type: 'text', isNullable: true }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('verifier_verification_record', 'consent_receipt');
  }
}

const DataKeyTable = createTablesMigration('AddVerifierErasure1765065600000', () => [
  {
    name: 'verifier_data_key',
    columns: [
      { ...text('id', 64), isPrimary: true },
      text('key', 64),
      big('retain_until'),
      big('created_at'),
    ],
    indices: [{ name: 'verifier_data_key_retain_until', columnNames: ['retain_until'] }],
  },
]);

/**
 * Withdrawal, erasure and retention (docs/compliance.md §6): the data-key table; each audit entry
 * keeps its body hash (so an erased body leaves a stub that still chains) and names its data key;
 * a record keeps when it was withdrawn and the deletion record; records are found by receipt hash.
 */
export class AddVerifierErasure1765065600000 extends DataKeyTable {
  override async up(q: QueryRunner): Promise<void> {
    await super.up(q);
    await q.addColumns('verifier_audit_entry', [
      new TableColumn({ name: 'body_hash', type: 'varchar', length: '66', isNullable: true }),
      new TableColumn({ name: 'data_key', type: 'varchar', length: '64', isNullable: true }),
    ]);
    const entries = await q.getTable('verifier_audit_entry');
    const body = entries!.findColumnByName('body')!;
    const nullable = body.clone();
    nullable.isNullable = true;
    await q.changeColumn('verifier_audit_entry', body, nullable);
    await q.createIndex(
      'verifier_audit_entry',
      new TableIndex({ name: 'verifier_audit_entry_data_key', columnNames: ['data_key'] }),
    );
    await q.addColumns('verifier_verification_record', [
      new TableColumn({ name: 'withdrawn_at', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'erasure_record', type: 'text', isNullable: true }),
    ]);
    await q.createIndex(
      'verifier_verification_record',
      new TableIndex({
        name: 'verifier_verification_record_receipt',
        columnNames: ['consent_receipt_hash'],
      }),
    );
  }

  override async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('verifier_verification_record', 'verifier_verification_record_receipt');
    await q.dropColumn('verifier_verification_record', 'erasure_record');
    await q.dropColumn('verifier_verification_record', 'withdrawn_at');
    await q.dropIndex('verifier_audit_entry', 'verifier_audit_entry_data_key');
    await q.dropColumn('verifier_audit_entry', 'data_key');
    await q.dropColumn('verifier_audit_entry', 'body_hash');
    await super.down(q);
  }
}

export const VERIFIER_MIGRATIONS = [
  CreateVerifierTables1764633600000,
  CreateVerifierAuditTables1764806400000,
  AddVerificationConsentReceipt1764892800000,
  AddVerifierErasure1765065600000,
];
