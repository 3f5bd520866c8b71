// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Owned2Step
/// @notice Single-owner access control with a two-step hand-over: the owner proposes, the new
///         owner accepts. A transfer to a mistyped address therefore never takes effect.
/// @dev There is deliberately no `renounceOwnership`: the trust registry must always have an owner.
abstract contract Owned2Step {
    /// @notice The caller is not the owner.
    error Owned2Step__NotOwner();
    /// @notice The caller is not the pending owner.
    error Owned2Step__NotPendingOwner();
    /// @notice The zero address cannot own the contract.
    error Owned2Step__ZeroAddress();

    /// @notice The owner proposed `newOwner`; it takes over once it calls `acceptOwnership`.
    /// @param previousOwner The current owner.
    /// @param newOwner The proposed owner (zero when a proposal is cancelled).
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    /// @notice Ownership moved from `previousOwner` to `newOwner`.
    /// @param previousOwner The former owner (zero at construction).
    /// @param newOwner The new owner.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The current owner.
    address public owner;
    /// @notice The proposed owner, or zero when no transfer is pending.
    address public pendingOwner;

    /// @notice Restricts a function to the owner.
    modifier onlyOwner() {
        if (msg.sender != owner) revert Owned2Step__NotOwner();
        _;
    }

    /// @notice Sets the first owner.
    /// @param initialOwner The first owner; must not be zero.
    constructor(address initialOwner) {
        if (initialOwner == address(0)) revert Owned2Step__ZeroAddress();
        owner = initialOwner;
        emit OwnershipTransferred(address(0), initialOwner);
    }

    /// @notice Proposes `newOwner` as the next owner. Passing zero cancels a pending proposal.
    /// @param newOwner The proposed owner.
    function transferOwnership(address newOwner) external onlyOwner {
        pendingOwner = newOwner;
        emit OwnershipTransferStarted(owner, newOwner);
    }

    /// @notice Completes a transfer; callable only by the pending owner.
    function acceptOwnership() external {
        if (msg.sender != pendingOwner || msg.sender == address(0)) {
            revert Owned2Step__NotPendingOwner();
        }
        address previous = owner;
        owner = msg.sender;
        delete pendingOwner;
        emit OwnershipTransferred(previous, msg.sender);
    }
}
