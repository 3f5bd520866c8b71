// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Groth16} from "./Groth16.sol";
import {IZkGate} from "./IZkGate.sol";
import {Owned2Step} from "./Owned2Step.sol";
import {PolicyRegistry} from "./PolicyRegistry.sol";
import {PUBLIC_SIGNAL_COUNT, PublicSignals} from "./PublicSignals.sol";
import {RevocationRegistry} from "./RevocationRegistry.sol";

/// @title ZkGate
/// @notice The on-chain verifier of zkrep credential proofs. It holds the trust registry (issuers,
///         their revocation roots) and the policy registry, checks every public signal of a proof
///         against a policy, the registries and the block time, then the Groth16 proof, and grants
///         the sender a time-limited verification pass that marketplace contracts require.
/// @dev Gas design (see docs/contracts.md): the Groth16 check is inline (`Groth16`, verification
///      key compiled in) and starts from the point P precomputed per (policy, issuer), so it costs
///      4 ecMul + 4 ecAdd + one 4-pair pairing and no external call; the registries are modules of
///      this contract and the hot path reads one slot per fact; the scope is recomputed instead of
///      stored; the pass IS the nullifier record: owner, expiry and policy id packed into ONE slot
///      keyed by the nullifier, so a first verification writes one fresh slot.
///      There is no upgrade path, no delegatecall and no selfdestruct.
contract ZkGate is IZkGate, RevocationRegistry, PolicyRegistry {
    /// @notice A verification pass, stored under the nullifier that earned it (one slot).
    /// @param account The only account the nullifier is bound to.
    /// @param expiresAt The pass is valid while block.timestamp < expiresAt.
    /// @param policyId The policy the nullifier belongs to.
    struct PassRecord {
        address account;
        uint64 expiresAt;
        uint32 policyId;
    }

    /// @notice How far (seconds) a proof's time may lie after the block time (clock skew allowance).
    uint256 public constant MAX_CLOCK_SKEW = 300;

    /// @dev nullifier => pass.
    mapping(uint256 nullifier => PassRecord) internal _passes;

    /// @notice Deploys the gate; the verification key is compiled in.
    /// @param initialOwner Owner of the issuer registry.
    constructor(address initialOwner) Owned2Step(initialOwner) {}

    /// @inheritdoc IZkGate
    /// @dev Every public signal is checked first (see `_checkSignals`), then the proof's encoding
    ///      (every coordinate < q), and only then the Groth16 equation, inline: no external call
    ///      is made (only STATICCALLs to the precompiles), and state is written after it holds.
    function verify(
        uint256 policyId,
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[PUBLIC_SIGNAL_COUNT] calldata pubSignals,
        bytes32 context
    ) external returns (uint64 expiresAt) {
        (
            uint256 nullifier,
            uint256 start,
            uint256 passLifetime,
            uint64 previousExpiry,
            uint256 px,
            uint256 py
        ) = _checkSignals(policyId, pubSignals, context);

        _checkProofEncoding(pA, pB, pC);
        (bool computed, bool valid) = Groth16.verify(px, py, pA, pB, pC, pubSignals);
        if (!computed) revert ZkGate__PrecompileFailed();
        if (!valid) revert ZkGate__InvalidProof();

        // A renewal never shortens an existing pass.
        expiresAt = uint64(start + passLifetime);
        if (expiresAt < previousExpiry) expiresAt = previousExpiry;
        // One SSTORE of the packed record (the struct assignment compiles to two writes and two
        // reads of the slot). Layout of PassRecord, from the low bits: account (160),
        // expiresAt (64), policyId (32; ids never exceed type(uint32).max, see createPolicy).
        PassRecord storage record = _passes[nullifier];
        uint256 packed = uint256(uint160(msg.sender)) |
            (uint256(expiresAt) << 160) |
            (uint256(uint32(policyId)) << 224);
        assembly ("memory-safe") {
            sstore(record.slot, packed)
        }
        emit PassGranted(policyId, nullifier, msg.sender, expiresAt);
    }

    /// @inheritdoc IZkGate
    function hasValidPass(
        uint256 policyId,
        address account,
        uint256 nullifier
    ) external view returns (bool) {
        PassRecord memory pass = _passes[nullifier];
        return
            account != address(0) &&
            pass.account == account &&
            pass.policyId == policyId &&
            block.timestamp < pass.expiresAt &&
            !_policies[policyId].terms.disabled;
    }

    /// @notice Reads the pass stored under a nullifier.
    /// @param nullifier The nullifier.
    /// @return account The bound account (zero if the nullifier was never used).
    /// @return policyId The policy.
    /// @return expiresAt The expiry (valid while block.timestamp < expiresAt).
    function getPass(
        uint256 nullifier
    ) external view returns (address account, uint256 policyId, uint64 expiresAt) {
        PassRecord memory pass = _passes[nullifier];
        return (pass.account, pass.policyId, pass.expiresAt);
    }

    /// @notice The Groth16 verification key compiled into this gate (generated from the zk core's
    ///         snarkjs verification key; the same key as the deployed snarkjs `Groth16Verifier`).
    /// @return alpha α (G1).
    /// @return beta β (G2, `[[x1, x2], [y1, y2]]`, x1 = x.c1, x2 = x.c0, as in snarkjs's verifier).
    /// @return gamma γ (G2, same order).
    /// @return delta δ (G2, same order).
    /// @return ic IC0..IC7 (G1).
    function verificationKey()
        external
        pure
        returns (
            uint256[2] memory alpha,
            uint256[2][2] memory beta,
            uint256[2][2] memory gamma,
            uint256[2][2] memory delta,
            uint256[2][8] memory ic
        )
    {
        return Groth16.key();
    }

    /// @notice Checks every public signal against the policy, the registries and the block time.
    /// @dev Order: field range, nullifier != 0, policy exists and is enabled, scope (and creation
    ///      chain id), signal hash, time window, the precomputed point of (policy, issuer, query
    ///      hash) (a miss is a query-hash mismatch or an issuer not on the list), issuer active and
    ///      allowed the schema, revocation root (known, fresh), nullifier binding. Each failure has
    ///      its own error. Every signal then enters the pairing: nullifier, root, time and signal
    ///      hash directly, issuer key hash, query hash and scope through P.
    /// @param policyId The policy.
    /// @param pubSignals The public signals.
    /// @param context The action data the signal hash commits to.
    /// @return nullifier The nullifier (the pass id).
    /// @return start When the pass starts: min(proof time, block time), so replaying the same proof
    ///         never extends a pass.
    /// @return passLifetime The policy's pass lifetime.
    /// @return previousExpiry The expiry of the sender's existing pass under this nullifier (or 0).
    /// @return px x of the precomputed point P of (policy, issuer).
    /// @return py y of P.
    function _checkSignals(
        uint256 policyId,
        uint256[PUBLIC_SIGNAL_COUNT] calldata pubSignals,
        bytes32 context
    )
        private
        view
        returns (
            uint256 nullifier,
            uint256 start,
            uint256 passLifetime,
            uint64 previousExpiry,
            uint256 px,
            uint256 py
        )
    {
        // Canonical field elements only. Load-bearing: ecMul reduces its scalar mod r, so `x + r`
        // would pass the pairing like `x` yet be a different nullifier (K01/K02).
        for (uint256 i = 0; i < PUBLIC_SIGNAL_COUNT; ++i) {
            if (pubSignals[i] >= PublicSignals.FIELD_SIZE) revert ZkGate__SignalNotInField(i);
        }
        nullifier = pubSignals[PublicSignals.NULLIFIER];
        if (nullifier == 0) revert ZkGate__NullifierZero();

        PolicyTerms memory terms = _policies[policyId].terms;
        if (terms.passLifetime == 0) revert ZkGate__PolicyNotFound();
        if (terms.disabled) revert ZkGate__PolicyDisabled();
        // The precomputed points hold the scope of the creation chain id: after a fork that
        // changes block.chainid, a proof for the old scope must not pass as one for the new.
        if (
            pubSignals[PublicSignals.SCOPE] != scopeOf(policyId) || terms.chainId != block.chainid
        ) {
            revert ZkGate__ScopeMismatch();
        }
        if (pubSignals[PublicSignals.SIGNAL_HASH] != signalHashOf(msg.sender, context)) {
            revert ZkGate__SignalHashMismatch();
        }

        uint256 proofTime = pubSignals[PublicSignals.TIME];
        if (proofTime > block.timestamp + MAX_CLOCK_SKEW) revert ZkGate__ProofFromFuture();
        // proofTime < r < 2^254, so the sum cannot overflow.
        if (proofTime + terms.maxProofAge < block.timestamp) revert ZkGate__ProofTooOld();
        start = proofTime < block.timestamp ? proofTime : block.timestamp;
        passLifetime = terms.passLifetime;

        // P is stored under (policy, issuer, policy's query hash): a hit proves both signals right.
        uint256 issuerKeyHash = pubSignals[PublicSignals.ISSUER_KEY_HASH];
        uint256 queryHash = pubSignals[PublicSignals.QUERY_HASH];
        IssuerPoint storage point = _issuerPoints[
            issuerPointKey(policyId, issuerKeyHash, queryHash)
        ];
        px = point.x;
        py = point.y;
        if ((px | py) == 0) {
            // A miss: tell the two reasons apart (off the hot path).
            if (queryHash != _policies[policyId].queryHash) revert ZkGate__QueryHashMismatch();
            revert ZkGate__IssuerNotInPolicy();
        }
        IssuerRecord memory issuer = _issuers[issuerKeyHash];
        if (issuer.status != IssuerStatus.Active) revert ZkGate__IssuerNotActive();
        if (!_allows(issuer, issuerKeyHash, terms.schemaId)) {
            revert ZkGate__IssuerSchemaNotAllowed();
        }

        RootTimes memory root = _rootTimes[issuerKeyHash][pubSignals[PublicSignals.REVOCATION_ROOT]];
        if (root.publishedAt == 0) revert ZkGate__RootUnknown();
        // Accepted iff current, or superseded strictly less than maxRootAge seconds ago:
        // at exactly `supersededAt + maxRootAge` the root has expired.
        if (root.supersededAt != 0 && block.timestamp - root.supersededAt >= terms.maxRootAge) {
            revert ZkGate__RootExpired();
        }

        PassRecord memory pass = _passes[nullifier];
        if (pass.account != address(0)) {
            if (pass.account != msg.sender || pass.policyId != policyId) {
                revert ZkGate__NullifierReused();
            }
            previousExpiry = pass.expiresAt;
        }
    }

    /// @notice Reverts unless every proof coordinate is a canonical base-field element (< q): a
    ///         coordinate plus q would encode the same point to some code paths (K04).
    /// @param pA Proof point A.
    /// @param pB Proof point B.
    /// @param pC Proof point C.
    function _checkProofEncoding(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC
    ) private pure {
        if (pA[0] >= Groth16.Q) revert ZkGate__ProofNotInField(0);
        if (pA[1] >= Groth16.Q) revert ZkGate__ProofNotInField(1);
        if (pB[0][0] >= Groth16.Q) revert ZkGate__ProofNotInField(2);
        if (pB[0][1] >= Groth16.Q) revert ZkGate__ProofNotInField(3);
        if (pB[1][0] >= Groth16.Q) revert ZkGate__ProofNotInField(4);
        if (pB[1][1] >= Groth16.Q) revert ZkGate__ProofNotInField(5);
        if (pC[0] >= Groth16.Q) revert ZkGate__ProofNotInField(6);
        if (pC[1] >= Groth16.Q) revert ZkGate__ProofNotInField(7);
    }

    /// @notice The signal hash a proof submitted by `account` with `context` must carry:
    ///         `uint256(keccak256(abi.encode(account, context))) >> 8` (the shift keeps it < r).
    /// @param account The submitting account (msg.sender of `verify`).
    /// @param context Action data; zero for a plain pass.
    /// @return The signal hash.
    function signalHashOf(address account, bytes32 context) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(account, context))) >> 8;
    }
}
