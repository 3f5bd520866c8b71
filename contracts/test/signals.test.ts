/**
 * contracts/ts/signals.ts: strict parsing of snarkjs public signals (A04/A05), the pi_b swap,
 * and the privacy scan of every event the contracts can emit (K18).
 */
import { auditAnchorAbi, marketplaceAbi, zkGateAbi } from '../ts/abi.js';
import {
  FIELD_SIZE,
  fromSignalTuple,
  parseSignalTuple,
  toSignalTuple,
  toSolidityProof,
} from '../ts/signals.js';

const ok = ['1', '2', '3', '4', '5', '6', '7'];

describe('parseSignalTuple', () => {
  it('accepts exactly 7 canonical decimals below r', () => {
    expect(parseSignalTuple(ok)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    expect(parseSignalTuple([...ok.slice(0, 6), (FIELD_SIZE - 1n).toString()])[6]).toBe(
      FIELD_SIZE - 1n,
    );
  });

  it.each([
    ['empty string', ''],
    ['leading space', ' 1'],
    ['hex', '0x1'],
    ['negative', '-1'],
    ['exponent', '1e3'],
    ['leading zero', '01'],
    ['r itself', FIELD_SIZE.toString()],
    ['a number instead of a string', 5],
  ])('rejects %s', (_label, value) => {
    expect(() => parseSignalTuple([...ok.slice(0, 6), value])).toThrow();
  });

  it('rejects 6 or 8 signals and array-likes', () => {
    expect(() => parseSignalTuple(ok.slice(0, 6))).toThrow(/7 public signals/);
    expect(() => parseSignalTuple([...ok, '8'])).toThrow(/7 public signals/);
    expect(() => parseSignalTuple({ length: 7 } as unknown as unknown[])).toThrow();
  });

  it('names and orders signals consistently', () => {
    const ordered = parseSignalTuple(ok);
    const named = fromSignalTuple(ordered);
    expect(named).toEqual({
      nullifier: 1n,
      issuerKeyHash: 2n,
      queryHash: 3n,
      revocationRoot: 4n,
      time: 5n,
      scope: 6n,
      signalHash: 7n,
    });
    expect(toSignalTuple(named)).toEqual(ordered);
  });
});

describe('toSolidityProof', () => {
  const proof = {
    pi_a: ['11', '12', '1'],
    pi_b: [
      ['21', '22'],
      ['23', '24'],
      ['1', '0'],
    ],
    pi_c: ['31', '32', '1'],
  };
  it('drops the projective z and swaps each pi_b pair', () => {
    expect(toSolidityProof(proof)).toEqual({
      a: [11n, 12n],
      b: [
        [22n, 21n],
        [24n, 23n],
      ],
      c: [31n, 32n],
    });
  });
  it('rejects non-decimal or missing coordinates', () => {
    expect(() => toSolidityProof({ ...proof, pi_a: ['0x11', '12'] })).toThrow(/A.x/);
    expect(() => toSolidityProof({ ...proof, pi_b: [['21']] })).toThrow(/B/);
  });
});

it('K18: every event carries only pseudonymous ids, hashes, amounts and times (no personal data)', () => {
  // Allow-list of event fields. Adding a field means arguing here why it is not personal data.
  const allowed = new Set([
    // ids and hashes
    'policyId',
    'nullifier',
    'keyHash',
    'issuerKeyHash',
    'schema',
    'root',
    'index',
    'scope',
    'queryHash',
    'head',
    'listingId',
    // accounts acting in the transaction itself, and an issuer's (organisation's) DID
    'account',
    'controller',
    'admin',
    'previousOwner',
    'newOwner',
    'verifier',
    'seller',
    'buyer',
    'did',
    // amounts, flags, times
    'expiresAt',
    'status',
    'allowed',
    'price',
    'ageRestricted',
    'score',
  ]);
  const fields = [...zkGateAbi, ...marketplaceAbi, ...auditAnchorAbi]
    .filter((item) => item.type === 'event')
    .flatMap((event) => event.inputs.map((input) => `${event.name}.${input.name}`));
  expect(fields.length).toBeGreaterThan(20);
  expect(fields.filter((f) => !allowed.has(f.split('.')[1]!))).toEqual([]);
});
