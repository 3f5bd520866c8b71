/**
 * The verification key ZkGate compiles in (contracts/ts/verifier-key.ts): the generator keeps
 * snarkjs's G2 limb order, the generated constants file AND the snarkjs-generated
 * Groth16Verifier.sol both carry exactly the zk core's locked key, and malformed keys are refused.
 * (That the DEPLOYED gate carries it: zk-gate.real.test.ts.)
 */
import { readFile } from 'node:fs/promises';
import { BASE_FIELD_SIZE, loadVerificationKey, verifierSolidityPath } from '#zk';
import { compileContracts, type CompileOutput } from '../ts/compile.js';
import {
  parseVerificationKey,
  readVerificationKeyFromSolidity,
  renderVerificationKeySource,
  verificationKeyHash,
  verificationKeysEqual,
  type VerificationKey,
} from '../ts/verifier-key.js';
import { g1OnCurve } from './bn254.js';

type SnarkjsKey = {
  vk_alpha_1: string[];
  vk_beta_2: string[][];
  vk_gamma_2: string[][];
  vk_delta_2: string[][];
  IC: string[][];
} & Record<string, unknown>;

let json: SnarkjsKey;
let key: VerificationKey;
let build: CompileOutput;

beforeAll(async () => {
  json = loadVerificationKey() as SnarkjsKey;
  key = parseVerificationKey(json);
  // The same compile as a deployment's (sources + generated key + the real verifier).
  build = await compileContracts({
    verifierSourcePath: verifierSolidityPath(),
    verificationKey: json,
  });
});

/**
 * Every Solidity constant a key must produce, written out by hand from the snarkjs JSON (so this
 * check does not rely on the generator's own name mapping). G2: x1 = x.c1 = json[0][1].
 */
function expectedConstants(names: 'zkrep' | 'snarkjs'): Record<string, string> {
  const g2 = (p: string[][], upper: string, lower: string): Record<string, string> =>
    names === 'zkrep'
      ? {
          [`${upper}_X1`]: p[0]![1]!,
          [`${upper}_X2`]: p[0]![0]!,
          [`${upper}_Y1`]: p[1]![1]!,
          [`${upper}_Y2`]: p[1]![0]!,
        }
      : {
          [`${lower}x1`]: p[0]![1]!,
          [`${lower}x2`]: p[0]![0]!,
          [`${lower}y1`]: p[1]![1]!,
          [`${lower}y2`]: p[1]![0]!,
        };
  const out: Record<string, string> = {
    [names === 'zkrep' ? 'VK_ALPHA_X' : 'alphax']: json.vk_alpha_1[0]!,
    [names === 'zkrep' ? 'VK_ALPHA_Y' : 'alphay']: json.vk_alpha_1[1]!,
    ...g2(json.vk_beta_2, 'VK_BETA', 'beta'),
    ...g2(json.vk_gamma_2, 'VK_GAMMA', 'gamma'),
    ...g2(json.vk_delta_2, 'VK_DELTA', 'delta'),
  };
  json.IC.forEach((p, i) => {
    out[names === 'zkrep' ? `VK_IC${i}_X` : `IC${i}x`] = p[0]!;
    out[names === 'zkrep' ? `VK_IC${i}_Y` : `IC${i}y`] = p[1]!;
  });
  return out;
}

function constantsIn(source: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [, name, value] of source.matchAll(/uint256\s+constant\s+(\w+)\s*=\s*(\d+)\s*;/g)) {
    found[name!] = value!;
  }
  return found;
}

describe('the key compiled into ZkGate is the zk core key, and so is the generated verifier', () => {
  it('the generated constants file (as compiled, in contracts/build/generated) holds exactly the zk core key', async () => {
    const generated = await readFile(build.verificationKeySourcePath, 'utf8');
    expect(build.verificationKeySourcePath).toMatch(
      /contracts\/build\/generated\/VerificationKey-/,
    );
    expect(constantsIn(generated)).toEqual(expectedConstants('zkrep'));
    expect(verificationKeysEqual(readVerificationKeyFromSolidity(generated, 'zkrep'), key)).toBe(
      true,
    );
    expect(build.verificationKeyHash).toBe(verificationKeyHash(key));
  });

  it('Groth16Verifier.sol (snarkjs, #zk verifierSolidityPath) holds exactly the same key', async () => {
    const verifier = await readFile(verifierSolidityPath(), 'utf8');
    const constants = constantsIn(verifier);
    // The template also defines r and q.
    expect(constants['r']).toBe(
      '21888242871839275222246405745257275088548364400416034343698204186575808495617',
    );
    expect(constants['q']).toBe(BASE_FIELD_SIZE.toString());
    delete constants['r'];
    delete constants['q'];
    expect(constants).toEqual(expectedConstants('snarkjs'));
    expect(verificationKeysEqual(readVerificationKeyFromSolidity(verifier, 'snarkjs'), key)).toBe(
      true,
    );
  });

  it('keeps the EIP-197 G2 limb order of the snarkjs template (x1 = c1, x2 = c0)', () => {
    expect(key.beta[0]).toEqual([BigInt(json.vk_beta_2[0]![1]!), BigInt(json.vk_beta_2[0]![0]!)]);
    expect(key.delta[1]).toEqual([
      BigInt(json.vk_delta_2[1]![1]!),
      BigInt(json.vk_delta_2[1]![0]!),
    ]);
    const source = renderVerificationKeySource(key, 'test');
    expect(source).toContain(`uint256 constant VK_GAMMA_X1 = ${json.vk_gamma_2[0]![1]};`);
    expect(source).toContain(`uint256 constant VK_GAMMA_X2 = ${json.vk_gamma_2[0]![0]};`);
  });

  it('every G1 point of the key is on the curve', () => {
    for (const p of [key.alpha, ...key.ic]) expect(g1OnCurve(p)).toBe(true);
  });
});

describe('parseVerificationKey refuses anything but a 7-signal BN254 Groth16 key', () => {
  const mutate = (f: (k: SnarkjsKey) => void): unknown => {
    const copy = structuredClone(json);
    f(copy);
    return copy;
  };
  it.each([
    ['another protocol', (k: SnarkjsKey) => (k['protocol'] = 'plonk'), /protocol/],
    ['another curve', (k: SnarkjsKey) => (k['curve'] = 'bls12381'), /curve/],
    ['6 public signals', (k: SnarkjsKey) => (k['nPublic'] = 6), /nPublic/],
    ['7 IC points', (k: SnarkjsKey) => k.IC.pop(), /IC/],
    ['a coordinate = q', (k: SnarkjsKey) => (k.IC[3]![0] = BASE_FIELD_SIZE.toString()), /< q/],
    ['a leading zero', (k: SnarkjsKey) => (k.vk_alpha_1[0] = `0${k.vk_alpha_1[0]}`), /canonical/],
    ['a hex coordinate', (k: SnarkjsKey) => (k.vk_delta_2[0]![1] = '0x1'), /canonical/],
    ['a projective G1 point', (k: SnarkjsKey) => (k.IC[0]![2] = '2'), /affine/],
    ['a projective G2 point', (k: SnarkjsKey) => (k.vk_beta_2[2] = ['0', '1']), /affine/],
  ])('%s', (_label, change, message) => {
    expect(() => parseVerificationKey(mutate(change))).toThrow(message);
  });

  it('and null, arrays and strings', () => {
    for (const bad of [null, [], 'vk', 7]) expect(() => parseVerificationKey(bad)).toThrow();
  });
});

describe('reading a key back from Solidity', () => {
  it('fails on a missing or duplicated constant', () => {
    const source = renderVerificationKeySource(key, 'test');
    expect(() =>
      readVerificationKeyFromSolidity(
        source.replace(/uint256 constant VK_IC7_Y[^\n]*\n/, ''),
        'zkrep',
      ),
    ).toThrow(/VK_IC7_Y/);
    expect(() =>
      readVerificationKeyFromSolidity(`${source}uint256 constant VK_ALPHA_X = 1;\n`, 'zkrep'),
    ).toThrow(/twice/);
  });

  it('the key hash changes with any coordinate', () => {
    const changed: VerificationKey = {
      ...key,
      ic: key.ic.map((p, i) => (i === 7 ? [p[0], p[1] + 1n] : p)),
    };
    expect(verificationKeyHash(changed)).not.toBe(verificationKeyHash(key));
    expect(verificationKeysEqual(changed, key)).toBe(false);
  });
});
