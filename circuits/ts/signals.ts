/**
 * Public signals: their order (as snarkjs emits them: outputs, then public inputs),
 * and the helpers that compute the scope and signal hash both off-chain and on-chain.
 */
import { encodeAbiParameters, isAddress, keccak256, type Address, type Hex } from 'viem';
import { ZK_ERROR, ZkError } from './errors.js';
import { hashToField, parseFieldElement } from './field.js';

/** Names of the public signals in proof order. */
export const PUBLIC_SIGNAL_NAMES = [
  'nullifier',
  'issuerKeyHash',
  'queryHash',
  'revocationRoot',
  'time',
  'scope',
  'signalHash',
] as const;
export type PublicSignalName = (typeof PUBLIC_SIGNAL_NAMES)[number];
export const PUBLIC_SIGNAL_COUNT = PUBLIC_SIGNAL_NAMES.length;

type Names = typeof PUBLIC_SIGNAL_NAMES;
/** name → its position as a literal type (so indexing a 7-tuple stays exact). */
export type SignalIndex = {
  readonly [
    K in keyof Names as K extends `${number}` ? Names[K] : never
  ]: K extends `${infer N extends number}` ? N : never;
};
/** Index of each public signal: `SIGNAL_INDEX.nullifier === 0`. */
export const SIGNAL_INDEX = Object.fromEntries(
  PUBLIC_SIGNAL_NAMES.map((n, i) => [n, i]),
) as unknown as SignalIndex;

export type PublicSignals = Record<PublicSignalName, bigint>;

/** Names the signals of a (strictly parsed) public-signal array. */
export function parsePublicSignals(signals: unknown): PublicSignals {
  if (!Array.isArray(signals) || signals.length !== PUBLIC_SIGNAL_COUNT) {
    throw new ZkError(
      ZK_ERROR.badEncoding,
      `expected exactly ${PUBLIC_SIGNAL_COUNT} public signals`,
    );
  }
  const out = {} as PublicSignals;
  PUBLIC_SIGNAL_NAMES.forEach((name, i) => {
    out[name] = parseFieldElement(signals[i], `public signal ${name}`);
  });
  return out;
}

/** Public signals in proof order, as the decimal strings snarkjs uses. */
export function formatPublicSignals(signals: PublicSignals): string[] {
  return PUBLIC_SIGNAL_NAMES.map((n) => signals[n].toString());
}

const UINT256_MAX = (1n << 256n) - 1n;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** A 20-byte address, lowercase or with a valid EIP-55 checksum (what abi.encode accepts). */
function address(a: unknown, what: string): Address {
  if (typeof a !== 'string' || !isAddress(a, { strict: true })) {
    throw new ZkError(
      ZK_ERROR.badInput,
      `${what} must be a 20-byte hex address (lowercase or EIP-55 checksummed)`,
    );
  }
  return a;
}
function uint256(x: unknown, what: string): bigint {
  const v = typeof x === 'number' && Number.isSafeInteger(x) ? BigInt(x) : x;
  if (typeof v !== 'bigint' || v < 0n || v > UINT256_MAX) {
    throw new ZkError(ZK_ERROR.badInput, `${what} must be an unsigned 256-bit integer`);
  }
  return v;
}
function bytes32(x: unknown, what: string): Hex {
  if (typeof x !== 'string' || !BYTES32.test(x)) {
    throw new ZkError(ZK_ERROR.badInput, `${what} must be 32 bytes of hex (0x + 64 digits)`);
  }
  return x as Hex;
}

/**
 * Scope of an on-chain gate policy: keccak256(abi.encode(chainId, gate, policyId)) >> 8.
 * ZkGate recomputes exactly this, so a proof for one gate, chain or policy fails at another.
 */
export function gateScope(
  chainId: bigint | number,
  gate: Address,
  policyId: bigint | number,
): bigint {
  return hashToField(
    encodeAbiParameters(
      [{ type: 'uint256' }, { type: 'address' }, { type: 'uint256' }],
      [uint256(chainId, 'chain id'), address(gate, 'gate'), uint256(policyId, 'policy id')],
    ),
  );
}

/** Scope of an off-chain verifier policy: keccak256(abi.encode(verifierDid, policyId)) >> 8. */
export function verifierScope(verifierId: string, policyId: string): bigint {
  if (typeof verifierId !== 'string' || typeof policyId !== 'string' || !verifierId || !policyId) {
    throw new ZkError(ZK_ERROR.badInput, 'verifier id and policy id are required');
  }
  return hashToField(
    encodeAbiParameters([{ type: 'string' }, { type: 'string' }], [verifierId, policyId]),
  );
}

/**
 * Signal hash for an on-chain gate: keccak256(abi.encode(sender, context)) >> 8, where
 * `sender` is msg.sender and `context` binds action data (zero bytes32 for a plain pass).
 */
export function gateSignalHash(sender: Address, context: Hex): bigint {
  return hashToField(
    encodeAbiParameters(
      [{ type: 'address' }, { type: 'bytes32' }],
      [address(sender, 'sender'), bytes32(context, 'context')],
    ),
  );
}

/**
 * The gate `context` of a proof request answered on-chain (a policy mirrored into ZkGate):
 * keccak256(abi.encode(challenge, consentReceiptHash)). The proof's signal hash is then
 * `gateSignalHash(account, requestContext(challenge, consentReceiptHash))`, so one proof binds
 * the request's challenge, the consent receipt and the account, and is accepted both by the
 * verifier service and by `ZkGate.verifyFor(account, …, context)`.
 */
export function requestContext(challenge: Hex, consentReceiptHash: Hex): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'bytes32' }],
      [bytes32(challenge, 'challenge'), bytes32(consentReceiptHash, 'consent receipt hash')],
    ),
  );
}

/**
 * The request digest of an off-chain proof request: keccak256(abi.encode(bytes32 challenge,
 * address account)). It binds the verifier's single-use challenge and the account the result is
 * for, and reveals neither: the challenge is 32 random bytes the verifier keeps, so the digest
 * cannot be matched against a list of addresses. A compliance report can carry it next to the
 * consent receipt, and a regulator recomputes the signal hash from the two alone
 * (`requestSignalHashOf`).
 */
export function requestDigest(challenge: Hex, account: Address): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'address' }],
      [bytes32(challenge, 'challenge'), address(account, 'account')],
    ),
  );
}

/**
 * The signal hash of an off-chain proof request from its two commitments:
 * keccak256(abi.encode(bytes32 consentReceiptHash, bytes32 requestDigest)) >> 8. What a
 * regulator checks offline against the proof's `signalHash`, given the consent receipt and the
 * request digest (and neither the challenge nor the account).
 */
export function requestSignalHashOf(consentReceiptHash: Hex, digest: Hex): bigint {
  return hashToField(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'bytes32' }],
      [bytes32(consentReceiptHash, 'consent receipt hash'), bytes32(digest, 'request digest')],
    ),
  );
}

/**
 * Signal hash for an off-chain proof request (protocol v2): binds the hash of the holder's
 * consent receipt, and through the request digest the verifier's single-use challenge and the
 * account the result is for: `requestSignalHashOf(consentReceiptHash, requestDigest(challenge,
 * account))`.
 */
export function requestSignalHash(
  challenge: Hex,
  consentReceiptHash: Hex,
  account: Address,
): bigint {
  return requestSignalHashOf(consentReceiptHash, requestDigest(challenge, account));
}
