// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CivilDate} from "./CivilDate.sol";
import {Groth16} from "./Groth16.sol";
import {IZkGate} from "./IZkGate.sol";
import {Owned2Step} from "./Owned2Step.sol";
import {PolicyRegistry} from "./PolicyRegistry.sol";
import {PUBLIC_SIGNAL_COUNT, PublicSignals} from "./PublicSignals.sol";
import {RevocationRegistry} from "./RevocationRegistry.sol";

/// @title ZkGate
/// @notice The on-chain verifier of zkrep credential proofs. It holds the trust registry (issuers,
///         their revocation roots) and the policy registry, checks every public signal of a proof
///         against a policy, the registries and the block time (including the calendar date packed
///         into the time signal), then the Groth16 proof, and grants a time-limited verification
///         pass to the account the proof names: the sender (`verify`) or any account a relayer
///         submits for (`verifyFor`). Marketplace contracts ask `hasValidPass(policy, account)`.
/// @dev Gas design (see docs/contracts.md): the Groth16 check is inline (`Groth16`, verification
///      key compiled in) and starts from the point P precomputed per (policy, issuer), so it costs
///      4 ecMul + 4 ecAdd + one 4-pair pairing and no external call; the registries are modules of
///      this contract and the hot path reads one slot per fact; the scope is recomputed instead of
///      stored. A pass is two one-slot records: the account's pass under the policy (expiry and the
///      low 192 bits of the nullifier; what consumers read, one slot), and the nullifier's binding
///      (account, policy and the nullifier's top bits, keyed by its low 192 bits; written once per
///      nullifier). There is no upgrade path, no delegatecall and no selfdestruct.
contract ZkGate is IZkGate, RevocationRegistry, PolicyRegistry {
    /// @notice How far (seconds) a proof's time may lie after the block time (clock skew
    ///         allowance); never across a UTC midnight (see `ZkGate__ProofFromFuture`).
    uint256 public constant MAX_CLOCK_SKEW = 300;

    /// @dev Low bits of the packed time signal: the unix seconds.
    uint256 private constant UNIX_TIME_MASK = (1 << PublicSignals.UNIX_TIME_BITS) - 1;
    /// @dev Low 64 bits of a pass record: the expiry.
    uint256 private constant EXPIRY_MASK = type(uint64).max;
    /// @dev Low 192 bits of a nullifier: the key of its binding record.
    uint256 private constant NULLIFIER_LOW_MASK = type(uint192).max;

    /// @dev policyId => account => the account's pass under the policy, one slot:
    ///      `expiresAt | (nullifier & NULLIFIER_LOW_MASK) << 64`; 0 = never held one. The pass is
    ///      valid while block.timestamp < expiresAt and the policy is enabled. The nullifier is
    ///      that of the latest proof that granted or renewed it (its top bits are in `_nullifiers`).
    mapping(uint256 policyId => mapping(address account => uint256 record)) internal _passes;
    /// @dev nullifier & NULLIFIER_LOW_MASK => the nullifier's binding, one slot, written once:
    ///      `account | policyId << 160 | (nullifier & ~NULLIFIER_LOW_MASK)` (account: low 160 bits;
    ///      policy id: 32 bits, ids never exceed type(uint32).max; the nullifier's top 62 bits at
    ///      192..253). 0 = never used. Keyed by the low bits so that `passOf` can find it from the
    ///      pass record; the stored top bits make the key exact (a second nullifier with the same
    ///      low 192 bits reads as bound elsewhere: `NullifierReused`, probability ~2^-192).
    mapping(uint256 nullifierLow => uint256 binding) internal _nullifiers;

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
        return _verify(msg.sender, policyId, pA, pB, pC, pubSignals, context);
    }

    /// @inheritdoc IZkGate
    /// @dev Exactly `verify` with `account` in place of msg.sender: the submitter is not recorded
    ///      anywhere and gets nothing.
    function verifyFor(
        address account,
        uint256 policyId,
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[PUBLIC_SIGNAL_COUNT] calldata pubSignals,
        bytes32 context
    ) external returns (uint64 expiresAt) {
        if (account == address(0)) revert ZkGate__ZeroAccount();
        return _verify(account, policyId, pA, pB, pC, pubSignals, context);
    }

    /// @inheritdoc IZkGate
    function passOf(
        uint256 policyId,
        address account
    ) external view returns (bool valid, uint64 expiresAt, uint256 nullifier) {
        uint256 record = _passes[policyId][account];
        if (record == 0) return (false, 0, 0);
        expiresAt = uint64(record);
        uint256 low = record >> 64;
        nullifier = (_nullifiers[low] & ~NULLIFIER_LOW_MASK) | low;
        valid = block.timestamp < expiresAt && !_isDisabled(policyId);
    }

    /// @inheritdoc IZkGate
    /// @dev One cold read of the pass record, one of the disabled-policies bitmap word (shared by
    ///      policies created together). False for the zero account, which never holds a pass.
    function hasValidPass(uint256 policyId, address account) external view returns (bool) {
        return _hasValidPass(policyId, account);
    }

    /// @inheritdoc IZkGate
    function hasValidPassBoth(
        uint256 policyA,
        address accountA,
        uint256 policyB,
        address accountB
    ) external view returns (bool validA, bool validB) {
        uint256 disabled = _disabledPolicies[policyA >> 8];
        validA = _isValid(policyA, accountA, disabled);
        if (policyB >> 8 != policyA >> 8) disabled = _disabledPolicies[policyB >> 8];
        validB = _isValid(policyB, accountB, disabled);
    }

    /// @inheritdoc IZkGate
    function nullifierBinding(
        uint256 nullifier
    ) external view returns (address account, uint256 policyId) {
        uint256 binding = _nullifiers[nullifier & NULLIFIER_LOW_MASK];
        // Another nullifier with the same low bits is not this one.
        if (binding == 0 || (binding ^ nullifier) & ~NULLIFIER_LOW_MASK != 0) return (address(0), 0);
        return (address(uint160(binding)), uint32(binding >> 160));
    }

    /// @notice Whether `account`'s pass under `policyId` is unexpired and the policy enabled.
    /// @param policyId The policy.
    /// @param account The account.
    /// @return True if valid.
    function _hasValidPass(uint256 policyId, address account) private view returns (bool) {
        return _isValid(policyId, account, _disabledPolicies[policyId >> 8]);
    }

    /// @notice `_hasValidPass` with the policy's word of the disabled-policies bitmap already read.
    /// @param policyId The policy.
    /// @param account The account.
    /// @param disabledWord `_disabledPolicies[policyId >> 8]`.
    /// @return True if valid.
    function _isValid(
        uint256 policyId,
        address account,
        uint256 disabledWord
    ) private view returns (bool) {
        return
            block.timestamp < (_passes[policyId][account] & EXPIRY_MASK) &&
            (disabledWord >> (policyId & 0xff)) & 1 == 0;
    }

    /// @notice Checks a proof for `account` and grants or renews its pass (see `verify`).
    /// @param account The pass holder the proof's signal hash must commit to; not zero.
    /// @param policyId The policy.
    /// @param pA Proof point A.
    /// @param pB Proof point B.
    /// @param pC Proof point C.
    /// @param pubSignals The public signals.
    /// @param context The action data the signal hash commits to.
    /// @return expiresAt When the pass expires.
    function _verify(
        address account,
        uint256 policyId,
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[PUBLIC_SIGNAL_COUNT] calldata pubSignals,
        bytes32 context
    ) private returns (uint64 expiresAt) {
        (uint256 nullifier, uint256 newExpiry, bool bound, uint256 px, uint256 py) = _checkSignals(
            account,
            policyId,
            pubSignals,
            context
        );

        _checkProofEncoding(pA, pB, pC);
        (bool computed, bool valid) = Groth16.verify(px, py, pA, pB, pC, pubSignals);
        if (!computed) revert ZkGate__PrecompileFailed();
        if (!valid) revert ZkGate__InvalidProof();

        // The account's pass: a verification never shortens it (a replay of the same proof
        // computes the same expiry, so it never extends it either).
        mapping(address => uint256) storage passes = _passes[policyId];
        uint256 previousExpiry = passes[account] & EXPIRY_MASK;
        expiresAt = uint64(newExpiry > previousExpiry ? newExpiry : previousExpiry);
        passes[account] = expiresAt | ((nullifier & NULLIFIER_LOW_MASK) << 64);
        // First use of the nullifier: bind it to the account and the policy, for ever.
        if (!bound) {
            _nullifiers[nullifier & NULLIFIER_LOW_MASK] =
                uint256(uint160(account)) |
                (policyId << 160) |
                (nullifier & ~NULLIFIER_LOW_MASK);
        }
        emit PassGranted(policyId, nullifier, account, expiresAt);
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
    ///      chain id), signal hash, the time signal (date = UTC date of its seconds, not from the
    ///      future, not too old, the pass not dead on arrival), the precomputed point of (policy,
    ///      issuer, query hash) (a miss is a query-hash mismatch or an issuer not on the list),
    ///      issuer active and allowed the schema, revocation root (known, fresh), nullifier binding.
    ///      Each failure has its own error. Every signal then enters the pairing: nullifier, root,
    ///      time and signal hash directly, issuer key hash, query hash and scope through P.
    /// @param account The pass holder the signal hash must commit to.
    /// @param policyId The policy.
    /// @param pubSignals The public signals.
    /// @param context The action data the signal hash commits to.
    /// @return nullifier The nullifier.
    /// @return expiresAt The expiry this proof earns: min(proof time, block time) + pass lifetime
    ///         (so a proof dated ahead buys no extra lifetime and a replay never extends a pass);
    ///         always after the block time.
    /// @return bound Whether the nullifier is already bound (to this account and policy).
    /// @return px x of the precomputed point P of (policy, issuer).
    /// @return py y of P.
    function _checkSignals(
        address account,
        uint256 policyId,
        uint256[PUBLIC_SIGNAL_COUNT] calldata pubSignals,
        bytes32 context
    )
        private
        view
        returns (uint256 nullifier, uint256 expiresAt, bool bound, uint256 px, uint256 py)
    {
        // Canonical field elements only. Load-bearing: ecMul reduces its scalar mod r, so `x + r`
        // would pass the pairing like `x` yet be a different nullifier (K01/K02).
        for (uint256 i = 0; i < PUBLIC_SIGNAL_COUNT; ++i) {
            if (pubSignals[i] >= PublicSignals.FIELD_SIZE) revert ZkGate__SignalNotInField(i);
        }
        nullifier = pubSignals[PublicSignals.NULLIFIER];
        if (nullifier == 0) revert ZkGate__NullifierZero();

        PolicyTerms memory terms = _policies[policyId].terms;
        if (terms.passLifetime == 0) revert PolicyRegistry__PolicyNotFound();
        if (terms.disabled) revert ZkGate__PolicyDisabled();
        // The precomputed points hold the scope of the creation chain id: after a fork that
        // changes block.chainid, a proof for the old scope must not pass as one for the new.
        if (
            pubSignals[PublicSignals.SCOPE] != scopeOf(policyId) || terms.chainId != block.chainid
        ) {
            revert ZkGate__ScopeMismatch();
        }
        if (pubSignals[PublicSignals.SIGNAL_HASH] != signalHashOf(account, context)) {
            revert ZkGate__SignalHashMismatch();
        }

        expiresAt = _checkTime(pubSignals[PublicSignals.TIME], terms);

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

        // One person, one account per scope: the nullifier is unused, or bound to this account
        // under this policy (then this is a renewal). The binding also holds the nullifier's top
        // bits, so a record of another nullifier with the same low bits does not match.
        uint256 binding = _nullifiers[nullifier & NULLIFIER_LOW_MASK];
        if (binding != 0) {
            uint256 expected = uint256(uint160(account)) |
                (policyId << 160) |
                (nullifier & ~NULLIFIER_LOW_MASK);
            if (binding != expected) revert ZkGate__NullifierReused();
            bound = true;
        }
    }

    /// @notice Checks the packed time signal `date * 2^40 + unix` against the block time and the
    ///         policy, and returns the expiry the pass would get.
    /// @dev The date must be the UTC date of the seconds (the circuit compares birth dates with
    ///      it, the validity window with the seconds). "From the future": more than
    ///      `MAX_CLOCK_SKEW` seconds ahead, or on a later UTC day than the block at all, so that
    ///      "age >= N" never passes before the birthday has begun in UTC, not even by the skew.
    ///      "Too old": `unix + maxProofAge < now` (`unix = now - maxProofAge` passes). "Dead on
    ///      arrival": the pass would run from min(unix, now) and expire at or before now (it is
    ///      valid while now < expiresAt), i.e. `unix + passLifetime <= now`.
    /// @param time The time signal (< r: checked by the caller).
    /// @param terms The policy's terms.
    /// @return expiresAt min(unix, now) + passLifetime (> now).
    function _checkTime(
        uint256 time,
        PolicyTerms memory terms
    ) private view returns (uint256 expiresAt) {
        uint256 unix = time & UNIX_TIME_MASK;
        if (time >> PublicSignals.UNIX_TIME_BITS != CivilDate.dateOf(unix)) {
            revert ZkGate__ProofDateMismatch();
        }
        if (
            unix > block.timestamp + MAX_CLOCK_SKEW ||
            unix / CivilDate.SECONDS_PER_DAY > block.timestamp / CivilDate.SECONDS_PER_DAY
        ) {
            revert ZkGate__ProofFromFuture();
        }
        // unix < 2^40, so the sums below cannot overflow.
        if (unix + terms.maxProofAge < block.timestamp) revert ZkGate__ProofTooOld();
        uint256 start = unix < block.timestamp ? unix : block.timestamp;
        expiresAt = start + terms.passLifetime;
        if (expiresAt <= block.timestamp) revert ZkGate__PassAlreadyExpired();
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

    /// @inheritdoc IZkGate
    function signalHashOf(address account, bytes32 context) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(account, context))) >> 8;
    }
}
