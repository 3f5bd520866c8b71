/**
 * The circuit's Predicate template against the TS reference (evaluatePredicate), with
 * fast-check: valid inputs must agree exactly; out-of-range inputs (C01, C02) must fail.
 * Uses a small harness circuit with the same parameters as CredentialQuery.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { compileCircuit } from './build.js';
import {
  DAY,
  ageTripleArb,
  civilOf,
  isAtLeastYearsOld,
  isoOf,
  midnightOf,
} from '../../test/helpers/calendar.js';
import {
  type CircuitWitness,
  MAX_VALUE,
  Op,
  type OpCode,
  SNARK_FIELD_SIZE,
  ZkError,
  createWitnessCalculator,
  encodeDate,
  encodeProofTime,
  evaluatePredicate,
  utcDateOf,
} from './index.js';

let dir: string;
let wc: CircuitWitness;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zkrep-pred-'));
  compileCircuit(dir, 'circuits/test/predicate_harness.circom');
  wc = await createWitnessCalculator(
    readFileSync(join(dir, 'predicate_harness_js', 'predicate_harness.wasm')),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  attrs: bigint[];
  slot: bigint;
  op: bigint;
  value: bigint;
  /** Unix seconds; the harness gets the packed time signal (date · 2^40 + unix)... */
  time: bigint;
  /** ...unless a raw time signal is given. */
  timeSignal?: bigint;
}

/** The last unix second whose UTC date (9999-12-31) fits the circuit's 27 date bits. */
const LAST_TIME = midnightOf({ y: 10000, m: 1, d: 1 }) - 1n;

/** Runs the harness: 'ok' when the witness exists, else the failing template. */
async function circuit(c: Case): Promise<string> {
  try {
    await wc.values({
      attrs: c.attrs.map(String),
      slot: String(c.slot),
      op: String(c.op),
      value: String(c.value),
      time: String(c.timeSignal ?? encodeProofTime(c.time)),
    });
    return 'ok';
  } catch (err) {
    if (err instanceof ZkError && err.code === 'witness_failed') return err.message;
    throw err;
  }
}

const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: MAX_VALUE }),
  fc.constantFrom(0n, 1n, MAX_VALUE, MAX_VALUE - 1n),
  fc.bigInt({ min: 0n, max: 1000n }),
);
const time = fc.oneof(fc.bigInt({ min: 0n, max: LAST_TIME }), fc.constant(1_790_000_000n));

/** Valid cases, with `value` often placed at the boundary of the selected attribute. */
const validCase = fc
  .record({
    attrs: fc.array(u64, { minLength: 8, maxLength: 8 }),
    slot: fc.integer({ min: 0, max: 7 }),
    op: fc.integer({ min: 1, max: 5 }),
    value: u64,
    delta: fc.constantFrom(-1n, 0n, 1n, null),
    time,
  })
  .map(({ attrs, slot, op, value, delta, time: t }) => {
    let v = value;
    const a = attrs[slot]!;
    if (delta !== null) {
      // ageAtLeast: the boundary is the value with a + 10000·v = today (when a ≤ today).
      const today = BigInt(utcDateOf(t));
      const target = op === Op.ageAtLeast ? (today - a) / 10000n : a;
      v = target + delta;
    }
    if (v < 0n) v = 0n;
    if (v > MAX_VALUE) v = MAX_VALUE;
    return { attrs, slot: BigInt(slot), op: BigInt(op), value: v, time: t };
  });

describe('Predicate circuit vs TS reference', () => {
  it('agrees with evaluatePredicate on valid inputs (property)', async () => {
    await fc.assert(
      fc.asyncProperty(validCase, async (c) => {
        const expected = evaluatePredicate(
          { slot: Number(c.slot), op: Number(c.op) as OpCode, value: c.value },
          c.attrs,
          c.time,
        );
        const got = await circuit(c);
        expect(got === 'ok').toBe(expected);
        if (!expected) expect(got).toMatch(/Predicate line/);
      }),
      { numRuns: 300 },
    );
  });

  it('unused op is true for any in-range slot and value', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(u64, { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 7 }),
        u64,
        time,
        async (attrs, slot, value, t) => {
          expect(await circuit({ attrs, slot: BigInt(slot), op: 0n, value, time: t })).toBe('ok');
        },
      ),
      { numRuns: 50 },
    );
  });

  const base: Case = {
    attrs: [encodeDate('1960-05-04'), 276n, 2n, 0n, 0n, 0n, 0n, 0n],
    slot: 0n,
    op: BigInt(Op.ageAtLeast),
    value: 18n,
    time: 1_790_000_000n,
  };

  it('the base age case holds (born 1960, before the unix epoch)', async () => {
    expect(await circuit(base)).toBe('ok');
  });

  it('each operator fails exactly at its boundary', async () => {
    const a = 1000n;
    const attrs = [a, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
    const t = base.time;
    const today = BigInt(utcDateOf(t)); // 20260921
    const birth = 20080921n;
    const cases: Array<[Op: number, value: bigint, ok: boolean]> = [
      [Op.gte, a, true],
      [Op.gte, a + 1n, false],
      [Op.lte, a, true],
      [Op.lte, a - 1n, false],
      [Op.eq, a, true],
      [Op.eq, a + 1n, false],
      [Op.neq, a + 1n, true],
      [Op.neq, a, false],
    ];
    for (const [op, value, ok] of cases) {
      const got = await circuit({ attrs, slot: 0n, op: BigInt(op), value, time: t });
      expect([op, value, got === 'ok']).toEqual([op, value, ok]);
    }
    // ageAtLeast: birth + 10000·value ≤ today, exactly.
    expect(today).toBe(20260921n);
    const age = (b: bigint, value: bigint): Promise<string> =>
      circuit({ attrs: [b, 0n, 0n, 0n, 0n, 0n, 0n, 0n], slot: 0n, op: 5n, value, time: t });
    expect(await age(birth, 18n)).toBe('ok');
    expect(await age(birth + 1n, 18n)).toMatch(/Predicate line/);
    expect(await age(birth, 19n)).toMatch(/Predicate line/);
    expect(await age(birth - 1n, 18n)).toBe('ok');
  });

  it('C01: a birth date of r − k (wrapping the comparator) fails its own range check', async () => {
    for (const k of [1n, 1000n, 180000n]) {
      const got = await circuit({ ...base, attrs: [SNARK_FIELD_SIZE - k, ...base.attrs.slice(1)] });
      expect(got).toMatch(/Num2Bits/);
    }
  });

  it('C01: a time signal of r − k or ≥ 2^67 fails the time range check', async () => {
    for (const t of [SNARK_FIELD_SIZE - 1n, SNARK_FIELD_SIZE - 1_000_000n, 2n ** 67n]) {
      expect(await circuit({ ...base, timeSignal: t })).toMatch(/Num2Bits/);
    }
  });

  it('C04: the date part cannot alias: a date ≥ 2^27 fails its range check', async () => {
    // A prover who wants a later date than the seconds allow must still fit 27 bits.
    const unix = base.time;
    expect(await circuit({ ...base, timeSignal: 2n ** 27n * 2n ** 40n + unix })).toMatch(
      /Num2Bits/,
    );
  });

  it('ageAtLeast compares with the date part of the time signal, not the seconds', async () => {
    // A verifier-facing signal whose date claims 2026-12-01 while the seconds say 2026-09-21:
    // the circuit uses the claimed date (the verifier's date check is what refuses it).
    const signal = 20261201n * 2n ** 40n + base.time;
    const c = { ...base, attrs: [20081201n, 0n, 0n, 0n, 0n, 0n, 0n, 0n] };
    expect(await circuit({ ...c, timeSignal: signal })).toBe('ok');
    expect(await circuit(c)).toMatch(/Predicate line/);
  });

  it('C02: a score or threshold ≥ 2^64, or a threshold that underflows, fails', async () => {
    const gte = {
      attrs: [MAX_VALUE + 1n, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
      slot: 0n,
      op: BigInt(Op.gte),
      value: 80n,
      time: base.time,
    };
    expect(await circuit(gte)).toMatch(/Num2Bits/);
    const lowScore = { ...gte, attrs: [50n, 0n, 0n, 0n, 0n, 0n, 0n, 0n] };
    expect(await circuit({ ...lowScore, value: MAX_VALUE + 1n })).toMatch(/Num2Bits/);
    // threshold − score would underflow to a huge field element: still rejected
    expect(await circuit({ ...lowScore, value: SNARK_FIELD_SIZE - 1n })).toMatch(/Num2Bits/);
    expect(await circuit({ ...lowScore, value: 80n })).toMatch(/Predicate line/);
  });

  it('an out-of-range slot or operator selects nothing and fails (OneHot)', async () => {
    for (const slot of [8n, 9n, SNARK_FIELD_SIZE - 1n]) {
      expect(await circuit({ ...base, slot })).toMatch(/OneHot line/);
    }
    for (const op of [6n, 7n, SNARK_FIELD_SIZE - 1n]) {
      expect(await circuit({ ...base, op })).toMatch(/OneHot line/);
    }
  });
});

describe('calendar-exact age: circuit, TS helpers and an independent reference agree', () => {
  /** One "age ≥ n" predicate over a birth date, at unix second t, in the circuit. */
  const ageInCircuit = async (birth: bigint, n: number, t: bigint): Promise<boolean> =>
    (await circuit({
      attrs: [birth, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
      slot: 0n,
      op: BigInt(Op.ageAtLeast),
      value: BigInt(n),
      time: t,
    })) === 'ok';

  it('on thousands of (birth date, today, N) triples, each at a random second of the day', async () => {
    await fc.assert(
      fc.asyncProperty(
        ageTripleArb,
        fc.bigInt({ min: 0n, max: DAY - 1n }),
        async ({ birth, n, today }, second) => {
          const t = midnightOf(today) + second;
          const expected = isAtLeastYearsOld(birth, today, n);
          const b = encodeDate(isoOf(birth));
          const ts = evaluatePredicate({ slot: 0, op: Op.ageAtLeast, value: BigInt(n) }, [b], t);
          expect([ts, await ageInCircuit(b, n, t)]).toEqual([expected, expected]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('on the day before, the day of and the day after the N-th birthday (first and last second)', async () => {
    await fc.assert(
      fc.asyncProperty(ageTripleArb, async ({ birth, n, today }) => {
        // today is a day near the N-th birthday; check it and its neighbours at both ends.
        for (const day of [-1n, 0n, 1n]) {
          const start = midnightOf(today) + day * DAY;
          const civil = civilOf(start);
          if (civil.y < 1970 || civil.y > 9999) continue;
          const expected = isAtLeastYearsOld(birth, civil, n);
          const b = encodeDate(isoOf(birth));
          for (const t of [start, start + DAY - 1n]) {
            expect(await ageInCircuit(b, n, t)).toBe(expected);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the issue examples: 2008-12-01 is 18 on 2026-12-01; 29 February reaches it on 1 March', async () => {
    const at = (y: number, m: number, d: number): bigint => midnightOf({ y, m, d });
    expect(await ageInCircuit(20081201n, 18, at(2026, 11, 30) + DAY - 1n)).toBe(false);
    expect(await ageInCircuit(20081201n, 18, at(2026, 12, 1))).toBe(true);
    expect(await ageInCircuit(20080229n, 18, at(2026, 2, 28))).toBe(false);
    expect(await ageInCircuit(20080229n, 18, at(2026, 3, 1))).toBe(true);
    expect(await ageInCircuit(20960229n, 4, at(2100, 2, 28))).toBe(false);
    expect(await ageInCircuit(20960229n, 4, at(2100, 3, 1))).toBe(true);
  });
});
