/**
 * A small R1CS reader and checker for soundness tests and tooling: reads circom's .r1cs
 * and .sym, and evaluates A·w × B·w = C·w (mod r) on a witness. Independent of snarkjs's
 * curve code, so it needs no worker threads.
 */
import { readFileSync } from 'node:fs';
import { ZK_ERROR, ZkError } from './errors.js';
import { SNARK_FIELD_SIZE } from './field.js';

/** A linear combination: parallel arrays of wire ids and coefficients. */
export interface LinearCombination {
  wires: number[];
  coeffs: bigint[];
}
export interface R1cs {
  nWires: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  constraints: Array<[LinearCombination, LinearCombination, LinearCombination]>;
}

function readLE(buf: Buffer, off: number, n8: number): bigint {
  let x = 0n;
  for (let i = n8 - 1; i >= 0; i--) x = (x << 8n) | BigInt(buf[off + i]!);
  return x;
}

/** Parses a circom .r1cs file (format version 1). */
export function readR1csFile(path: string): R1cs {
  const buf = readFileSync(path);
  if (buf.toString('ascii', 0, 4) !== 'r1cs' || buf.readUInt32LE(4) !== 1) {
    throw new ZkError(ZK_ERROR.badInput, 'not an r1cs v1 file');
  }
  const nSections = buf.readUInt32LE(8);
  let off = 12;
  let header: (Omit<R1cs, 'constraints'> & { n8: number; nConstraints: number }) | undefined;
  let constraintsAt = -1;
  for (let s = 0; s < nSections; s++) {
    const type = buf.readUInt32LE(off);
    const size = Number(buf.readBigUInt64LE(off + 4));
    const start = off + 12;
    if (type === 1) {
      const n8 = buf.readUInt32LE(start);
      const prime = readLE(buf, start + 4, n8);
      if (prime !== SNARK_FIELD_SIZE)
        throw new ZkError(ZK_ERROR.badInput, 'r1cs is not over BN254');
      const p = start + 4 + n8;
      header = {
        n8,
        nWires: buf.readUInt32LE(p),
        nOutputs: buf.readUInt32LE(p + 4),
        nPubInputs: buf.readUInt32LE(p + 8),
        nPrvInputs: buf.readUInt32LE(p + 12),
        nConstraints: buf.readUInt32LE(p + 24),
      };
    } else if (type === 2) {
      constraintsAt = start;
    }
    off = start + size;
  }
  if (!header || constraintsAt < 0)
    throw new ZkError(ZK_ERROR.badInput, 'r1cs is missing sections');
  const constraints: R1cs['constraints'] = [];
  let p = constraintsAt;
  const readLc = (): LinearCombination => {
    const n = buf.readUInt32LE(p);
    p += 4;
    const lc: LinearCombination = { wires: [], coeffs: [] };
    for (let i = 0; i < n; i++) {
      lc.wires.push(buf.readUInt32LE(p));
      lc.coeffs.push(readLE(buf, p + 4, header!.n8));
      p += 4 + header!.n8;
    }
    return lc;
  };
  for (let c = 0; c < header.nConstraints; c++) constraints.push([readLc(), readLc(), readLc()]);
  const { nWires, nOutputs, nPubInputs, nPrvInputs } = header;
  return { nWires, nOutputs, nPubInputs, nPrvInputs, constraints };
}

/** Reads a .sym file: witness index → signal name (signals removed by --O2 are skipped). */
export function readSymFile(path: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [, wire, , name] = line.split(',');
    if (wire !== undefined && name !== undefined && wire !== '-1' && !names.has(Number(wire))) {
      names.set(Number(wire), name);
    }
  }
  return names;
}

const evalLc = (lc: LinearCombination, w: readonly bigint[]): bigint => {
  let acc = 0n;
  for (let i = 0; i < lc.wires.length; i++) acc += lc.coeffs[i]! * w[lc.wires[i]!]!;
  return acc % SNARK_FIELD_SIZE;
};

/** True when constraint `c` holds for witness `w`. */
export function constraintHolds(r1cs: R1cs, c: number, w: readonly bigint[]): boolean {
  const [a, b, cc] = r1cs.constraints[c]!;
  return (evalLc(a, w) * evalLc(b, w) - evalLc(cc, w)) % SNARK_FIELD_SIZE === 0n;
}

/** Indexes of the constraints a witness violates (all of them are checked). */
export function failingConstraints(r1cs: R1cs, w: readonly bigint[]): number[] {
  if (w.length !== r1cs.nWires || w[0] !== 1n)
    throw new ZkError(ZK_ERROR.badInput, 'witness does not fit the r1cs');
  const bad: number[] = [];
  for (let c = 0; c < r1cs.constraints.length; c++) if (!constraintHolds(r1cs, c, w)) bad.push(c);
  return bad;
}

/** For each wire, the constraints it appears in (to re-check only those after an edit). */
export function constraintsByWire(r1cs: R1cs): number[][] {
  const by: number[][] = Array.from({ length: r1cs.nWires }, () => []);
  r1cs.constraints.forEach((abc, c) => {
    const seen = new Set<number>();
    for (const lc of abc) for (const wire of lc.wires) seen.add(wire);
    for (const wire of seen) by[wire]!.push(c);
  });
  return by;
}
