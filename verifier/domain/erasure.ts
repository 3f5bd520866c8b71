/**
 * Withdrawal, erasure and retention at the verifier (SECURITY-CASES R03, R05, R06;
 * docs/compliance.md §6).
 *
 * Withdrawal: the holder's wallet sends a `Withdrawal` (#platform) signed by the receipt's
 * `withdrawKey` — an address the receipt carries and the proof binds (through the receipt hash in
 * its signal hash), so only the holder who proved can withdraw, and nothing else links to it. In
 * ONE transaction the verifier then:
 *   - marks the record withdrawn (a conditional update: of concurrent withdrawals one erases,
 *     the others answer `busy` and, retried, get its deletion record), so the pass stops
 *     counting (the request shows `withdrawn`);
 *   - crypto-shreds what it kept for it (shred.ts): deletes the data key and nulls the sealed
 *     receipt and the audit entry's body (its body hash stays, so the chain still verifies and
 *     reports show a stub), the record's nullifier and account;
 *   - appends an `erasure` entry naming the erased entry (seq, body hash), its policy and
 *     marketplace — no receipt hash, no account;
 *   - signs a deletion record (JWT `zkrep-erasure+jwt` by the verifier DID: the cause, the
 *     receipt hash, the erased entries, the time) and keeps it on the record, so a repeat gets
 *     the same one.
 * Later reports show the erasure entry as an event (counts.withdrawals) and the erased entry as
 * a stub; `zkrep report verify` checks that each erased entry is a stub with the body hash named.
 *
 * Retention: `purgeExpired` shreds every verification whose data key's `retainUntil` (its time +
 * the policy's retention days) has passed, and appends one `purge` entry per marketplace and
 * policy listing each (seq, body hash, retainUntil, retentionDays), from which a checker sees
 * that only entries past their retention went.
 *
 * The nullifier binding (scope, nullifier → account; nullifiers.ts) is kept: it is what stops one
 * credential from being bound to a second account in the same scope (the anti-fraud purpose the
 * policy states); on-chain passes (ZkGate) hold an account and a policy id, no attribute.
 */
import {
  consentReceiptHash,
  parseConsentReceipt,
  withdrawalSignedFor,
  withTransaction,
  type Withdrawal,
} from '#platform';
import { createJWT, type JWTHeader, type Signer } from 'did-jwt';
import type { Logger } from 'pino';
import { LessThanOrEqual, type DataSource, type EntityManager } from 'typeorm';
import { VerifierError } from '../errors.js';
import {
  AuditEntryEntity,
  DataKeyEntity,
  PolicyEntity,
  ProofRequestEntity,
  VerificationRecordEntity,
} from '../store/schema.js';
import { appendAuditEntry } from './audit.js';
import { every } from './schedule.js';
import { open, readDataKeys, shredDataKey } from './shred.js';

/** The JOSE `typ` of a deletion record. */
export const ERASURE_TYP = 'zkrep-erasure+jwt';
/** A withdrawal's time may differ from the verifier's clock by at most this (seconds). */
export const WITHDRAWAL_SKEW_SECONDS = 300;
/** The account a shredded record keeps (the column is required). */
const NO_ACCOUNT = '0x0000000000000000000000000000000000000000';

/** One erased entry: its seq and the body hash its stub keeps. */
export interface ErasedEntry {
  seq: number;
  bodyHash: string;
}

/** What a deletion record states (signed as the verifier DID). */
export interface ErasureClaims {
  cause: 'withdrawal';
  receiptHash: string;
  erased: ErasedEntry[];
  /** When the verifier erased (unix seconds). */
  at: number;
}

export interface ErasureDeps {
  dataSource: DataSource;
  /** The verifier's DID. */
  verifier: string;
  /** Signs a deletion record as the verifier DID (`signErasureRecord`). */
  sign: (claims: ErasureClaims) => Promise<string>;
  /** Unix seconds. */
  now: () => number;
  logger: Logger;
  /**
   * Called in the erasing transaction with the times of the entries erased: drops what else
   * holds their bodies (the stored reports: report-store.ts `dropReportsCovering`).
   */
  onErased?: ((tx: EntityManager, at: readonly number[]) => Promise<unknown>) | undefined;
}

/** Signs a deletion record as `did`. */
export async function signErasureRecord(p: {
  did: string;
  signer: Signer;
  claims: ErasureClaims;
}): Promise<string> {
  const header = { alg: 'ES256K', typ: ERASURE_TYP, kid: `${p.did}#controller` };
  try {
    return await createJWT(
      { iat: p.claims.at, erasure: p.claims },
      { issuer: p.did, signer: p.signer, alg: 'ES256K' },
      header as unknown as Partial<JWTHeader>,
    );
  } catch (cause) {
    throw new VerifierError('internal', 'signing the deletion record failed', { cause });
  }
}

/** The result of a withdrawal: when, and the signed deletion record. */
export interface WithdrawalOutcome {
  withdrawnAt: number;
  record: string;
}

/**
 * Carries out a holder's withdrawal (see the module comment). `bad_input` for a time too far
 * from the verifier's clock, `bad_signature` when it is not signed by the receipt's withdraw key
 * or names another verifier, `not_found` when no record with a receipt of that hash is kept (or
 * it was purged).
 */
export async function withdrawConsent(
  deps: ErasureDeps,
  w: Withdrawal,
): Promise<WithdrawalOutcome> {
  const now = deps.now();
  if (Math.abs(now - w.at) > WITHDRAWAL_SKEW_SECONDS) {
    throw new VerifierError('bad_input', 'the withdrawal is not recent: sign it again');
  }
  if (w.verifier !== deps.verifier) {
    throw new VerifierError('bad_signature', 'the withdrawal is for another verifier');
  }
  const outcome = await withTransaction(deps.dataSource, async (tx) => {
    const records = tx.getRepository(VerificationRecordEntity);
    const record = await records.findOneBy({ consentReceiptHash: w.receiptHash });
    if (!record) throw notKept();
    if (record.withdrawnAt !== null && record.erasureRecord !== null) {
      return { withdrawnAt: record.withdrawnAt, record: record.erasureRecord, fresh: false };
    }
    if (record.consentReceipt === null) throw notKept();
    const key = (await readDataKeys(tx, [record.requestId])).get(record.requestId);
    if (!key) throw notKept();
    const receipt = parseConsentReceipt(JSON.parse(open(key, record.consentReceipt)));
    if (consentReceiptHash(receipt) !== w.receiptHash) {
      throw new VerifierError('storage_corrupt', 'a kept receipt does not hash to its hash');
    }
    if (!(await withdrawalSignedFor(w, receipt))) {
      throw new VerifierError(
        'bad_signature',
        "the withdrawal is not signed by the receipt's withdraw key",
      );
    }
    // Claim the withdrawal first: a concurrent one for the same record waits here, then finds
    // it withdrawn and rolls back (its caller retries and gets this one's record).
    const claimed = await records
      .createQueryBuilder()
      .update()
      .set({ withdrawnAt: now })
      .where('request_id = :id AND withdrawn_at IS NULL', { id: record.requestId })
      .execute();
    if (claimed.affected !== 1) throw new VerifierError('busy', 'withdrawn meanwhile: retry');
    const shredded = await shredVerification(tx, record.requestId);
    const erased = shredded && { seq: shredded.seq, bodyHash: shredded.bodyHash };
    if (shredded) await deps.onErased?.(tx, [shredded.at]);
    const policy = await tx.getRepository(PolicyEntity).findOneBy({ id: record.policyId });
    await appendAuditEntry(tx, {
      kind: 'erasure',
      at: now,
      body: {
        version: 1,
        cause: 'withdrawal',
        policyId: record.policyId,
        marketplaceId: policy?.marketplaceId ?? null,
        erased: erased ? [erased] : [],
      },
    });
    const jwt = await deps.sign({
      cause: 'withdrawal',
      receiptHash: w.receiptHash,
      erased: erased ? [erased] : [],
      at: now,
    });
    await records.update({ requestId: record.requestId }, { erasureRecord: jwt });
    return { withdrawnAt: now, record: jwt, fresh: true };
  });
  if (outcome.fresh) deps.logger.info({ code: 'withdrawn' }, 'consent withdrawn; record erased');
  return { withdrawnAt: outcome.withdrawnAt, record: outcome.record };
}

const notKept = () =>
  new VerifierError('not_found', 'no verification with that consent receipt is kept');

/**
 * Shreds verification `requestId` inside `tx`: its data key, its record's receipt, nullifier and
 * account, its request's account, its audit entry's body. Returns the erased entry (null if it
 * has none).
 */
async function shredVerification(
  tx: EntityManager,
  requestId: string,
): Promise<(ErasedEntry & { at: number }) | null> {
  await shredDataKey(tx, requestId);
  await tx
    .getRepository(VerificationRecordEntity)
    .update({ requestId }, { consentReceipt: null, nullifier: null, account: NO_ACCOUNT });
  await tx.getRepository(ProofRequestEntity).update({ id: requestId }, { account: null });
  const entries = tx.getRepository(AuditEntryEntity);
  const entry = await entries.findOneBy({ dataKey: requestId, kind: 'verification' });
  if (!entry) return null;
  if (entry.bodyHash === null) {
    throw new VerifierError('storage_corrupt', `audit entry ${entry.seq} keeps no body hash`);
  }
  await entries.update({ seq: entry.seq }, { body: null });
  return { seq: Number(entry.seq), bodyHash: entry.bodyHash, at: Number(entry.at) };
}

/** What one purge run did. */
export interface PurgeOutcome {
  /** Verifications erased. */
  purged: number;
  /** The purge entries appended (one per marketplace and policy). */
  entries: number;
}

/**
 * Erases, in one transaction, up to `limit` verifications whose retention ended by `now` (their
 * data key's `retainUntil`), oldest first, and appends a `purge` entry per marketplace and policy
 * listing them. Call it again while `purged === limit`.
 */
export async function purgeExpired(
  deps: Pick<ErasureDeps, 'dataSource' | 'now' | 'logger' | 'onErased'>,
  p: { limit?: number } = {},
): Promise<PurgeOutcome> {
  const now = deps.now();
  const limit = p.limit ?? 500;
  const outcome = await withTransaction(deps.dataSource, async (tx) => {
    const due = await tx.getRepository(DataKeyEntity).find({
      where: { retainUntil: LessThanOrEqual(now) },
      order: { retainUntil: 'ASC', id: 'ASC' },
      take: limit,
    });
    const groups = new Map<
      string,
      { policyId: string; marketplaceId: string | null; erased: Record<string, unknown>[] }
    >();
    let purged = 0;
    const times: number[] = [];
    for (const k of due) {
      const record = await tx
        .getRepository(VerificationRecordEntity)
        .findOneBy({ requestId: k.id });
      const erased = await shredVerification(tx, k.id);
      purged++;
      if (!record || !erased) continue;
      times.push(erased.at);
      const policy = await tx.getRepository(PolicyEntity).findOneBy({ id: record.policyId });
      const marketplaceId = policy?.marketplaceId ?? null;
      const group = `${marketplaceId}\n${record.policyId}`;
      if (!groups.has(group)) {
        groups.set(group, { policyId: record.policyId, marketplaceId, erased: [] });
      }
      const retainUntil = Number(k.retainUntil);
      groups.get(group)!.erased.push({
        seq: erased.seq,
        bodyHash: erased.bodyHash,
        policyId: record.policyId,
        retainUntil,
        retentionDays: (retainUntil - erased.at) / 86_400,
      });
    }
    if (times.length > 0) await deps.onErased?.(tx, times);
    for (const g of groups.values()) {
      await appendAuditEntry(tx, {
        kind: 'purge',
        at: now,
        body: {
          version: 1,
          cause: 'retention',
          policyId: g.policyId,
          marketplaceId: g.marketplaceId,
          erased: g.erased,
        },
      });
    }
    return { purged, entries: groups.size };
  });
  if (outcome.purged > 0) {
    deps.logger.info(outcome, 'verifications past their retention erased');
  }
  return outcome;
}

/**
 * Runs `purgeExpired` every `intervalMs` (after each run ends; unref'ed), draining in batches.
 * Failures are logged by code. `stop()` waits for a run in flight.
 */
export function scheduleRetention(
  deps: Pick<ErasureDeps, 'dataSource' | 'now' | 'logger' | 'onErased'>,
  p: { intervalMs: number; limit?: number },
): { stop(): Promise<void> } {
  const limit = p.limit ?? 500;
  return every(
    async (stopped) => {
      while (!stopped() && (await purgeExpired(deps, { limit })).purged === limit);
    },
    { intervalMs: p.intervalMs, logger: deps.logger, what: 'retention purge' },
  );
}
