/**
 * Witness tampering (C06, and the local stand-in for Picus's determinism check C08): for
 * every wire of a valid witness, change only that wire and check the R1CS. A wire whose
 * change breaks no constraint would let a prover pick it freely; the only such wires
 * allowed are IsZero's `inv` hints while their input is 0 (where the inverse is undefined
 * and unused), and the test proves that those do not affect any output.
 */
import { ageFixture, reputationFixture, requestFor } from '../../test/fixtures/credentials.js';
import {
  type R1cs,
  SNARK_FIELD_SIZE,
  artifactPath,
  buildWitnessInput,
  calculateWitnessValues,
  constraintHolds,
  constraintsByWire,
  failingConstraints,
  readR1csFile,
  readSymFile,
} from './index.js';

let r1cs: R1cs;
let byWire: number[][];
let names: Map<number, string>;

beforeAll(() => {
  r1cs = readR1csFile(artifactPath('r1cs'));
  byWire = constraintsByWire(r1cs);
  names = readSymFile(artifactPath('sym'));
});

/** Wires whose change (to each of `values(old)`) leaves every constraint satisfied. */
function freeWires(w: bigint[], values: (old: bigint) => bigint[]): number[] {
  const free: number[] = [];
  for (let wire = 1; wire < w.length; wire++) {
    const old = w[wire]!;
    let detected = true;
    for (const v of values(old)) {
      w[wire] = v;
      if (byWire[wire]!.every((c) => constraintHolds(r1cs, c, w))) detected = false;
    }
    w[wire] = old;
    if (!detected) free.push(wire);
  }
  return free;
}

const tweak = (old: bigint): bigint[] => [
  (old + 1n) % SNARK_FIELD_SIZE,
  (old + 0x1234567890abcdefn * 977n) % SNARK_FIELD_SIZE,
];

describe.each([
  ['age query', () => buildWitnessInput(requestFor(ageFixture()))],
  ['reputation query', () => buildWitnessInput(requestFor(reputationFixture()))],
])('witness tampering: %s', (_label, input) => {
  let w: bigint[];
  beforeAll(async () => {
    w = await calculateWitnessValues(input());
  });

  it('the untampered witness satisfies every constraint', () => {
    expect(w.length).toBe(r1cs.nWires);
    expect(failingConstraints(r1cs, w)).toEqual([]);
  });

  it('changing any single wire breaks a constraint, except IsZero inverse hints of a zero input', () => {
    const free = freeWires(w, tweak);
    // An IsZero's `inv` is only constrained through `in * inv`; when `in` is 0 it is free
    // and irrelevant (with EdDSA's enabled = 1, ForceEqualIfEnabled even drops it from
    // every constraint). Anything else that is free would be an under-constrained signal.
    const notHints = free.filter((wire) => !/\.isz\.inv$/.test(names.get(wire) ?? ''));
    expect(notHints.map((x) => `${x}:${names.get(x)}`)).toEqual([]);
    // and no public signal (wires 1..7) is free
    for (let s = 1; s <= 7; s++) expect(free).not.toContain(s);
  });

  it('public signals are bound: each one, changed alone, breaks a constraint', () => {
    for (let s = 1; s <= 7; s++) {
      const old = w[s]!;
      w[s] = (old + 1n) % SNARK_FIELD_SIZE;
      expect([names.get(s), byWire[s]!.some((c) => !constraintHolds(r1cs, c, w))]).toEqual([
        names.get(s),
        true,
      ]);
      w[s] = old;
    }
  });

  it('Merkle path bits are boolean: a bit of 2 (or −1) is rejected', () => {
    const bitWires = [...names]
      .filter(([, n]) => /^main\.revocation\.bits\[\d+\]$/.test(n))
      .map(([i]) => i);
    expect(bitWires.length).toBeGreaterThan(0);
    for (const wire of bitWires) {
      const old = w[wire]!;
      for (const v of [2n, SNARK_FIELD_SIZE - 1n]) {
        w[wire] = v;
        expect(byWire[wire]!.some((c) => !constraintHolds(r1cs, c, w))).toBe(true);
      }
      w[wire] = old;
    }
  });
});
