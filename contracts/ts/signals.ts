/**
 * The public-signal layout of the zkrep circuit as the contracts see it (the ONE place in
 * TypeScript; `contracts/src/PublicSignals.sol` is the one place in Solidity, and a test checks
 * they agree), the two values the gate recomputes (scope, signal hash), and the conversion of a
 * snarkjs proof into verifier calldata.
 *
 * No field arithmetic here: scope and signal hash are keccak256 values shifted right by 8 bits.
 */
import type { Address, Hex } from 'viem';
import {
  PUBLIC_SIGNAL_COUNT as ZK_PUBLIC_SIGNAL_COUNT,
  SIGNAL_INDEX,
  SNARK_FIELD_SIZE,
  type PublicSignalName as ZkPublicSignalName,
  type PublicSignals,
  gateScope,
  gateSignalHash,
  parsePublicSignals,
} from '#zk';

// The layout, the field and the scope/signal-hash formulas are the zk core's (circuits/ts is the
// one place for them); this module only adapts them to the contracts' ordered-tuple form, the
// `uint256[7]` of the verifier and the gate. The named record is `#zk`'s `PublicSignals`.

/** BN254 scalar field order r. */
export const FIELD_SIZE = SNARK_FIELD_SIZE;

/** Number of public signals. */
export const PUBLIC_SIGNAL_COUNT = ZK_PUBLIC_SIGNAL_COUNT;

/** Position of each public signal (snarkjs order). */
export const PublicSignalIndex = SIGNAL_INDEX;
export type PublicSignalName = ZkPublicSignalName;

/** The public signals in verifier order: the `uint256[7] pubSignals` of the gate and verifier. */
export type PublicSignalTuple = readonly [bigint, bigint, bigint, bigint, bigint, bigint, bigint];

/** Named (`#zk` `PublicSignals`) -> the ordered tuple. */
export function toSignalTuple(named: Readonly<PublicSignals>): PublicSignalTuple {
  const out: bigint[] = new Array<bigint>(PUBLIC_SIGNAL_COUNT).fill(0n);
  for (const [name, index] of Object.entries(PublicSignalIndex)) {
    out[index] = named[name as PublicSignalName];
  }
  return out as unknown as PublicSignalTuple;
}

/** The ordered tuple -> named (`#zk` `PublicSignals`). */
export function fromSignalTuple(signals: PublicSignalTuple): PublicSignals {
  const named = {} as PublicSignals;
  for (const [name, index] of Object.entries(PublicSignalIndex)) {
    named[name as PublicSignalName] = signals[index];
  }
  return named;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Parses snarkjs's `publicSignals` (decimal strings) into the ordered tuple: exactly 7 canonical
 * decimals, each < r (the zk core's strict `parsePublicSignals`; SECURITY-CASES A04/A05). Throws a
 * ZkError otherwise.
 */
export function parseSignalTuple(raw: readonly unknown[]): PublicSignalTuple {
  return toSignalTuple(parsePublicSignals(raw));
}

/** Groth16 proof as the Solidity verifier takes it (`pB` pairs already swapped). */
export type SolidityProof = {
  readonly a: readonly [bigint, bigint];
  readonly b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  readonly c: readonly [bigint, bigint];
};

/** The proof object snarkjs returns (projective coordinates as decimal strings). */
export type SnarkjsProof = {
  readonly pi_a: readonly string[];
  readonly pi_b: readonly (readonly string[])[];
  readonly pi_c: readonly string[];
};

function coordinate(value: string | undefined, what: string): bigint {
  if (value === undefined || !DECIMAL.test(value)) {
    throw new TypeError(`proof ${what} is not a canonical decimal string`);
  }
  return BigInt(value);
}

/**
 * snarkjs proof -> verifier calldata. Solidity wants each G2 pair of `pi_b` swapped:
 * `[[b01, b00], [b11, b10]]` (EIP-197 encodes Fp2 as (imaginary, real)).
 */
export function toSolidityProof(proof: SnarkjsProof): SolidityProof {
  const [b0, b1] = [proof.pi_b[0], proof.pi_b[1]];
  return {
    a: [coordinate(proof.pi_a[0], 'A.x'), coordinate(proof.pi_a[1], 'A.y')],
    b: [
      [coordinate(b0?.[1], 'B.x1'), coordinate(b0?.[0], 'B.x0')],
      [coordinate(b1?.[1], 'B.y1'), coordinate(b1?.[0], 'B.y0')],
    ],
    c: [coordinate(proof.pi_c[0], 'C.x'), coordinate(proof.pi_c[1], 'C.y')],
  };
}

/** The scope the gate recomputes: `uint256(keccak256(abi.encode(chainId, gate, policyId))) >> 8`. */
export function computeScope(params: {
  chainId: number | bigint;
  gate: Address;
  policyId: bigint;
}): bigint {
  return gateScope(params.chainId, params.gate, params.policyId);
}

/** Zero context: a plain pass, not bound to any action. */
export const NO_CONTEXT: Hex = `0x${'00'.repeat(32)}`;

/**
 * The signal hash the gate recomputes for the pass holder (msg.sender of `verify`, the `account`
 * of `verifyFor`): `uint256(keccak256(abi.encode(account, context))) >> 8`.
 */
export function computeSignalHash(params: { account: Address; context?: Hex | undefined }): bigint {
  return gateSignalHash(params.account, params.context ?? NO_CONTEXT);
}
