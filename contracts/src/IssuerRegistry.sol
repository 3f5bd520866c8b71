// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IIssuerRegistry} from "./IIssuerRegistry.sol";
import {Owned2Step} from "./Owned2Step.sol";
import {PublicSignals} from "./PublicSignals.sol";

/// @title IssuerRegistry
/// @notice The trust anchors: credential issuers, keyed by the hash of their BabyJubJub public key
///         (the value the circuit exposes as the `issuerKeyHash` public signal), each with its DID,
///         a status, the address that publishes its revocation roots, and the schemas it may issue.
/// @dev Fail closed: an unknown, suspended or removed issuer, and an issuer with an empty schema
///      allow-list, is trusted for nothing. `Removed` is terminal (use it for a compromised key).
///      The registry is a module of `ZkGate` so that the gate reads it without an external call.
abstract contract IssuerRegistry is IIssuerRegistry, Owned2Step {
    /// @notice One storage slot per issuer: the hot path of `ZkGate.verify` reads only this (for a
    ///         schema id above `INLINE_SCHEMA_IDS`, also one allow-list entry).
    /// @param controller The address allowed to publish the issuer's revocation roots.
    /// @param status The issuer's lifecycle status.
    /// @param schemaBits The allow-list of schema ids 1..INLINE_SCHEMA_IDS: bit id - 1 = allowed.
    struct IssuerRecord {
        address controller;
        IssuerStatus status;
        uint88 schemaBits;
    }

    /// @notice Longest DID string accepted, in bytes.
    uint256 public constant MAX_DID_LENGTH = 256;
    /// @notice Schema ids up to this one are allow-listed in the issuer's own slot (`schemaBits`),
    ///         higher ids in `_issuerSchemas`: the same rule, one cold storage read less per
    ///         verification for the first 88 schemas the gate sees.
    uint32 public constant INLINE_SCHEMA_IDS = 88;

    /// @dev keyHash => controller, status and the inline schema allow-list (one slot).
    mapping(uint256 keyHash => IssuerRecord) internal _issuers;
    /// @dev keyHash => DID string (read off the hot path only).
    mapping(uint256 keyHash => string) internal _issuerDids;
    /// @dev keyHash => schema id (> INLINE_SCHEMA_IDS) => allowed. With `schemaBits`, the issuer's
    ///      allow-list; an empty allow-list denies every schema.
    mapping(uint256 keyHash => mapping(uint32 schemaId => bool)) internal _issuerSchemas;
    /// @dev schema => compact id (1, 2, ...; 0 = never allowed to anyone nor used by a policy).
    ///      A policy keeps the id in its terms slot, so `verify` needs no separate read of the
    ///      schema before looking up the issuer's allow-list.
    mapping(uint256 schema => uint32 schemaId) internal _schemaIds;
    /// @dev Number of schema ids handed out.
    uint32 internal _schemaIdCount;

    /// @inheritdoc IIssuerRegistry
    function registerIssuer(
        uint256 keyHash,
        string calldata did,
        address controller,
        uint256[] calldata schemas
    ) external onlyOwner {
        if (keyHash == 0 || keyHash >= PublicSignals.FIELD_SIZE) {
            revert IssuerRegistry__InvalidKeyHash();
        }
        if (bytes(did).length == 0 || bytes(did).length > MAX_DID_LENGTH) {
            revert IssuerRegistry__InvalidDid();
        }
        if (controller == address(0)) revert IssuerRegistry__ZeroController();
        if (_issuers[keyHash].status != IssuerStatus.None) revert IssuerRegistry__AlreadyRegistered();

        _issuers[keyHash] = IssuerRecord({
            controller: controller,
            status: IssuerStatus.Active,
            schemaBits: 0
        });
        _issuerDids[keyHash] = did;
        emit IssuerRegistered(keyHash, controller, did);
        for (uint256 i = 0; i < schemas.length; ++i) {
            _setSchema(keyHash, schemas[i], true);
        }
    }

    /// @inheritdoc IIssuerRegistry
    function setIssuerSchema(uint256 keyHash, uint256 schema, bool allowed) external onlyOwner {
        _requireNotRemoved(keyHash);
        _setSchema(keyHash, schema, allowed);
    }

    /// @inheritdoc IIssuerRegistry
    function setIssuerStatus(uint256 keyHash, IssuerStatus status) external onlyOwner {
        IssuerStatus current = _requireNotRemoved(keyHash);
        if (status == IssuerStatus.None || status == current) revert IssuerRegistry__InvalidStatus();
        _issuers[keyHash].status = status;
        emit IssuerStatusChanged(keyHash, status);
    }

    /// @inheritdoc IIssuerRegistry
    function setIssuerController(uint256 keyHash, address controller) external onlyOwner {
        _requireNotRemoved(keyHash);
        if (controller == address(0)) revert IssuerRegistry__ZeroController();
        _issuers[keyHash].controller = controller;
        emit IssuerControllerChanged(keyHash, controller);
    }

    /// @inheritdoc IIssuerRegistry
    function getIssuer(
        uint256 keyHash
    ) external view returns (IssuerStatus status, address controller, string memory did) {
        IssuerRecord memory record = _issuers[keyHash];
        return (record.status, record.controller, _issuerDids[keyHash]);
    }

    /// @inheritdoc IIssuerRegistry
    function isSchemaAllowed(uint256 keyHash, uint256 schema) external view returns (bool) {
        return _allows(_issuers[keyHash], keyHash, _schemaIds[schema]);
    }

    /// @inheritdoc IIssuerRegistry
    function isTrustedFor(uint256 keyHash, uint256 schema) external view returns (bool) {
        IssuerRecord memory issuer = _issuers[keyHash];
        return
            issuer.status == IssuerStatus.Active && _allows(issuer, keyHash, _schemaIds[schema]);
    }

    /// @notice Whether an issuer's allow-list holds a schema id.
    /// @param issuer The issuer's record (already read).
    /// @param keyHash The issuer's key hash.
    /// @param schemaId The compact schema id; 0 (never assigned) is allowed to no one.
    /// @return True if allowed.
    function _allows(
        IssuerRecord memory issuer,
        uint256 keyHash,
        uint32 schemaId
    ) internal view returns (bool) {
        if (schemaId == 0) return false;
        if (schemaId <= INLINE_SCHEMA_IDS) return (issuer.schemaBits >> (schemaId - 1)) & 1 == 1;
        return _issuerSchemas[keyHash][schemaId];
    }

    /// @notice The compact id of a schema, assigned on first use (checked: at most 2^32 - 1 ids).
    /// @param schema The schema id (validated by the caller: 0 < schema < r).
    /// @return schemaId Its compact id (never 0).
    function _schemaIdOf(uint256 schema) internal returns (uint32 schemaId) {
        schemaId = _schemaIds[schema];
        if (schemaId == 0) {
            schemaId = ++_schemaIdCount;
            _schemaIds[schema] = schemaId;
        }
    }

    /// @notice Writes one allow-list entry after validating the schema id.
    /// @param keyHash The issuer's key hash.
    /// @param schema The schema id; 0 < schema < r.
    /// @param allowed The new value.
    function _setSchema(uint256 keyHash, uint256 schema, bool allowed) private {
        if (schema == 0 || schema >= PublicSignals.FIELD_SIZE) revert IssuerRegistry__InvalidSchema();
        // Denying a schema that never got an id changes nothing (no issuer is allowed it).
        uint32 schemaId = allowed ? _schemaIdOf(schema) : _schemaIds[schema];
        if (schemaId != 0 && schemaId <= INLINE_SCHEMA_IDS) {
            IssuerRecord storage issuer = _issuers[keyHash];
            uint88 bit = uint88(1) << (schemaId - 1);
            issuer.schemaBits = allowed ? issuer.schemaBits | bit : issuer.schemaBits & ~bit;
        } else if (schemaId != 0) {
            _issuerSchemas[keyHash][schemaId] = allowed;
        }
        emit IssuerSchemaSet(keyHash, schema, allowed);
    }

    /// @notice Reverts unless the issuer exists and is not removed.
    /// @param keyHash The issuer's key hash.
    /// @return status The issuer's current status.
    function _requireNotRemoved(uint256 keyHash) private view returns (IssuerStatus status) {
        status = _issuers[keyHash].status;
        if (status == IssuerStatus.None) revert IssuerRegistry__UnknownIssuer();
        if (status == IssuerStatus.Removed) revert IssuerRegistry__IssuerRemoved();
    }
}
