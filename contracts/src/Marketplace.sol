// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZkGate} from "./IZkGate.sol";
import {NonReentrant} from "./NonReentrant.sol";

/// @title Marketplace
/// @notice A demo marketplace that consumes ZkGate verification passes: listing requires the
///         seller's reputation pass, buying an age-restricted item requires the buyer's age pass.
///         Payment is plain ETH, pushed to the seller after the trade is recorded; each buyer may
///         rate its trade once. Events carry no personal data beyond the trading accounts.
/// @dev A pass is identified by its nullifier, which the caller passes in (`sellerPass`,
///      `agePass`); the gate checks that it belongs to msg.sender, is unexpired and that its policy
///      is enabled. Checks-effects-interactions plus a transient-storage reentrancy guard.
contract Marketplace is NonReentrant {
    /// @notice Lifecycle of a listing.
    enum ListingState {
        None,
        Listed,
        Sold,
        Cancelled
    }

    /// @notice A listing (two slots).
    /// @param seller The seller.
    /// @param price Price in wei.
    /// @param buyer The buyer once sold.
    /// @param ageRestricted Whether buying requires an age pass.
    /// @param state Lifecycle state.
    /// @param rated Whether the buyer has rated the trade.
    struct Listing {
        address seller;
        uint96 price;
        address buyer;
        bool ageRestricted;
        ListingState state;
        bool rated;
    }

    /// @notice The gate address is zero, or a policy id is 0.
    error Marketplace__InvalidConfig();
    /// @notice The seller has no valid reputation pass under that id.
    error Marketplace__ReputationPassRequired();
    /// @notice The buyer has no valid age pass under that id.
    error Marketplace__AgePassRequired();
    /// @notice The price is 0.
    error Marketplace__InvalidPrice();
    /// @notice The listing does not exist or is not for sale.
    error Marketplace__NotForSale();
    /// @notice msg.value differs from the price.
    error Marketplace__WrongPayment();
    /// @notice A seller cannot buy its own listing.
    error Marketplace__SelfPurchase();
    /// @notice Only the seller may do this.
    error Marketplace__NotSeller();
    /// @notice Only the trade's buyer may rate it, once the trade is complete.
    error Marketplace__NotBuyer();
    /// @notice The trade was already rated.
    error Marketplace__AlreadyRated();
    /// @notice Scores run from 1 to 5.
    error Marketplace__InvalidScore();
    /// @notice Sending the payment to the seller failed.
    error Marketplace__PaymentFailed();

    /// @notice An item was listed.
    /// @param listingId The listing.
    /// @param seller The seller.
    /// @param price Price in wei.
    /// @param ageRestricted Whether buying requires an age pass.
    event Listed(uint256 indexed listingId, address indexed seller, uint256 price, bool ageRestricted);
    /// @notice A listing was withdrawn by its seller.
    /// @param listingId The listing.
    event ListingCancelled(uint256 indexed listingId);
    /// @notice A trade completed (and the seller was paid).
    /// @param listingId The listing, which is also the trade id.
    /// @param seller The seller.
    /// @param buyer The buyer.
    /// @param price Price paid in wei.
    event TradeCompleted(
        uint256 indexed listingId,
        address indexed seller,
        address indexed buyer,
        uint256 price
    );
    /// @notice A buyer rated a trade.
    /// @param listingId The trade.
    /// @param seller The rated seller.
    /// @param score 1..5.
    event Rated(uint256 indexed listingId, address indexed seller, uint8 score);

    /// @notice The gate whose passes this marketplace accepts.
    IZkGate public immutable GATE;
    /// @notice The policy a seller's pass must belong to.
    uint256 public immutable REPUTATION_POLICY_ID;
    /// @notice The policy a buyer's pass must belong to for age-restricted items.
    uint256 public immutable AGE_POLICY_ID;

    /// @notice Number of listings; ids run from 1 to listingCount.
    uint256 public listingCount;
    /// @dev listingId => listing.
    mapping(uint256 listingId => Listing) internal _listings;

    /// @notice Deploys the marketplace against a gate and two of its policies.
    /// @param gate The ZkGate.
    /// @param reputationPolicyId Policy for sellers (e.g. score >= 80 and trades >= 10).
    /// @param agePolicyId Policy for buyers of age-restricted items (e.g. age >= 18).
    constructor(IZkGate gate, uint256 reputationPolicyId, uint256 agePolicyId) {
        if (address(gate) == address(0) || reputationPolicyId == 0 || agePolicyId == 0) {
            revert Marketplace__InvalidConfig();
        }
        GATE = gate;
        REPUTATION_POLICY_ID = reputationPolicyId;
        AGE_POLICY_ID = agePolicyId;
    }

    /// @notice Lists an item; the caller must hold a valid reputation pass.
    /// @param price Price in wei; > 0.
    /// @param ageRestricted Whether buyers need an age pass.
    /// @param sellerPass The nullifier identifying the caller's reputation pass.
    /// @return listingId The new listing's id.
    function list(
        uint96 price,
        bool ageRestricted,
        uint256 sellerPass
    ) external returns (uint256 listingId) {
        if (price == 0) revert Marketplace__InvalidPrice();
        if (!GATE.hasValidPass(REPUTATION_POLICY_ID, msg.sender, sellerPass)) {
            revert Marketplace__ReputationPassRequired();
        }
        listingId = ++listingCount;
        _listings[listingId] = Listing({
            seller: msg.sender,
            price: price,
            buyer: address(0),
            ageRestricted: ageRestricted,
            state: ListingState.Listed,
            rated: false
        });
        emit Listed(listingId, msg.sender, price, ageRestricted);
    }

    /// @notice Withdraws a listing that has not sold.
    /// @param listingId The listing; the caller must be its seller.
    function cancel(uint256 listingId) external {
        Listing storage listing = _listings[listingId];
        if (listing.state != ListingState.Listed) revert Marketplace__NotForSale();
        if (listing.seller != msg.sender) revert Marketplace__NotSeller();
        listing.state = ListingState.Cancelled;
        emit ListingCancelled(listingId);
    }

    /// @notice Buys a listed item for exactly its price; age-restricted items need an age pass.
    /// @param listingId The listing.
    /// @param agePass The nullifier identifying the caller's age pass (ignored if not restricted).
    function buy(uint256 listingId, uint256 agePass) external payable nonReentrant {
        Listing storage listing = _listings[listingId];
        if (listing.state != ListingState.Listed) revert Marketplace__NotForSale();
        address seller = listing.seller;
        uint256 price = listing.price;
        if (msg.sender == seller) revert Marketplace__SelfPurchase();
        if (msg.value != price) revert Marketplace__WrongPayment();
        if (listing.ageRestricted && !GATE.hasValidPass(AGE_POLICY_ID, msg.sender, agePass)) {
            revert Marketplace__AgePassRequired();
        }

        // Effects before the interaction: a re-entrant call already sees the item as sold.
        listing.state = ListingState.Sold;
        listing.buyer = msg.sender;
        emit TradeCompleted(listingId, seller, msg.sender, price);

        (bool paid, ) = seller.call{value: price}("");
        if (!paid) revert Marketplace__PaymentFailed();
    }

    /// @notice Rates a completed trade; once, by its buyer.
    /// @param listingId The trade.
    /// @param score 1..5.
    function rate(uint256 listingId, uint8 score) external {
        Listing storage listing = _listings[listingId];
        if (listing.state != ListingState.Sold || listing.buyer != msg.sender) {
            revert Marketplace__NotBuyer();
        }
        if (listing.rated) revert Marketplace__AlreadyRated();
        if (score == 0 || score > 5) revert Marketplace__InvalidScore();
        listing.rated = true;
        emit Rated(listingId, listing.seller, score);
    }

    /// @notice Reads a listing.
    /// @param listingId The listing.
    /// @return The listing (all zero if it does not exist).
    function getListing(uint256 listingId) external view returns (Listing memory) {
        return _listings[listingId];
    }
}
