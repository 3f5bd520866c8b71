// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Groth16} from "./Groth16.sol";
import {IPolicyRegistry} from "./IPolicyRegistry.sol";
import {IssuerRegistry} from "./IssuerRegistry.sol";
import {PublicSignals} from "./PublicSignals.sol";

/// @title PolicyRegistry
/// @notice Verification policies: what a proof must show (query hash, schema), whom to trust
///         (issuer list), and how fresh it must be (root age, proof age), plus how long the
///         resulting pass lasts. Anyone may create a policy and becomes its admin; ids come from a
///         counter so they cannot be front-run; every field is fixed at creation.
/// @dev Field values are validated at creation (0 < value < r) so that no policy is created that
///      no proof could ever satisfy. The only later change is `disablePolicy` (one-way).
///      For each trusted issuer the policy stores the point
///      `P = IC0 + issuerKeyHash·IC2 + queryHash·IC3 + scope·IC6` of the compiled-in verification
///      key (the part of Groth16's `vk_x` that is fixed for this policy and issuer), computed once
///      here with the ecMul/ecAdd precompiles, so `verify` multiplies only the 4 varying signals.
///      A non-zero point IS the "issuer is on the list" record.
///      It inherits the issuer registry for the compact schema ids only (`_schemaIdOf`).
abstract contract PolicyRegistry is IssuerRegistry, IPolicyRegistry {
    /// @notice The policy fields the gate reads together, packed in one slot.
    /// @param maxRootAge A superseded root is accepted for this many seconds (exclusive); 0 = current only.
    /// @param maxProofAge A proof's time may lag the block time by at most this many seconds.
    /// @param passLifetime Seconds a pass lasts, counted from min(proof time, block time); > 0.
    /// @param disabled Set once by the admin; blocks new passes and invalidates existing ones.
    /// @param schemaId The compact id of the policy's schema (see `IssuerRegistry._schemaIds`).
    /// @param chainId The chain id at creation, which the scope inside the policy's precomputed
    ///        points was computed with; on any other chain id (after a fork) the policy verifies
    ///        nothing (`ZkGate__ScopeMismatch`).
    struct PolicyTerms {
        uint32 maxRootAge;
        uint32 maxProofAge;
        uint32 passLifetime;
        bool disabled;
        uint32 schemaId;
        uint64 chainId;
    }

    /// @notice A stored policy. `terms` occupies its own slot; `admin` is read off the hot path only.
    /// @param terms Freshness, pass lifetime, the schema's compact id and the creation chain id.
    /// @param queryHash The query hash a proof must carry.
    /// @param schema The credential schema; the issuer must be allowed to issue it.
    /// @param admin Who may disable the policy.
    struct Policy {
        PolicyTerms terms;
        uint256 queryHash;
        uint256 schema;
        address admin;
    }

    /// @notice The precomputed verification point of one (policy, issuer); (0, 0) = issuer not listed.
    /// @param x The x coordinate.
    /// @param y The y coordinate.
    struct IssuerPoint {
        uint256 x;
        uint256 y;
    }

    /// @notice Largest issuer list a policy may hold.
    uint256 public constant MAX_POLICY_ISSUERS = 16;

    /// @notice Number of policies created; ids run from 1 to policyCount.
    uint256 public policyCount;

    /// @dev policyId => policy.
    mapping(uint256 policyId => Policy) internal _policies;
    /// @dev `issuerPointKey(policyId, keyHash, queryHash)` => precomputed point P; non-zero iff the
    ///      issuer is trusted by the policy AND queryHash is the policy's (the hot-path lookup, 2
    ///      slots). Keying by the query hash too makes a hit prove the proof's query-hash signal
    ///      equal to the policy's without reading the policy's query hash.
    mapping(bytes32 key => IssuerPoint) internal _issuerPoints;
    /// @dev policyId => issuer key hashes, for `getPolicy`.
    mapping(uint256 policyId => uint256[]) internal _policyIssuerList;
    /// @dev policyId >> 8 => bit (policyId & 255) set iff the policy is disabled. A copy of
    ///      `terms.disabled` (both written only by `disablePolicy`) for the pass checks of consumers:
    ///      policies created together share one word, so a marketplace that checks two passes of
    ///      neighbouring policies pays one cold read for both instead of one per policy. `verify`
    ///      reads `terms.disabled`, which it loads anyway.
    mapping(uint256 word => uint256 bits) internal _disabledPolicies;

    /// @inheritdoc IPolicyRegistry
    /// @dev Costs 2 ecMul + 2 ecAdd once, plus per issuer 1 ecMul + 1 ecAdd and 3 fresh slots (P,
    ///      and the issuer list for `getPolicy`).
    function createPolicy(PolicyParameters calldata params) external returns (uint256 policyId) {
        if (params.queryHash == 0 || params.queryHash >= PublicSignals.FIELD_SIZE) {
            revert PolicyRegistry__InvalidQueryHash();
        }
        if (params.schema == 0 || params.schema >= PublicSignals.FIELD_SIZE) {
            revert PolicyRegistry__InvalidSchema();
        }
        uint256 issuerCount = params.issuers.length;
        if (issuerCount == 0 || issuerCount > MAX_POLICY_ISSUERS) {
            revert PolicyRegistry__InvalidIssuerCount();
        }
        if (params.passLifetime == 0) revert PolicyRegistry__InvalidPassLifetime();

        policyId = policyCount + 1;
        // Passes store the policy id in 32 bits (see ZkGate.PassRecord).
        if (policyId > type(uint32).max) revert PolicyRegistry__TooManyPolicies();
        policyCount = policyId;

        uint256 scope = scopeOf(policyId);
        (uint256 baseX, uint256 baseY, bool ok) = Groth16.policyPoint(params.queryHash, scope);
        if (!ok) revert PolicyRegistry__PrecompileFailed();
        for (uint256 i = 0; i < issuerCount; ++i) {
            uint256 keyHash = params.issuers[i];
            IssuerPoint storage point = _issuerPoints[
                issuerPointKey(policyId, keyHash, params.queryHash)
            ];
            if (
                keyHash == 0 ||
                keyHash >= PublicSignals.FIELD_SIZE ||
                (point.x | point.y) != 0
            ) {
                revert PolicyRegistry__InvalidIssuer();
            }
            (uint256 x, uint256 y, bool computed) = Groth16.issuerPoint(baseX, baseY, keyHash);
            if (!computed) revert PolicyRegistry__PrecompileFailed();
            if ((x | y) == 0) revert PolicyRegistry__DegenerateIssuer();
            point.x = x;
            point.y = y;
        }
        _policyIssuerList[policyId] = params.issuers;

        _policies[policyId] = Policy({
            terms: PolicyTerms({
                maxRootAge: params.maxRootAge,
                maxProofAge: params.maxProofAge,
                passLifetime: params.passLifetime,
                disabled: false,
                schemaId: _schemaIdOf(params.schema),
                chainId: uint64(block.chainid)
            }),
            queryHash: params.queryHash,
            schema: params.schema,
            admin: msg.sender
        });
        emit PolicyCreated(policyId, msg.sender, scope, params.queryHash, params.schema);
    }

    /// @inheritdoc IPolicyRegistry
    function disablePolicy(uint256 policyId) external {
        Policy storage policy = _policies[policyId];
        if (policy.terms.passLifetime == 0) revert PolicyRegistry__PolicyNotFound();
        if (policy.admin != msg.sender) revert PolicyRegistry__NotPolicyAdmin();
        if (policy.terms.disabled) revert PolicyRegistry__AlreadyDisabled();
        policy.terms.disabled = true;
        _disabledPolicies[policyId >> 8] |= 1 << (policyId & 0xff);
        emit PolicyDisabled(policyId);
    }

    /// @inheritdoc IPolicyRegistry
    function getPolicy(uint256 policyId) external view returns (PolicyView memory view_) {
        Policy storage policy = _policies[policyId];
        if (policy.terms.passLifetime == 0) revert PolicyRegistry__PolicyNotFound();
        PolicyTerms memory terms = policy.terms;
        view_ = PolicyView({
            queryHash: policy.queryHash,
            schema: policy.schema,
            scope: scopeOf(policyId),
            admin: policy.admin,
            maxRootAge: terms.maxRootAge,
            maxProofAge: terms.maxProofAge,
            passLifetime: terms.passLifetime,
            disabled: terms.disabled,
            issuers: _policyIssuerList[policyId]
        });
    }

    /// @inheritdoc IPolicyRegistry
    function policyExists(uint256 policyId) external view returns (bool) {
        return _policies[policyId].terms.passLifetime != 0;
    }

    /// @inheritdoc IPolicyRegistry
    function isPolicyIssuer(uint256 policyId, uint256 keyHash) external view returns (bool) {
        IssuerPoint storage point = _issuerPoints[
            issuerPointKey(policyId, keyHash, _policies[policyId].queryHash)
        ];
        return (point.x | point.y) != 0;
    }

    /// @notice The precomputed point `P = IC0 + keyHash·IC2 + queryHash·IC3 + scope·IC6` of a
    ///         policy and one of its issuers, as `verify` uses it.
    /// @param policyId The policy.
    /// @param keyHash The issuer's key hash.
    /// @return x The x coordinate ((0, 0) if the issuer is not on the policy's list).
    /// @return y The y coordinate.
    function issuerPoint(
        uint256 policyId,
        uint256 keyHash
    ) external view returns (uint256 x, uint256 y) {
        IssuerPoint storage point = _issuerPoints[
            issuerPointKey(policyId, keyHash, _policies[policyId].queryHash)
        ];
        return (point.x, point.y);
    }

    /// @notice The storage key of a (policy, issuer, query hash) point:
    ///         `keccak256(abi.encode(policyId, keyHash, queryHash))`.
    /// @param policyId The policy.
    /// @param keyHash The issuer's key hash.
    /// @param queryHash The query hash.
    /// @return key The key.
    function issuerPointKey(
        uint256 policyId,
        uint256 keyHash,
        uint256 queryHash
    ) public pure returns (bytes32 key) {
        return keccak256(abi.encode(policyId, keyHash, queryHash));
    }

    /// @notice Whether a policy is disabled, from the bitmap (false for an unknown id).
    /// @param policyId The policy.
    /// @return True if its admin disabled it.
    function _isDisabled(uint256 policyId) internal view returns (bool) {
        return (_disabledPolicies[policyId >> 8] >> (policyId & 0xff)) & 1 == 1;
    }

    /// @inheritdoc IPolicyRegistry
    /// @dev Computed, not stored: ~150 gas against 2,100 for a cold SLOAD. The shift keeps it < r.
    function scopeOf(uint256 policyId) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), policyId))) >> 8;
    }
}
