/**
 * Policy validation and compilation: the two demo policies compile to exactly the query hash of
 * the hand-built zk query, and every refusal has its own case where only it is wrong.
 */
import { agePolicyInput } from '../test/fixtures/policies.js';
import { AGE_SCHEMA, Op, REPUTATION_SCHEMA, encodeDate, queryHash } from '#zk';
import { PlatformError } from './errors.js';
import { compilePolicy, type PolicyInput } from './policy.js';

const ISSUER = '1234567890123456789';

const agePolicy = (): PolicyInput => agePolicyInput({ trustedIssuers: [ISSUER] });

const sellerPolicy = (): PolicyInput => ({
  id: 'trusted-sellers',
  marketplaceId: 'demo-market',
  schema: 'MarketplaceReputationCredential',
  trustedIssuers: [ISSUER, '42'],
  predicates: [
    { attribute: 'score', op: 'gte', value: 80 },
    { attribute: 'trades', op: 'gte', value: 10 },
    { attribute: 'role', op: 'eq', value: 'seller' },
  ],
  purpose: 'Only established sellers may list high-value items.',
  retentionDays: 365,
  legalBasis: 'legitimate_interests',
  passLifetimeSeconds: 7 * 86_400,
  maxProofAgeSeconds: 600,
  maxRootAgeSeconds: 0,
});

describe('compilePolicy', () => {
  it('compiles "age ≥ 18" to the hash of the hand-built zk query', () => {
    const p = compilePolicy(agePolicy());
    const expected = queryHash({
      schema: AGE_SCHEMA.id,
      predicates: [{ slot: 0, op: Op.ageAtLeast, value: 18n }],
    });
    expect(p.queryHash).toBe(expected);
    expect(p.query).toEqual({
      schema: AGE_SCHEMA.id,
      predicates: [{ slot: 0, op: Op.ageAtLeast, value: 18n }],
    });
    expect(p.trustedIssuers).toEqual([ISSUER]);
  });

  it('compiles "score ≥ 80 and trades ≥ 10 and role = seller" to the hand-built hash', () => {
    const p = compilePolicy(sellerPolicy());
    const expected = queryHash({
      schema: REPUTATION_SCHEMA.id,
      predicates: [
        { slot: 0, op: Op.gte, value: 80n },
        { slot: 1, op: Op.gte, value: 10n },
        { slot: 4, op: Op.eq, value: 1n }, // 'seller' is the enum's index 1
      ],
    });
    expect(p.queryHash).toBe(expected);
    expect(p.predicates).toEqual(sellerPolicy().predicates);
  });

  it('hashes differ when anything about the query differs', () => {
    const base = compilePolicy(sellerPolicy()).queryHash;
    const variants: PolicyInput['predicates'][] = [
      [
        { attribute: 'score', op: 'gte', value: 81 },
        { attribute: 'trades', op: 'gte', value: 10 },
        { attribute: 'role', op: 'eq', value: 'seller' },
      ],
      [
        { attribute: 'score', op: 'gte', value: 80 },
        { attribute: 'trades', op: 'gte', value: 10 },
        { attribute: 'role', op: 'eq', value: 'buyer' },
      ],
      [
        { attribute: 'trades', op: 'gte', value: 10 },
        { attribute: 'score', op: 'gte', value: 80 },
        { attribute: 'role', op: 'eq', value: 'seller' },
      ],
    ];
    for (const predicates of variants) {
      expect(compilePolicy({ ...sellerPolicy(), predicates }).queryHash).not.toBe(base);
    }
  });

  it('compiles dates, neq and lte through the zk encoders', () => {
    const p = compilePolicy({
      ...sellerPolicy(),
      predicates: [
        { attribute: 'memberSince', op: 'lte', value: '2024-06-30' },
        { attribute: 'disputeRate', op: 'lte', value: 50 },
        { attribute: 'role', op: 'neq', value: 'buyer' },
        { attribute: 'memberSince', op: 'ageAtLeast', value: 2 },
      ],
    });
    expect(p.query.predicates).toEqual([
      { slot: 3, op: Op.lte, value: encodeDate('2024-06-30') },
      { slot: 2, op: Op.lte, value: 50n },
      { slot: 4, op: Op.neq, value: 0n },
      { slot: 3, op: Op.ageAtLeast, value: 2n },
    ]);
  });

  it('accepts the bounds themselves', () => {
    const edge = (predicates: PolicyInput['predicates']) =>
      compilePolicy({ ...agePolicy(), predicates }).query.predicates[0]?.value;
    expect(edge([{ attribute: 'birthDate', op: 'ageAtLeast', value: 1 }])).toBe(1n);
    expect(edge([{ attribute: 'birthDate', op: 'ageAtLeast', value: 150 }])).toBe(150n);
    expect(edge([{ attribute: 'kycLevel', op: 'gte', value: 3 }])).toBe(3n);
    expect(() => compilePolicy({ ...agePolicy(), maxRootAgeSeconds: 0 })).not.toThrow();
    expect(() => compilePolicy({ ...agePolicy(), retentionDays: 3650 })).not.toThrow();
    expect(() =>
      compilePolicy({ ...agePolicy(), passLifetimeSeconds: 4_294_967_295 }),
    ).not.toThrow();
  });

  type Mutation = [string, (p: Record<string, unknown>) => void, string, RegExp];
  const refusals: Mutation[] = [
    ['an unknown field', (p) => (p.extra = 1), 'bad_input', /no field extra/],
    ['an empty id', (p) => (p.id = ''), 'bad_input', /^id must/],
    ['an id with a space', (p) => (p.id = 'a b'), 'bad_input', /^id must/],
    ['an id of 65 characters', (p) => (p.id = 'a'.repeat(65)), 'bad_input', /^id must/],
    ['a missing marketplaceId', (p) => delete p.marketplaceId, 'bad_input', /marketplaceId/],
    ['an unknown schema', (p) => (p.schema = 'PassportCredential'), 'bad_input', /schema/],
    ['a zk schema name', (p) => (p.schema = 'zkrep.age.v1'), 'bad_input', /schema/],
    ['no trusted issuer', (p) => (p.trustedIssuers = []), 'bad_input', /at least one issuer/],
    ['trustedIssuers not a list', (p) => (p.trustedIssuers = ISSUER), 'bad_input', /trusted/],
    ['an issuer as a number', (p) => (p.trustedIssuers = [42]), 'bad_encoding', /\[0\]/],
    ['an issuer in hex', (p) => (p.trustedIssuers = ['0x2a']), 'bad_encoding', /\[0\]/],
    ['issuer key hash 0', (p) => (p.trustedIssuers = ['0']), 'bad_encoding', /non-zero/],
    [
      'an issuer ≥ r',
      (p) =>
        (p.trustedIssuers = [
          '21888242871839275222246405745257275088548364400416034343698204186575808495617',
        ]),
      'bad_encoding',
      /below r/,
    ],
    ['an issuer twice', (p) => (p.trustedIssuers = [ISSUER, ISSUER]), 'bad_input', /twice/],
    [
      '33 issuers',
      (p) => (p.trustedIssuers = Array.from({ length: 33 }, (_, i) => String(i + 1))),
      'out_of_range',
      /at most 32/,
    ],
    ['no predicates', (p) => (p.predicates = []), 'bad_input', /at least one predicate/],
    [
      'five predicates',
      (p) =>
        (p.predicates = [
          { attribute: 'birthDate', op: 'ageAtLeast', value: 18 },
          { attribute: 'country', op: 'neq', value: 840 },
          { attribute: 'country', op: 'gte', value: 1 },
          { attribute: 'kycLevel', op: 'gte', value: 2 },
          { attribute: 'kycLevel', op: 'lte', value: 3 },
        ]),
      'out_of_range',
      /at most 4 predicates/,
    ],
    ['a predicate not an object', (p) => (p.predicates = ['age>18']), 'bad_input', /object/],
    [
      'a predicate with an extra field',
      (p) => (p.predicates = [{ attribute: 'birthDate', op: 'ageAtLeast', value: 18, slot: 0 }]),
      'bad_input',
      /no field slot/,
    ],
    [
      'an attribute of another schema',
      (p) => (p.predicates = [{ attribute: 'score', op: 'gte', value: 80 }]),
      'bad_input',
      /AgeCredential has no attribute score/,
    ],
    [
      'an inherited property as attribute',
      (p) => (p.predicates = [{ attribute: 'toString', op: 'eq', value: 1 }]),
      'bad_input',
      /no attribute toString/,
    ],
    [
      'an unknown op',
      (p) => (p.predicates = [{ attribute: 'kycLevel', op: 'gt', value: 1 }]),
      'bad_input',
      /op must be one of/,
    ],
    [
      'ageAtLeast on an integer',
      (p) => (p.predicates = [{ attribute: 'kycLevel', op: 'ageAtLeast', value: 2 }]),
      'bad_input',
      /ageAtLeast applies to a date/,
    ],
    [
      'ageAtLeast 0',
      (p) => (p.predicates = [{ attribute: 'birthDate', op: 'ageAtLeast', value: 0 }]),
      'out_of_range',
      /\[1, 150\]/,
    ],
    [
      'ageAtLeast 151',
      (p) => (p.predicates = [{ attribute: 'birthDate', op: 'ageAtLeast', value: 151 }]),
      'out_of_range',
      /\[1, 150\]/,
    ],
    [
      'ageAtLeast 18.5',
      (p) => (p.predicates = [{ attribute: 'birthDate', op: 'ageAtLeast', value: 18.5 }]),
      'bad_encoding',
      /integer/,
    ],
    [
      "ageAtLeast '18'",
      (p) => (p.predicates = [{ attribute: 'birthDate', op: 'ageAtLeast', value: '18' }]),
      'bad_encoding',
      /integer/,
    ],
    [
      'a date compared with a number',
      (p) => (p.predicates = [{ attribute: 'birthDate', op: 'lte', value: 20080101 }]),
      'bad_encoding',
      /YYYY-MM-DD/,
    ],
    [
      'an impossible date',
      (p) => (p.predicates = [{ attribute: 'birthDate', op: 'lte', value: '2023-02-29' }]),
      'bad_encoding',
      /.+/,
    ],
    [
      'a date before 1800',
      (p) => (p.predicates = [{ attribute: 'birthDate', op: 'gte', value: '1799-12-31' }]),
      'out_of_range',
      /.+/,
    ],
    [
      'an integer attribute compared with a string',
      (p) => (p.predicates = [{ attribute: 'kycLevel', op: 'gte', value: '2' }]),
      'bad_encoding',
      /integer/,
    ],
    [
      'an integer above its bound',
      (p) => (p.predicates = [{ attribute: 'kycLevel', op: 'gte', value: 4 }]),
      'out_of_range',
      /\[1, 3\]/,
    ],
    [
      'a negative integer',
      (p) => (p.predicates = [{ attribute: 'country', op: 'neq', value: -1 }]),
      'out_of_range',
      /\[1, 999\]/,
    ],
    [
      'a repeated attribute and op',
      (p) =>
        (p.predicates = [
          { attribute: 'birthDate', op: 'ageAtLeast', value: 18 },
          { attribute: 'birthDate', op: 'ageAtLeast', value: 21 },
        ]),
      'bad_input',
      /repeats ageAtLeast on birthDate/,
    ],
    ['an empty purpose', (p) => (p.purpose = '  '), 'bad_input', /purpose/],
    ['a purpose of 501 characters', (p) => (p.purpose = 'x'.repeat(501)), 'out_of_range', /500/],
    ['retention 0 days', (p) => (p.retentionDays = 0), 'out_of_range', /retentionDays/],
    ['retention 3651 days', (p) => (p.retentionDays = 3651), 'out_of_range', /retentionDays/],
    ['retention as a string', (p) => (p.retentionDays = '90'), 'bad_encoding', /retentionDays/],
    ['an unknown legal basis', (p) => (p.legalBasis = 'interest'), 'bad_input', /legalBasis/],
    ['pass lifetime 0', (p) => (p.passLifetimeSeconds = 0), 'out_of_range', /passLifetime/],
    [
      'pass lifetime above uint32',
      (p) => (p.passLifetimeSeconds = 4_294_967_296),
      'out_of_range',
      /passLifetime/,
    ],
    ['max proof age 0', (p) => (p.maxProofAgeSeconds = 0), 'out_of_range', /maxProofAge/],
    ['max proof age NaN', (p) => (p.maxProofAgeSeconds = NaN), 'bad_encoding', /maxProofAge/],
    ['a negative max root age', (p) => (p.maxRootAgeSeconds = -1), 'out_of_range', /maxRootAge/],
  ];
  const enumRefusals: Mutation[] = [
    [
      'gte on an enum',
      (p) => (p.predicates = [{ attribute: 'role', op: 'gte', value: 'seller' }]),
      'bad_input',
      /enum/,
    ],
    [
      'lte on an enum',
      (p) => (p.predicates = [{ attribute: 'role', op: 'lte', value: 'buyer' }]),
      'bad_input',
      /enum/,
    ],
    [
      'an unknown enum value',
      (p) => (p.predicates = [{ attribute: 'role', op: 'eq', value: 'admin' }]),
      'out_of_range',
      /buyer, seller/,
    ],
    [
      'an enum compared with its index',
      (p) => (p.predicates = [{ attribute: 'role', op: 'eq', value: 1 }]),
      'bad_encoding',
      /buyer, seller/,
    ],
  ];

  const expectRefusal = (input: unknown, code: string, message: RegExp) => {
    let error: unknown;
    try {
      compilePolicy(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).code).toBe(code);
    expect((error as PlatformError).message).toMatch(message);
  };

  it.each(refusals)('refuses %s (age policy)', (_name, mutate, code, message) => {
    const input: Record<string, unknown> = { ...agePolicy() };
    mutate(input);
    expectRefusal(input, code, message);
  });

  it.each(enumRefusals)('refuses %s (reputation policy)', (_name, mutate, code, message) => {
    const input: Record<string, unknown> = { ...sellerPolicy() };
    mutate(input);
    expectRefusal(input, code, message);
  });

  it('refuses null, strings and arrays as a policy', () => {
    for (const x of [null, undefined, 'policy', 42, []]) expectRefusal(x, 'bad_input', /object/);
  });
});
