// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IssuerRegistry} from "./IssuerRegistry.sol";
import {PublicSignals} from "./PublicSignals.sol";

/// @title RevocationRegistry
/// @notice Per issuer, the current root of its revocation tree and the full history of roots, each
///         with the time it was published and the time it was superseded. Only the issuer's
///         controller (set in the IssuerRegistry) publishes.
/// @dev A gate accepts a proof against a root that is current, or that was superseded less than the
///      policy's `maxRootAge` seconds ago. A suspended issuer may still publish (so revocations keep
///      flowing); a removed one may not. Re-publishing an earlier root makes it current again.
abstract contract RevocationRegistry is IssuerRegistry {
    /// @notice The times of the latest period during which a root was current (one slot).
    /// @param publishedAt When the root became current; 0 means "never published".
    /// @param supersededAt When the next root replaced it; 0 while it is current.
    struct RootTimes {
        uint64 publishedAt;
        uint64 supersededAt;
    }

    /// @notice One entry of an issuer's root history.
    /// @param root The revocation tree root.
    /// @param publishedAt When it became current.
    /// @param supersededAt When it was replaced; 0 while current.
    struct RootRecord {
        uint256 root;
        uint64 publishedAt;
        uint64 supersededAt;
    }

    /// @notice The caller is not the controller of that issuer (or the issuer is unknown).
    error RevocationRegistry__NotController();
    /// @notice The issuer was removed and can no longer publish.
    error RevocationRegistry__IssuerRemoved();
    /// @notice The root is 0 or not a BN254 field element (no tree has root 0: C13).
    error RevocationRegistry__InvalidRoot();
    /// @notice The root is already the issuer's current root.
    error RevocationRegistry__RootUnchanged();
    /// @notice The history index is out of range.
    error RevocationRegistry__NoSuchRoot();

    /// @notice An issuer published a new current root (the previous one, if any, is superseded now).
    /// @param issuerKeyHash The issuer's key hash.
    /// @param root The new current root.
    /// @param index Its position in the issuer's history.
    event RootPublished(uint256 indexed issuerKeyHash, uint256 indexed root, uint256 index);

    /// @dev issuer => root history, oldest first.
    mapping(uint256 keyHash => RootRecord[]) internal _rootHistory;
    /// @dev issuer => root => times of its latest period as current root (the hot-path lookup).
    mapping(uint256 keyHash => mapping(uint256 root => RootTimes)) internal _rootTimes;

    /// @notice Publishes `root` as the issuer's current revocation root; supersedes the previous one.
    /// @param issuerKeyHash The issuer's key hash.
    /// @param root The new root; 0 < root < r.
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

    /// @notice The issuer's current root.
    /// @param issuerKeyHash The issuer's key hash.
    /// @return exists False if the issuer never published a root.
    /// @return root The current root (0 when none).
    /// @return publishedAt When it became current.
    function currentRoot(
        uint256 issuerKeyHash
    ) external view returns (bool exists, uint256 root, uint64 publishedAt) {
        RootRecord[] storage history = _rootHistory[issuerKeyHash];
        if (history.length == 0) return (false, 0, 0);
        RootRecord storage last = history[history.length - 1];
        return (true, last.root, last.publishedAt);
    }

    /// @notice Number of roots the issuer has published.
    /// @param issuerKeyHash The issuer's key hash.
    /// @return The history length.
    function rootCount(uint256 issuerKeyHash) external view returns (uint256) {
        return _rootHistory[issuerKeyHash].length;
    }

    /// @notice One entry of the issuer's root history.
    /// @param issuerKeyHash The issuer's key hash.
    /// @param index Position in the history, oldest first.
    /// @return The entry.
    function rootAt(uint256 issuerKeyHash, uint256 index) external view returns (RootRecord memory) {
        RootRecord[] storage history = _rootHistory[issuerKeyHash];
        if (index >= history.length) revert RevocationRegistry__NoSuchRoot();
        return history[index];
    }

    /// @notice The times of the latest period during which `root` was the issuer's current root.
    /// @param issuerKeyHash The issuer's key hash.
    /// @param root The root.
    /// @return The times (`publishedAt == 0` if never published).
    function rootTimes(uint256 issuerKeyHash, uint256 root) external view returns (RootTimes memory) {
        return _rootTimes[issuerKeyHash][root];
    }
}
