// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IRevocationRegistry
/// @notice Per issuer, the current root of its revocation tree and the full history of roots, each
///         with the time it was published and the time it was superseded; the errors and events
///         of the registry.
/// @dev Implemented by `RevocationRegistry`, a module of `ZkGate` (`IZkGate` extends this interface).
interface IRevocationRegistry {
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

    /// @notice Publishes `root` as the issuer's current revocation root; supersedes the previous one.
    ///         Only the issuer's controller; also while suspended, never once removed.
    /// @param issuerKeyHash The issuer's key hash.
    /// @param root The new root; 0 < root < r.
    function publishRoot(uint256 issuerKeyHash, uint256 root) external;

    /// @notice The issuer's current root.
    /// @param issuerKeyHash The issuer's key hash.
    /// @return exists False if the issuer never published a root.
    /// @return root The current root (0 when none).
    /// @return publishedAt When it became current.
    function currentRoot(
        uint256 issuerKeyHash
    ) external view returns (bool exists, uint256 root, uint64 publishedAt);

    /// @notice Number of roots the issuer has published.
    /// @param issuerKeyHash The issuer's key hash.
    /// @return The history length.
    function rootCount(uint256 issuerKeyHash) external view returns (uint256);

    /// @notice One entry of the issuer's root history.
    /// @param issuerKeyHash The issuer's key hash.
    /// @param index Position in the history, oldest first.
    /// @return The entry.
    function rootAt(uint256 issuerKeyHash, uint256 index) external view returns (RootRecord memory);

    /// @notice The times of the latest period during which `root` was the issuer's current root.
    /// @param issuerKeyHash The issuer's key hash.
    /// @param root The root.
    /// @return The times (`publishedAt == 0` if never published).
    function rootTimes(uint256 issuerKeyHash, uint256 root) external view returns (RootTimes memory);
}
