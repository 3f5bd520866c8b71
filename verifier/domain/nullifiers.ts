/**
 * Nullifier bindings: one holder, one account per scope (SECURITY-CASES A10). A nullifier is the
 * holder's pseudonym for one verifier policy (`Poseidon(secret, scope)`); the first account that
 * presents it wins it for good, the same account may present it again, any other account is
 * refused with `nullifier_reused`.
 *
 * Atomic on both engines without a read-then-write race: `insertIfAbsent` (`INSERT … ON CONFLICT
 * DO NOTHING`) lets exactly one of many concurrent callers insert, then everyone reads the winner.
 * On PostgreSQL a competing insert waits for the winner's transaction and, once it commits, the
 * read (a new statement under READ COMMITTED) sees it; if the winner rolls back, the waiting
 * insert succeeds instead.
 */
import { insertIfAbsent, withTransaction } from '#platform';
import { isCanonicalFieldString } from '#zk';
import { getAddress, isAddress } from 'viem';
import { DataSource, type EntityManager } from 'typeorm';
import { VerifierError } from '../errors.js';
import { NullifierBindingEntity } from '../store/schema.js';

export type BindingResult = 'new' | 'same-account';

export interface NullifierBinding {
  /** The verifier scope (a field element; decimal string or bigint). */
  scope: bigint | string;
  /** The proof's nullifier (a non-zero field element). */
  nullifier: bigint | string;
  /** The 0x account the proof is for. */
  account: string;
  /** Unix seconds (default: the system clock). */
  now?: number;
}

function fieldText(x: unknown, what: string): string {
  const text = typeof x === 'bigint' ? x.toString() : x;
  if (!isCanonicalFieldString(text)) {
    throw new VerifierError('bad_input', `${what} must be a field element`);
  }
  return text;
}

/** The checksummed form of an account; `bad_input` unless it is a 20-byte hex address. */
export function normalizeAccount(account: unknown): string {
  if (typeof account !== 'string' || !isAddress(account, { strict: false })) {
    throw new VerifierError('bad_input', 'account must be a 20-byte hex address');
  }
  return getAddress(account);
}

/**
 * Binds `nullifier` to `account` within `scope`: 'new' for the first binding, 'same-account'
 * when the account already holds it; throws `nullifier_reused` when another account does.
 * Given an `EntityManager`, it joins that transaction (so a caller's rollback undoes the binding).
 */
export async function bindNullifier(
  db: DataSource | EntityManager,
  binding: NullifierBinding,
): Promise<BindingResult> {
  const scope = fieldText(binding.scope, 'scope');
  const nullifier = fieldText(binding.nullifier, 'nullifier');
  if (nullifier === '0') throw new VerifierError('nullifier_zero', 'nullifier must not be 0');
  const account = normalizeAccount(binding.account);
  const now = binding.now ?? Math.floor(Date.now() / 1000);
  const bind = async (tx: EntityManager): Promise<BindingResult> => {
    const inserted = await insertIfAbsent(tx, NullifierBindingEntity, {
      scope,
      nullifier,
      account,
      createdAt: now,
    });
    if (inserted) return 'new';
    const winner = await tx.getRepository(NullifierBindingEntity).findOne({
      where: { scope, nullifier },
    });
    if (!winner) throw new VerifierError('internal', 'nullifier binding vanished');
    if (winner.account === account) return 'same-account';
    throw new VerifierError(
      'nullifier_reused',
      'this credential is already bound to another account for this policy',
    );
  };
  return db instanceof DataSource ? withTransaction(db, bind) : bind(db);
}
