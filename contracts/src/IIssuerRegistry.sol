// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IIssuerRegistry
/// @notice The trust anchors as consumers see them: credential issuers keyed by the hash of their
///         BabyJubJub public key (the `issuerKeyHash` public signal), each with a DID, a status, the
///         address that publishes its revocation roots and the schemas it may issue; the errors and
///         events of the registry.
/// @dev Implemented by `IssuerRegistry`, a module of `ZkGate` (`IZkGate` extends this interface).
interface IIssuerRegistry {
    /// @notice Lifecycle of an issuer. `None` means "never registered".
    enum IssuerStatus {
        None,
        Active,
        Suspended,
        Removed
    }

    /// @notice The key hash is 0 or not a BN254 field element.
    error IssuerRegistry__InvalidKeyHash();
    /// @notice The DID string is empty or longer than `MAX_DID_LENGTH` bytes.
    error IssuerRegistry__InvalidDid();
    /// @notice The schema id is 0 or not a BN254 field element.
    error IssuerRegistry__InvalidSchema();
    /// @notice The controller address is zero.
    error IssuerRegistry__ZeroController();
    /// @notice An issuer with this key hash was registered before (possibly removed since).
    error IssuerRegistry__AlreadyRegistered();
    /// @notice No issuer is registered under this key hash.
    error IssuerRegistry__UnknownIssuer();
    /// @notice The issuer was removed; removal is final.
    error IssuerRegistry__IssuerRemoved();
    /// @notice The requested status change is not allowed (e.g. to `None`, or to the current status).
    error IssuerRegistry__InvalidStatus();

    /// @notice An issuer was registered (status `Active`).
    /// @param keyHash The issuer's key hash.
    /// @param controller The address that publishes its revocation roots.
    /// @param did The issuer's DID (an organisation's identifier, not personal data).
    event IssuerRegistered(uint256 indexed keyHash, address indexed controller, string did);
    /// @notice An issuer's status changed.
    /// @param keyHash The issuer's key hash.
    /// @param status The new status.
    event IssuerStatusChanged(uint256 indexed keyHash, IssuerStatus status);
    /// @notice An issuer's controller changed.
    /// @param keyHash The issuer's key hash.
    /// @param controller The new controller.
    event IssuerControllerChanged(uint256 indexed keyHash, address indexed controller);
    /// @notice A schema was added to or removed from an issuer's allow-list.
    /// @param keyHash The issuer's key hash.
    /// @param schema The schema id.
    /// @param allowed Whether the issuer may now issue that schema.
    event IssuerSchemaSet(uint256 indexed keyHash, uint256 indexed schema, bool allowed);

    /// @notice Registers an active issuer with its initial schema allow-list (owner only).
    /// @param keyHash Hash of the issuer's BabyJubJub public key; 0 < keyHash < r.
    /// @param did The issuer's DID, 1..MAX_DID_LENGTH bytes.
    /// @param controller The address that will publish the issuer's revocation roots.
    /// @param schemas Schema ids the issuer may issue (may be empty: then it is trusted for nothing).
    function registerIssuer(
        uint256 keyHash,
        string calldata did,
        address controller,
        uint256[] calldata schemas
    ) external;

    /// @notice Adds a schema to, or removes it from, an issuer's allow-list (owner only).
    /// @param keyHash The issuer's key hash.
    /// @param schema The schema id; 0 < schema < r.
    /// @param allowed True to allow, false to deny.
    function setIssuerSchema(uint256 keyHash, uint256 schema, bool allowed) external;

    /// @notice Suspends, re-activates or removes an issuer (owner only). Removal is final.
    /// @param keyHash The issuer's key hash.
    /// @param status `Active`, `Suspended` or `Removed`, and different from the current status.
    function setIssuerStatus(uint256 keyHash, IssuerStatus status) external;

    /// @notice Changes the address that publishes an issuer's revocation roots (owner only).
    /// @param keyHash The issuer's key hash.
    /// @param controller The new controller; not zero.
    function setIssuerController(uint256 keyHash, address controller) external;

    /// @notice Reads an issuer.
    /// @param keyHash The issuer's key hash.
    /// @return status The status (`None` if never registered).
    /// @return controller The root-publishing address.
    /// @return did The DID string.
    function getIssuer(
        uint256 keyHash
    ) external view returns (IssuerStatus status, address controller, string memory did);

    /// @notice Whether `schema` is on the issuer's allow-list (regardless of the issuer's status).
    /// @param keyHash The issuer's key hash.
    /// @param schema The schema id.
    /// @return True if allowed.
    function isSchemaAllowed(uint256 keyHash, uint256 schema) external view returns (bool);

    /// @notice Whether the issuer is active and allowed to issue `schema`.
    /// @param keyHash The issuer's key hash.
    /// @param schema The schema id.
    /// @return True if the issuer is trusted for that schema right now.
    function isTrustedFor(uint256 keyHash, uint256 schema) external view returns (bool);
}
