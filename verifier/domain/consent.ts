/**
 * The consent receipt a holder sends with a proof (`#platform` `ConsentReceipt`, v2) must
 * describe exactly the request it answers: this request, this verifier, this policy with the
 * purpose, legal basis, retention and predicates the marketplace set, and a time within the
 * request's life. Only then is its hash (which the proof's signal hash commits to) accepted: a
 * holder cannot be shown one purpose and have a proof recorded under another. The receipt names
 * no account: the account is bound by the signal hash itself (with the challenge, through the
 * request digest; `#zk` `requestSignalHash`), which `verifySubmission` checks.
 *
 * A mismatch is `consent_mismatch` and, like malformed input, completes nothing: the request
 * stays pending (someone who merely saw the QR code cannot burn it with a bogus receipt).
 */
import { consentReceiptHash, type ConsentReceipt } from '#platform';
import type { Hex } from 'viem';
import { VerifierError } from '../errors.js';
import type { ProofRequestRow } from '../store/schema.js';
import type { StoredPolicy } from './requests.js';

/** How far (seconds) a receipt's time may lie outside the request's life (clock skew). */
export const CONSENT_CLOCK_SKEW_SECONDS = 300;

const mismatch = (field: string) =>
  new VerifierError(
    'consent_mismatch',
    `the consent receipt's ${field} does not match the request`,
  );

/** Checks `receipt` against the request and returns its hash; throws `consent_mismatch`. */
export function checkConsentReceipt(
  receipt: ConsentReceipt,
  expected: {
    request: ProofRequestRow;
    policy: StoredPolicy;
    verifierId: string;
    now: number;
  },
): Hex {
  const { request, policy } = expected;
  if (receipt.requestId !== request.id) throw mismatch('requestId');
  if (receipt.verifier !== expected.verifierId) throw mismatch('verifier');
  if (receipt.policyId !== policy.id) throw mismatch('policyId');
  if (receipt.purpose !== policy.purpose) throw mismatch('purpose');
  if (receipt.legalBasis !== policy.legalBasis) throw mismatch('legalBasis');
  if (receipt.retentionDays !== policy.retentionDays) throw mismatch('retentionDays');
  const same =
    receipt.predicates.length === policy.predicates.length &&
    receipt.predicates.every((p, i) => {
      const q = policy.predicates[i]!;
      return p.attribute === q.attribute && p.op === q.op && p.value === q.value;
    });
  if (!same) throw mismatch('predicates');
  if (
    receipt.consentedAt < request.createdAt - CONSENT_CLOCK_SKEW_SECONDS ||
    receipt.consentedAt > expected.now + CONSENT_CLOCK_SKEW_SECONDS
  ) {
    throw mismatch('consentedAt');
  }
  return consentReceiptHash(receipt);
}
