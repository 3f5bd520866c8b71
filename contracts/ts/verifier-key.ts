/**
 * The Groth16 verification key as ZkGate compiles it in.
 *
 * `ZkGate` verifies proofs inline (no call to the snarkjs-generated verifier): the key is a set of
 * Solidity constants generated here from the snarkjs `verification_key.json` (the locked one from
 * `#zk` `loadVerificationKey()`, or a test fixture's) and compiled together with the sources
 * (`compileContracts({ verificationKey })`). This module:
 * - parses and validates a snarkjs key (`parseVerificationKey`);
 * - renders the constants file (`renderVerificationKeySource`), written to the gitignored
 *   `contracts/build/generated/` at compile time;
 * - reads the key back out of Solidity text: our generated file, or the snarkjs
 *   `Groth16Verifier.sol` (`readVerificationKeyFromSolidity`), so that tests and `deploy()` can
 *   prove that the gate and the generated verifier carry the same key.
 *
 * G2 coordinates are kept in the EIP-197 limb order of the pairing precompile, exactly as snarkjs's
 * Solidity template writes them: `x1 = x.c1` (imaginary part), `x2 = x.c0` (real part), same for
 * `y`. No curve arithmetic happens here.
 */
import { concat, keccak256, toHex, type Hex } from 'viem';
// BN254 base field modulus q (every coordinate is < q): the zk core's constant, not a copy.
import { BASE_FIELD_SIZE } from '#zk';
import { PUBLIC_SIGNAL_COUNT } from './signals.js';

/** Source unit name of the generated constants file (what `src/Groth16.sol` imports). */
export const VERIFICATION_KEY_UNIT = 'zkrep-generated/VerificationKey.sol';

/** A G1 point in affine coordinates `[x, y]`. */
export type G1Point = readonly [x: bigint, y: bigint];
/** A G2 point in EIP-197 limb order: `[[x.c1, x.c0], [y.c1, y.c0]]` (= snarkjs's x1, x2, y1, y2). */
export type G2Point = readonly [x: readonly [bigint, bigint], y: readonly [bigint, bigint]];

/** A Groth16 verification key with `PUBLIC_SIGNAL_COUNT + 1` IC points. */
export type VerificationKey = {
  readonly alpha: G1Point;
  readonly beta: G2Point;
  readonly gamma: G2Point;
  readonly delta: G2Point;
  /** IC0 .. IC7: `vk_x = IC0 + Σ signal[i] · IC[i + 1]`. */
  readonly ic: readonly G1Point[];
};

const DECIMAL = /^(0|[1-9][0-9]*)$/;

function fail(message: string): never {
  throw new TypeError(`verification key: ${message}`);
}

function coordinate(value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !DECIMAL.test(value)) {
    fail(`${what} is not a canonical decimal string`);
  }
  const n = BigInt(value);
  if (n >= BASE_FIELD_SIZE) fail(`${what} is not < q`);
  return n;
}

function g1(value: unknown, what: string): G1Point {
  if (!Array.isArray(value) || value.length !== 3) fail(`${what} is not [x, y, z]`);
  // snarkjs writes affine points with z = 1 (the point at infinity would be [0, 1, 0]).
  if (value[2] !== '1') fail(`${what} is not an affine point (z != 1)`);
  return [coordinate(value[0], `${what}.x`), coordinate(value[1], `${what}.y`)];
}

function g2(value: unknown, what: string): G2Point {
  if (!Array.isArray(value) || value.length !== 3) fail(`${what} is not [x, y, z]`);
  const [x, y, z] = value as unknown[];
  if (!Array.isArray(z) || z.length !== 2 || z[0] !== '1' || z[1] !== '0') {
    fail(`${what} is not an affine point (z != [1, 0])`);
  }
  const pair = (p: unknown, name: string): readonly [bigint, bigint] => {
    if (!Array.isArray(p) || p.length !== 2) fail(`${what}.${name} is not [c0, c1]`);
    // snarkjs JSON: [c0, c1]. EIP-197 / the Solidity template: [c1, c0].
    return [coordinate(p[1], `${what}.${name}.c1`), coordinate(p[0], `${what}.${name}.c0`)];
  };
  return [pair(x, 'x'), pair(y, 'y')];
}

/**
 * Parses a snarkjs Groth16 `verification_key.json` (BN254, 7 public signals). Rejects anything
 * else: another protocol, curve or signal count, non-canonical or out-of-field coordinates,
 * projective points.
 */
export function parseVerificationKey(json: unknown): VerificationKey {
  if (typeof json !== 'object' || json === null) fail('not an object');
  const vk = json as Record<string, unknown>;
  if (vk['protocol'] !== 'groth16') fail('protocol is not groth16');
  if (vk['curve'] !== 'bn128') fail('curve is not bn128');
  if (vk['nPublic'] !== PUBLIC_SIGNAL_COUNT) fail(`nPublic is not ${PUBLIC_SIGNAL_COUNT}`);
  const ic = vk['IC'];
  if (!Array.isArray(ic) || ic.length !== PUBLIC_SIGNAL_COUNT + 1) {
    fail(`IC does not hold ${PUBLIC_SIGNAL_COUNT + 1} points`);
  }
  return {
    alpha: g1(vk['vk_alpha_1'], 'vk_alpha_1'),
    beta: g2(vk['vk_beta_2'], 'vk_beta_2'),
    gamma: g2(vk['vk_gamma_2'], 'vk_gamma_2'),
    delta: g2(vk['vk_delta_2'], 'vk_delta_2'),
    ic: ic.map((p, i) => g1(p, `IC[${i}]`)),
  };
}

/** Whether two keys are the same (every coordinate equal). */
export function verificationKeysEqual(a: VerificationKey, b: VerificationKey): boolean {
  return verificationKeyWords(a).join() === verificationKeyWords(b).join();
}

/** All coordinates in a fixed order: alpha, beta, gamma, delta (x1, x2, y1, y2), IC0..IC7. */
function verificationKeyWords(vk: VerificationKey): bigint[] {
  const flat2 = (p: G2Point): bigint[] => [p[0][0], p[0][1], p[1][0], p[1][1]];
  return [
    ...vk.alpha,
    ...flat2(vk.beta),
    ...flat2(vk.gamma),
    ...flat2(vk.delta),
    ...vk.ic.flatMap((p) => [...p]),
  ];
}

/**
 * `keccak256(abi.encode(alpha, beta, gamma, delta, ic))` with static arrays, the same value as
 * `keccak256(abi.encode(ZkGate.verificationKey()))` on-chain. Identifies a key in deployment
 * records.
 */
export function verificationKeyHash(vk: VerificationKey): Hex {
  // abi.encode of static arrays is the plain sequence of their 32-byte words.
  return keccak256(concat(verificationKeyWords(vk).map((w) => toHex(w, { size: 32 }))));
}

/** Constant names of the generated file, in `verificationKeyWords` order. */
function libraryConstantNames(): string[] {
  const g2Names = (p: string): string[] => [`${p}_X1`, `${p}_X2`, `${p}_Y1`, `${p}_Y2`];
  return [
    'VK_ALPHA_X',
    'VK_ALPHA_Y',
    ...g2Names('VK_BETA'),
    ...g2Names('VK_GAMMA'),
    ...g2Names('VK_DELTA'),
    ...Array.from({ length: PUBLIC_SIGNAL_COUNT + 1 }, (_, i) => [
      `VK_IC${i}_X`,
      `VK_IC${i}_Y`,
    ]).flat(),
  ];
}

/** Constant names of the snarkjs 0.7.x Groth16 template, in `verificationKeyWords` order. */
function snarkjsConstantNames(): string[] {
  const g2Names = (p: string): string[] => [`${p}x1`, `${p}x2`, `${p}y1`, `${p}y2`];
  return [
    'alphax',
    'alphay',
    ...g2Names('beta'),
    ...g2Names('gamma'),
    ...g2Names('delta'),
    ...Array.from({ length: PUBLIC_SIGNAL_COUNT + 1 }, (_, i) => [`IC${i}x`, `IC${i}y`]).flat(),
  ];
}

/**
 * The Solidity constants file for a key (unit `VERIFICATION_KEY_UNIT`). `description` goes into
 * the header comment (e.g. where the key came from). File-level constants, because inline
 * assembly can read those directly.
 */
export function renderVerificationKeySource(vk: VerificationKey, description: string): string {
  const names = libraryConstantNames();
  const words = verificationKeyWords(vk);
  const lines = names.map((name, i) => `uint256 constant ${name} = ${words[i]};`);
  return [
    '// SPDX-License-Identifier: MIT',
    '// GENERATED by contracts/ts/verifier-key.ts: do not edit.',
    `// ${description.replace(/[\r\n]+/g, ' ')}`,
    `// keccak256(abi.encode(alpha, beta, gamma, delta, ic)) = ${verificationKeyHash(vk)}`,
    '//',
    '// Groth16 verification key (BN254) compiled into ZkGate. G2 limbs in EIP-197 order, as in',
    "// snarkjs's Solidity template: X1 = x.c1 (imaginary), X2 = x.c0 (real); Y1 = y.c1, Y2 = y.c0.",
    '// vk_x = IC0 + sum over i of publicSignal[i] * IC(i + 1).',
    'pragma solidity ^0.8.28;',
    '',
    ...lines,
    '',
  ].join('\n');
}

/** The all-zero key used when a build is made without a key (ABI generation only). */
export const PLACEHOLDER_VERIFICATION_KEY: VerificationKey = {
  alpha: [0n, 0n],
  beta: [
    [0n, 0n],
    [0n, 0n],
  ],
  gamma: [
    [0n, 0n],
    [0n, 0n],
  ],
  delta: [
    [0n, 0n],
    [0n, 0n],
  ],
  ic: Array.from({ length: PUBLIC_SIGNAL_COUNT + 1 }, () => [0n, 0n] as const),
};

/**
 * Reads a verification key out of Solidity source: our generated constants file (`'zkrep'`) or
 * a snarkjs-generated `Groth16Verifier.sol` (`'snarkjs'`). Throws if a constant is missing, is
 * defined twice, or is not < q.
 */
export function readVerificationKeyFromSolidity(
  source: string,
  naming: 'zkrep' | 'snarkjs',
): VerificationKey {
  const found = new Map<string, bigint>();
  for (const m of source.matchAll(/uint256\s+constant\s+(\w+)\s*=\s*(\d+)\s*;/g)) {
    const [, name, value] = m as unknown as [string, string, string];
    if (found.has(name)) fail(`${name} is defined twice`);
    found.set(name, BigInt(value));
  }
  const words = (naming === 'zkrep' ? libraryConstantNames() : snarkjsConstantNames()).map(
    (name) => {
      const value = found.get(name);
      if (value === undefined) fail(`constant ${name} not found`);
      if (value >= BASE_FIELD_SIZE) fail(`${name} is not < q`);
      return value;
    },
  );
  if (naming === 'snarkjs' && found.has(`IC${PUBLIC_SIGNAL_COUNT + 1}x`)) {
    fail(`more than ${PUBLIC_SIGNAL_COUNT + 1} IC points`);
  }
  const at = (i: number): bigint => words[i]!;
  const g2At = (i: number): G2Point => [
    [at(i), at(i + 1)],
    [at(i + 2), at(i + 3)],
  ];
  return {
    alpha: [at(0), at(1)],
    beta: g2At(2),
    gamma: g2At(6),
    delta: g2At(10),
    ic: Array.from({ length: PUBLIC_SIGNAL_COUNT + 1 }, (_, i) => [at(14 + 2 * i), at(15 + 2 * i)]),
  };
}
