/**
 * Verifying a holder's submission for a proof request (docs/protocol.md §4, the right-hand
 * column). The verifier recomputes every expectation itself — the scope from its own id and the
 * policy id, the signal hash from the request's challenge, the consent receipt hash and the
 * account, the query hash from the policy — and never takes one from the prover. Then:
 *
 *   normalise the input (any shape gets a verdict) → `checkPublicSignals` → the issuer's standing
 *   in IssuerRegistry (active, allowed the schema) → pass not dead on arrival → the pool's strict Groth16 verification → in ONE transaction: bind the nullifier to
 *   the account, complete the request, write the verification record and append its audit-log
 *   entry (audit.ts), then the completion hook.
 *
 * A request is completed once. Any verdict — verified or failed — completes it (its challenge is
 * single use) and appends exactly one audit entry, in the transaction of its record (`complete`
 * is the one place that writes a record); the completion is a conditional UPDATE
 * (`status = 'pending' AND expires_at > now`), so of concurrent submissions for one request exactly one completes it and the others roll back
 * (their nullifier bindings with them). A submission for a completed or expired request is
 * refused with `request_completed` / `request_expired` before any work is done.
 * `busy`/`worker_failed` from the pool propagate and leave the request pending (retry).
 *
 * Verdicts carry coarse codes only (those of `checkPublicSignals`, `verify`, `pass_already_expired`
 * and `nullifier_reused`) and messages without personal data.
 */
import {
  canonicalConsentReceipt,
  consentReceiptHash as hashConsentReceipt,
  expectedScope,
  expectedSignalHash,
  withTransaction,
  type ConsentReceipt,
} from '#platform';
import {
  checkPublicSignals,
  decodeProofTime,
  isVerifyFailure,
  normalizeVerifyItem,
  parsePublicSignals,
  requestDigest,
  type ErrorCode,
  type VerifyResult,
} from '#zk';
import type { Address, Hex } from 'viem';
import type { DataSource, EntityManager } from 'typeorm';
import { VerifierError } from '../errors.js';
import {
  ProofRequestEntity,
  VerificationRecordEntity,
  type ProofRequestRow,
  type VerificationOutcome,
} from '../store/schema.js';
import { appendVerificationEntry, type VerificationAuditEvent } from './audit.js';
import { bindNullifier, normalizeAccount } from './nullifiers.js';
import { requestBinding, type GateTarget, type StoredPolicy } from './requests.js';
import { createDataKey, seal } from './shred.js';

/** What a policy allows for a revocation root, handed to `rootAccepted`. */
export interface RootTerms {
  /** A superseded root is accepted for this many seconds; 0 = current only. */
  maxRootAgeSeconds: number;
  /** The verifier's clock, unix seconds. */
  now: number;
}

/** Why `IssuerRegistry` refuses an issuer (null: it accepts it). */
export type IssuerRefusal = 'issuer_inactive' | 'issuer_schema_not_allowed';

export interface VerificationDeps {
  dataSource: DataSource;
  /** A verifier pool (`createVerifierPool` from `#zk`) or anything with its `verify`. */
  pool: { verify(proof: unknown, publicSignals: unknown): Promise<VerifyResult> };
  /** This verifier's id (its DID): the scope is `verifierScope(verifierId, policy.id)`. */
  verifierId: string;
  /** Where mirrored policies live: their scope and signal hash are the gate's (requests.ts). */
  gate?: GateTarget | undefined;
  /**
   * Called inside the transaction that completes a request, after its record and audit entry
   * are written (the webhook outbox): a throw rolls all of it back.
   */
  onComplete?: ((tx: EntityManager, completion: CompletionEvent) => Promise<void>) | undefined;
  /** Unix seconds. */
  clock: () => number;
  /**
   * Whether `root` is a root the issuer published, recent enough for the policy (asked only for
   * a trusted issuer). It may ask the chain: a failure to answer fails closed — the submission is
   * refused with the error (e.g. `chain_unreachable`) and the request stays pending (A11).
   */
  rootAccepted: (
    issuerKeyHash: bigint,
    root: bigint,
    terms: RootTerms,
  ) => boolean | Promise<boolean>;
  /**
   * The issuer's standing in `IssuerRegistry` for the policy's schema (asked only for a trusted
   * issuer); like `rootAccepted`, a failure to answer fails closed.
   */
  issuerStanding: (issuerKeyHash: bigint, schema: bigint) => Promise<IssuerRefusal | null>;
}

/** A request's completion, as `onComplete` sees it. */
export interface CompletionEvent {
  request: ProofRequestRow;
  policyId: string;
  outcome: VerificationOutcome;
  code: ErrorCode | null;
  account: string;
  passExpiresAt: number | null;
  now: number;
}

export interface Submission {
  request: ProofRequestRow;
  policy: StoredPolicy;
  proof: unknown;
  publicSignals: unknown;
  /** The 0x account the result is for (bound into the signal hash). */
  account: string;
  /** keccak256 of the holder's consent receipt, 0x + 64 hex digits (bound into the signal hash). */
  consentReceiptHash: string;
  /**
   * The consent receipt itself (already checked against the request, consent.ts): kept with the
   * record and in the audit entry. Its hash must be `consentReceiptHash`.
   */
  consentReceipt?: ConsentReceipt | undefined;
}

export type VerificationResult =
  | { verified: true; nullifier: string; account: string; passExpiresAt: number }
  | { verified: false; code: ErrorCode; message: string };

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** Refusals of a request that is not pending (nothing is recorded for them). */
const completedError = () =>
  new VerifierError('request_completed', 'the proof request has already been answered');
const expiredError = () => new VerifierError('request_expired', 'the proof request has expired');

/** Verifies a submission and completes its request (see the module comment). */
export async function verifySubmission(
  deps: VerificationDeps,
  submission: Submission,
): Promise<VerificationResult> {
  const { request, policy } = submission;
  const account = normalizeAccount(submission.account);
  if (
    typeof submission.consentReceiptHash !== 'string' ||
    !BYTES32.test(submission.consentReceiptHash)
  ) {
    throw new VerifierError('bad_input', 'consentReceiptHash must be 32 bytes of hex');
  }
  const consentReceiptHash = submission.consentReceiptHash.toLowerCase();
  const receipt = submission.consentReceipt;
  if (receipt !== undefined && hashConsentReceipt(receipt) !== consentReceiptHash) {
    throw new VerifierError('bad_input', 'the consent receipt does not have the hash given for it');
  }
  if (request.policyId !== policy.id) {
    throw new VerifierError('bad_input', 'the proof request is for another policy');
  }
  const now = deps.clock();
  if (request.status !== 'pending') throw completedError();
  if (now >= request.expiresAt) throw expiredError();

  const binding = requestBinding(policy, deps.verifierId, deps.gate);
  const record: Omit<Completion, 'outcome' | 'code' | 'nullifier' | 'passExpiresAt'> = {
    request,
    policy,
    account,
    consentReceiptHash,
    now,
    scope: expectedScope(binding, policy.id).toString(),
    consentReceipt: receipt ?? null,
    // Off-chain binding: what lets a regulator check the signal hash from the receipt hash alone
    // (`requestSignalHashOf(receiptHash, requestDigest)`) without the challenge or the account.
    requestDigest:
      binding.kind === 'verifier'
        ? requestDigest(request.challenge as Hex, account as Address)
        : null,
    // Set once the proof and signals are well formed: the audit entry keeps them.
    evidence: null,
    onComplete: deps.onComplete,
  };
  const refuse = (code: ErrorCode, message: string, nullifier: string | null = null) =>
    completeFailed(deps.dataSource, { ...record, code, message, nullifier });

  const item = normalizeVerifyItem(submission.proof, submission.publicSignals);
  if (isVerifyFailure(item)) return refuse(item.code, item.message);
  const signals = parsePublicSignals(item.publicSignals);
  record.evidence = { proof: item.proof, publicSignals: item.publicSignals, signals };

  const trustedIssuers = new Set(policy.trustedIssuers.map((k) => BigInt(k)));
  // Asked before the synchronous checks, and only for a trusted issuer (no chain reads on behalf
  // of an arbitrary key); an untrusted issuer is refused by checkPublicSignals anyway.
  const trusted = trustedIssuers.has(signals.issuerKeyHash);
  const [rootOk, standing] = trusted
    ? await Promise.all([
        deps.rootAccepted(signals.issuerKeyHash, signals.revocationRoot, {
          maxRootAgeSeconds: policy.maxRootAgeSeconds,
          now,
        }),
        deps.issuerStanding(signals.issuerKeyHash, policy.query.schema),
      ])
    : [false, null];
  const check = checkPublicSignals(signals, {
    scope: BigInt(record.scope),
    queryHash: policy.queryHash,
    signalHash: expectedSignalHash(binding, {
      challenge: request.challenge as Hex,
      consentReceiptHash: consentReceiptHash as Hex,
      account: account as Address,
    }),
    trustedIssuers,
    rootAccepted: () => rootOk,
    now: BigInt(now),
    maxProofAge: BigInt(policy.maxProofAgeSeconds),
  });
  if (!check.ok) return refuse(check.code, check.message);
  // As ZkGate: a trusted issuer must also be active in IssuerRegistry and allowed the schema.
  if (standing === 'issuer_inactive') {
    return refuse(standing, 'the issuer is suspended or revoked in the issuer registry');
  }
  if (standing === 'issuer_schema_not_allowed') {
    return refuse(standing, 'the issuer may not issue this credential type');
  }

  // As ZkGate: the pass runs from min(proof time, now); one that would be dead on arrival is refused.
  const proofTime = Number(decodeProofTime(signals.time).unix);
  const passExpiresAt = Math.min(proofTime, now) + policy.passLifetimeSeconds;
  if (passExpiresAt <= now) {
    return refuse('pass_already_expired', 'the pass would expire before it is granted');
  }

  const verdict = await deps.pool.verify(item.proof, item.publicSignals);
  if (!verdict.verified) return refuse(verdict.code, verdict.message);

  const nullifier = signals.nullifier.toString();
  return withTransaction(deps.dataSource, async (tx): Promise<VerificationResult> => {
    try {
      await bindNullifier(tx, {
        scope: signals.scope,
        nullifier,
        account,
        now,
      });
    } catch (e) {
      if (!(e instanceof VerifierError) || e.code !== 'nullifier_reused') throw e;
      await complete(tx, {
        ...record,
        outcome: 'failed',
        code: e.code,
        nullifier,
        passExpiresAt: null,
      });
      return { verified: false, code: e.code, message: e.message };
    }
    await complete(tx, { ...record, outcome: 'verified', code: null, nullifier, passExpiresAt });
    return { verified: true, nullifier, account, passExpiresAt };
  });
}

interface Completion {
  request: ProofRequestRow;
  policy: StoredPolicy;
  onComplete: VerificationDeps['onComplete'];
  account: string;
  consentReceiptHash: string;
  now: number;
  /** The scope the verifier expects (decimal). */
  scope: string;
  consentReceipt: ConsentReceipt | null;
  requestDigest: Hex | null;
  evidence: VerificationAuditEvent['evidence'];
  outcome: VerificationOutcome;
  code: ErrorCode | null;
  nullifier: string | null;
  passExpiresAt: number | null;
}

/**
 * Completes the request (only if still pending and unexpired: one winner), writes its record and
 * appends its audit entry (never the account), then calls the completion hook. Throws
 * `request_completed` / `request_expired` when that happened meanwhile (the caller's transaction
 * rolls back, as it does on any throw: record and entry exist together or not at all).
 */
async function complete(tx: EntityManager, c: Completion): Promise<void> {
  const res = await tx
    .getRepository(ProofRequestEntity)
    .createQueryBuilder()
    .update()
    .set({ status: c.outcome, account: c.account })
    .where('id = :id AND status = :pending AND expires_at > :now', {
      id: c.request.id,
      pending: 'pending',
      now: c.now,
    })
    .execute();
  if (res.affected !== 1) {
    const current = await tx
      .getRepository(ProofRequestEntity)
      .findOne({ where: { id: c.request.id } });
    if (current && current.status === 'pending') throw expiredError();
    throw completedError();
  }
  // The record's receipt and the entry's body are sealed under the verification's own data key
  // (shred.ts): a withdrawal or the end of the policy's retention deletes the key.
  const dataKey = await createDataKey(tx, {
    id: c.request.id,
    retainUntil: c.now + c.policy.retentionDays * 86_400,
    now: c.now,
  });
  await tx.getRepository(VerificationRecordEntity).insert({
    requestId: c.request.id,
    policyId: c.policy.id,
    outcome: c.outcome,
    reasonCode: c.code,
    nullifier: c.nullifier,
    account: c.account,
    consentReceiptHash: c.consentReceiptHash,
    consentReceipt: c.consentReceipt
      ? seal(dataKey, canonicalConsentReceipt(c.consentReceipt))
      : null,
    passExpiresAt: c.passExpiresAt,
    createdAt: c.now,
    withdrawnAt: null,
    erasureRecord: null,
  });
  await appendVerificationEntry(tx, {
    requestId: c.request.id,
    policy: c.policy,
    scope: c.scope,
    consentReceiptHash: c.consentReceiptHash,
    consentReceipt: c.consentReceipt,
    requestDigest: c.requestDigest,
    outcome: c.outcome,
    code: c.code,
    evidence: c.evidence,
    at: c.now,
    dataKey,
  });
  await c.onComplete?.(tx, {
    request: c.request,
    policyId: c.policy.id,
    outcome: c.outcome,
    code: c.code,
    account: c.account,
    passExpiresAt: c.passExpiresAt,
    now: c.now,
  });
}

async function completeFailed(
  ds: DataSource,
  c: Omit<Completion, 'outcome' | 'passExpiresAt' | 'code'> & { code: ErrorCode; message: string },
): Promise<VerificationResult> {
  await withTransaction(ds, (tx) => complete(tx, { ...c, outcome: 'failed', passExpiresAt: null }));
  return { verified: false, code: c.code, message: c.message };
}
