/**
 * The consent receipt must describe exactly the request it answers: the honest receipt gives its
 * hash; then, for every field, a receipt where only that field differs is `consent_mismatch`.
 * It names no account (v2): the account is bound by the signal hash, not checked here.
 */
import {
  compilePolicy,
  consentReceiptHash,
  parseConsentReceipt,
  type ConsentReceipt,
} from '#platform';
import { agePolicyInput, pendingRequestRow } from '../../test/fixtures/policies.js';
import { VerifierError } from '../errors.js';
import { checkConsentReceipt, CONSENT_CLOCK_SKEW_SECONDS } from './consent.js';

const NOW = 1_790_000_000;
const VERIFIER = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa';
const policy = compilePolicy(agePolicyInput());
const request = pendingRequestRow({
  id: '0f4b1c62-2d8e-4f3a-9a51-6c7d8e9f0a1b',
  policyId: policy.id,
  createdAt: NOW - 60,
});
const honest: ConsentReceipt = parseConsentReceipt({
  version: 'zkrep-consent/2',
  receiptId: '6f1c1d7e-54a8-4d0c-9b7e-2f4a1c9d8e01',
  requestId: request.id,
  verifier: VERIFIER,
  policyId: policy.id,
  purpose: policy.purpose,
  legalBasis: policy.legalBasis,
  retentionDays: policy.retentionDays,
  predicates: policy.predicates,
  consentedAt: NOW - 5,
  withdrawKey: '0x2222222222222222222222222222222222222222',
});
const check = (receipt: ConsentReceipt) =>
  checkConsentReceipt(receipt, { request, policy, verifierId: VERIFIER, now: NOW });

describe('checkConsentReceipt', () => {
  it('accepts the honest receipt and returns its hash', () => {
    expect(check(honest)).toBe(consentReceiptHash(honest));
  });

  it.each<[string, Partial<ConsentReceipt>]>([
    ['requestId', { requestId: '1f4b1c62-2d8e-4f3a-9a51-6c7d8e9f0a1b' }],
    ['verifier', { verifier: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000bb' }],
    ['policyId', { policyId: 'another-policy' }],
    ['purpose', { purpose: 'Marketing.' }],
    ['legalBasis', { legalBasis: 'consent' }],
    ['retentionDays', { retentionDays: 91 }],
    ['predicates', { predicates: [{ attribute: 'birthDate', op: 'ageAtLeast', value: 21 }] }],
    [
      'predicates',
      {
        predicates: [
          ...policy.predicates,
          { attribute: 'country', op: 'neq', value: 840 },
        ] as ConsentReceipt['predicates'],
      },
    ],
    ['consentedAt', { consentedAt: request.createdAt - CONSENT_CLOCK_SKEW_SECONDS - 1 }],
    ['consentedAt', { consentedAt: NOW + CONSENT_CLOCK_SKEW_SECONDS + 1 }],
  ])('refuses a receipt whose %s differs', (field, over) => {
    const e = (() => {
      try {
        check({ ...honest, ...over });
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(VerifierError);
    expect(e).toMatchObject({ code: 'consent_mismatch' });
    expect((e as Error).message).toContain(field);
  });

  it('accepts the receipt times at the edges of the skew', () => {
    for (const consentedAt of [
      request.createdAt - CONSENT_CLOCK_SKEW_SECONDS,
      NOW + CONSENT_CLOCK_SKEW_SECONDS,
    ]) {
      expect(check({ ...honest, consentedAt })).toBe(
        consentReceiptHash({ ...honest, consentedAt }),
      );
    }
  });
});
