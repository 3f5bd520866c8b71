/**
 * A wallet's answer to a proof request, end to end: find the request and its policy, check the
 * consent receipt against them (`checkConsentReceipt`), verify and complete the request
 * (`verifySubmission`: every public signal, the pool, the nullifier binding, the record, the
 * completion hook, in one transaction), then, when the marketplace asked for it and the proof is
 * verified, relay it to `ZkGate.verifyFor(account, …)` so the account gets the on-chain pass as
 * well without paying gas. The relay's outcome is stored on the request; a relay failure never
 * undoes the off-chain verdict (the pass was recorded), it is reported as its own status and code.
 *
 * Refusals before any work (nothing recorded, the request stays pending): `not_found`,
 * `policy_disabled`, `consent_mismatch`, `request_completed`, `request_expired`, `bad_input`,
 * and `busy`/`worker_failed`/`chain_unreachable` (retry).
 */
import { expectedContext, withTransaction, type ConsentReceipt } from '#platform';
import { ZkrepError, type ErrorCode } from '#zk';
import type { Address, Hex } from 'viem';
import type { EntityManager } from 'typeorm';
import { VerifierError } from '../errors.js';
import { ProofRequestEntity, type ProofRequestRow, type RelayStatus } from '../store/schema.js';
import { checkConsentReceipt } from './consent.js';
import { normalizeAccount } from './nullifiers.js';
import { loadPolicyById } from './policy-store.js';
import { requestBinding } from './requests.js';
import {
  verifySubmission,
  type CompletionEvent,
  type VerificationDeps,
  type VerificationResult,
} from './verification.js';

/** Sends a verified proof to ZkGate for `account` (the service wires it to `#contracts`). */
export interface Relayer {
  relay(p: {
    chainPolicyId: bigint;
    proof: unknown;
    publicSignals: readonly string[];
    account: Address;
    context: Hex;
  }): Promise<
    { ok: true; transactionHash: Hex; expiresAt: number } | { ok: false; code: ErrorCode }
  >;
}

/** What happens when a request is final (verdict, and relay outcome if one was asked for). */
export type RequestFinal = Omit<CompletionEvent, 'request'> & {
  request: ProofRequestRow;
  relay: { status: RelayStatus; transactionHash: string | null; code: string | null } | null;
};

export interface AnswerDeps extends Omit<VerificationDeps, 'onComplete'> {
  relayer?: Relayer | undefined;
  /** Called in the transaction that makes the request final (the webhook outbox). */
  onFinal?: ((tx: EntityManager, final: RequestFinal) => Promise<void>) | undefined;
}

export interface Answer {
  requestId: string;
  proof: unknown;
  publicSignals: unknown;
  account: string;
  consentReceipt: ConsentReceipt;
}

export type AnswerResult = VerificationResult & {
  requestId: string;
  relay: { status: RelayStatus; transactionHash: string | null; code: string | null } | null;
};

/** Answers a proof request (see the module comment). */
export async function answerProofRequest(deps: AnswerDeps, answer: Answer): Promise<AnswerResult> {
  const request = await deps.dataSource
    .getRepository(ProofRequestEntity)
    .findOne({ where: { id: answer.requestId } });
  if (!request) throw new VerifierError('not_found', 'no proof request has this id');
  const policy = await loadPolicyById(deps.dataSource, request.policyId);
  if (policy.status !== 'active') {
    throw new VerifierError('policy_disabled', 'the policy is disabled');
  }
  const account = normalizeAccount(answer.account);
  const now = deps.clock();
  if (request.status !== 'pending') {
    throw new VerifierError('request_completed', 'the proof request has already been answered');
  }
  if (now >= request.expiresAt) {
    throw new VerifierError('request_expired', 'the proof request has expired');
  }
  const consentReceiptHash = checkConsentReceipt(answer.consentReceipt, {
    request,
    policy,
    verifierId: deps.verifierId,
    now,
  });
  const relayAsked = request.relayStatus === 'requested';
  const result = await verifySubmission(
    {
      ...deps,
      // Without a relay the verdict is final now; with one, after the relay (below).
      onComplete: async (tx, completion) => {
        if (relayAsked && completion.outcome === 'verified') return;
        const relay = relayAsked
          ? { status: 'failed' as const, transactionHash: null, code: completion.code }
          : null;
        if (relay) await setRelay(tx, request.id, relay);
        await deps.onFinal?.(tx, { ...completion, request, relay });
      },
    },
    {
      request,
      policy,
      proof: answer.proof,
      publicSignals: answer.publicSignals,
      account,
      consentReceiptHash,
      consentReceipt: answer.consentReceipt,
    },
  );
  if (!relayAsked) return { ...result, requestId: request.id, relay: null };
  if (!result.verified) {
    return {
      ...result,
      requestId: request.id,
      relay: { status: 'failed', transactionHash: null, code: result.code },
    };
  }

  const binding = requestBinding(policy, deps.verifierId, deps.gate);
  let relay: NonNullable<AnswerResult['relay']>;
  if (!deps.relayer || binding.kind !== 'gate') {
    relay = { status: 'failed', transactionHash: null, code: 'config_invalid' };
  } else {
    try {
      const sent = await deps.relayer.relay({
        chainPolicyId: BigInt(binding.policyId),
        proof: answer.proof,
        publicSignals: answer.publicSignals as string[],
        account: account as Address,
        context: expectedContext(binding, request.challenge as Hex, consentReceiptHash)!,
      });
      relay = sent.ok
        ? { status: 'confirmed', transactionHash: sent.transactionHash, code: null }
        : { status: 'failed', transactionHash: null, code: sent.code };
    } catch (e) {
      const code = e instanceof ZkrepError ? e.code : 'internal';
      relay = { status: 'failed', transactionHash: null, code };
    }
  }
  await withTransaction(deps.dataSource, async (tx) => {
    await setRelay(tx, request.id, relay);
    await deps.onFinal?.(tx, {
      request,
      policyId: policy.id,
      outcome: 'verified',
      code: null,
      account,
      passExpiresAt: result.passExpiresAt,
      now,
      relay,
    });
  });
  return { ...result, requestId: request.id, relay };
}

async function setRelay(
  tx: EntityManager,
  id: string,
  relay: { status: RelayStatus; transactionHash: string | null; code: string | null },
): Promise<void> {
  await tx
    .getRepository(ProofRequestEntity)
    .update(
      { id },
      { relayStatus: relay.status, relayTxHash: relay.transactionHash, relayCode: relay.code },
    );
}
