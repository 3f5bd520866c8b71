// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Number of public signals. File-level because Solidity accepts only file-level (not
// library) constants as array lengths in signatures: `uint256[PUBLIC_SIGNAL_COUNT]`.
uint256 constant PUBLIC_SIGNAL_COUNT = 7;

/// @title PublicSignals
/// @notice The position of every public signal of the zkrep credential circuit, in snarkjs order,
///         and the BN254 scalar field they live in.
/// @dev The ONE place in Solidity that names signal positions; `contracts/ts/signals.ts` mirrors it
///      and a test checks that both agree. snarkjs orders public signals as: outputs first, then
///      public inputs, each in declaration order. Change this file and the circuit together.
library PublicSignals {
    /// @notice Number of public signals (the verifier's `uint[7] _pubSignals`).
    uint256 internal constant COUNT = PUBLIC_SIGNAL_COUNT;
    /// @notice Poseidon(holderSecret, scope): one value per holder per scope; never 0.
    uint256 internal constant NULLIFIER = 0;
    /// @notice Hash of the issuer's BabyJubJub public key, as registered in the IssuerRegistry.
    uint256 internal constant ISSUER_KEY_HASH = 1;
    /// @notice Hash of the predicate set (schema + predicates) the proof satisfies.
    uint256 internal constant QUERY_HASH = 2;
    /// @notice Root of the issuer's revocation tree the proof shows non-membership against.
    uint256 internal constant REVOCATION_ROOT = 3;
    /// @notice The "now" the proof was made for, packed: `date * 2^40 + unix`, where `unix` is unix
    ///         seconds (< 2^40) and `date` the UTC calendar date of `unix` as YYYYMMDD (< 2^27;
    ///         the circuit range-checks the whole value to 67 bits). Unpack with `UNIX_TIME_BITS`.
    uint256 internal constant TIME = 4;
    /// @notice keccak256(abi.encode(chainId, gate, policyId)) >> 8, recomputed on-chain.
    uint256 internal constant SCOPE = 5;
    /// @notice keccak256(abi.encode(account, context)) >> 8: binds the proof to the account that
    ///         gets the pass (msg.sender of `verify`, the `account` of `verifyFor`).
    uint256 internal constant SIGNAL_HASH = 6;

    /// @notice Width of the unix-seconds part of the packed `TIME` signal: `unix = time & (2^40 - 1)`,
    ///         `date = time >> 40`.
    uint256 internal constant UNIX_TIME_BITS = 40;

    /// @notice BN254 scalar field order r. Every public signal must be < r.
    uint256 internal constant FIELD_SIZE =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
}
