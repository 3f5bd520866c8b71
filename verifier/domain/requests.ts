/**
 * Proof requests: a single-use challenge for one policy, valid for a short while. The proof's
 * signal hash binds this challenge (with the consent receipt and the account), so a proof answers
 * exactly one request; `verifySubmission` completes a request once, as verified or failed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { withTransaction } from '#platform';
import type { DataSource } from 'typeorm';
import { VerifierError } from '../errors.js';
import { ProofRequestEntity, type ProofRequestRow } from '../store/schema.js';

/** Longest a request may stay open (seconds). */
export const MAX_REQUEST_TTL_SECONDS = 3_600;

/** Creates a pending proof request for `policyId` with a fresh random challenge. */
export async function createProofRequest(
  ds: DataSource,
  params: { policyId: string; now: number; ttlSeconds: number },
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
  const row: ProofRequestRow = {
    id: randomUUID(),
    policyId,
    challenge: `0x${randomBytes(32).toString('hex')}`,
    expiresAt: now + ttlSeconds,
    status: 'pending',
    account: null,
    createdAt: now,
  };
  await withTransaction(ds, (tx) => tx.getRepository(ProofRequestEntity).insert(row));
  return row;
}
