/**
 * query.ts: query validation and padding, the query hash (one hash per padded query, a new
 * hash for any changed field), and the TS reference of the circuit's Predicate at its
 * boundaries, including "elapsed" predicates over dates before 1970.
 */
import fc from 'fast-check';
import { expectZkError } from '../../test/helpers/expect.js';
import { ZK_ERROR } from './errors.js';
import {
  DATE_OFFSET,
  MAX_TIME,
  MAX_VALUE,
  SNARK_FIELD_SIZE,
  encodeDate,
  yearsInSeconds,
} from './field.js';
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
const DAY = 86_400n;
const UNUSED: Predicate = { slot: 0, op: Op.unused, value: 0n };
const SCHEMA = 123456789n;
const NOW = 1_790_000_000n;

const attrsWith = (slot: number, v: bigint): bigint[] => {
  const a = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
  a[slot] = v;
  return a;
};

/** Unix seconds of a UTC-midnight date, by Date.UTC (independent of encodeDate). */
const unixOf = (y: number, m: number, d: number): bigint => BigInt(Date.UTC(y, m - 1, d) / 1000);
const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const dim = (y: number, m: number): number =>
  [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
const dateArb = (fromYear: number, toYear: number) =>
  fc
    .tuple(
      fc.integer({ min: fromYear, max: toYear }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 31 }),
    )
    .map(([y, m, d]) => ({ y, m, d: Math.min(d, dim(y, m)) }));
const iso = ({ y, m, d }: { y: number; m: number; d: number }): string =>
  `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

const usedOpArb = fc.constantFrom<OpCode>(Op.gte, Op.lte, Op.eq, Op.neq, Op.elapsedGte);
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
    expect(Op).toEqual({ unused: 0, gte: 1, lte: 2, eq: 3, neq: 4, elapsedGte: 5 });
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
    const used: Predicate = { slot: 7, op: Op.elapsedGte, value: MAX_VALUE };
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
    expect(
      normalizeQuery(q({ slot: 7, op: Op.elapsedGte, value: MAX_VALUE })).predicates[0]!.value,
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
      { slot: 0, op: Op.elapsedGte, value: 568_036_800n },
      { slot: 1, op: Op.neq, value: 840n },
    ],
  };

  it('lays out (schema, slot_i, op_i, value_i …) in circuit order and hashes it with Poseidon', () => {
    const expected = [SCHEMA, 0n, 5n, 568_036_800n, 1n, 4n, 840n, 0n, 0n, 0n, 0n, 0n, 0n];
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

describe('evaluatePredicate: elapsedGte over dates', () => {
  const elapsed = (attr: bigint, value: bigint, t: bigint): boolean =>
    evaluatePredicate({ slot: 0, op: Op.elapsedGte, value }, attrsWith(0, attr), t);

  it('is exact at t0 − 1, t0, t0 + 1 for dates before and after 1970', () => {
    const cases: [string, bigint, bigint][] = [
      ['1900-01-01', unixOf(1900, 1, 1), yearsInSeconds(80)],
      ['1955-06-15', unixOf(1955, 6, 15), yearsInSeconds(18)],
      ['1969-12-31', unixOf(1969, 12, 31), 2n * DAY],
      ['1990-02-28', unixOf(1990, 2, 28), yearsInSeconds(21)],
      ['2008-02-29', unixOf(2008, 2, 29), yearsInSeconds(18)],
      ['1800-01-01', unixOf(1800, 1, 1), DATE_OFFSET + 7n],
    ];
    for (const [date, birth, value] of cases) {
      const attr = encodeDate(date);
      const t0 = birth + value; // first unix second with (t − birth) ≥ value
      expect(t0 > 0n).toBe(true);
      expect(elapsed(attr, value, t0 - 1n)).toBe(false);
      expect(elapsed(attr, value, t0)).toBe(true);
      expect(elapsed(attr, value, t0 + 1n)).toBe(true);
    }
  });

  it('value 0 holds from the date itself, not before', () => {
    const attr = encodeDate('2026-09-21');
    const t = unixOf(2026, 9, 21);
    expect(elapsed(attr, 0n, t)).toBe(true);
    expect(elapsed(attr, 0n, t - 1n)).toBe(false);
    // A date after the last circuit time never holds, even with value 0.
    expect(elapsed(DATE_OFFSET + MAX_TIME, 0n, MAX_TIME)).toBe(true);
    expect(elapsed(DATE_OFFSET + MAX_TIME + 1n, 0n, MAX_TIME)).toBe(false);
  });

  it('holds iff t − date ≥ value, for any date in 1800–2020 (property)', () => {
    const deltaArb = fc.oneof(
      fc.bigInt({ min: -2n, max: 2n }),
      fc.bigInt({ min: -5n * DAY, max: 5n * DAY }),
      fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }),
    );
    fc.assert(
      fc.property(
        dateArb(1800, 2020),
        fc.bigInt({ min: 0n, max: 300n * 365n * DAY }),
        deltaArb,
        (b, value, delta) => {
          const birth = unixOf(b.y, b.m, b.d);
          const t = birth + value + delta; // around the boundary t0 = birth + value
          fc.pre(t >= 0n && t <= MAX_TIME);
          expect(elapsed(encodeDate(iso(b)), value, t)).toBe(delta >= 0n);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with yearsInSeconds(N): admits only holders aged ≥ N, and all aged N for 2 days (property)', () => {
    const calendarAge = (b: { y: number; m: number; d: number }, t: bigint): number => {
      const at = new Date(Number(t) * 1000);
      const [ty, tm, td] = [at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate()];
      return ty - b.y - (tm < b.m || (tm === b.m && td < b.d) ? 1 : 0);
    };
    fc.assert(
      fc.property(
        dateArb(1900, 2020),
        fc.integer({ min: 0, max: 120 }),
        fc.bigInt({ min: -5n * DAY, max: 5n * DAY }),
        (b, n, delta) => {
          const nth = BigInt(Date.UTC(b.y + n, b.m - 1, b.d) / 1000); // N-th birthday (Feb 29 → Mar 1)
          const t = nth + delta;
          fc.pre(t >= 0n);
          const holds = elapsed(encodeDate(iso(b)), yearsInSeconds(n), t);
          if (holds) expect(calendarAge(b, t)).toBeGreaterThanOrEqual(n);
          if (t >= nth + 2n * DAY) expect(holds).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
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
        { slot: 0, op: Op.elapsedGte, value: yearsInSeconds(18) },
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
