// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title CivilDate
/// @notice The UTC calendar date of a unix time, as the integer YYYYMMDD (e.g. 20261201), in the
///         proleptic Gregorian calendar: the "date" half of a proof's packed time signal.
/// @dev Howard Hinnant's `civil_from_days` ("chrono-compatible low-level date algorithms"),
///      restricted to days >= 0 (unix times are unsigned): 9 divisions, no loop, no table,
///      ~200 gas. The zk core's `utcDateOf` is the same computation in TypeScript; the tests compare
///      this library with JavaScript's own `Date` (an independent implementation) and with
///      `utcDateOf`. Exact for every uint256 input (no intermediate value can overflow: the
///      largest, `z` and the year times 10,000, stay far below 2^256), so `unchecked` is safe.
library CivilDate {
    /// @notice Seconds per day (unix time has no leap seconds).
    uint256 internal constant SECONDS_PER_DAY = 86_400;

    /// @notice The UTC date of `unixSeconds` as YYYYMMDD.
    /// @param unixSeconds Seconds since 1970-01-01T00:00:00Z.
    /// @return The date, `year * 10000 + month * 100 + day`.
    function dateOf(uint256 unixSeconds) internal pure returns (uint256) {
        unchecked {
            // Days since 0000-03-01: years then start in March, so the leap day ends a year.
            uint256 z = unixSeconds / SECONDS_PER_DAY + 719_468;
            uint256 era = z / 146_097; // 400-year eras
            uint256 doe = z - era * 146_097; // day of era, [0, 146096]
            uint256 yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
            uint256 doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of (March) year, [0, 365]
            uint256 mp = (5 * doy + 2) / 153; // month from March, [0, 11]
            uint256 day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
            uint256 month = mp < 10 ? mp + 3 : mp - 9; // [1, 12]
            uint256 year = yoe + era * 400 + (month <= 2 ? 1 : 0);
            return year * 10_000 + month * 100 + day;
        }
    }
}
