// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZkGate} from "../src/IZkGate.sol";
import {Marketplace} from "../src/Marketplace.sol";
import {PUBLIC_SIGNAL_COUNT} from "../src/PublicSignals.sol";

/// @title ReentrantSeller (TEST ONLY)
/// @notice A malicious seller: when paid, it tries to re-enter `Marketplace.buy` for another
///         listing and records what it saw, so a test can assert the guard and the
///         checks-effects-interactions order; or it refuses the payment altogether.
contract ReentrantSeller {
    /// @notice The marketplace under attack.
    Marketplace public immutable MARKET;
    /// @notice The listing the callback tries to buy re-entrantly.
    uint256 public target;
    /// @notice The listing whose state the callback records.
    uint256 public watched;
    /// @notice Whether the callback ran.
    bool public called;
    /// @notice Whether the re-entrant buy succeeded (it must not).
    bool public reentered;
    /// @notice State of the watched listing as seen from inside the payment callback.
    Marketplace.ListingState public observedState;
    /// @notice Revert data of the re-entrant call.
    bytes public revertData;
    /// @notice Whether the payment callback reverts.
    bool public refusePayment;

    /// @notice The payment callback refuses the payment.
    error ReentrantSeller__Refused();

    /// @notice Sets the marketplace.
    /// @param market The marketplace.
    constructor(Marketplace market) {
        MARKET = market;
    }

    /// @notice Obtains a pass for this contract from the gate (the proof binds to this address).
    /// @param gate The gate.
    /// @param policyId The policy.
    /// @param pA Proof A.
    /// @param pB Proof B.
    /// @param pC Proof C.
    /// @param pubSignals Public signals.
    function obtainPass(
        IZkGate gate,
        uint256 policyId,
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[PUBLIC_SIGNAL_COUNT] calldata pubSignals
    ) external {
        gate.verify(policyId, pA, pB, pC, pubSignals, bytes32(0));
    }

    /// @notice Lists an item as this contract.
    /// @param price Price.
    /// @param ageRestricted Whether the listing is age-restricted.
    /// @return The listing id.
    function listItem(uint96 price, bool ageRestricted) external returns (uint256) {
        return MARKET.list(price, ageRestricted);
    }

    /// @notice Arms the callback.
    /// @param watched_ The listing whose state to record.
    /// @param target_ The listing to try to buy re-entrantly.
    function arm(uint256 watched_, uint256 target_) external {
        watched = watched_;
        target = target_;
    }

    /// @notice Makes the payment callback revert (or not).
    /// @param refuse True to refuse payments.
    function setRefusePayment(bool refuse) external {
        refusePayment = refuse;
    }

    /// @notice Payment callback: refuses, or records the watched state and attempts a re-entrant
    ///         purchase.
    receive() external payable {
        if (refusePayment) revert ReentrantSeller__Refused();
        if (called || target == 0) return;
        called = true;
        observedState = MARKET.getListing(watched).state;
        try MARKET.buy{value: msg.value}(target) {
            reentered = true;
        } catch (bytes memory reason) {
            revertData = reason;
        }
    }
}
