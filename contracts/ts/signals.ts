/**
 * The public-signal layout of the zkrep circuit as the contracts see it (the ONE place in
 * TypeScript; `contracts/src/PublicSignals.sol` is the one place in Solidity, and a test checks
 * they agree), the two values the gate recomputes (scope, signal hash), and the conversion of a
 * snarkjs proof into verifier calldata.
 *
 * No field arithmetic here: scope and signal hash are keccak256 values shifted right by 8 bits.
 */
import { encodeAbiParameters, keccak256, type Address, type Hex } from 'viem';

/** BN254 scalar field order r. */
export const FIELD_SIZE =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Number of public signals. */
export const PUBLIC_SIGNAL_COUNT = 7;

/** Position of each public signal (snarkjs order). */
export const PublicSignalIndex = {
  nullifier: 0,
  issuerKeyHash: 1,
  queryHash: 2,
  revocationRoot: 3,
  time: 4,
  scope: 5,
  signalHash: 6,
} as const;
export type PublicSignalName = keyof typeof PublicSignalIndex;

/** The public signals in verifier order. */
export type PublicSignals = readonly [bigint, bigint, bigint, bigint, bigint, bigint, bigint];
/** The public signals by name. */
export type NamedPublicSignals = Readonly<Record<PublicSignalName, bigint>>;

/** Named -> ordered. */
export function toPublicSignals(named: NamedPublicSignals): PublicSignals {
  const out: bigint[] = new Array<bigint>(PUBLIC_SIGNAL_COUNT).fill(0n);
  for (const [name, index] of Object.entries(PublicSignalIndex)) {
    out[index] = named[name as PublicSignalName];
  }
  return out as unknown as PublicSignals;
}

/** Ordered -> named. */
export function namePublicSignals(signals: PublicSignals): NamedPublicSignals {
  const named = {} as Record<PublicSignalName, bigint>;
  for (const [name, index] of Object.entries(PublicSignalIndex)) {
    named[name as PublicSignalName] = signals[index];
  }
  return named;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Parses snarkjs's `publicSignals` (decimal strings): exactly 7 canonical decimals, each < r.
 * Rejects "", " 1", "0x1", "-1", "1e3", "01" (SECURITY-CASES A04/A05).
 */
export function parsePublicSignals(raw: readonly unknown[]): PublicSignals {
  if (!Array.isArray(raw) || raw.length !== PUBLIC_SIGNAL_COUNT) {
    throw new TypeError(`expected ${PUBLIC_SIGNAL_COUNT} public signals`);
  }
  return raw.map((value, i) => {
    if (typeof value !== 'string' || !DECIMAL.test(value)) {
      throw new TypeError(`public signal ${i} is not a canonical decimal string`);
    }
    const n = BigInt(value);
    if (n >= FIELD_SIZE) throw new RangeError(`public signal ${i} is not < r`);
    return n;
  }) as unknown as PublicSignals;
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
  const encoded = encodeAbiParameters(
    [{ type: 'uint256' }, { type: 'address' }, { type: 'uint256' }],
    [BigInt(params.chainId), params.gate, params.policyId],
  );
  return BigInt(keccak256(encoded)) >> 8n;
}

/** Zero context: a plain pass, not bound to any action. */
export const NO_CONTEXT: Hex = `0x${'00'.repeat(32)}`;

/** The signal hash the gate recomputes: `uint256(keccak256(abi.encode(account, context))) >> 8`. */
export function computeSignalHash(params: { account: Address; context?: Hex | undefined }): bigint {
  const encoded = encodeAbiParameters(
    [{ type: 'address' }, { type: 'bytes32' }],
    [params.account, params.context ?? NO_CONTEXT],
  );
  return BigInt(keccak256(encoded)) >> 8n;
}
