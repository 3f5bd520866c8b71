/**
 * field.ts: encodings at their exact edges, canonical field strings (A04), hashToField, and
 * yearsInSeconds against a real calendar. Expected values come from independent
 * computations (a proleptic Gregorian day count, viem's keccak256, published constants),
 * never from the functions under test.
 */
import fc from 'fast-check';
import { expectZkError } from '../../test/helpers/expect.js';
import { keccak256, toHex, type Hex } from 'viem';
import { ZK_ERROR, ZkError } from './errors.js';
import {
  BASE_FIELD_SIZE,
  DATE_OFFSET,
  MAX_CREDENTIAL_ID,
  MAX_TIME,
  MAX_VALUE,
  REVOCATION_DEPTH,
  SNARK_FIELD_SIZE,
  SUBGROUP_ORDER,
  TIME_BITS,
  VALUE_BITS,
  assertField,
  decodeDate,
  encodeDate,
  encodeTime,
  encodeValue,
  hashToField,
  isCanonicalFieldString,
  parseFieldElement,
  yearsInSeconds,
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

  it('DATE_OFFSET is the number of seconds from 1800-01-01 to 1970-01-01', () => {
    let days = 0;
    for (let y = 1800; y < 1970; y++) days += isLeap(y) ? 366 : 365;
    expect(days).toBe(62091);
    expect(DATE_OFFSET).toBe(BigInt(days) * DAY);
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

describe('encodeDate', () => {
  it('encodes the epoch and the 1800-01-01 origin exactly', () => {
    expect(encodeDate('1970-01-01')).toBe(DATE_OFFSET);
    expect(encodeDate('1800-01-01')).toBe(0n);
    expect(encodeDate(0)).toBe(DATE_OFFSET);
    expect(encodeDate(0n)).toBe(DATE_OFFSET);
  });

  it('keeps dates before 1970 non-negative (1900-01-01 is 36,524 days after 1800-01-01)', () => {
    // 1800..1899: 100 years, leap years 1804..1896 (1800 is not a leap year) = 24.
    expect(encodeDate('1900-01-01')).toBe((100n * 365n + 24n) * DAY);
    expect(encodeDate('1800-01-02')).toBe(DAY);
    expect(encodeDate('1969-12-31')).toBe(DATE_OFFSET - DAY);
  });

  it('refuses dates before 1800-01-01 with out_of_range', () => {
    expectZkError(() => encodeDate('1799-12-31'), ZK_ERROR.outOfRange);
    expectZkError(() => encodeDate('1000-06-15'), ZK_ERROR.outOfRange);
    expectZkError(() => encodeDate(-DATE_OFFSET - 1n), ZK_ERROR.outOfRange);
    expect(encodeDate(-DATE_OFFSET)).toBe(0n);
  });

  it('refuses dates past 2^64 − 1 after the offset with out_of_range', () => {
    expect(encodeDate(MAX_VALUE - DATE_OFFSET)).toBe(MAX_VALUE);
    expectZkError(() => encodeDate(MAX_VALUE - DATE_OFFSET + 1n), ZK_ERROR.outOfRange);
  });

  it('refuses invalid calendar dates with bad_encoding', () => {
    for (const s of [
      '2023-02-29',
      '1900-02-29', // 1900 is not a leap year
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
    expect(encodeDate('2024-02-29')).toBe(DATE_OFFSET + BigInt(daysFromCivil(2024, 2, 29)) * DAY);
    expect(encodeDate('2000-02-29')).toBe(DATE_OFFSET + BigInt(daysFromCivil(2000, 2, 29)) * DAY);
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

  it('refuses years 0000-0099 (Date.UTC maps them to 19xx) instead of shifting them', () => {
    // Date.UTC(50, …) is 1950: the round-trip check refuses these (as bad_encoding, not out_of_range).
    for (const s of ['0000-01-01', '0050-06-15', '0099-12-31']) {
      expect(() => encodeDate(s)).toThrow(ZkError);
    }
  });

  it('refuses non-integer and wrong-type unix times with bad_encoding', () => {
    for (const v of [1.5, NaN, 2 ** 60, null, {}] as unknown[]) {
      expectZkError(() => encodeDate(v as number), ZK_ERROR.badEncoding);
    }
  });

  it('matches an independent day count and round-trips with decodeDate (property)', () => {
    fc.assert(
      fc.property(dateArb(1800, 9999), ({ y, m, d }) => {
        const encoded = encodeDate(iso(y, m, d));
        const unix = BigInt(daysFromCivil(y, m, d)) * DAY;
        expect(encoded).toBe(unix + DATE_OFFSET);
        expect(encoded >= 0n && encoded <= MAX_VALUE).toBe(true);
        expect(decodeDate(encoded)).toBe(unix);
        expect(encodeDate(decodeDate(encoded))).toBe(encoded);
      }),
      { numRuns: 300 },
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
      fc.property(dateArb(1800, 2200), dateArb(1800, 2200), (a, b) => {
        const da = daysFromCivil(a.y, a.m, a.d);
        const db = daysFromCivil(b.y, b.m, b.d);
        const ea = encodeDate(iso(a.y, a.m, a.d));
        const eb = encodeDate(iso(b.y, b.m, b.d));
        expect(Math.sign(Number(ea - eb))).toBe(Math.sign(da - db));
      }),
      { numRuns: 200 },
    );
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

describe('yearsInSeconds', () => {
  it('counts 365 days a year plus ceil(years / 4) leap days', () => {
    expect(yearsInSeconds(0)).toBe(0n);
    expect(yearsInSeconds(1)).toBe(366n * DAY);
    expect(yearsInSeconds(4)).toBe(1461n * DAY);
    expect(yearsInSeconds(5)).toBe((5n * 365n + 2n) * DAY);
    expect(yearsInSeconds(18)).toBe((18n * 365n + 5n) * DAY);
    expect(yearsInSeconds(21)).toBe((21n * 365n + 6n) * DAY);
    expect(yearsInSeconds(500)).toBe((500n * 365n + 125n) * DAY);
  });

  it('refuses negative, non-integer, unsafe and > 500 year counts with out_of_range', () => {
    for (const y of [-1, 501, 1.5, NaN, Infinity, 2 ** 53, '18', 18n] as unknown[]) {
      expectZkError(() => yearsInSeconds(y as number), ZK_ERROR.outOfRange);
    }
  });

  /** Calendar age in whole years at unix second `t` for a UTC-midnight birth date. */
  function calendarAge(b: { y: number; m: number; d: number }, t: bigint): number {
    const at = new Date(Number(t) * 1000);
    const [ty, tm, td] = [at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate()];
    const beforeBirthday = tm < b.m || (tm === b.m && td < b.d);
    return ty - b.y - (beforeBirthday ? 1 : 0);
  }

  /** Unix seconds of the first UTC midnight at which the calendar age is ≥ n (Feb 29 → Mar 1). */
  const nthBirthday = (b: { y: number; m: number; d: number }, n: number): bigint =>
    BigInt(Date.UTC(b.y + n, b.m - 1, b.d) / 1000);

  it('never admits someone younger than N, and is at most 2 days late (property)', () => {
    fc.assert(
      fc.property(
        dateArb(1900, 2020),
        fc.integer({ min: 0, max: 120 }),
        fc.bigInt({ min: 0n, max: 400n * DAY }),
        (b, n, extra) => {
          const birth = BigInt(Date.UTC(b.y, b.m - 1, b.d) / 1000);
          expect(birth).toBe(BigInt(daysFromCivil(b.y, b.m, b.d)) * DAY);
          const first = birth + yearsInSeconds(n); // first second the predicate admits
          expect(calendarAge(b, first)).toBeGreaterThanOrEqual(n);
          expect(calendarAge(b, first + extra)).toBeGreaterThanOrEqual(n);
          const late = first - nthBirthday(b, n);
          expect(late >= 0n && late <= 2n * DAY).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('is exact for a birthday just after a leap day when N is a multiple of 4 and no century is crossed', () => {
    // Born 2000-03-01, 20 years: leap days 2004..2020 = 5 = ceil(20/4).
    const birth = BigInt(daysFromCivil(2000, 3, 1)) * DAY;
    expect(birth + yearsInSeconds(20)).toBe(BigInt(daysFromCivil(2020, 3, 1)) * DAY);
  });

  it('reaches the 2-day worst case when the span crosses 2100 (not a leap year)', () => {
    // Born 2000-03-01, 101 years: leap days 2004..2096 = 24, but ceil(101/4) = 26.
    const birth = BigInt(daysFromCivil(2000, 3, 1)) * DAY;
    const late = birth + yearsInSeconds(101) - BigInt(daysFromCivil(2101, 3, 1)) * DAY;
    expect(late).toBe(2n * DAY);
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
