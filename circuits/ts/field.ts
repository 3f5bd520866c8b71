/**
 * Field constants and encodings. Every value that enters the circuit passes through here,
 * so the bounds below are exactly the range checks the circuit makes (see docs/protocol.md).
 */
import { keccak256, type Hex } from 'viem';
import { ZK_ERROR, ZkError } from './errors.js';

/** BN254 scalar field order: circuit signals live in [0, r). */
export const SNARK_FIELD_SIZE =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** BN254 base field order: proof point coordinates live in [0, q). */
export const BASE_FIELD_SIZE =
  21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** BabyJubJub prime subgroup order l. Holder secrets and EdDSA S live in [0, l). */
export const SUBGROUP_ORDER =
  2736030358979909402780800718157159386076813972158567259200215660948447373041n;

/** Times (issued-at, expires-at, proof time) are unix seconds < 2^40 (Num2Bits(40)). */
export const TIME_BITS = 40;
export const MAX_TIME = (1n << BigInt(TIME_BITS)) - 1n;
/** Attribute and predicate values are unsigned integers < 2^64 (Num2Bits(64)). */
export const VALUE_BITS = 64;
export const MAX_VALUE = (1n << BigInt(VALUE_BITS)) - 1n;
/** Revocation tree depth: credential ids are in [0, 2^24). */
export const REVOCATION_DEPTH = 24;
export const MAX_CREDENTIAL_ID = (1n << BigInt(REVOCATION_DEPTH)) - 1n;

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** True when `s` is a canonical decimal string of a field element (no sign, no leading zeros, < r). */
export function isCanonicalFieldString(
  s: unknown,
  modulus: bigint = SNARK_FIELD_SIZE,
): s is string {
  return typeof s === 'string' && s.length <= 78 && DECIMAL.test(s) && BigInt(s) < modulus;
}

/** Parses a canonical decimal field element; throws `bad_encoding` otherwise. */
export function parseFieldElement(s: unknown, what = 'value'): bigint {
  if (!isCanonicalFieldString(s)) {
    throw new ZkError(ZK_ERROR.badEncoding, `${what} must be a canonical decimal string below r`);
  }
  return BigInt(s);
}

/** Asserts a bigint is a field element in [0, r). */
export function assertField(x: bigint, what = 'value'): bigint {
  if (typeof x !== 'bigint' || x < 0n || x >= SNARK_FIELD_SIZE) {
    throw new ZkError(ZK_ERROR.outOfRange, `${what} must be a field element in [0, r)`);
  }
  return x;
}

function toBigIntInteger(value: bigint | number, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new ZkError(ZK_ERROR.badEncoding, `${what} must be a safe integer or bigint`);
}

/** Encodes an unsigned attribute or predicate value; must be an integer in [0, 2^64). */
export function encodeValue(value: bigint | number, what = 'value'): bigint {
  const v = toBigIntInteger(value, what);
  if (v < 0n || v > MAX_VALUE) {
    throw new ZkError(ZK_ERROR.outOfRange, `${what} must be in [0, 2^64)`);
  }
  return v;
}

/** Encodes a unix time in seconds (issued-at, expires-at, proof time); [0, 2^40). */
export function encodeTime(unixSeconds: bigint | number, what = 'time'): bigint {
  const t = toBigIntInteger(unixSeconds, what);
  if (t < 0n || t > MAX_TIME) {
    throw new ZkError(ZK_ERROR.outOfRange, `${what} must be unix seconds in [0, 2^40)`);
  }
  return t;
}

/*
 * Calendar dates (birth date, member-since, the proof's "today") are YYYYMMDD integers:
 * 2008-12-01 → 20081201. The encoding is monotonic in the calendar, and adding N·10000 is
 * exactly N calendar years, so "age ≥ N on date T" is `birth + N·10000 ≤ T` with no day
 * arithmetic in the circuit. A 29 February birthday plus N years is YYYY0229, which in a
 * common year is first reached on 1 March (see docs/protocol.md §2).
 */

/** The first encodable date, 1800-01-01 (birth dates of living people, with margin). */
export const MIN_DATE = 18000101;
/** The last encodable date, 9999-12-31. */
export const MAX_DATE = 99991231;
/** The proof time signal packs the UTC date above the unix seconds: date · 2^40 + unix. */
export const DATE_BITS = 27; // MAX_DATE < 2^27
export const PROOF_TIME_BITS = TIME_BITS + DATE_BITS;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Days in month `m` (1–12) of year `y` in the proleptic Gregorian calendar. */
export function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function checkDateParts(y: number, m: number, d: number, what: string): number {
  const n = y * 10000 + m * 100 + d;
  // Range first: a year before 1800 is out of range even when it is also a valid date.
  if (y < 1800 || n < MIN_DATE) {
    throw new ZkError(ZK_ERROR.outOfRange, `${what} must not be before 1800-01-01`);
  }
  if (n > MAX_DATE) throw new ZkError(ZK_ERROR.outOfRange, `${what} must not be after 9999-12-31`);
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
    throw new ZkError(ZK_ERROR.badEncoding, `${what} is not a valid calendar date`);
  }
  return n;
}

/**
 * Encodes a calendar date as the integer YYYYMMDD. Accepts 'YYYY-MM-DD', or an already
 * encoded YYYYMMDD integer (checked to be a real date). Dates before 1800-01-01 or after
 * 9999-12-31 are `out_of_range`; a malformed or impossible date (2023-02-29) is `bad_encoding`.
 */
export function encodeDate(date: string | bigint | number, what = 'date'): bigint {
  if (typeof date === 'string') {
    const m = ISO_DATE.exec(date);
    if (!m) throw new ZkError(ZK_ERROR.badEncoding, `${what} must be YYYY-MM-DD`);
    return BigInt(checkDateParts(Number(m[1]), Number(m[2]), Number(m[3]), what));
  }
  const n = toBigIntInteger(date, what);
  if (n < BigInt(MIN_DATE)) {
    throw new ZkError(ZK_ERROR.outOfRange, `${what} must not be before 1800-01-01`);
  }
  if (n > BigInt(MAX_DATE)) {
    throw new ZkError(ZK_ERROR.outOfRange, `${what} must not be after 9999-12-31`);
  }
  const v = Number(n);
  return BigInt(checkDateParts(Math.floor(v / 10000), Math.floor(v / 100) % 100, v % 100, what));
}

/** Inverse of encodeDate: 'YYYY-MM-DD'. */
export function decodeDate(encoded: bigint | number): string {
  const v = Number(encodeDate(encoded));
  const y = Math.floor(v / 10000);
  const m = Math.floor(v / 100) % 100;
  const d = v % 100;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * The UTC calendar date (YYYYMMDD) of a unix time, by the civil-from-days algorithm
 * (H. Hinnant, "chrono-compatible low-level date algorithms"); ZkGate's `CivilDate.dateOf`
 * is the same computation in Solidity. Defined for unix times in [0, 2^40).
 */
export function utcDateOf(unixSeconds: bigint | number): number {
  const t = encodeTime(unixSeconds);
  const z = Number(t / 86400n) + 719468; // days since 0000-03-01
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097; // [0, 146096]
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)); // [0, 365]
  const mp = Math.floor((5 * doy + 2) / 153); // [0, 11], March = 0
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return y * 10000 + m * 100 + d;
}

/**
 * The proof's public time signal: the UTC date of `unixSeconds` packed above it,
 * `utcDateOf(unix) · 2^40 + unix` (< 2^67). The circuit checks credential validity against
 * the seconds and age against the date; every verifier checks that the date is the UTC date
 * of the seconds (`decodeProofTime` + `utcDateOf`; ZkGate with `CivilDate`).
 */
export function encodeProofTime(unixSeconds: bigint | number, what = 'proof time'): bigint {
  const unix = encodeTime(unixSeconds, what);
  const date = utcDateOf(unix);
  if (date > MAX_DATE) {
    throw new ZkError(ZK_ERROR.outOfRange, `${what} must be before the year 10000`);
  }
  return (BigInt(date) << BigInt(TIME_BITS)) | unix;
}

/** Unpacks a proof time signal into its unix seconds and its date (not checked: see above). */
export function decodeProofTime(time: bigint): { unix: bigint; date: number } {
  if (typeof time !== 'bigint' || time < 0n || time >> BigInt(PROOF_TIME_BITS) !== 0n) {
    throw new ZkError(ZK_ERROR.outOfRange, `proof time must be in [0, 2^${PROOF_TIME_BITS})`);
  }
  return { unix: time & MAX_TIME, date: Number(time >> BigInt(TIME_BITS)) };
}

/** Hashes bytes to a field element: keccak256, top 248 bits (always < r; matches Solidity `>> 8`). */
export function hashToField(bytes: Hex): bigint {
  return BigInt(keccak256(bytes)) >> 8n;
}
