// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRevocationRegistry} from "./IRevocationRegistry.sol";
import {IssuerRegistry} from "./IssuerRegistry.sol";
import {PublicSignals} from "./PublicSignals.sol";

/// @title RevocationRegistry
/// @notice Per issuer, the current root of its revocation tree and the full history of roots, each
///         with the time it was published and the time it was superseded. Only the issuer's
///         controller (set in the IssuerRegistry) publishes.
/// @dev A gate accepts a proof against a root that is current, or that was superseded less than the
///      policy's `maxRootAge` seconds ago. A suspended issuer may still publish (so revocations keep
///      flowing); a removed one may not. Re-publishing an earlier root makes it current again.
abstract contract RevocationRegistry is IssuerRegistry, IRevocationRegistry {
    /// @dev issuer => root history, oldest first.
    mapping(uint256 keyHash => RootRecord[]) internal _rootHistory;
    /// @dev issuer => root => times of its latest period as current root (the hot-path lookup).
    mapping(uint256 keyHash => mapping(uint256 root => RootTimes)) internal _rootTimes;

    /// @inheritdoc IRevocationRegistry
    function publishRoot(uint256 issuerKeyHash, uint256 root) external {
        IssuerRecord memory issuer = _issuers[issuerKeyHash];
        if (issuer.status == IssuerStatus.None || issuer.controller != msg.sender) {
            revert RevocationRegistry__NotController();
        }
        if (issuer.status == IssuerStatus.Removed) revert RevocationRegistry__IssuerRemoved();
        if (root == 0 || root >= PublicSignals.FIELD_SIZE) revert RevocationRegistry__InvalidRoot();

        RootRecord[] storage history = _rootHistory[issuerKeyHash];
        uint256 length = history.length;
        uint64 nowTs = uint64(block.timestamp);
        if (length != 0) {
            RootRecord storage previous = history[length - 1];
            if (previous.root == root) revert RevocationRegistry__RootUnchanged();
            previous.supersededAt = nowTs;
            _rootTimes[issuerKeyHash][previous.root].supersededAt = nowTs;
        }
        history.push(RootRecord({root: root, publishedAt: nowTs, supersededAt: 0}));
        _rootTimes[issuerKeyHash][root] = RootTimes({publishedAt: nowTs, supersededAt: 0});
        emit RootPublished(issuerKeyHash, root, length);
    }

    /// @inheritdoc IRevocationRegistry
    function currentRoot(
        uint256 issuerKeyHash
    ) external view returns (bool exists, uint256 root, uint64 publishedAt) {
        RootRecord[] storage history = _rootHistory[issuerKeyHash];
        if (history.length == 0) return (false, 0, 0);
        RootRecord storage last = history[history.length - 1];
        return (true, last.root, last.publishedAt);
    }

    /// @inheritdoc IRevocationRegistry
    function rootCount(uint256 issuerKeyHash) external view returns (uint256) {
        return _rootHistory[issuerKeyHash].length;
    }

    /// @inheritdoc IRevocationRegistry
    function rootAt(uint256 issuerKeyHash, uint256 index) external view returns (RootRecord memory) {
        RootRecord[] storage history = _rootHistory[issuerKeyHash];
        if (index >= history.length) revert RevocationRegistry__NoSuchRoot();
        return history[index];
    }

    /// @inheritdoc IRevocationRegistry
    function rootTimes(uint256 issuerKeyHash, uint256 root) external view returns (RootTimes memory) {
        return _rootTimes[issuerKeyHash][root];
    }
}
