// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZkGate} from "./IZkGate.sol";
import {NonReentrant} from "./NonReentrant.sol";

/// @title Marketplace
/// @notice A demo marketplace that consumes ZkGate verification passes: listing requires the
///         seller's reputation pass; buying an age-restricted item requires the buyer's age pass
///         and that the seller STILL holds its reputation pass. Payment is plain ETH, pushed to the
///         seller after the trade is recorded; each buyer may rate its trade once. Events carry no
///         personal data beyond the trading accounts.
/// @dev No pass ids: the gate answers `hasValidPass(policy, account)` (the account's pass is
///      unexpired and its policy enabled), so callers pass nothing and cannot pass the wrong thing.
///      Checks-effects-interactions plus a transient-storage reentrancy guard.
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
    /// @notice The caller (the seller) holds no valid reputation pass.
    error Marketplace__ReputationPassRequired();
    /// @notice The buyer holds no valid age pass.
    error Marketplace__AgePassRequired();
    /// @notice The seller of this age-restricted listing no longer holds a valid reputation pass
    ///         (it expired or its policy was disabled): the listing cannot be bought until the
    ///         seller renews it.
    error Marketplace__SellerNotEligible();
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
    /// @param ageRestricted Whether buyers need an age pass (and the seller a still-valid
    ///        reputation pass at the time of each purchase).
    /// @return listingId The new listing's id.
    function list(uint96 price, bool ageRestricted) external returns (uint256 listingId) {
        if (price == 0) revert Marketplace__InvalidPrice();
        if (!GATE.hasValidPass(REPUTATION_POLICY_ID, msg.sender)) {
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

    /// @notice Buys a listed item for exactly its price. An age-restricted item needs the buyer's
    ///         valid age pass, and the seller must still hold a valid reputation pass.
    /// @dev Unrestricted listings are not re-checked at purchase: the reputation pass gates the
    ///      offer (`list`), and re-checking it would add a gate call to every purchase
    ///      (docs/contracts.md, section 5).
    /// @param listingId The listing.
    function buy(uint256 listingId) external payable nonReentrant {
        Listing storage listing = _listings[listingId];
        if (listing.state != ListingState.Listed) revert Marketplace__NotForSale();
        address seller = listing.seller;
        uint256 price = listing.price;
        if (msg.sender == seller) revert Marketplace__SelfPurchase();
        if (msg.value != price) revert Marketplace__WrongPayment();
        if (listing.ageRestricted) {
            (bool buyerValid, bool sellerValid) = _tradePasses(msg.sender, seller);
            if (!buyerValid) revert Marketplace__AgePassRequired();
            if (!sellerValid) revert Marketplace__SellerNotEligible();
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

    /// @notice Whether the buyer holds a valid age pass and the seller a valid reputation pass:
    ///         `GATE.hasValidPassBoth(AGE_POLICY_ID, buyer, REPUTATION_POLICY_ID, seller)`.
    /// @dev The same call as the one-line Solidity above, written out so that it stays within the
    ///      10,000-gas budget of a gated purchase (docs/contracts.md, section 6.2): the arguments are
    ///      written to scratch memory past the free-memory pointer, the gate is STATICCALLed, and
    ///      the answer counts only if the call succeeded with exactly two words, each exactly 1 for
    ///      "valid" (anything else, including a revert of the gate, reads as "not valid").
    /// @param buyer The buyer.
    /// @param seller The seller.
    /// @return buyerValid The buyer's age pass is valid.
    /// @return sellerValid The seller's reputation pass is valid.
    function _tradePasses(
        address buyer,
        address seller
    ) private view returns (bool buyerValid, bool sellerValid) {
        IZkGate gate = GATE;
        uint256 agePolicy = AGE_POLICY_ID;
        uint256 reputationPolicy = REPUTATION_POLICY_ID;
        bytes4 selector = IZkGate.hasValidPassBoth.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 0x04), agePolicy)
            mstore(add(m, 0x24), buyer)
            mstore(add(m, 0x44), reputationPolicy)
            mstore(add(m, 0x64), seller)
            let ok := staticcall(gas(), gate, m, 0x84, m, 0x40)
            ok := and(ok, eq(returndatasize(), 0x40))
            buyerValid := and(ok, eq(mload(m), 1))
            sellerValid := and(ok, eq(mload(add(m, 0x20)), 1))
        }
    }

    /// @notice Reads a listing.
    /// @param listingId The listing.
    /// @return The listing (all zero if it does not exist).
    function getListing(uint256 listingId) external view returns (Listing memory) {
        return _listings[listingId];
    }
}
