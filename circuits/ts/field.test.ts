/**
 * field.ts: encodings at their exact edges, canonical field strings (A04), hashToField, and
 * the calendar (YYYYMMDD dates, the UTC date of a unix time, the packed proof time). Expected values come from independent
 * computations (a proleptic Gregorian day count, viem's keccak256, published constants),
 * never from the functions under test.
 */
import fc from 'fast-check';
import { expectZkError } from '../../test/helpers/expect.js';
import { keccak256, toHex, type Hex } from 'viem';
import { ZK_ERROR, ZkError } from './errors.js';
import {
  BASE_FIELD_SIZE,
  MAX_DATE,
  MIN_DATE,
  PROOF_TIME_BITS,
  MAX_CREDENTIAL_ID,
  MAX_TIME,
  MAX_VALUE,
  REVOCATION_DEPTH,
  SNARK_FIELD_SIZE,
  SUBGROUP_ORDER,
  TIME_BITS,
  VALUE_BITS,
  assertField,
  daysInMonth as fieldDaysInMonth,
  decodeDate,
  decodeProofTime,
  encodeDate,
  encodeProofTime,
  encodeTime,
  encodeValue,
  hashToField,
  isCanonicalFieldString,
  parseFieldElement,
  utcDateOf,
} from './field.js';

const r = SNARK_FIELD_SIZE;
const DAY = 86_400n;

// ---- independent calendar (proleptic Gregorian, no Date) ----

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysInMonth = (y: number, m: number): number =>
  [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;

/** Days from 1970-01-01 to y-m-d (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const iso = (y: number, m: number, d: number): string => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;

/** A valid calendar date in [fromYear, toYear]. */
const dateArb = (fromYear: number, toYear: number) =>
  fc
    .tuple(
      fc.integer({ min: fromYear, max: toYear }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 31 }),
    )
    .map(([y, m, d]) => ({ y, m, d: Math.min(d, daysInMonth(y, m)) }));

describe('constants', () => {
  it('match the published BN254 / BabyJubJub numbers and bit widths', () => {
    // Values from SECURITY-CASES.md (and EIP-196 / circomlib babyjub.js).
    expect(SNARK_FIELD_SIZE).toBe(
      21888242871839275222246405745257275088548364400416034343698204186575808495617n,
    );
    expect(BASE_FIELD_SIZE).toBe(
      21888242871839275222246405745257275088696311157297823662689037894645226208583n,
    );
    expect(SUBGROUP_ORDER).toBe(
      2736030358979909402780800718157159386076813972158567259200215660948447373041n,
    );
    expect(MAX_VALUE).toBe(18446744073709551615n);
    expect(MAX_TIME).toBe(1099511627775n);
    expect(VALUE_BITS).toBe(64);
    expect(TIME_BITS).toBe(40);
    expect(REVOCATION_DEPTH).toBe(24);
    expect(MAX_CREDENTIAL_ID).toBe(16777215n);
  });
});

describe('encodeValue', () => {
  it('accepts the exact edges of [0, 2^64)', () => {
    expect(encodeValue(0)).toBe(0n);
    expect(encodeValue(0n)).toBe(0n);
    expect(encodeValue(-0)).toBe(0n);
    expect(encodeValue(2n ** 64n - 1n)).toBe(2n ** 64n - 1n);
    expect(encodeValue(Number.MAX_SAFE_INTEGER)).toBe(2n ** 53n - 1n);
    expect(encodeValue(42)).toBe(42n);
  });

  it('refuses values outside [0, 2^64) with out_of_range', () => {
    for (const v of [2n ** 64n, 2n ** 64n + 1n, -1n, -1, r, 2n ** 255n]) {
      expectZkError(() => encodeValue(v), ZK_ERROR.outOfRange);
    }
  });

  it('refuses non-integers, unsafe integers and wrong types with bad_encoding', () => {
    const bad: unknown[] = [
      0.5,
      1.5,
      -0.5,
      2 ** 53,
      -(2 ** 53),
      Number.MAX_SAFE_INTEGER + 2,
      1e30,
      NaN,
      Infinity,
      -Infinity,
      '1',
      '0',
      null,
      undefined,
      {},
      [1],
      true,
    ];
    for (const v of bad) expectZkError(() => encodeValue(v as number), ZK_ERROR.badEncoding);
  });

  it('is the identity on [0, 2^64) and refuses everything above (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => encodeValue(v) === v),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 2n ** 64n, max: 2n ** 256n }), (v) => {
        expectZkError(() => encodeValue(v), ZK_ERROR.outOfRange);
      }),
    );
  });
});

describe('encodeTime', () => {
  it('accepts the exact edges of [0, 2^40)', () => {
    expect(encodeTime(0)).toBe(0n);
    expect(encodeTime(2n ** 40n - 1n)).toBe(2n ** 40n - 1n);
    expect(encodeTime(2 ** 40 - 1)).toBe(2n ** 40n - 1n);
    expect(encodeTime(1_790_000_000)).toBe(1_790_000_000n);
  });

  it('refuses 2^40, negatives and huge values with out_of_range', () => {
    for (const t of [2n ** 40n, 2 ** 40, -1n, -1, 2n ** 64n - 1n]) {
      expectZkError(() => encodeTime(t), ZK_ERROR.outOfRange);
    }
  });

  it('refuses non-integers, unsafe integers and wrong types with bad_encoding', () => {
    for (const t of [1.5, 2 ** 60, NaN, Infinity, '0', null] as unknown[]) {
      expectZkError(() => encodeTime(t as number), ZK_ERROR.badEncoding);
    }
  });
});

/** YYYYMMDD from components (independent of encodeDate). */
const ymd = (y: number, m: number, d: number): bigint => BigInt(y * 10000 + m * 100 + d);

describe('encodeDate (YYYYMMDD)', () => {
  it('encodes dates as YYYYMMDD integers, at the edges of the range', () => {
    expect(encodeDate('1800-01-01')).toBe(18000101n);
    expect(encodeDate('1960-05-04')).toBe(19600504n);
    expect(encodeDate('2008-12-01')).toBe(20081201n);
    expect(encodeDate('9999-12-31')).toBe(99991231n);
    expect(MIN_DATE).toBe(18000101);
    expect(MAX_DATE).toBe(99991231);
    expect(MAX_DATE < 2 ** 27).toBe(true);
  });

  it('accepts an encoded YYYYMMDD integer only when it is a real date in range', () => {
    expect(encodeDate(20240229)).toBe(20240229n);
    expect(encodeDate(20240229n)).toBe(20240229n);
    expectZkError(() => encodeDate(20230229), ZK_ERROR.badEncoding);
    expectZkError(() => encodeDate(20241301), ZK_ERROR.badEncoding);
    expectZkError(() => encodeDate(20240100), ZK_ERROR.badEncoding);
    expectZkError(() => encodeDate(17991231), ZK_ERROR.outOfRange);
    expectZkError(() => encodeDate(0), ZK_ERROR.outOfRange);
    expectZkError(() => encodeDate(-20240101n), ZK_ERROR.outOfRange);
    expectZkError(() => encodeDate(100000101), ZK_ERROR.outOfRange);
  });

  it('refuses dates before 1800-01-01 with out_of_range', () => {
    expectZkError(() => encodeDate('1799-12-31'), ZK_ERROR.outOfRange);
    expectZkError(() => encodeDate('1000-06-15'), ZK_ERROR.outOfRange);
  });

  it('refuses years 0000-0099 with out_of_range (not bad_encoding: no Date.UTC 19xx mapping)', () => {
    for (const s of ['0000-01-01', '0050-01-01', '0050-06-15', '0099-12-31']) {
      expectZkError(() => encodeDate(s), ZK_ERROR.outOfRange);
    }
  });

  it('refuses invalid calendar dates with bad_encoding', () => {
    for (const s of [
      '2023-02-29',
      '1900-02-29', // 1900 is not a leap year
      '2100-02-29', // nor is 2100
      '2024-13-01',
      '2024-00-10',
      '2024-01-00',
      '2024-01-32',
      '2024-04-31',
      '2024-06-31',
    ]) {
      expectZkError(() => encodeDate(s), ZK_ERROR.badEncoding);
    }
    // Leap days that do exist.
    expect(encodeDate('2024-02-29')).toBe(20240229n);
    expect(encodeDate('2000-02-29')).toBe(20000229n);
  });

  it('refuses strings that are not exactly YYYY-MM-DD with bad_encoding', () => {
    for (const s of [
      '',
      '2024-1-01',
      '2024-01-1',
      '24-01-01',
      ' 2024-01-01',
      '2024-01-01 ',
      '2024-01-01T00:00:00Z',
      '2024/01/01',
      '+2024-01-01',
      '２０２４-01-01',
      'yesterday',
    ]) {
      expectZkError(() => encodeDate(s), ZK_ERROR.badEncoding);
    }
  });

  it('refuses non-integer and wrong-type values with bad_encoding', () => {
    for (const v of [1.5, NaN, 2 ** 60, null, {}] as unknown[]) {
      expectZkError(() => encodeDate(v as number), ZK_ERROR.badEncoding);
    }
  });

  it('round-trips with decodeDate and accepts exactly the real dates (property)', () => {
    fc.assert(
      fc.property(dateArb(1800, 9999), ({ y, m, d }) => {
        const encoded = encodeDate(iso(y, m, d));
        expect(encoded).toBe(ymd(y, m, d));
        expect(decodeDate(encoded)).toBe(iso(y, m, d));
        expect(encodeDate(encoded)).toBe(encoded);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1800, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (y, m, d) => {
          const real = d <= daysInMonth(y, m);
          expect(fieldDaysInMonth(y, m)).toBe(daysInMonth(y, m));
          if (real) expect(encodeDate(iso(y, m, d))).toBe(ymd(y, m, d));
          else expectZkError(() => encodeDate(iso(y, m, d)), ZK_ERROR.badEncoding);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses every date before 1800 (property)', () => {
    fc.assert(
      fc.property(dateArb(1000, 1799), ({ y, m, d }) => {
        expectZkError(() => encodeDate(iso(y, m, d)), ZK_ERROR.outOfRange);
      }),
      { numRuns: 100 },
    );
  });

  it('is strictly increasing in the date (property)', () => {
    fc.assert(
      fc.property(dateArb(1800, 9999), dateArb(1800, 9999), (a, b) => {
        const da = daysFromCivil(a.y, a.m, a.d);
        const db = daysFromCivil(b.y, b.m, b.d);
        const ea = encodeDate(iso(a.y, a.m, a.d));
        const eb = encodeDate(iso(b.y, b.m, b.d));
        expect(Math.sign(Number(ea - eb))).toBe(Math.sign(da - db));
      }),
      { numRuns: 300 },
    );
  });
});

describe('utcDateOf and the packed proof time', () => {
  /** The UTC date of unix second t by JS Date (independent of utcDateOf's arithmetic). */
  const dateByJs = (t: bigint): number => {
    const at = new Date(Number(t) * 1000);
    return at.getUTCFullYear() * 10000 + (at.getUTCMonth() + 1) * 100 + at.getUTCDate();
  };

  it('gives the UTC date at every boundary (midnight ± 1 s, leap days, 2100, the ends)', () => {
    const cases: [string, bigint, number][] = [
      ['epoch', 0n, 19700101],
      ['last second of 1970-01-01', DAY - 1n, 19700101],
      ['2026-12-01 00:00:00', BigInt(daysFromCivil(2026, 12, 1)) * DAY, 20261201],
      ['2026-11-30 23:59:59', BigInt(daysFromCivil(2026, 12, 1)) * DAY - 1n, 20261130],
      ['2024-02-29', BigInt(daysFromCivil(2024, 2, 29)) * DAY, 20240229],
      ['2024-03-01 − 1 s', BigInt(daysFromCivil(2024, 3, 1)) * DAY - 1n, 20240229],
      ['2100-02-28 23:59:59', BigInt(daysFromCivil(2100, 3, 1)) * DAY - 1n, 21000228],
      ['2100-03-01', BigInt(daysFromCivil(2100, 3, 1)) * DAY, 21000301],
      ['2000-02-29', BigInt(daysFromCivil(2000, 2, 29)) * DAY, 20000229],
      ['2099-12-31 23:59:59', BigInt(daysFromCivil(2100, 1, 1)) * DAY - 1n, 20991231],
      ['max time', MAX_TIME, dateByJs(MAX_TIME)],
    ];
    for (const [, t, want] of cases) {
      expect(utcDateOf(t)).toBe(want);
      expect(dateByJs(t)).toBe(want);
    }
  });

  it('agrees with JS Date on every unix time (property, 5,000 runs)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_TIME }), (t) => {
        expect(utcDateOf(t)).toBe(dateByJs(t));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses times outside [0, 2^40)', () => {
    expectZkError(() => utcDateOf(-1n), ZK_ERROR.outOfRange);
    expectZkError(() => utcDateOf(MAX_TIME + 1n), ZK_ERROR.outOfRange);
  });

  it('packs date · 2^40 + unix into 67 bits and unpacks it', () => {
    const t = 1_790_000_000n; // 2026-09-21 (UTC)
    const packed = encodeProofTime(t);
    expect(packed).toBe(20260921n * 2n ** 40n + t);
    expect(decodeProofTime(packed)).toEqual({ unix: t, date: 20260921 });
    expect(PROOF_TIME_BITS).toBe(67);
    // The last second of 9999-12-31 is the last proof time whose date fits the 27 date bits.
    const last = BigInt(daysFromCivil(10000, 1, 1)) * DAY - 1n;
    expect(decodeProofTime(encodeProofTime(last))).toEqual({ unix: last, date: 99991231 });
    expect(encodeProofTime(last) < 2n ** 67n).toBe(true);
    expectZkError(() => encodeProofTime(last + 1n), ZK_ERROR.outOfRange);
    expectZkError(() => decodeProofTime(2n ** 67n), ZK_ERROR.outOfRange);
    expectZkError(() => decodeProofTime(-1n), ZK_ERROR.outOfRange);
    expectZkError(() => encodeProofTime(MAX_TIME + 1n), ZK_ERROR.outOfRange);
  });
});

describe('isCanonicalFieldString / parseFieldElement (A04)', () => {
  /** Independent oracle: s is the decimal toString() of some x in [0, modulus). */
  function oracle(s: unknown, modulus = r): boolean {
    if (typeof s !== 'string') return false;
    let x: bigint;
    try {
      x = BigInt(s);
    } catch {
      return false;
    }
    return x >= 0n && x < modulus && x.toString() === s;
  }

  const rejected: unknown[] = [
    '',
    ' ',
    ' 12 ',
    '12 ',
    ' 12',
    '\n12',
    '12\n',
    '0x1',
    '0X1',
    '0b1',
    '0o7',
    '-1',
    '-0',
    '+1',
    '1e3',
    '1.0',
    '1_000',
    '01',
    '00',
    '007',
    '１２',
    r.toString(),
    (r + 1n).toString(),
    (2n ** 256n).toString(),
    '1' + '0'.repeat(78),
    '9'.repeat(1000),
    12,
    0,
    12n,
    null,
    undefined,
    {},
    ['1'],
    { length: 3, 0: '1', 1: '2', 2: '3' },
    { toString: () => '1' },
    true,
  ];

  it('rejects every A04 input and parseFieldElement throws bad_encoding for it', () => {
    for (const s of rejected) {
      expect(isCanonicalFieldString(s)).toBe(false);
      expectZkError(() => parseFieldElement(s), ZK_ERROR.badEncoding);
    }
  });

  it('accepts 0, 1, r − 1 and parses them exactly', () => {
    for (const x of [0n, 1n, 12n, r - 1n, 2n ** 253n]) {
      expect(isCanonicalFieldString(x.toString())).toBe(true);
      expect(parseFieldElement(x.toString())).toBe(x);
    }
  });

  it('respects a custom modulus (r is canonical below q, q is not)', () => {
    expect(isCanonicalFieldString(r.toString(), BASE_FIELD_SIZE)).toBe(true);
    expect(isCanonicalFieldString((BASE_FIELD_SIZE - 1n).toString(), BASE_FIELD_SIZE)).toBe(true);
    expect(isCanonicalFieldString(BASE_FIELD_SIZE.toString(), BASE_FIELD_SIZE)).toBe(false);
    expect(isCanonicalFieldString('10', 10n)).toBe(false);
    expect(isCanonicalFieldString('9', 10n)).toBe(true);
  });

  it('round-trips every field element and refuses every value ≥ r (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: r - 1n }),
        (x) => parseFieldElement(x.toString()) === x,
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: r, max: 10n ** 78n - 1n }), (x) => {
        expect(isCanonicalFieldString(x.toString())).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with the toString oracle on noisy strings (property)', () => {
    const chars = fc.constantFrom(...'0123456789 -+xXeE._\n\t'.split(''), '0', '0', '1', '9');
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 80 }), (s) => {
        expect(isCanonicalFieldString(s)).toBe(oracle(s));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('assertField', () => {
  it('accepts [0, r) and refuses r, −1 and non-bigints with out_of_range', () => {
    expect(assertField(0n)).toBe(0n);
    expect(assertField(r - 1n)).toBe(r - 1n);
    for (const x of [r, r + 1n, -1n, 2n ** 256n, 1, '1'] as unknown[]) {
      expectZkError(() => assertField(x as bigint), ZK_ERROR.outOfRange);
    }
  });
});

describe('hashToField', () => {
  it('is keccak256 of the empty string without its last byte (published vector)', () => {
    // keccak256("") = c5d24601…5d85a470 (Ethereum's well-known empty hash).
    expect(hashToField('0x')).toBe(
      0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a4n,
    );
  });

  it('equals keccak256 >> 8, fits in 248 bits and is below r (property)', () => {
    expect(2n ** 248n < r).toBe(true);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const hex: Hex = toHex(bytes);
        const h = hashToField(hex);
        const k = BigInt(keccak256(hex));
        expect(h).toBe(k >> 8n);
        expect(h * 256n + (k & 0xffn)).toBe(k);
        expect(h >= 0n && h < 2n ** 248n && h < r).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('differs for inputs that differ in one byte', () => {
    expect(hashToField('0x00')).not.toBe(hashToField('0x01'));
    expect(hashToField('0x00')).not.toBe(hashToField('0x'));
    expect(hashToField('0x0000')).not.toBe(hashToField('0x00'));
  });
});

describe('ZkError', () => {
  it('carries a stable code and name', () => {
    const e = new ZkError(ZK_ERROR.badInput, 'x');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ZkError');
    expect(e.code).toBe('bad_input');
  });
});
