// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title NonReentrant
/// @notice A reentrancy guard kept in transient storage (EIP-1153): about 200 gas per guarded call
///         instead of several thousand for a storage flag.
abstract contract NonReentrant {
    /// @notice A guarded function was entered again before it returned.
    error NonReentrant__ReentrantCall();

    /// @dev Cleared automatically at the end of every transaction.
    bool private transient _entered;

    /// @notice Rejects a call made while a guarded function of this contract is still running.
    modifier nonReentrant() {
        if (_entered) revert NonReentrant__ReentrantCall();
        _entered = true;
        _;
        _entered = false;
    }
}
