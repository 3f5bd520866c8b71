/**
 * An independent reference calendar for tests of "age ≥ N": it works on (year, month, day)
 * components with JS `Date` and a plain tuple comparison, never with the YYYYMMDD encoding,
 * `utcDateOf` or civil-from-days, so the TS helpers, the circuit and ZkGate are each compared
 * with something that does not share their arithmetic.
 */
import fc from 'fast-check';

export interface CivilDate {
  y: number;
  m: number;
  d: number;
}

export const DAY = 86_400n;

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const monthLength = (y: number, m: number): number =>
  [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;

/** 'YYYY-MM-DD'. */
export const isoOf = ({ y, m, d }: CivilDate): string =>
  `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** Unix seconds of UTC midnight of a date (years ≥ 100, where Date.UTC is exact). */
export function midnightOf({ y, m, d }: CivilDate): bigint {
  const ms = new Date(0).setUTCFullYear(y, m - 1, d);
  return BigInt(ms / 1000);
}

/** The UTC calendar date of a unix second, by JS Date. */
export function civilOf(t: bigint): CivilDate {
  const at = new Date(Number(t) * 1000);
  return { y: at.getUTCFullYear(), m: at.getUTCMonth() + 1, d: at.getUTCDate() };
}

/** The calendar day after / before a date. */
export const nextDay = (c: CivilDate): CivilDate => civilOf(midnightOf(c) + DAY);
export const previousDay = (c: CivilDate): CivilDate => civilOf(midnightOf(c) - DAY);

/**
 * Whether a person born on `birth` is at least `n` years old on `today`: the year difference,
 * minus one while (month, day) of today is before (month, day) of the birth date. A 29
 * February birthday is thus reached on 1 March in common years ((2, 28) < (2, 29) ≤ (3, 1)).
 */
export function isAtLeastYearsOld(birth: CivilDate, today: CivilDate, n: number): boolean {
  const beforeBirthday = today.m < birth.m || (today.m === birth.m && today.d < birth.d);
  return today.y - birth.y - (beforeBirthday ? 1 : 0) >= n;
}

/**
 * The first date on which someone born on `birth` is `n` years old (by the rule above):
 * the same month and day n years later, or 1 March when that is a 29 February of a common year.
 */
export function nthBirthday(birth: CivilDate, n: number): CivilDate {
  const y = birth.y + n;
  if (birth.m === 2 && birth.d === 29 && !isLeap(y)) return { y, m: 3, d: 1 };
  return { y, m: birth.m, d: birth.d };
}

/** A real calendar date with a year in [fromYear, toYear]. */
export const civilDateArb = (fromYear: number, toYear: number): fc.Arbitrary<CivilDate> =>
  fc
    .tuple(
      fc.integer({ min: fromYear, max: toYear }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 31 }),
    )
    .map(([y, m, d]) => ({ y, m, d: Math.min(d, monthLength(y, m)) }));

/** Birth dates that stress the calendar: leap days, month and year ends, around 1900/2100. */
export const specialBirthArb: fc.Arbitrary<CivilDate> = fc.oneof(
  fc.constantFrom(1804, 1896, 1904, 1960, 1968, 1996, 2000, 2004, 2008, 2096).map((y) => ({
    y,
    m: 2,
    d: 29,
  })),
  fc
    .tuple(
      fc.constantFrom(1800, 1899, 1900, 1950, 1969, 1970, 1999, 2000, 2008, 2099, 2100),
      fc.constantFrom<[number, number]>([1, 1], [2, 28], [3, 1], [12, 31], [12, 1]),
    )
    .map(([y, [m, d]]) => ({ y, m, d })),
);

/**
 * (birth, N, today) triples for "age ≥ N": today is the day before, the day of or the day after
 * the N-th birthday, or any date up to 3 years either side of it (when it is a real date up to
 * 9999-12-31 and on or after 1970-01-01, since a proof's time is a unix time).
 */
export const ageTripleArb: fc.Arbitrary<{ birth: CivilDate; n: number; today: CivilDate }> = fc
  .record({
    birth: fc.oneof(civilDateArb(1800, 2200), specialBirthArb, civilDateArb(1800, 9840)),
    n: fc.oneof(fc.integer({ min: 1, max: 150 }), fc.constantFrom(1, 16, 18, 21, 100, 150)),
    shift: fc.oneof(fc.constantFrom(-1, 0, 1), fc.integer({ min: -3 * 366, max: 3 * 366 })),
  })
  .map(({ birth, n, shift }) => {
    const anniversary = midnightOf(nthBirthday(birth, n));
    return { birth, n, today: civilOf(anniversary + BigInt(shift) * DAY) };
  })
  .filter(({ today }) => today.y >= 1970 && today.y <= 9999);
