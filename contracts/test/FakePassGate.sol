// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title FakePassGate (TEST ONLY)
/// @notice Stands in for ZkGate in front of a Marketplace to test how the marketplace reads the
///         gate's answer to `hasValidPassBoth`: it answers with configurable words, a configurable
///         return size, or a revert. `hasValidPass` (used by `list`) always answers true.
contract FakePassGate {
    /// @notice The first returned word (the buyer's answer).
    uint256 public word0;
    /// @notice The second returned word (the seller's answer).
    uint256 public word1;
    /// @notice How many bytes of the two words to return.
    uint256 public size;
    /// @notice Whether `hasValidPassBoth` reverts.
    bool public reverts;

    /// @notice Sets the next answers.
    /// @param word0_ First word.
    /// @param word1_ Second word.
    /// @param size_ Return size in bytes (at most 64).
    /// @param reverts_ Revert instead of answering.
    function set(uint256 word0_, uint256 word1_, uint256 size_, bool reverts_) external {
        (word0, word1, size, reverts) = (word0_, word1_, size_, reverts_);
    }

    /// @notice Always true, so that the marketplace accepts listings.
    /// @return True.
    function hasValidPass(uint256, address) external pure returns (bool) {
        return true;
    }

    /// @notice Answers any other call (the marketplace's `hasValidPassBoth`) as configured.
    fallback() external {
        if (reverts) revert();
        uint256 w0 = word0;
        uint256 w1 = word1;
        uint256 n = size;
        assembly ("memory-safe") {
            mstore(0, w0)
            mstore(0x20, w1)
            return(0, n)
        }
    }
}
