// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CivilDate} from "../src/CivilDate.sol";

/// @title CivilDateHarness (TEST ONLY)
/// @notice Exposes `CivilDate.dateOf` over many timestamps in one call, so a test can compare
///         thousands of dates with an independent implementation in a single `eth_call`.
contract CivilDateHarness {
    /// @notice `CivilDate.dateOf` of each input.
    /// @param unixTimes Unix times in seconds.
    /// @return dates The UTC dates as YYYYMMDD, in input order.
    function datesOf(uint256[] calldata unixTimes) external pure returns (uint256[] memory dates) {
        dates = new uint256[](unixTimes.length);
        for (uint256 i = 0; i < unixTimes.length; ++i) {
            dates[i] = CivilDate.dateOf(unixTimes[i]);
        }
    }

    /// @notice The gas `CivilDate.dateOf` costs for one input (measured inside the EVM).
    /// @param unixTime A unix time in seconds.
    /// @return date The date.
    /// @return gasUsed Gas spent by the computation (plus a few gas of measurement overhead).
    function measure(uint256 unixTime) external view returns (uint256 date, uint256 gasUsed) {
        uint256 before = gasleft();
        date = CivilDate.dateOf(unixTime);
        gasUsed = before - gasleft();
    }
}
