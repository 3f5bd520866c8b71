/**
 * The zk core's Groth16 prover (groth16.ts), against snarkjs: the same witness gives proofs
 * that both verifiers accept with the same public signals; with fixed blinding the A and B sums
 * equal the engine's own multi-exponentiation (another code path); a witness that does not
 * satisfy the circuit is refused, not proved; malformed keys and witnesses are refused with the
 * part that is wrong; overlapping proofs each get their own statement.
 */
import { readFileSync } from 'node:fs';
import * as snarkjs from 'snarkjs';
import { ageFixture, reputationFixture, requestFor } from '../../test/fixtures/credentials.js';
import { artifactPath } from './artifacts.js';
import {
  engine,
  parseProvingKey,
  proveWithKey,
  witnessValues,
  type ProvingKey,
} from './groth16.js';
import {
  ZkError,
  buildWitnessInput,
  calculateWitness,
  loadVerificationKey,
  prove,
  proveFromWitness,
  shutdownZk,
  verify,
} from './index.js';

const zkeyBytes = readFileSync(artifactPath('zkey'));
const key: ProvingKey = parseProvingKey(zkeyBytes);
const inputs = [ageFixture(), reputationFixture()].map((f) => buildWitnessInput(requestFor(f)));
let wtns: Uint8Array[];

beforeAll(async () => {
  wtns = [await calculateWitness(inputs[0]!), await calculateWitness(inputs[1]!)];
});
afterAll(async () => {
  await shutdownZk();
});

const dec = (x: unknown): unknown => (Array.isArray(x) ? x.map(dec) : String(x));
const asProof = (p: { pi_a: bigint[]; pi_b: bigint[][]; pi_c: bigint[] }) => ({
  pi_a: dec(p.pi_a),
  pi_b: dec(p.pi_b),
  pi_c: dec(p.pi_c),
  protocol: 'groth16',
  curve: 'bn128',
});

/** A copy of `bytes` with `f` applied. */
function edit(bytes: Uint8Array, f: (b: Uint8Array, dv: DataView) => void): Uint8Array {
  const b = new Uint8Array(bytes);
  f(b, new DataView(b.buffer));
  return b;
}

/** Offset of a section's data in an iden3 binary file. */
function sectionOffset(bytes: Uint8Array, type: number): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 12;
  for (;;) {
    const t = dv.getUint32(o, true);
    const size = Number(dv.getBigUint64(o + 4, true));
    if (t === type) return o + 12;
    o += 12 + size;
  }
}

describe('the prover against snarkjs', () => {
  it.each([0, 1])(
    'input %i: ours and snarkjs prove the same statement; each proof passes both verifiers',
    async (i) => {
      const w = wtns[i]!;
      const ours = await proveFromWitness(w);
      const theirs = await snarkjs.groth16.prove(
        { type: 'mem', data: zkeyBytes },
        { type: 'mem', data: w },
      );
      expect(ours.publicSignals).toEqual(theirs.publicSignals);
      const vk = loadVerificationKey();
      expect(await snarkjs.groth16.verify(vk, ours.publicSignals, ours.proof)).toBe(true);
      expect(await snarkjs.groth16.verify(vk, theirs.publicSignals, theirs.proof)).toBe(true);
      expect((await verify(ours.proof, ours.publicSignals)).verified).toBe(true);
      expect((await verify(theirs.proof, theirs.publicSignals)).verified).toBe(true);
      // the statement of one input is not the other's
      expect(ours.publicSignals).not.toEqual((await proveFromWitness(wtns[1 - i]!)).publicSignals);
    },
  );

  it('with r = s = 0, pi_a and pi_b are α + Σ wᵢ·Aᵢ and β + Σ wᵢ·B2ᵢ by the engine’s own multi-exponentiation', async () => {
    const w = witnessValues(wtns[0]!, key);
    const raw = await proveWithKey(key, w, { r: 0n, s: 0n });
    const e = await engine();
    const G1 = e.G1 as typeof e.G1 & {
      multiExpAffine(b: Uint8Array, s: Uint8Array): Promise<Uint8Array>;
    };
    const G2 = e.G2 as typeof e.G2 & {
      multiExpAffine(b: Uint8Array, s: Uint8Array): Promise<Uint8Array>;
    };
    const refA = G1.add(await G1.multiExpAffine(key.pointsA, w), G1.fromRprLEM(key.alpha1, 0));
    const refB = G2.add(await G2.multiExpAffine(key.pointsB2, w), G2.fromRprLEM(key.beta2, 0));
    expect(dec(raw.pi_a)).toEqual(dec(G1.toObject(G1.toAffine(refA))));
    expect(dec(raw.pi_b)).toEqual(dec(G2.toObject(G2.toAffine(refB))));
    // and the unblinded proof still verifies (blinding is for zero knowledge, not validity)
    expect((await verify(asProof(raw), raw.publicSignals.map(String))).verified).toBe(true);
  });

  it('blinding: the same witness proved twice gives two different valid proofs; fixed r, s give one', async () => {
    const w = witnessValues(wtns[0]!, key);
    const [p1, p2] = [await prove(inputs[0]!), await prove(inputs[0]!)];
    expect(p1.publicSignals).toEqual(p2.publicSignals);
    expect(p1.proof.pi_a).not.toEqual(p2.proof.pi_a);
    expect(p1.proof.pi_b).not.toEqual(p2.proof.pi_b);
    expect(p1.proof.pi_c).not.toEqual(p2.proof.pi_c);
    const fixed = { r: 12345n, s: 67890n };
    const [f1, f2] = [await proveWithKey(key, w, fixed), await proveWithKey(key, w, fixed)];
    expect(dec(f1)).toEqual(dec(f2));
    expect((await verify(asProof(f1), f1.publicSignals.map(String))).verified).toBe(true);
  });

  it('overlapping proofs of two inputs each prove their own statement', async () => {
    const [a, b] = await Promise.all([proveFromWitness(wtns[0]!), proveFromWitness(wtns[1]!)]);
    const [sa, sb] = [
      await proveFromWitness(wtns[0]!).then((p) => p.publicSignals),
      await proveFromWitness(wtns[1]!).then((p) => p.publicSignals),
    ];
    expect(a.publicSignals).toEqual(sa);
    expect(b.publicSignals).toEqual(sb);
  });
});

describe('refusals', () => {
  it('a witness that does not satisfy the circuit (one private value changed) is refused, not proved', async () => {
    const at = sectionOffset(wtns[0]!, 2) + (key.nPublic + 40) * 32;
    const bad = edit(wtns[0]!, (b) => {
      b[at] = b[at]! ^ 1;
    });
    await expect(proveFromWitness(bad)).rejects.toMatchObject({
      code: 'witness_failed',
      message: expect.stringMatching(/does not satisfy the circuit/),
    });
  });

  it.each<[string, (b: Uint8Array, dv: DataView, o: (t: number) => number) => void, RegExp]>([
    [
      'a witness of another length',
      (_b, dv, o) => dv.setUint32(o(1) + 36, key.nVars - 1, true),
      new RegExp(`values for a circuit of ${key.nVars}`),
    ],
    ['a witness whose first value is not 1', (b, _dv, o) => void (b[o(2)] = 2), /constant 1/],
    [
      'a witness over another field',
      (b, _dv, o) => void (b[o(1) + 4] = b[o(1) + 4]! ^ 1),
      /not over BN254/,
    ],
    ['not a witness file', (b) => void (b[0] = 0x78), /not a wtns file/],
  ])('%s is refused as bad_input', async (_name, f, message) => {
    const w = wtns[0]!;
    const bad = edit(w, (b, dv) => f(b, dv, (t) => sectionOffset(w, t)));
    const err = await proveFromWitness(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZkError);
    expect(err).toMatchObject({ code: 'bad_input', message: expect.stringMatching(message) });
  });

  it.each<[string, (b: Uint8Array, dv: DataView, o: (t: number) => number) => void, RegExp]>([
    ['a truncated key', () => {}, /truncated/],
    ['another magic', (b) => void (b[0] = 0x78), /not a zkey file/],
    ['a PLONK key (protocol 2)', (_b, dv, o) => dv.setUint32(o(1), 2, true), /not a Groth16 key/],
    ['another base field', (b, _dv, o) => void (b[o(2) + 4] = b[o(2) + 4]! ^ 1), /base field/],
    [
      'another scalar field',
      (b, _dv, o) => void (b[o(2) + 40] = b[o(2) + 40]! ^ 1),
      /scalar field/,
    ],
    [
      'a domain that is not a power of 2',
      (_b, dv, o) => dv.setUint32(o(2) + 80, key.domainSize - 1, true),
      /domain size/,
    ],
    [
      'a coefficient of a third matrix',
      (_b, dv, o) => dv.setUint32(o(4) + 4, 2, true),
      /coefficient 0 is out of range/,
    ],
    [
      'a coefficient past the domain',
      (_b, dv, o) => dv.setUint32(o(4) + 4 + 44 + 4, key.domainSize, true),
      /coefficient 1 is out of range/,
    ],
    [
      'a coefficient of no signal',
      (_b, dv, o) => dv.setUint32(o(4) + 4 + 8, key.nVars, true),
      /coefficient 0 is out of range/,
    ],
  ])('%s is refused as artifact_mismatch', (name, f, message) => {
    let bad = edit(zkeyBytes, (b, dv) => f(b, dv, (t) => sectionOffset(zkeyBytes, t)));
    if (name === 'a truncated key') bad = bad.subarray(0, bad.length - 1000);
    let err: unknown;
    try {
      parseProvingKey(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ZkError);
    expect(err).toMatchObject({
      code: 'artifact_mismatch',
      message: expect.stringMatching(message),
    });
  });

  it('the untouched key parses with the sizes of the built circuit', async () => {
    const r1cs = await snarkjs.r1cs.info(artifactPath('r1cs'));
    expect(key.nVars).toBe(r1cs.nVars);
    expect(key.nPublic).toBe(r1cs.nOutputs + r1cs.nPubInputs);
    expect(key.nPublic).toBe((loadVerificationKey() as { nPublic: number }).nPublic);
    // the domain holds the constraints and one per public input (and the constant)
    expect(key.domainSize).toBe(2 ** key.power);
    expect(key.domainSize).toBeGreaterThanOrEqual(r1cs.nConstraints + key.nPublic + 1);
    expect(key.domainSize / 2).toBeLessThan(r1cs.nConstraints + key.nPublic + 1);
  });
});
