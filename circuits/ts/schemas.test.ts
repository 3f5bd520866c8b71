/**
 * schemas.ts: the claim layout of each credential type and the attribute encoder that refuses
 * out-of-range values before anything is signed (SECURITY-CASES I01).
 */
import { expectZkError } from '../../test/helpers/expect.js';
import {
  AGE_SCHEMA,
  REPUTATION_SCHEMA,
  ZK_ERROR,
  encodeAttributes,
  encodePredicateValue,
  findCredentialSchema,
  schemaId,
} from './index.js';

const TODAY = 20261201;
const age = { birthDate: '2008-12-01', country: 276, kycLevel: 2 };
const rep = { score: 92, trades: 31, disputeRate: 12, memberSince: '2024-01-15', role: 'seller' };

describe('credential schemas', () => {
  it('have the documented names, ids and slots', () => {
    expect(AGE_SCHEMA.id).toBe(schemaId('zkrep.age.v1'));
    expect(REPUTATION_SCHEMA.id).toBe(schemaId('zkrep.reputation.v1'));
    expect(findCredentialSchema('AgeCredential')).toBe(AGE_SCHEMA);
    expect(findCredentialSchema('zkrep.reputation.v1')).toBe(REPUTATION_SCHEMA);
    expect(findCredentialSchema('toString')).toBeUndefined();
    for (const s of [AGE_SCHEMA, REPUTATION_SCHEMA]) {
      const slots = Object.values(s.attributes).map((a) => a.slot);
      expect(new Set(slots).size).toBe(slots.length);
      expect(slots.every((x) => x >= 0 && x < 8)).toBe(true);
    }
  });

  it('encode valid attributes into their slots (unused slots 0)', () => {
    expect(encodeAttributes(AGE_SCHEMA, age, TODAY)).toEqual([
      20081201n,
      276n,
      2n,
      0n,
      0n,
      0n,
      0n,
      0n,
    ]);
    expect(encodeAttributes(REPUTATION_SCHEMA, rep, TODAY)).toEqual([
      92n,
      31n,
      12n,
      20240115n,
      1n,
      0n,
      0n,
      0n,
    ]);
  });

  it.each([
    ['a birth date in the future', { ...age, birthDate: '2026-12-02' }, ZK_ERROR.outOfRange],
    ['a birth date before 1800', { ...age, birthDate: '1799-12-31' }, ZK_ERROR.outOfRange],
    ['an impossible birth date', { ...age, birthDate: '2023-02-29' }, ZK_ERROR.badEncoding],
    ['a birth date as a number', { ...age, birthDate: 20081201 }, ZK_ERROR.badEncoding],
    ['a country out of range', { ...age, country: 1000 }, ZK_ERROR.outOfRange],
    ['a non-integer KYC level', { ...age, kycLevel: 1.5 }, ZK_ERROR.badEncoding],
    ['a KYC level of 0', { ...age, kycLevel: 0 }, ZK_ERROR.outOfRange],
    ['a missing attribute', { birthDate: '2008-12-01', country: 276 }, ZK_ERROR.badInput],
    ['an unknown attribute', { ...age, name: 'Alice' }, ZK_ERROR.badInput],
    ['a __proto__ attribute', JSON.parse('{"__proto__": 1}'), ZK_ERROR.badInput],
  ])('age: refuses %s', (_label, values, code) => {
    expectZkError(() => encodeAttributes(AGE_SCHEMA, values as never, TODAY), code);
  });

  it.each([
    ['a score above 100', { ...rep, score: 101 }, ZK_ERROR.outOfRange],
    ['a negative score', { ...rep, score: -1 }, ZK_ERROR.outOfRange],
    ['a score as a string', { ...rep, score: '92' }, ZK_ERROR.badEncoding],
    ['trades with too many bits', { ...rep, trades: 2 ** 40 }, ZK_ERROR.outOfRange],
    ['an unsafe integer', { ...rep, trades: 2 ** 64 }, ZK_ERROR.badEncoding],
    ['a dispute rate above 1000‰', { ...rep, disputeRate: 1001 }, ZK_ERROR.outOfRange],
    ['an unknown role', { ...rep, role: 'admin' }, ZK_ERROR.outOfRange],
    ['member since in the future', { ...rep, memberSince: '2027-01-01' }, ZK_ERROR.outOfRange],
  ])('reputation: refuses %s', (_label, values, code) => {
    expectZkError(() => encodeAttributes(REPUTATION_SCHEMA, values as never, TODAY), code);
  });

  it('encodes readable predicate values', () => {
    expect(encodePredicateValue(REPUTATION_SCHEMA, 'role', 'seller')).toBe(1n);
    expect(encodePredicateValue(REPUTATION_SCHEMA, 'score', 80)).toBe(80n);
    expect(encodePredicateValue(AGE_SCHEMA, 'birthDate', '2000-01-01')).toBe(20000101n);
    expectZkError(() => encodePredicateValue(AGE_SCHEMA, 'name', 1), ZK_ERROR.badInput);
    expectZkError(() => encodePredicateValue(REPUTATION_SCHEMA, 'role', 'x'), ZK_ERROR.outOfRange);
    expectZkError(
      () => encodePredicateValue(REPUTATION_SCHEMA, 'score', 1.5),
      ZK_ERROR.badEncoding,
    );
  });
});
