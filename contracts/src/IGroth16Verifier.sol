// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PUBLIC_SIGNAL_COUNT} from "./PublicSignals.sol";

/// @title IGroth16Verifier
/// @notice The interface of the snarkjs-generated `Groth16Verifier` (snarkjs 0.7.6 template) for
///         the zkrep circuit with 7 public signals.
/// @dev The generated code returns `false` (it does not revert) when a signal is >= r, when a
///      precompile fails, or when it is starved of gas. Callers MUST revert on `false`.
///      `_pB` holds each G2 coordinate pair swapped relative to snarkjs JSON:
///      `[[b01, b00], [b11, b10]]`.
interface IGroth16Verifier {
    /// @notice Checks a Groth16 proof against the verification key baked into the verifier.
    /// @param _pA Proof point A (G1).
    /// @param _pB Proof point B (G2), pairs swapped.
    /// @param _pC Proof point C (G1).
    /// @param _pubSignals The public signals, in the order named by `PublicSignals`.
    /// @return True iff the proof verifies.
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[PUBLIC_SIGNAL_COUNT] calldata _pubSignals
    ) external view returns (bool);
}
