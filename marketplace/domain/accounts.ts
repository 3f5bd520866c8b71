/**
 * Demo custodial accounts: each browser session (an opaque random cookie) gets an account whose
 * key this demo app holds, funded by the marketplace (gas and prices are the marketplace's money,
 * never the user's own wallet). Only the cookie's sha256 is stored, so a leaked database names no
 * live session. A real marketplace would use the user's own account instead.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Address, Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { AccountEntity } from '../store/schema.js';

export interface SessionAccount {
  address: Address;
  /** The funding transaction of the account (null: not funded). */
  fundTx: string | null;
}

export interface Accounts {
  /** The session's account, or null for an unknown or malformed session token. */
  find(token: string | undefined): Promise<SessionAccount | null>;
  /** A new session with a new, funded account: the cookie value and the account. */
  create(): Promise<{ token: string; account: SessionAccount }>;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export function createAccounts(deps: {
  dataSource: DataSource;
  /** Sends the account its starting funds; returns the transaction hash. */
  fund: (address: Address) => Promise<Hex>;
  now: () => number;
}): Accounts {
  const repo = () => deps.dataSource.getRepository(AccountEntity);
  return {
    async find(token) {
      if (!token || !TOKEN.test(token)) return null;
      const row = await repo().findOneBy({ sessionHash: hashOf(token) });
      return row ? { address: row.address as Address, fundTx: row.fundTx } : null;
    },
    async create() {
      const token = randomBytes(32).toString('base64url');
      const privateKey = generatePrivateKey();
      const { address } = privateKeyToAccount(privateKey);
      const fundTx = await deps.fund(address);
      await repo().insert({
        sessionHash: hashOf(token),
        address,
        privateKey,
        fundTx,
        createdAt: deps.now(),
      });
      return { token, account: { address, fundTx } };
    },
  };
}
