// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title AuditAnchor
/// @notice Lets each verifier service anchor the head of its hash-chained audit log on-chain, so
///         that a later truncation or fork of the log is detectable against a public checkpoint.
/// @dev Append-only and permissionless: every sender writes only its own namespace, and its index
///      must strictly increase. Only the index and a 32-byte hash are stored: no personal data.
contract AuditAnchor {
    /// @notice A checkpoint.
    /// @param head The hash of the log's head entry.
    /// @param anchoredAt The block time of anchoring.
    struct Anchor {
        bytes32 head;
        uint64 anchoredAt;
    }

    /// @notice The index is not greater than the sender's previous index (or is 0).
    error AuditAnchor__IndexNotIncreasing();
    /// @notice The head hash is zero.
    error AuditAnchor__ZeroHead();
    /// @notice No anchor exists at that index for that verifier.
    error AuditAnchor__NoSuchAnchor();

    /// @notice A verifier anchored its log head.
    /// @param verifier The anchoring account.
    /// @param index The log length the head covers.
    /// @param head The head hash.
    event Anchored(address indexed verifier, uint256 indexed index, bytes32 head);

    /// @notice The latest anchored index of each verifier (0 = none yet).
    mapping(address verifier => uint256) public latestIndex;

    /// @dev verifier => index => checkpoint.
    mapping(address verifier => mapping(uint256 index => Anchor)) internal _anchors;

    /// @notice Anchors the sender's audit-log head.
    /// @param index The number of log entries the head covers; strictly greater than the previous.
    /// @param head The hash of the head entry; not zero.
    function anchor(uint256 index, bytes32 head) external {
        if (head == bytes32(0)) revert AuditAnchor__ZeroHead();
        if (index <= latestIndex[msg.sender]) revert AuditAnchor__IndexNotIncreasing();
        latestIndex[msg.sender] = index;
        _anchors[msg.sender][index] = Anchor({head: head, anchoredAt: uint64(block.timestamp)});
        emit Anchored(msg.sender, index, head);
    }

    /// @notice Reads one checkpoint.
    /// @param verifier The anchoring account.
    /// @param index The index.
    /// @return The checkpoint.
    function anchorAt(address verifier, uint256 index) external view returns (Anchor memory) {
        Anchor memory a = _anchors[verifier][index];
        if (a.anchoredAt == 0) revert AuditAnchor__NoSuchAnchor();
        return a;
    }

    /// @notice Reads a verifier's latest checkpoint.
    /// @param verifier The anchoring account.
    /// @return index The latest index (0 if none).
    /// @return checkpoint The checkpoint (zero if none).
    function latest(
        address verifier
    ) external view returns (uint256 index, Anchor memory checkpoint) {
        index = latestIndex[verifier];
        checkpoint = _anchors[verifier][index];
    }
}
