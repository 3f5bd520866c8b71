/**
 * What the holder is shown (SECURITY-CASES W08): plain words for each predicate, what is and is
 * not revealed, and a warning where a request asks for more than its purpose needs, each warning
 * raised by a request where only it applies.
 */
import type { ProofRequestClaims, RequestPredicate } from '#platform';
import { describeRequest } from './disclosure.js';

const VERIFIER = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa';

function claims(
  predicates: RequestPredicate[],
  over: Partial<ProofRequestClaims['policy']> = {},
  schema = 'AgeCredential',
): ProofRequestClaims {
  return {
    version: 1,
    requestId: 'req-1',
    challenge: `0x${'11'.repeat(32)}`,
    policy: {
      id: 'adults',
      schema,
      predicates,
      purpose: 'selling age-restricted goods',
      retentionDays: 30,
      legalBasis: 'legal_obligation',
      trustedIssuers: ['1'],
      queryHash: '1',
      passLifetimeSeconds: 3600,
      maxProofAgeSeconds: 300,
      ...over,
    },
    scope: '1',
    binding: { kind: 'verifier', verifierId: VERIFIER },
  };
}

const kinds = (c: ProofRequestClaims) => describeRequest(c, VERIFIER).warnings.map((w) => w.kind);

describe('describeRequest', () => {
  it('says in plain words what an age check reveals and what it does not', () => {
    const d = describeRequest(
      claims([{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }]),
      VERIFIER,
    );
    expect(d.statements).toEqual(['you are at least 18 years old']);
    expect(d.reveals[0]).toBe('that you are at least 18 years old');
    expect(d.withholds).toEqual(
      expect.arrayContaining([
        'your date of birth itself',
        'your country of residence',
        'your identity-check level',
        'your DID, your name or any other identifier',
      ]),
    );
    expect(d.summary).toContain('you are at least 18 years old');
    expect(d.summary).toContain('not your date of birth itself');
    expect(d.summary).toContain('30 days');
    expect(d.warnings).toEqual([]);
  });

  it('describes reputation thresholds', () => {
    const d = describeRequest(
      claims(
        [
          { attribute: 'score', op: 'gte', value: 80 },
          { attribute: 'trades', op: 'gte', value: 10 },
        ],
        {},
        'MarketplaceReputationCredential',
      ),
      VERIFIER,
    );
    expect(d.statements).toEqual([
      'your reputation score is at least 80',
      'your number of completed trades is at least 10',
    ]);
    expect(d.warnings).toEqual([]);
  });

  it('W08: an exact birth date is refused, with the predicate that would do', () => {
    const d = describeRequest(
      claims([{ attribute: 'birthDate', op: 'eq', value: '1990-02-28' }]),
      VERIFIER,
    );
    expect(d.warnings).toEqual([
      expect.objectContaining({ kind: 'exact_value', severity: 'refuse' }),
    ]);
    expect(d.warnings[0]!.message).toContain('at least N years old');
  });

  it('W08: an exact value of a many-valued integer is refused; of a small enum it is not', () => {
    expect(kinds(claims([{ attribute: 'country', op: 'eq', value: 276 }]))).toEqual([
      'exact_value',
    ]);
    expect(kinds(claims([{ attribute: 'kycLevel', op: 'eq', value: 2 }]))).toEqual([]);
    expect(
      kinds(
        claims(
          [{ attribute: 'role', op: 'eq', value: 'seller' }],
          {},
          'MarketplaceReputationCredential',
        ),
      ),
    ).toEqual([]);
  });

  it('W08: a narrow date window is refused; a wide one is not', () => {
    const window = (lo: string, hi: string) =>
      kinds(
        claims([
          { attribute: 'birthDate', op: 'gte', value: lo },
          { attribute: 'birthDate', op: 'lte', value: hi },
        ]),
      );
    expect(window('1990-01-01', '1990-12-31')).toEqual(['narrow_range']);
    expect(window('1950-01-01', '2000-12-31')).toEqual([]);
  });

  it('W08: a narrow integer window is refused; a wide one is not', () => {
    const window = (lo: number, hi: number) =>
      kinds(
        claims(
          [
            { attribute: 'score', op: 'gte', value: lo },
            { attribute: 'score', op: 'lte', value: hi },
          ],
          {},
          'MarketplaceReputationCredential',
        ),
      );
    expect(window(81, 82)).toEqual(['narrow_range']);
    expect(window(50, 100)).toEqual([]);
  });

  it('cautions (without refusing) on many predicates and on long retention', () => {
    const three = claims([
      { attribute: 'birthDate', op: 'ageAtLeast', value: 18 },
      { attribute: 'kycLevel', op: 'gte', value: 2 },
      { attribute: 'country', op: 'neq', value: 1 },
    ]);
    expect(describeRequest(three, VERIFIER).warnings).toEqual([
      expect.objectContaining({ kind: 'many_predicates', severity: 'caution' }),
    ]);
    const long = claims([{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }], {
      retentionDays: 400,
    });
    expect(describeRequest(long, VERIFIER).warnings).toEqual([
      expect.objectContaining({ kind: 'long_retention', severity: 'caution' }),
    ]);
  });
});
