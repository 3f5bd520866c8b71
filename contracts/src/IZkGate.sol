// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PUBLIC_SIGNAL_COUNT} from "./PublicSignals.sol";

/// @title IZkGate
/// @notice What a consumer (a marketplace contract, a relayer, an indexer) needs from the gate:
///         submit a proof, read a verification pass, and the custom error of every failed check.
/// @dev Each check in `verify` has exactly one error, so a revert says which check failed.
interface IZkGate {
    /// @notice No policy has this id.
    error ZkGate__PolicyNotFound();
    /// @notice The policy was disabled by its admin: no new passes, and existing passes are invalid.
    error ZkGate__PolicyDisabled();
    /// @notice Public signal `index` is >= r (a non-canonical field element, e.g. `x + r`).
    /// @param index Position of the offending signal.
    error ZkGate__SignalNotInField(uint256 index);
    /// @notice The nullifier is 0.
    error ZkGate__NullifierZero();
    /// @notice The scope signal is not this gate's scope for this policy (proof made for another
    ///         chain, gate or policy).
    error ZkGate__ScopeMismatch();
    /// @notice The query hash signal is not the policy's query hash.
    error ZkGate__QueryHashMismatch();
    /// @notice The signal hash does not commit to msg.sender and the given context.
    error ZkGate__SignalHashMismatch();
    /// @notice The proof's time is more than `MAX_CLOCK_SKEW` seconds after the block time.
    error ZkGate__ProofFromFuture();
    /// @notice The proof's time is more than the policy's `maxProofAge` seconds before the block time.
    error ZkGate__ProofTooOld();
    /// @notice The issuer is not on the policy's issuer list.
    error ZkGate__IssuerNotInPolicy();
    /// @notice The issuer is unknown, suspended or removed in the issuer registry.
    error ZkGate__IssuerNotActive();
    /// @notice The issuer is not allowed to issue the policy's schema.
    error ZkGate__IssuerSchemaNotAllowed();
    /// @notice The revocation root was never published by that issuer.
    error ZkGate__RootUnknown();
    /// @notice The revocation root was superseded `maxRootAge` seconds ago or earlier.
    error ZkGate__RootExpired();
    /// @notice The nullifier is already bound to another account (or another policy).
    error ZkGate__NullifierReused();
    /// @notice Proof coordinate `index` is >= q, the BN254 base field modulus (a non-canonical
    ///         encoding such as `A.x + q`).
    /// @dev Order: A.x, A.y, B[0][0], B[0][1], B[1][0], B[1][1], C.x, C.y (calldata order).
    /// @param index Position of the offending coordinate.
    error ZkGate__ProofNotInField(uint256 index);
    /// @notice An ecMul/ecAdd precompile call failed (out of gas, or a chain without the BN254
    ///         precompiles); nothing was verified.
    error ZkGate__PrecompileFailed();
    /// @notice The Groth16 pairing check failed: the proof does not verify for these signals
    ///         (or a proof point is not on the curve / not in the subgroup).
    error ZkGate__InvalidProof();

    /// @notice A verification pass was granted or renewed.
    /// @dev Carries no personal data: the nullifier is pseudonymous and scoped to this policy, and
    ///      `account` is the transaction's own sender.
    /// @param policyId The policy.
    /// @param nullifier The proof's nullifier, which also identifies the pass.
    /// @param account The account holding the pass (msg.sender of the verification).
    /// @param expiresAt The pass is valid while block.timestamp < expiresAt.
    event PassGranted(
        uint256 indexed policyId,
        uint256 indexed nullifier,
        address indexed account,
        uint64 expiresAt
    );

    /// @notice Verifies a proof under a policy and grants msg.sender a time-limited pass.
    /// @param policyId The policy.
    /// @param pA Proof point A.
    /// @param pB Proof point B, pairs swapped (`[[b01, b00], [b11, b10]]`).
    /// @param pC Proof point C.
    /// @param pubSignals The public signals, laid out as in `PublicSignals`.
    /// @param context Action data the proof's signal hash commits to (zero for a plain pass).
    /// @return expiresAt When the pass expires.
    function verify(
        uint256 policyId,
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[PUBLIC_SIGNAL_COUNT] calldata pubSignals,
        bytes32 context
    ) external returns (uint64 expiresAt);

    /// @notice Whether `account` holds a valid pass identified by `nullifier` under `policyId`.
    /// @param policyId The policy.
    /// @param account The account.
    /// @param nullifier The pass id (the nullifier of the proof that granted it).
    /// @return True if the pass exists, belongs to `account`, is unexpired and its policy is enabled.
    function hasValidPass(
        uint256 policyId,
        address account,
        uint256 nullifier
    ) external view returns (bool);
}
