/**
 * Proof requests: a single-use challenge for one policy, valid for a short while, announced to
 * the wallet as a request object signed by the verifier's DID (OpenID4VP style, `#platform`
 * `signRequestObject`). The proof's signal hash binds this challenge (with the consent receipt
 * and the account), so a proof answers exactly one request; `verifySubmission` completes a
 * request once, as verified or failed.
 *
 * How the holder binds the proof depends on the policy (`requestBinding`):
 * - an off-chain policy (`kind: 'verifier'`): scope `verifierScope(verifierDid, policyId)`, signal
 *   hash `requestSignalHash(challenge, consentReceiptHash, account)`;
 * - a policy mirrored into ZkGate (`kind: 'gate'`): scope `gateScope(chainId, gate, chainPolicyId)`,
 *   signal hash `gateSignalHash(account, requestContext(challenge, consentReceiptHash))`, so the
 *   same proof is accepted here and by `ZkGate.verifyFor(account, …, context)` (relay).
 * The verifier recomputes both from its own state; the prover's values are only compared.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  expectedScope,
  withTransaction,
  type CompiledPolicy,
  type ProofRequestClaims,
  type RequestBinding,
} from '#platform';
import type { Address, Hex } from 'viem';
import type { DataSource } from 'typeorm';
import { VerifierError } from '../errors.js';
import { ProofRequestEntity, type ProofRequestRow } from '../store/schema.js';

/** Longest a request may stay open (seconds). */
export const MAX_REQUEST_TTL_SECONDS = 3_600;

/** A stored policy: compiled, plus its ZkGate id when mirrored. */
export type StoredPolicy = CompiledPolicy & { chainPolicyId?: string | null };

/** Where this verifier's policies are mirrored (absent: no chain mirroring configured). */
export interface GateTarget {
  chainId: number;
  address: Address;
}

/** The binding of a policy's proofs. */
export function requestBinding(
  policy: StoredPolicy,
  verifierId: string,
  gate: GateTarget | undefined,
): RequestBinding {
  if (policy.chainPolicyId) {
    if (!gate) {
      throw new VerifierError(
        'config_invalid',
        'the policy is mirrored on-chain but no gate is set',
      );
    }
    return {
      kind: 'gate',
      chainId: gate.chainId,
      gate: gate.address,
      policyId: policy.chainPolicyId,
    };
  }
  return { kind: 'verifier', verifierId };
}

/** What the wallet is shown and proves against: the claims of the request object. */
export function requestClaims(
  policy: StoredPolicy,
  request: { id: string; challenge: string },
  binding: RequestBinding,
): ProofRequestClaims {
  return {
    version: 1,
    requestId: request.id,
    challenge: request.challenge as Hex,
    policy: {
      id: policy.id,
      schema: policy.schema,
      predicates: policy.predicates.map((p) => ({ ...p })),
      purpose: policy.purpose,
      retentionDays: policy.retentionDays,
      legalBasis: policy.legalBasis,
      trustedIssuers: [...policy.trustedIssuers],
      queryHash: policy.queryHash.toString(),
      passLifetimeSeconds: policy.passLifetimeSeconds,
      maxProofAgeSeconds: policy.maxProofAgeSeconds,
    },
    scope: expectedScope(binding, policy.id).toString(),
    binding,
  };
}

export interface CreateProofRequest {
  policyId: string;
  now: number;
  ttlSeconds: number;
  /** Signs the request object for a request (id and challenge chosen here). */
  sign?: (request: { id: string; challenge: string; expiresAt: number }) => Promise<string>;
  webhookUrl?: string | null;
  /** Relay the verified proof to ZkGate (the policy must be mirrored). */
  relay?: boolean;
}

/** Creates a pending proof request for `policyId` with a fresh random challenge. */
export async function createProofRequest(
  ds: DataSource,
  params: CreateProofRequest,
): Promise<ProofRequestRow> {
  const { policyId, now, ttlSeconds } = params;
  if (typeof policyId !== 'string' || policyId === '' || policyId.length > 64) {
    throw new VerifierError('bad_input', 'policyId is required');
  }
  if (!Number.isSafeInteger(now) || now < 0) {
    throw new VerifierError('bad_input', 'now must be unix seconds');
  }
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_REQUEST_TTL_SECONDS) {
    throw new VerifierError(
      'out_of_range',
      `ttlSeconds must be in [1, ${MAX_REQUEST_TTL_SECONDS}]`,
    );
  }
  const id = randomUUID();
  const challenge = `0x${randomBytes(32).toString('hex')}`;
  const expiresAt = now + ttlSeconds;
  const requestObject = params.sign ? await params.sign({ id, challenge, expiresAt }) : '';
  const row: ProofRequestRow = {
    id,
    policyId,
    challenge,
    expiresAt,
    status: 'pending',
    account: null,
    requestObject,
    webhookUrl: params.webhookUrl ?? null,
    relayStatus: params.relay ? 'requested' : null,
    relayTxHash: null,
    relayCode: null,
    createdAt: now,
  };
  await withTransaction(ds, (tx) => tx.getRepository(ProofRequestEntity).insert(row));
  return row;
}
