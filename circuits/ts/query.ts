/**
 * Queries: a schema and up to 4 predicates over attribute slots, committed as
 *
 *   queryHash = Poseidon(schema, slot_0, op_0, value_0, ..., slot_3, op_3, value_3)
 *
 * Unused predicate positions are filled with the canonical (slot 0, op unused, value 0),
 * so a query and its padded form have the same hash (predicate order is part of the
 * query: a policy pins the exact list). `evaluatePredicate` is the TS reference of
 * the circuit's Predicate template (tested against it).
 */
import { ZK_ERROR, ZkError } from './errors.js';
import { assertField, encodeTime, encodeValue, utcDateOf } from './field.js';
import { poseidon } from './poseidon.js';
import { ATTRIBUTE_SLOTS } from './claim.js';

/** Predicate positions in one query (the circuit's nPredicates). */
export const PREDICATE_COUNT = 4;

/** Predicate operators, as the circuit numbers them. */
export const Op = {
  unused: 0,
  gte: 1,
  lte: 2,
  eq: 3,
  neq: 4,
  /**
   * attribute + value · 10000 ≤ the UTC date of the proof time: "at least `value` calendar years
   * since the date" (age ≥ N, member for ≥ N years). The attribute is a YYYYMMDD date.
   */
  ageAtLeast: 5,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

export interface Predicate {
  slot: number;
  op: OpCode;
  value: bigint;
}

export interface Query {
  schema: bigint;
  predicates: readonly Predicate[];
}

const UNUSED: Predicate = { slot: 0, op: Op.unused, value: 0n };

function validatePredicate(p: Predicate, i: number): Predicate {
  if (!p || typeof p !== 'object')
    throw new ZkError(ZK_ERROR.badInput, `predicate ${i} is required`);
  if (!Number.isInteger(p.slot) || p.slot < 0 || p.slot >= ATTRIBUTE_SLOTS) {
    throw new ZkError(
      ZK_ERROR.outOfRange,
      `predicate ${i}: slot must be in [0, ${ATTRIBUTE_SLOTS})`,
    );
  }
  if (!Number.isInteger(p.op) || p.op < 0 || p.op > 5) {
    throw new ZkError(ZK_ERROR.outOfRange, `predicate ${i}: op must be in [0, 5]`);
  }
  const value = encodeValue(p.value, `predicate ${i} value`);
  if (p.op === Op.unused && (p.slot !== 0 || value !== 0n)) {
    throw new ZkError(
      ZK_ERROR.badInput,
      `predicate ${i}: an unused predicate must be (slot 0, value 0)`,
    );
  }
  return { slot: p.slot, op: p.op, value };
}

/** Validates a query and pads it to PREDICATE_COUNT predicates. */
export function normalizeQuery(query: Query): Query {
  if (!query || typeof query !== 'object')
    throw new ZkError(ZK_ERROR.badInput, 'query is required');
  const schema = assertField(query.schema, 'schema');
  if (schema === 0n) throw new ZkError(ZK_ERROR.badInput, 'schema must not be 0');
  if (!Array.isArray(query.predicates) || query.predicates.length > PREDICATE_COUNT) {
    throw new ZkError(ZK_ERROR.badInput, `a query has at most ${PREDICATE_COUNT} predicates`);
  }
  // Array.from visits holes of a sparse array (map skips them), so a missing predicate is an error.
  const predicates = Array.from(query.predicates, (p, i) => validatePredicate(p, i));
  while (predicates.length < PREDICATE_COUNT) predicates.push(UNUSED);
  return { schema, predicates };
}

/** The field elements hashed into the query hash, in circuit order. */
export function queryFields(query: Query): bigint[] {
  const q = normalizeQuery(query);
  return [q.schema, ...q.predicates.flatMap((p) => [BigInt(p.slot), BigInt(p.op), p.value])];
}

/** The query hash a policy stores and a proof outputs. */
export function queryHash(query: Query): bigint {
  return poseidon(queryFields(query));
}

/**
 * TS reference of the circuit's Predicate: does `p` hold for these attributes at the unix
 * time `time` (whose UTC date the age operator compares with)?
 */
export function evaluatePredicate(
  p: Predicate,
  attributes: readonly bigint[],
  time: bigint,
): boolean {
  const pred = validatePredicate(p, 0);
  const attr = encodeValue(attributes[pred.slot] ?? -1n, `attribute ${pred.slot}`);
  const today = BigInt(utcDateOf(encodeTime(time)));
  switch (pred.op) {
    case Op.unused:
      return true;
    case Op.gte:
      return attr >= pred.value;
    case Op.lte:
      return attr <= pred.value;
    case Op.eq:
      return attr === pred.value;
    case Op.neq:
      return attr !== pred.value;
    case Op.ageAtLeast:
      return attr + pred.value * 10000n <= today;
    default:
      return false;
  }
}

/** True when every predicate of the query holds. */
export function evaluateQuery(query: Query, attributes: readonly bigint[], time: bigint): boolean {
  return normalizeQuery(query).predicates.every((p) => evaluatePredicate(p, attributes, time));
}
