// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IPolicyRegistry
/// @notice Verification policies as consumers see them: what a proof must show (query hash,
///         schema), whom to trust (issuer list), how fresh it must be (root age, proof age) and how
///         long the resulting pass lasts; the errors and events of the registry.
/// @dev Implemented by `PolicyRegistry`, a module of `ZkGate` (`IZkGate` extends this interface).
///      `PolicyRegistry__PolicyNotFound` is the one "no such policy" error, also of `verify`.
interface IPolicyRegistry {
    /// @notice Arguments of `createPolicy`.
    /// @param queryHash 0 < queryHash < r.
    /// @param schema 0 < schema < r.
    /// @param issuers Trusted issuer key hashes: 1..MAX_POLICY_ISSUERS distinct values, each 0 < k < r.
    /// @param maxRootAge A superseded root is accepted for this many seconds (exclusive); 0 = current only.
    /// @param maxProofAge A proof's time may lag the block time by at most this many seconds.
    /// @param passLifetime Seconds a pass lasts, counted from min(proof time, block time); > 0.
    struct PolicyParameters {
        uint256 queryHash;
        uint256 schema;
        uint256[] issuers;
        uint32 maxRootAge;
        uint32 maxProofAge;
        uint32 passLifetime;
    }

    /// @notice A policy as returned by `getPolicy`.
    /// @param queryHash The query hash.
    /// @param schema The schema.
    /// @param scope The scope a proof for this policy must carry on this chain and gate.
    /// @param admin The admin.
    /// @param maxRootAge See `PolicyParameters`.
    /// @param maxProofAge See `PolicyParameters`.
    /// @param passLifetime See `PolicyParameters`.
    /// @param disabled Whether the admin disabled the policy.
    /// @param issuers The trusted issuer key hashes.
    struct PolicyView {
        uint256 queryHash;
        uint256 schema;
        uint256 scope;
        address admin;
        uint32 maxRootAge;
        uint32 maxProofAge;
        uint32 passLifetime;
        bool disabled;
        uint256[] issuers;
    }

    /// @notice No policy has this id (policy administration, reads, and verification).
    error PolicyRegistry__PolicyNotFound();
    /// @notice The query hash is 0 or not a field element.
    error PolicyRegistry__InvalidQueryHash();
    /// @notice The schema is 0 or not a field element.
    error PolicyRegistry__InvalidSchema();
    /// @notice The issuer list is empty or longer than MAX_POLICY_ISSUERS.
    error PolicyRegistry__InvalidIssuerCount();
    /// @notice An issuer key hash is 0, not a field element, or listed twice.
    error PolicyRegistry__InvalidIssuer();
    /// @notice The pass lifetime is 0.
    error PolicyRegistry__InvalidPassLifetime();
    /// @notice The policy id counter is exhausted (2^32 - 1 policies).
    error PolicyRegistry__TooManyPolicies();
    /// @notice An issuer's precomputed verification point is the identity, which would read as
    ///         "not listed" (a negligible-probability coincidence of the key, query hash and scope).
    error PolicyRegistry__DegenerateIssuer();
    /// @notice An ecMul/ecAdd precompile call of the precomputation failed (out of gas, or a chain
    ///         without the BN254 precompiles); no policy was created.
    error PolicyRegistry__PrecompileFailed();
    /// @notice The caller is not the policy's admin.
    error PolicyRegistry__NotPolicyAdmin();
    /// @notice The policy is already disabled.
    error PolicyRegistry__AlreadyDisabled();

    /// @notice A policy was created.
    /// @param policyId The id assigned by the contract.
    /// @param admin Its admin (the creator).
    /// @param scope The scope proofs for it must carry.
    /// @param queryHash The query hash.
    /// @param schema The schema.
    event PolicyCreated(
        uint256 indexed policyId,
        address indexed admin,
        uint256 scope,
        uint256 queryHash,
        uint256 schema
    );
    /// @notice A policy was disabled.
    /// @param policyId The policy.
    event PolicyDisabled(uint256 indexed policyId);

    /// @notice Creates a policy; the caller becomes its admin. Ids come from a counter (K12).
    /// @param params The policy fields (see `PolicyParameters`).
    /// @return policyId The new policy's id (counter, starting at 1).
    function createPolicy(PolicyParameters calldata params) external returns (uint256 policyId);

    /// @notice Disables a policy for good: no new passes, and every pass of it is invalid.
    /// @param policyId The policy; the caller must be its admin.
    function disablePolicy(uint256 policyId) external;

    /// @notice Reads a policy (reverts with `PolicyRegistry__PolicyNotFound` for an unknown id).
    /// @param policyId The policy.
    /// @return view_ The policy, with its scope.
    function getPolicy(uint256 policyId) external view returns (PolicyView memory view_);

    /// @notice Whether a policy with this id exists (disabled or not).
    /// @param policyId The policy.
    /// @return True if it exists.
    function policyExists(uint256 policyId) external view returns (bool);

    /// @notice Whether an issuer is on a policy's list.
    /// @param policyId The policy.
    /// @param keyHash The issuer's key hash.
    /// @return True if listed.
    function isPolicyIssuer(uint256 policyId, uint256 keyHash) external view returns (bool);

    /// @notice The scope proofs for `policyId` must carry on this chain and this gate:
    ///         `uint256(keccak256(abi.encode(block.chainid, address(this), policyId))) >> 8`.
    /// @param policyId The policy (need not exist).
    /// @return The scope.
    function scopeOf(uint256 policyId) external view returns (uint256);
}
