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
/** Seconds from 1800-01-01T00:00:00Z to 1970-01-01T00:00:00Z (62,091 days). */
export const DATE_OFFSET = 5364662400n;
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

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Encodes a calendar date (a birth date, a member-since date) as seconds since
 * 1800-01-01T00:00:00Z at UTC midnight, so dates before 1970 stay non-negative.
 * Accepts 'YYYY-MM-DD' or unix seconds. Dates before 1800 are refused.
 */
export function encodeDate(date: string | bigint | number, what = 'date'): bigint {
  let unix: bigint;
  if (typeof date === 'string') {
    const m = ISO_DATE.exec(date);
    if (!m) throw new ZkError(ZK_ERROR.badEncoding, `${what} must be YYYY-MM-DD`);
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const ms = Date.UTC(y, mo - 1, d);
    const back = new Date(ms);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
      throw new ZkError(ZK_ERROR.badEncoding, `${what} is not a valid calendar date`);
    }
    unix = BigInt(ms / 1000);
  } else {
    unix = toBigIntInteger(date, what);
  }
  const encoded = unix + DATE_OFFSET;
  if (encoded < 0n) throw new ZkError(ZK_ERROR.outOfRange, `${what} must not be before 1800-01-01`);
  if (encoded > MAX_VALUE)
    throw new ZkError(ZK_ERROR.outOfRange, `${what} is too far in the future`);
  return encoded;
}

/** Inverse of encodeDate: unix seconds. */
export function decodeDate(encoded: bigint): bigint {
  return encoded - DATE_OFFSET;
}

/**
 * The minimum duration, in seconds, that a holder must be older than to be `years` old
 * by the "elapsed" predicate: 365 days a year plus the most leap days any `years`
 * consecutive years can hold (ceil(years / 4)). It never admits someone younger than
 * `years`; it may admit a person up to two days after their birthday (one day, plus one
 * where a century year such as 2100 is not a leap year). See docs/protocol.md.
 */
export function yearsInSeconds(years: number): bigint {
  if (!Number.isSafeInteger(years) || years < 0 || years > 500) {
    throw new ZkError(ZK_ERROR.outOfRange, 'years must be an integer in [0, 500]');
  }
  const days = 365 * years + Math.ceil(years / 4);
  return BigInt(days) * 86400n;
}

/** Hashes bytes to a field element: keccak256, top 248 bits (always < r; matches Solidity `>> 8`). */
export function hashToField(bytes: Hex): bigint {
  return BigInt(keccak256(bytes)) >> 8n;
}
