/**
 * The issuer's own tables, on the same TypeORM connection as Veramo's stores (one database,
 * SQLite or PostgreSQL). Data minimisation (docs/issuer.md): nothing here holds an attribute
 * value — a credential row is its id, type, holder DID, validity, status and the zk key that
 * signed it, which is exactly what revocation and re-issuance need.
 *
 * Times are unix seconds in BIGINT columns, read back as numbers (`#platform` column helpers).
 */
import { bigintColumn, createTablesMigration, ddl, nullableBigintColumn } from '#platform';
import { EntitySchema } from 'typeorm';

/** The issuer's BabyJubJub keys (one active; older ones retired after a rotation). */
export interface ZkKeyRow {
  keyHash: string;
  publicKeyAx: string;
  publicKeyAy: string;
  /** The 32-byte private key, hex, encrypted with the KMS SecretBox. */
  encryptedPrivateKey: string;
  status: 'active' | 'retired';
  createdAt: number;
}

/** One issued credential: what revocation and re-issuance need, no attribute values. */
export interface CredentialRow {
  /** The credential id: the key in the issuer's revocation tree (sequential, never reused). */
  id: number;
  type: string;
  holderDid: string;
  keyHash: string;
  issuedAt: number;
  expiresAt: number;
  status: 'active' | 'revoked';
  revokedAt: number | null;
}

/** A single-use DID-authentication challenge. */
export interface ChallengeRow {
  nonce: string;
  expiresAt: number;
  usedAt: number | null;
}

/** One revocation, in the order it happened (the tree at publication n = the first n). */
export interface RevocationRow {
  seq: number;
  credentialId: number;
  keyHash: string;
  revokedAt: number;
}

/** Verified KYC data waiting for its holder to ask for the credential (encrypted at rest). */
export interface PendingKycRow {
  holderDid: string;
  /** The attribute values as JSON, encrypted with the KMS SecretBox. */
  encryptedAttributes: string;
  expiresAt: number;
}

/** A marketplace event the reputation engine counts (stored once: its id is txHash:logIndex). */
export interface TradeEventRow {
  id: string;
  marketplace: string;
  listingId: string;
  seller: string;
  /** Null for a rating (the on-chain event does not name the buyer). */
  buyer: string | null;
  /** The event as JSON (bigints as decimal strings). */
  payload: string;
}

/** How far a reader has processed a source (e.g. the last block of the marketplace's events). */
export interface CheckpointRow {
  name: string;
  position: string;
}

/** A revocation root to publish (recorded before the transaction is sent). */
export interface RootPublicationRow {
  root: string;
  keyHash: string;
  /** How many revocations the root includes (the tree's size when it was computed). */
  revokedCount: number;
  status: 'pending' | 'sent' | 'confirmed';
  txHash: string | null;
  updatedAt: number;
}

export const ZkKeyEntity = new EntitySchema<ZkKeyRow>({
  name: 'IssuerZkKey',
  tableName: 'issuer_zk_key',
  columns: {
    keyHash: { name: 'key_hash', type: 'varchar', length: 80, primary: true },
    publicKeyAx: { name: 'public_key_ax', type: 'varchar', length: 80 },
    publicKeyAy: { name: 'public_key_ay', type: 'varchar', length: 80 },
    encryptedPrivateKey: { name: 'encrypted_private_key', type: 'text' },
    status: { type: 'varchar', length: 16 },
    createdAt: { name: 'created_at', ...bigintColumn },
  },
});

export const CredentialEntity = new EntitySchema<CredentialRow>({
  name: 'IssuerCredential',
  tableName: 'issuer_credential',
  columns: {
    id: { type: 'integer', primary: true },
    type: { type: 'varchar', length: 64 },
    holderDid: { name: 'holder_did', type: 'varchar', length: 255 },
    keyHash: { name: 'key_hash', type: 'varchar', length: 80 },
    issuedAt: { name: 'issued_at', ...bigintColumn },
    expiresAt: { name: 'expires_at', ...bigintColumn },
    status: { type: 'varchar', length: 16 },
    revokedAt: { name: 'revoked_at', ...nullableBigintColumn },
  },
});

export const ChallengeEntity = new EntitySchema<ChallengeRow>({
  name: 'IssuerChallenge',
  tableName: 'issuer_challenge',
  columns: {
    nonce: { type: 'varchar', length: 64, primary: true },
    expiresAt: { name: 'expires_at', ...bigintColumn },
    usedAt: { name: 'used_at', ...nullableBigintColumn },
  },
});

export const RootPublicationEntity = new EntitySchema<RootPublicationRow>({
  name: 'IssuerRootPublication',
  tableName: 'issuer_root_publication',
  columns: {
    root: { type: 'varchar', length: 80, primary: true },
    keyHash: { name: 'key_hash', type: 'varchar', length: 80 },
    revokedCount: { name: 'revoked_count', type: 'integer' },
    status: { type: 'varchar', length: 16 },
    txHash: { name: 'tx_hash', type: 'varchar', length: 80, nullable: true },
    updatedAt: { name: 'updated_at', ...bigintColumn },
  },
});

export const RevocationEntity = new EntitySchema<RevocationRow>({
  name: 'IssuerRevocation',
  tableName: 'issuer_revocation',
  columns: {
    seq: { type: 'integer', primary: true },
    credentialId: { name: 'credential_id', type: 'integer', unique: true },
    keyHash: { name: 'key_hash', type: 'varchar', length: 80 },
    revokedAt: { name: 'revoked_at', ...bigintColumn },
  },
});

export const PendingKycEntity = new EntitySchema<PendingKycRow>({
  name: 'IssuerPendingKyc',
  tableName: 'issuer_pending_kyc',
  columns: {
    holderDid: { name: 'holder_did', type: 'varchar', length: 255, primary: true },
    encryptedAttributes: { name: 'encrypted_attributes', type: 'text' },
    expiresAt: { name: 'expires_at', ...bigintColumn },
  },
});

export const TradeEventEntity = new EntitySchema<TradeEventRow>({
  name: 'IssuerTradeEvent',
  tableName: 'issuer_trade_event',
  columns: {
    id: { type: 'varchar', length: 100, primary: true },
    marketplace: { type: 'varchar', length: 64 },
    listingId: { name: 'listing_id', type: 'varchar', length: 80 },
    seller: { type: 'varchar', length: 64 },
    buyer: { type: 'varchar', length: 64, nullable: true },
    payload: { type: 'text' },
  },
});

export const CheckpointEntity = new EntitySchema<CheckpointRow>({
  name: 'IssuerCheckpoint',
  tableName: 'issuer_checkpoint',
  columns: {
    name: { type: 'varchar', length: 100, primary: true },
    position: { type: 'varchar', length: 80 },
  },
});

export const ISSUER_ENTITIES = [
  TradeEventEntity,
  CheckpointEntity,
  ZkKeyEntity,
  CredentialEntity,
  ChallengeEntity,
  RootPublicationEntity,
  RevocationEntity,
  PendingKycEntity,
];

const { text, bigint: big } = ddl;

/** Creates the issuer's tables (portable DDL through TypeORM's schema builder). */
export const CreateIssuerTables1764547200000 = createTablesMigration(
  'CreateIssuerTables1764547200000',
  () => [
    {
      name: 'issuer_zk_key',
      columns: [
        { ...text('key_hash'), isPrimary: true },
        text('public_key_ax'),
        text('public_key_ay'),
        { name: 'encrypted_private_key', type: 'text' },
        text('status', 16),
        big('created_at'),
      ],
    },
    {
      name: 'issuer_credential',
      columns: [
        { name: 'id', type: 'integer', isPrimary: true },
        text('type', 64),
        text('holder_did', 255),
        text('key_hash'),
        big('issued_at'),
        big('expires_at'),
        text('status', 16),
        big('revoked_at', true),
      ],
      indices: [{ name: 'issuer_credential_holder', columnNames: ['holder_did'] }],
    },
    {
      name: 'issuer_challenge',
      columns: [{ ...text('nonce', 64), isPrimary: true }, big('expires_at'), big('used_at', true)],
    },
    {
      name: 'issuer_trade_event',
      columns: [
        { ...text('id', 100), isPrimary: true },
        text('marketplace', 64),
        text('listing_id'),
        text('seller', 64),
        { ...text('buyer', 64), isNullable: true },
        { name: 'payload', type: 'text' },
      ],
      indices: [
        { name: 'issuer_trade_event_seller', columnNames: ['seller'] },
        { name: 'issuer_trade_event_buyer', columnNames: ['buyer'] },
        { name: 'issuer_trade_event_listing', columnNames: ['marketplace', 'listing_id'] },
      ],
    },
    {
      name: 'issuer_checkpoint',
      columns: [{ ...text('name', 100), isPrimary: true }, text('position')],
    },
    {
      name: 'issuer_revocation',
      columns: [
        { name: 'seq', type: 'integer', isPrimary: true },
        { name: 'credential_id', type: 'integer', isUnique: true },
        text('key_hash'),
        big('revoked_at'),
      ],
    },
    {
      name: 'issuer_pending_kyc',
      columns: [
        { ...text('holder_did', 255), isPrimary: true },
        { name: 'encrypted_attributes', type: 'text' },
        big('expires_at'),
      ],
    },
    {
      name: 'issuer_root_publication',
      columns: [
        { ...text('root'), isPrimary: true },
        text('key_hash'),
        { name: 'revoked_count', type: 'integer' },
        text('status', 16),
        { ...text('tx_hash'), isNullable: true },
        big('updated_at'),
      ],
    },
  ],
);

export const ISSUER_MIGRATIONS = [CreateIssuerTables1764547200000];
