// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IIssuerRegistry} from "./IIssuerRegistry.sol";
import {IPolicyRegistry} from "./IPolicyRegistry.sol";
import {IRevocationRegistry} from "./IRevocationRegistry.sol";
import {PUBLIC_SIGNAL_COUNT} from "./PublicSignals.sol";

/// @title IZkGate
/// @notice What a consumer (a marketplace contract, a relayer, a backend, an indexer) needs from
///         the gate: submit a proof for oneself or for an account, ask whether an account holds a
///         valid pass, and the custom error of every failed check; plus the three registries the
///         gate contains (issuers, revocation roots, policies).
/// @dev Each check in `verify`/`verifyFor` has exactly one error, so a revert says which check
///      failed. An unknown policy is `PolicyRegistry__PolicyNotFound` (from `IPolicyRegistry`).
interface IZkGate is IIssuerRegistry, IRevocationRegistry, IPolicyRegistry {
    /// @notice `verifyFor` was asked to grant a pass to the zero address.
    error ZkGate__ZeroAccount();
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
    /// @notice The signal hash does not commit to the pass holder (msg.sender of `verify`, the
    ///         `account` of `verifyFor`) and the given context.
    error ZkGate__SignalHashMismatch();
    /// @notice The date packed into the time signal is not the UTC calendar date of its unix
    ///         seconds (`CivilDate.dateOf`).
    error ZkGate__ProofDateMismatch();
    /// @notice The proof's time is more than `MAX_CLOCK_SKEW` seconds after the block time, or
    ///         its UTC date is later than the block's.
    error ZkGate__ProofFromFuture();
    /// @notice The proof's time is more than the policy's `maxProofAge` seconds before the block time.
    error ZkGate__ProofTooOld();
    /// @notice The pass would already be expired when granted: proof time + pass lifetime is not
    ///         after the block time.
    error ZkGate__PassAlreadyExpired();
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
    ///      `account` is the pass holder the proof itself names (via its signal hash).
    /// @param policyId The policy.
    /// @param nullifier The proof's nullifier.
    /// @param account The account holding the pass (msg.sender of `verify`, `account` of
    ///        `verifyFor`; never the relayer).
    /// @param expiresAt The pass is valid while block.timestamp < expiresAt.
    event PassGranted(
        uint256 indexed policyId,
        uint256 indexed nullifier,
        address indexed account,
        uint64 expiresAt
    );

    /// @notice Verifies a proof under a policy and grants msg.sender a time-limited pass; the same
    ///         as `verifyFor(msg.sender, ...)`.
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

    /// @notice Verifies a proof under a policy and grants the pass to `account`, whoever submits it
    ///         (a relayer, a marketplace's verifier service, a paymaster). The proof's signal hash
    ///         must commit to `account`, so a copied proof can only ever benefit the account it
    ///         names; the submitter gets nothing.
    /// @param account The account that gets the pass; not zero.
    /// @param policyId The policy.
    /// @param pA Proof point A.
    /// @param pB Proof point B, pairs swapped (`[[b01, b00], [b11, b10]]`).
    /// @param pC Proof point C.
    /// @param pubSignals The public signals, laid out as in `PublicSignals`.
    /// @param context Action data the proof's signal hash commits to (zero for a plain pass).
    /// @return expiresAt When the pass expires.
    function verifyFor(
        address account,
        uint256 policyId,
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[PUBLIC_SIGNAL_COUNT] calldata pubSignals,
        bytes32 context
    ) external returns (uint64 expiresAt);

    /// @notice The pass `account` holds under `policyId`: no pass id needed.
    /// @dev Reads the pass record, the nullifier's binding (for the nullifier's top bits) and the
    ///      disabled-policies bitmap word; a contract that only needs the yes/no answer calls
    ///      `hasValidPass` (no binding read).
    /// @param policyId The policy.
    /// @param account The account.
    /// @return valid True iff the pass is unexpired and the policy is enabled.
    /// @return expiresAt When the pass expires (0 if the account never held one).
    /// @return nullifier The nullifier of the latest proof that granted or renewed it (0 if none).
    function passOf(
        uint256 policyId,
        address account
    ) external view returns (bool valid, uint64 expiresAt, uint256 nullifier);

    /// @notice Whether `account` holds a valid pass under `policyId` (what marketplace contracts
    ///         check; the cheap form of `passOf(...).valid`).
    /// @param policyId The policy.
    /// @param account The account.
    /// @return True iff the account's pass is unexpired and the policy is enabled.
    function hasValidPass(uint256 policyId, address account) external view returns (bool);

    /// @notice `hasValidPass` for both of two (policy, account) pairs in one call, e.g. a buyer's
    ///         and a seller's pass in one marketplace purchase.
    /// @dev For contracts on a gas budget: one call instead of two, the disabled-policies word
    ///      read once when both policies share it (policies created together do), and a selector
    ///      (0x00a30d6c) that the gate's dispatcher matches first (the name was picked among
    ///      natural candidates for that; every earlier selector costs ~22 gas of matching).
    /// @param policyA The first policy.
    /// @param accountA The first account.
    /// @param policyB The second policy.
    /// @param accountB The second account.
    /// @return validA `hasValidPass(policyA, accountA)`.
    /// @return validB `hasValidPass(policyB, accountB)`.
    function hasValidPassBoth(
        uint256 policyA,
        address accountA,
        uint256 policyB,
        address accountB
    ) external view returns (bool validA, bool validB);

    /// @notice The account and policy a nullifier is bound to (for ever).
    /// @param nullifier The nullifier.
    /// @return account The bound account (zero if the nullifier was never used).
    /// @return policyId The policy it was used under (0 if never used).
    function nullifierBinding(
        uint256 nullifier
    ) external view returns (address account, uint256 policyId);

    /// @notice The signal hash a proof for `account` with `context` must carry:
    ///         `uint256(keccak256(abi.encode(account, context))) >> 8` (the shift keeps it < r).
    /// @param account The pass holder.
    /// @param context Action data; zero for a plain pass.
    /// @return The signal hash.
    function signalHashOf(address account, bytes32 context) external pure returns (uint256);
}
