/**
 * query.ts: query validation and padding, the query hash (one hash per padded query, a new
 * hash for any changed field), and the TS reference of the circuit's Predicate at its
 * boundaries, including calendar-exact "age ≥ N" against an independent reference calendar.
 */
import fc from 'fast-check';
import { expectZkError } from '../../test/helpers/expect.js';
import { ZK_ERROR } from './errors.js';
import {
  DAY,
  ageTripleArb,
  civilOf,
  isAtLeastYearsOld,
  isoOf,
  midnightOf,
  nthBirthday,
  previousDay,
} from '../../test/helpers/calendar.js';
import { MAX_TIME, MAX_VALUE, SNARK_FIELD_SIZE, encodeDate } from './field.js';
import { poseidon } from './poseidon.js';
import {
  Op,
  type OpCode,
  PREDICATE_COUNT,
  type Predicate,
  type Query,
  evaluatePredicate,
  evaluateQuery,
  normalizeQuery,
  queryFields,
  queryHash,
} from './query.js';

const r = SNARK_FIELD_SIZE;
const UNUSED: Predicate = { slot: 0, op: Op.unused, value: 0n };
const SCHEMA = 123456789n;
const NOW = 1_790_000_000n;

const attrsWith = (slot: number, v: bigint): bigint[] => {
  const a = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
  a[slot] = v;
  return a;
};

const usedOpArb = fc.constantFrom<OpCode>(Op.gte, Op.lte, Op.eq, Op.neq, Op.ageAtLeast);
const usedPredArb: fc.Arbitrary<Predicate> = fc.record({
  slot: fc.integer({ min: 0, max: 7 }),
  op: usedOpArb,
  value: fc.bigInt({ min: 0n, max: MAX_VALUE }),
});
const queryArb: fc.Arbitrary<Query> = fc.record({
  schema: fc.bigInt({ min: 1n, max: r - 1n }),
  predicates: fc.array(usedPredArb, { maxLength: 4 }),
});

describe('constants', () => {
  it('operators are numbered as in predicate.circom and a query has 4 predicates', () => {
    expect(Op).toEqual({ unused: 0, gte: 1, lte: 2, eq: 3, neq: 4, ageAtLeast: 5 });
    expect(PREDICATE_COUNT).toBe(4);
  });
});

describe('normalizeQuery', () => {
  it('pads to 4 predicates with the canonical unused predicate (slot 0, op 0, value 0)', () => {
    const p1: Predicate = { slot: 3, op: Op.gte, value: 18n };
    const q = normalizeQuery({ schema: SCHEMA, predicates: [p1] });
    expect(q).toEqual({ schema: SCHEMA, predicates: [p1, UNUSED, UNUSED, UNUSED] });
    expect(normalizeQuery({ schema: SCHEMA, predicates: [] }).predicates).toEqual([
      UNUSED,
      UNUSED,
      UNUSED,
      UNUSED,
    ]);
  });

  it('does not mutate its input and normalises number values to bigints', () => {
    const preds = [{ slot: 1, op: Op.eq, value: 5 as unknown as bigint }];
    const q = normalizeQuery({ schema: SCHEMA, predicates: preds });
    expect(preds).toHaveLength(1);
    expect(q.predicates[0]).toEqual({ slot: 1, op: Op.eq, value: 5n });
  });

  it('accepts explicit unused predicates in any position and 4 used predicates', () => {
    const used: Predicate = { slot: 7, op: Op.gte, value: MAX_VALUE };
    expect(normalizeQuery({ schema: 1n, predicates: [UNUSED, used] }).predicates).toEqual([
      UNUSED,
      used,
      UNUSED,
      UNUSED,
    ]);
    expect(
      normalizeQuery({ schema: r - 1n, predicates: [used, used, used, used] }).predicates,
    ).toHaveLength(4);
  });

  it('rejects more than 4 predicates, a missing query and non-array predicates (bad_input)', () => {
    const p: Predicate = { slot: 0, op: Op.gte, value: 1n };
    expectZkError(
      () => normalizeQuery({ schema: SCHEMA, predicates: [p, p, p, p, p] }),
      ZK_ERROR.badInput,
    );
    expectZkError(
      () => normalizeQuery({ schema: SCHEMA, predicates: [p, UNUSED, UNUSED, UNUSED, UNUSED] }),
      ZK_ERROR.badInput,
    );
    for (const q of [
      null,
      undefined,
      'q',
      { schema: SCHEMA },
      { schema: SCHEMA, predicates: 'p' },
    ] as unknown[]) {
      expectZkError(() => normalizeQuery(q as Query), ZK_ERROR.badInput);
    }
    expectZkError(
      () => normalizeQuery({ schema: SCHEMA, predicates: [null as unknown as Predicate] }),
      ZK_ERROR.badInput,
    );
  });

  it('rejects schema 0 (bad_input) and schemas outside the field (out_of_range)', () => {
    expectZkError(() => normalizeQuery({ schema: 0n, predicates: [] }), ZK_ERROR.badInput);
    for (const schema of [r, -1n, 2n ** 256n, 1, '1'] as unknown[]) {
      expectZkError(
        () => normalizeQuery({ schema: schema as bigint, predicates: [] }),
        ZK_ERROR.outOfRange,
      );
    }
  });

  it('rejects bad slots and ops (out_of_range) and bad values (out_of_range / bad_encoding)', () => {
    const q = (p: unknown): Query => ({ schema: SCHEMA, predicates: [p as Predicate] });
    for (const slot of [-1, 8, 100, 1.5, NaN, Infinity, '1', null]) {
      expectZkError(() => normalizeQuery(q({ slot, op: Op.gte, value: 1n })), ZK_ERROR.outOfRange);
    }
    for (const op of [-1, 6, 255, 1.5, NaN, '1', null]) {
      expectZkError(() => normalizeQuery(q({ slot: 0, op, value: 1n })), ZK_ERROR.outOfRange);
    }
    for (const value of [-1n, MAX_VALUE + 1n, r]) {
      expectZkError(() => normalizeQuery(q({ slot: 0, op: Op.gte, value })), ZK_ERROR.outOfRange);
    }
    for (const value of [1.5, '1', undefined, null]) {
      expectZkError(() => normalizeQuery(q({ slot: 0, op: Op.gte, value })), ZK_ERROR.badEncoding);
    }
    // Edges that are accepted.
    expect(normalizeQuery(q({ slot: 7, op: Op.gte, value: MAX_VALUE })).predicates[0]!.value).toBe(
      MAX_VALUE,
    );
    expect(
      normalizeQuery(q({ slot: 7, op: Op.ageAtLeast, value: MAX_VALUE })).predicates[0]!.value,
    ).toBe(MAX_VALUE);
  });

  it('rejects an unused predicate with a non-zero slot or value (bad_input)', () => {
    const q = (p: Predicate): Query => ({ schema: SCHEMA, predicates: [p] });
    expectZkError(
      () => normalizeQuery(q({ slot: 1, op: Op.unused, value: 0n })),
      ZK_ERROR.badInput,
    );
    expectZkError(
      () => normalizeQuery(q({ slot: 0, op: Op.unused, value: 1n })),
      ZK_ERROR.badInput,
    );
    expectZkError(
      () => normalizeQuery(q({ slot: 7, op: Op.unused, value: MAX_VALUE })),
      ZK_ERROR.badInput,
    );
  });
});

describe('queryFields / queryHash', () => {
  const query: Query = {
    schema: SCHEMA,
    predicates: [
      { slot: 0, op: Op.ageAtLeast, value: 18n },
      { slot: 1, op: Op.neq, value: 840n },
    ],
  };

  it('lays out (schema, slot_i, op_i, value_i …) in circuit order and hashes it with Poseidon', () => {
    const expected = [SCHEMA, 0n, 5n, 18n, 1n, 4n, 840n, 0n, 0n, 0n, 0n, 0n, 0n];
    expect(queryFields(query)).toEqual(expected);
    expect(queryHash(query)).toBe(poseidon(expected));
  });

  it('is the same for the padded and unpadded forms of a query (property)', () => {
    fc.assert(
      fc.property(queryArb, (q) => {
        const padded: Query = {
          schema: q.schema,
          predicates: [...q.predicates, ...Array<Predicate>(4 - q.predicates.length).fill(UNUSED)],
        };
        expect(queryHash(padded)).toBe(queryHash(q));
        expect(queryFields(padded)).toEqual(queryFields(q));
        expect(queryFields(q)).toHaveLength(13);
      }),
      { numRuns: 100 },
    );
  });

  it('changes when any single field changes (property)', () => {
    const mutationArb = fc.record({
      target: fc.integer({ min: 0, max: 12 }),
      newSlot: fc.integer({ min: 0, max: 7 }),
      newOp: usedOpArb,
      newValue: fc.bigInt({ min: 0n, max: MAX_VALUE }),
      newSchema: fc.bigInt({ min: 1n, max: r - 1n }),
    });
    fc.assert(
      fc.property(queryArb, mutationArb, (q, m) => {
        const preds = [...q.predicates, ...Array<Predicate>(4 - q.predicates.length).fill(UNUSED)];
        let schema = q.schema;
        if (m.target === 0) {
          fc.pre(m.newSchema !== q.schema);
          schema = m.newSchema;
        } else {
          const i = Math.floor((m.target - 1) / 3);
          const field = (m.target - 1) % 3;
          const old = preds[i]!;
          // An unused position can only change by becoming a used predicate.
          let next: Predicate =
            field === 0
              ? { ...old, slot: m.newSlot }
              : field === 1
                ? { ...old, op: m.newOp }
                : { ...old, value: m.newValue };
          if (old.op === Op.unused) next = { slot: m.newSlot, op: m.newOp, value: m.newValue };
          fc.pre(next.slot !== old.slot || next.op !== old.op || next.value !== old.value);
          preds[i] = next;
        }
        expect(queryHash({ schema, predicates: preds })).not.toBe(queryHash(q));
      }),
      { numRuns: 300 },
    );
  });

  it('depends on predicate order (a query is an ordered list)', () => {
    const a: Predicate = { slot: 0, op: Op.gte, value: 1n };
    const b: Predicate = { slot: 1, op: Op.lte, value: 2n };
    expect(queryHash({ schema: SCHEMA, predicates: [a, b] })).not.toBe(
      queryHash({ schema: SCHEMA, predicates: [b, a] }),
    );
  });

  it('refuses invalid queries instead of hashing them', () => {
    expectZkError(() => queryHash({ schema: 0n, predicates: [] }), ZK_ERROR.badInput);
    expectZkError(
      () => queryHash({ schema: SCHEMA, predicates: [{ slot: 8, op: Op.gte, value: 0n }] }),
      ZK_ERROR.outOfRange,
    );
  });
});

describe('evaluatePredicate: comparison operators at boundaries', () => {
  const truth: Record<number, [boolean, boolean, boolean]> = {
    // attribute = value − 1, value, value + 1
    [Op.gte]: [false, true, true],
    [Op.lte]: [true, true, false],
    [Op.eq]: [false, true, false],
    [Op.neq]: [true, false, true],
    [Op.unused]: [true, true, true],
  };

  it('matches the truth table at value − 1, value, value + 1 (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7 }),
        fc.oneof(fc.bigInt({ min: 1n, max: MAX_VALUE - 1n }), fc.constantFrom(1n, MAX_VALUE - 1n)),
        (slot, value) => {
          for (const op of [Op.gte, Op.lte, Op.eq, Op.neq] as const) {
            const p: Predicate = { slot, op, value };
            [value - 1n, value, value + 1n].forEach((attr, k) => {
              expect(evaluatePredicate(p, attrsWith(slot, attr), NOW)).toBe(truth[op]![k]);
            });
            // Another slot holding the value never decides the result.
            expect(evaluatePredicate(p, attrsWith((slot + 1) % 8, value), NOW)).toBe(
              evaluatePredicate(p, attrsWith(slot, 0n), NOW),
            );
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('handles the ends of the value range, 0 and 2^64 − 1', () => {
    const at = (op: OpCode, value: bigint, attr: bigint): boolean =>
      evaluatePredicate({ slot: 2, op, value }, attrsWith(2, attr), NOW);
    expect(at(Op.gte, 0n, 0n)).toBe(true);
    expect(at(Op.lte, 0n, 0n)).toBe(true);
    expect(at(Op.lte, 0n, 1n)).toBe(false);
    expect(at(Op.gte, MAX_VALUE, MAX_VALUE)).toBe(true);
    expect(at(Op.gte, MAX_VALUE, MAX_VALUE - 1n)).toBe(false);
    expect(at(Op.lte, MAX_VALUE, MAX_VALUE)).toBe(true);
    expect(at(Op.eq, MAX_VALUE, MAX_VALUE)).toBe(true);
    expect(at(Op.neq, 0n, MAX_VALUE)).toBe(true);
  });

  it('unused always holds, whatever the attributes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: MAX_VALUE }), { minLength: 8, maxLength: 8 }),
        (attrs) => {
          expect(evaluatePredicate(UNUSED, attrs, NOW)).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('refuses a missing or out-of-range selected attribute, a bad time or a bad predicate', () => {
    const p: Predicate = { slot: 5, op: Op.gte, value: 1n };
    expectZkError(() => evaluatePredicate(p, [1n, 2n], NOW), ZK_ERROR.outOfRange);
    expectZkError(
      () => evaluatePredicate(p, attrsWith(5, MAX_VALUE + 1n), NOW),
      ZK_ERROR.outOfRange,
    );
    expectZkError(() => evaluatePredicate(p, attrsWith(5, -1n), NOW), ZK_ERROR.outOfRange);
    expectZkError(() => evaluatePredicate(UNUSED, [], NOW), ZK_ERROR.outOfRange);
    expectZkError(() => evaluatePredicate(p, attrsWith(5, 1n), MAX_TIME + 1n), ZK_ERROR.outOfRange);
    expectZkError(() => evaluatePredicate(p, attrsWith(5, 1n), -1n), ZK_ERROR.outOfRange);
    expectZkError(
      () => evaluatePredicate({ slot: 5, op: 6 as OpCode, value: 1n }, attrsWith(5, 1n), NOW),
      ZK_ERROR.outOfRange,
    );
    expect(evaluatePredicate(p, attrsWith(5, 1n), MAX_TIME)).toBe(true);
  });
});

describe('evaluatePredicate: ageAtLeast (calendar-exact)', () => {
  const ageAtLeast = (birth: string, n: bigint, t: bigint): boolean =>
    evaluatePredicate({ slot: 0, op: Op.ageAtLeast, value: n }, attrsWith(0, encodeDate(birth)), t);

  it('a holder born 2008-12-01 is 18 on 2026-12-01 from 00:00:00 UTC, and not one second before', () => {
    const birthday = midnightOf({ y: 2026, m: 12, d: 1 });
    expect(ageAtLeast('2008-12-01', 18n, birthday - 1n)).toBe(false);
    expect(ageAtLeast('2008-12-01', 18n, birthday)).toBe(true);
    expect(ageAtLeast('2008-12-01', 18n, birthday + DAY - 1n)).toBe(true);
  });

  it('29 February: reached on 1 March in common years, on 29 February in leap years', () => {
    // Born 2008-02-29: 18 in 2026 (common year) on 1 March.
    expect(ageAtLeast('2008-02-29', 18n, midnightOf({ y: 2026, m: 2, d: 28 }))).toBe(false);
    expect(ageAtLeast('2008-02-29', 18n, midnightOf({ y: 2026, m: 3, d: 1 }) - 1n)).toBe(false);
    expect(ageAtLeast('2008-02-29', 18n, midnightOf({ y: 2026, m: 3, d: 1 }))).toBe(true);
    // Born 2004-02-29: 20 in 2024 (leap year) on 29 February.
    expect(ageAtLeast('2004-02-29', 20n, midnightOf({ y: 2024, m: 2, d: 28 }))).toBe(false);
    expect(ageAtLeast('2004-02-29', 20n, midnightOf({ y: 2024, m: 2, d: 29 }))).toBe(true);
    // Across 2100 (not a leap year): born 2096-02-29, 4 years old on 2100-03-01.
    expect(ageAtLeast('2096-02-29', 4n, midnightOf({ y: 2100, m: 3, d: 1 }) - 1n)).toBe(false);
    expect(ageAtLeast('2096-02-29', 4n, midnightOf({ y: 2100, m: 3, d: 1 }))).toBe(true);
  });

  it('works for birth dates before 1970 and around 1800 and 2100', () => {
    for (const [birth, n] of [
      ['1850-01-01', 150n],
      ['1820-02-29', 150n],
      ['1899-12-31', 101n],
      ['1955-06-15', 18n],
      ['1969-12-31', 1n],
      ['2000-03-01', 101n],
      ['2083-01-01', 18n],
    ] as const) {
      const b = {
        y: Number(birth.slice(0, 4)),
        m: Number(birth.slice(5, 7)),
        d: Number(birth.slice(8)),
      };
      const day = midnightOf(nthBirthday(b, Number(n)));
      expect(ageAtLeast(birth, n, day - 1n)).toBe(false);
      expect(ageAtLeast(birth, n, day)).toBe(true);
    }
  });

  it('agrees with the reference calendar on thousands of (birth, N, today) triples (property)', () => {
    fc.assert(
      fc.property(ageTripleArb, fc.bigInt({ min: 0n, max: DAY - 1n }), ({ birth, n, today }, s) => {
        const t = midnightOf(today) + s; // any second of that UTC day
        expect(ageAtLeast(isoOf(birth), BigInt(n), t)).toBe(isAtLeastYearsOld(birth, today, n));
      }),
      { numRuns: 5000 },
    );
  });

  it('at every N-th birthday: false the day before, true on the day and the day after (property)', () => {
    fc.assert(
      fc.property(ageTripleArb, ({ birth, n }) => {
        const day = nthBirthday(birth, n);
        fc.pre(day.y >= 1971 && day.y <= 9999);
        const at = (c: { y: number; m: number; d: number }): boolean =>
          ageAtLeast(isoOf(birth), BigInt(n), midnightOf(c));
        expect(at(previousDay(day))).toBe(false);
        expect(at(day)).toBe(true);
        expect(at(civilOf(midnightOf(day) + DAY))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('value 0 holds from the date itself, not the day before', () => {
    const t = midnightOf({ y: 2026, m: 9, d: 21 });
    expect(ageAtLeast('2026-09-21', 0n, t)).toBe(true);
    expect(ageAtLeast('2026-09-21', 0n, t - 1n)).toBe(false);
  });
});

describe('evaluateQuery', () => {
  it('is the conjunction of its predicates (property)', () => {
    fc.assert(
      fc.property(
        queryArb,
        fc.array(fc.bigInt({ min: 0n, max: MAX_VALUE }), { minLength: 8, maxLength: 8 }),
        fc.bigInt({ min: 0n, max: MAX_TIME }),
        (q, attrs, t) => {
          const each = q.predicates.map((p) => evaluatePredicate(p, attrs, t));
          expect(evaluateQuery(q, attrs, t)).toBe(each.every(Boolean));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('decides "age ≥ 18 and country ≠ 840" correctly', () => {
    const q: Query = {
      schema: SCHEMA,
      predicates: [
        { slot: 0, op: Op.ageAtLeast, value: 18n },
        { slot: 1, op: Op.neq, value: 840n },
      ],
    };
    const attrs = (birth: string, country: bigint): bigint[] => [
      encodeDate(birth),
      country,
      0n,
      0n,
      0n,
      0n,
      0n,
      0n,
    ];
    expect(evaluateQuery(q, attrs('1960-05-04', 276n), NOW)).toBe(true);
    expect(evaluateQuery(q, attrs('1960-05-04', 840n), NOW)).toBe(false);
    expect(evaluateQuery(q, attrs('2010-01-01', 276n), NOW)).toBe(false); // 16 at NOW (2026-09)
    expect(evaluateQuery({ schema: SCHEMA, predicates: [] }, attrs('2010-01-01', 840n), NOW)).toBe(
      true,
    );
  });

  it('refuses invalid queries', () => {
    expectZkError(
      () => evaluateQuery({ schema: 0n, predicates: [] }, attrsWith(0, 0n), NOW),
      ZK_ERROR.badInput,
    );
  });
});

describe('sparse arrays', () => {
  it('a query with a hole among its predicates is refused', () => {
    const p = { slot: 0, op: Op.gte, value: 1n } as const;
    const predicates = [p, , p] as unknown as Parameters<typeof normalizeQuery>[0]['predicates'];
    expect(() => normalizeQuery({ schema: 5n, predicates })).toThrow(/predicate 1 is required/);
    expect(() => queryHash({ schema: 5n, predicates })).toThrow(/predicate 1 is required/);
  });
});
