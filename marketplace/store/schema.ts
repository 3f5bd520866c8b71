/**
 * The demo marketplace's tables, on one TypeORM connection (SQLite, or PostgreSQL with
 * `DATABASE_URL`). No personal data: an account is a demo custodial account this app made (its
 * address and key), a session is the hash of its cookie, an action is what the user asked for and
 * its progress (ids, states, transaction hashes, a code), a listing is its title and chain state.
 * Nothing here holds a credential, an attribute value or a holder's DID.
 *
 * Times are unix seconds in BIGINT columns read back with `Number()`; wei amounts and chain ids
 * are decimal strings.
 */
import { bigintColumn, createTablesMigration, ddl, nullableBigintColumn } from '#platform';
import { EntitySchema } from 'typeorm';

/** A browser session's demo custodial account (the key is held by this demo app). */
export interface AccountRow {
  /** sha256 (hex) of the session cookie's value. */
  sessionHash: string;
  address: string;
  /** The account's private key (0x hex): a demo custodial account, funded by the marketplace. */
  privateKey: string;
  /** The funding transaction. */
  fundTx: string | null;
  createdAt: number;
}

export type ActionKind = 'list' | 'buy';
export type ActionState = 'waiting' | 'verified' | 'pass' | 'done' | 'failed';

/** A gated action and its progress: waiting → verified → pass → done, or failed. */
export interface ActionRow {
  id: string;
  /** The custodial account it is for (checksummed). */
  account: string;
  kind: ActionKind;
  /** `list`: the item's title, price (wei, decimal) and restriction. */
  title: string | null;
  priceWei: string | null;
  ageRestricted: boolean;
  /** `buy`: the listing bought; `list`: the listing made, once done. */
  listingId: string | null;
  /** The verifier policy asked for, or null when none is needed. */
  policyId: string | null;
  /** The verifier's proof request id. */
  requestId: string | null;
  /** The wallet link (with the account hint). */
  link: string | null;
  state: ActionState;
  /** What the proof revealed, in words (once verified). */
  revealed: string | null;
  relayTx: string | null;
  actionTx: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** When the proof request expires (unix seconds). */
  expiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A listing made through this app: its title (not on chain) and what the chain said. */
export interface ListingRow {
  /** The Marketplace's listing id (decimal). */
  id: string;
  contract: string;
  title: string;
  seller: string;
  priceWei: string;
  ageRestricted: boolean;
  listTx: string;
  createdAt: number;
}

/** The Marketplace contract this app deployed on a chain. */
export interface ContractRow {
  chainId: number;
  address: string;
  gate: string;
  reputationPolicyId: string;
  agePolicyId: string;
  deployTx: string | null;
  createdAt: number;
}

export const AccountEntity = new EntitySchema<AccountRow>({
  name: 'MarketplaceAccount',
  tableName: 'marketplace_account',
  columns: {
    sessionHash: { name: 'session_hash', type: 'varchar', length: 64, primary: true },
    address: { type: 'varchar', length: 42 },
    privateKey: { name: 'private_key', type: 'varchar', length: 66 },
    fundTx: { name: 'fund_tx', type: 'varchar', length: 66, nullable: true },
    createdAt: { name: 'created_at', ...bigintColumn },
  },
});

export const ActionEntity = new EntitySchema<ActionRow>({
  name: 'MarketplaceAction',
  tableName: 'marketplace_action',
  columns: {
    id: { type: 'varchar', length: 64, primary: true },
    account: { type: 'varchar', length: 42 },
    kind: { type: 'varchar', length: 8 },
    title: { type: 'varchar', length: 200, nullable: true },
    priceWei: { name: 'price_wei', type: 'varchar', length: 80, nullable: true },
    ageRestricted: { name: 'age_restricted', type: 'boolean' },
    listingId: { name: 'listing_id', type: 'varchar', length: 80, nullable: true },
    policyId: { name: 'policy_id', type: 'varchar', length: 64, nullable: true },
    requestId: { name: 'request_id', type: 'varchar', length: 64, nullable: true },
    link: { type: 'text', nullable: true },
    state: { type: 'varchar', length: 16 },
    revealed: { type: 'varchar', length: 200, nullable: true },
    relayTx: { name: 'relay_tx', type: 'varchar', length: 66, nullable: true },
    actionTx: { name: 'action_tx', type: 'varchar', length: 66, nullable: true },
    errorCode: { name: 'error_code', type: 'varchar', length: 40, nullable: true },
    errorMessage: { name: 'error_message', type: 'varchar', length: 300, nullable: true },
    expiresAt: { name: 'expires_at', ...nullableBigintColumn },
    createdAt: { name: 'created_at', ...bigintColumn },
    updatedAt: { name: 'updated_at', ...bigintColumn },
  },
});

export const ListingEntity = new EntitySchema<ListingRow>({
  name: 'MarketplaceListing',
  tableName: 'marketplace_listing',
  columns: {
    id: { type: 'varchar', length: 80, primary: true },
    contract: { type: 'varchar', length: 42, primary: true },
    title: { type: 'varchar', length: 200 },
    seller: { type: 'varchar', length: 42 },
    priceWei: { name: 'price_wei', type: 'varchar', length: 80 },
    ageRestricted: { name: 'age_restricted', type: 'boolean' },
    listTx: { name: 'list_tx', type: 'varchar', length: 66 },
    createdAt: { name: 'created_at', ...bigintColumn },
  },
});

export const ContractEntity = new EntitySchema<ContractRow>({
  name: 'MarketplaceContract',
  tableName: 'marketplace_contract',
  columns: {
    chainId: { name: 'chain_id', type: 'integer', primary: true },
    address: { type: 'varchar', length: 42 },
    gate: { type: 'varchar', length: 42 },
    reputationPolicyId: { name: 'reputation_policy_id', type: 'varchar', length: 80 },
    agePolicyId: { name: 'age_policy_id', type: 'varchar', length: 80 },
    deployTx: { name: 'deploy_tx', type: 'varchar', length: 66, nullable: true },
    createdAt: { name: 'created_at', ...bigintColumn },
  },
});

export const MARKETPLACE_ENTITIES = [AccountEntity, ActionEntity, ListingEntity, ContractEntity];

const { text, bigint: big } = ddl;

/** Creates the marketplace's tables (portable DDL through TypeORM's schema builder). */
export const CreateMarketplaceTables1764979200000 = createTablesMigration(
  'CreateMarketplaceTables1764979200000',
  () => [
    {
      name: 'marketplace_account',
      columns: [
        { ...text('session_hash', 64), isPrimary: true },
        text('address', 42),
        text('private_key', 66),
        { ...text('fund_tx', 66), isNullable: true },
        big('created_at'),
      ],
    },
    {
      name: 'marketplace_action',
      columns: [
        { ...text('id', 64), isPrimary: true },
        text('account', 42),
        text('kind', 8),
        { ...text('title', 200), isNullable: true },
        { ...text('price_wei'), isNullable: true },
        { name: 'age_restricted', type: 'boolean' },
        { ...text('listing_id'), isNullable: true },
        { ...text('policy_id', 64), isNullable: true },
        { ...text('request_id', 64), isNullable: true },
        { name: 'link', type: 'text', isNullable: true },
        text('state', 16),
        { ...text('revealed', 200), isNullable: true },
        { ...text('relay_tx', 66), isNullable: true },
        { ...text('action_tx', 66), isNullable: true },
        { ...text('error_code', 40), isNullable: true },
        { ...text('error_message', 300), isNullable: true },
        big('expires_at', true),
        big('created_at'),
        big('updated_at'),
      ],
      indices: [{ name: 'idx_marketplace_action_state', columnNames: ['state'] }],
    },
    {
      name: 'marketplace_listing',
      columns: [
        { ...text('id'), isPrimary: true },
        { ...text('contract', 42), isPrimary: true },
        text('title', 200),
        text('seller', 42),
        text('price_wei'),
        { name: 'age_restricted', type: 'boolean' },
        text('list_tx', 66),
        big('created_at'),
      ],
    },
    {
      name: 'marketplace_contract',
      columns: [
        { name: 'chain_id', type: 'integer', isPrimary: true },
        text('address', 42),
        text('gate', 42),
        text('reputation_policy_id'),
        text('age_policy_id'),
        { ...text('deploy_tx', 66), isNullable: true },
        big('created_at'),
      ],
    },
  ],
);

export const MARKETPLACE_MIGRATIONS = [CreateMarketplaceTables1764979200000];
