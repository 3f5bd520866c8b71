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
  type CircuitWitness,
  DATE_OFFSET,
  MAX_TIME,
  MAX_VALUE,
  Op,
  type OpCode,
  SNARK_FIELD_SIZE,
  ZkError,
  createWitnessCalculator,
  encodeDate,
  evaluatePredicate,
  yearsInSeconds,
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
  time: bigint;
}

/** Runs the harness: 'ok' when the witness exists, else the failing template. */
async function circuit(c: Case): Promise<string> {
  try {
    await wc.values({
      attrs: c.attrs.map(String),
      slot: String(c.slot),
      op: String(c.op),
      value: String(c.value),
      time: String(c.time),
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
const time = fc.oneof(fc.bigInt({ min: 0n, max: MAX_TIME }), fc.constant(1_790_000_000n));

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
      const target = op === Op.elapsedGte ? t + DATE_OFFSET - a : a;
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
    op: BigInt(Op.elapsedGte),
    value: yearsInSeconds(18),
    time: 1_790_000_000n,
  };

  it('the base age case holds (born 1960, before the unix epoch)', async () => {
    expect(await circuit(base)).toBe('ok');
  });

  it('each operator fails exactly at its boundary', async () => {
    const a = 1000n;
    const attrs = [a, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
    const t = base.time;
    const cases: Array<[Op: number, value: bigint, ok: boolean]> = [
      [Op.gte, a, true],
      [Op.gte, a + 1n, false],
      [Op.lte, a, true],
      [Op.lte, a - 1n, false],
      [Op.eq, a, true],
      [Op.eq, a + 1n, false],
      [Op.neq, a + 1n, true],
      [Op.neq, a, false],
      [Op.elapsedGte, t + DATE_OFFSET - a, true],
      [Op.elapsedGte, t + DATE_OFFSET - a + 1n, false],
    ];
    for (const [op, value, ok] of cases) {
      const got = await circuit({ attrs, slot: 0n, op: BigInt(op), value, time: t });
      expect([op, value, got === 'ok']).toEqual([op, value, ok]);
    }
  });

  it('C01: a birth date of r − k (wrapping the comparator) fails its own range check', async () => {
    for (const k of [1n, 1000n, yearsInSeconds(18)]) {
      const got = await circuit({ ...base, attrs: [SNARK_FIELD_SIZE - k, ...base.attrs.slice(1)] });
      expect(got).toMatch(/Num2Bits/);
    }
  });

  it('C01: a time of r − k or ≥ 2^40 fails the time range check', async () => {
    for (const t of [SNARK_FIELD_SIZE - 1n, SNARK_FIELD_SIZE - 1_000_000n, MAX_TIME + 1n]) {
      expect(await circuit({ ...base, time: t })).toMatch(/Num2Bits/);
    }
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
