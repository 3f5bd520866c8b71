// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PUBLIC_SIGNAL_COUNT} from "./PublicSignals.sol";
// Generated from the snarkjs verification key at compile time (contracts/ts/verifier-key.ts).
import {
    VK_ALPHA_X,
    VK_ALPHA_Y,
    VK_BETA_X1,
    VK_BETA_X2,
    VK_BETA_Y1,
    VK_BETA_Y2,
    VK_GAMMA_X1,
    VK_GAMMA_X2,
    VK_GAMMA_Y1,
    VK_GAMMA_Y2,
    VK_DELTA_X1,
    VK_DELTA_X2,
    VK_DELTA_Y1,
    VK_DELTA_Y2,
    VK_IC0_X,
    VK_IC0_Y,
    VK_IC1_X,
    VK_IC1_Y,
    VK_IC2_X,
    VK_IC2_Y,
    VK_IC3_X,
    VK_IC3_Y,
    VK_IC4_X,
    VK_IC4_Y,
    VK_IC5_X,
    VK_IC5_Y,
    VK_IC6_X,
    VK_IC6_Y,
    VK_IC7_X,
    VK_IC7_Y
} from "zkrep-generated/VerificationKey.sol";

/// @title Groth16
/// @notice Groth16 verification (BN254) of zkrep proofs against the verification key compiled into
///         the calling contract, with the part of `vk_x` that is constant per (policy, issuer)
///         precomputed: `P = IC0 + issuerKeyHash·IC2 + queryHash·IC3 + scope·IC6`.
/// @dev Same equation and limb order as snarkjs's generated verifier; the public-signal positions are
///      those of `PublicSignals` (signal i multiplies IC(i+1)). All functions are internal, so the
///      code is inlined into ZkGate: no external call, only the precompiles 0x06 (ecAdd),
///      0x07 (ecMul) and 0x08 (pairing), each call's success flag and return size checked.
///      Coordinates must be < Q and signals < r; the caller checks that (with its own errors),
///      the precompiles check it again.
library Groth16 {
    /// @notice BN254 base field modulus q (every point coordinate is < q).
    uint256 internal constant Q =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// @notice The verification key, for inspection (`ZkGate.verificationKey()`).
    /// @return alpha α (G1).
    /// @return beta β (G2, `[[x1, x2], [y1, y2]]` with x1 = x.c1, x2 = x.c0).
    /// @return gamma γ (G2, same order).
    /// @return delta δ (G2, same order).
    /// @return ic IC0..IC7 (G1).
    function key()
        internal
        pure
        returns (
            uint256[2] memory alpha,
            uint256[2][2] memory beta,
            uint256[2][2] memory gamma,
            uint256[2][2] memory delta,
            uint256[2][8] memory ic
        )
    {
        alpha = [VK_ALPHA_X, VK_ALPHA_Y];
        beta = [[VK_BETA_X1, VK_BETA_X2], [VK_BETA_Y1, VK_BETA_Y2]];
        gamma = [[VK_GAMMA_X1, VK_GAMMA_X2], [VK_GAMMA_Y1, VK_GAMMA_Y2]];
        delta = [[VK_DELTA_X1, VK_DELTA_X2], [VK_DELTA_Y1, VK_DELTA_Y2]];
        ic = [
            [VK_IC0_X, VK_IC0_Y],
            [VK_IC1_X, VK_IC1_Y],
            [VK_IC2_X, VK_IC2_Y],
            [VK_IC3_X, VK_IC3_Y],
            [VK_IC4_X, VK_IC4_Y],
            [VK_IC5_X, VK_IC5_Y],
            [VK_IC6_X, VK_IC6_Y],
            [VK_IC7_X, VK_IC7_Y]
        ];
    }

    /// @notice `a + s·b` on G1, with the ecMul (0x07) and ecAdd (0x06) precompiles.
    /// @param ax x of a.
    /// @param ay y of a.
    /// @param bx x of b.
    /// @param by y of b.
    /// @param s The scalar.
    /// @return x x of the result ((0, 0) is the identity).
    /// @return y y of the result.
    /// @return ok False if a call failed or returned no 64 bytes (a missing precompile returns none).
    function mulAdd(
        uint256 ax,
        uint256 ay,
        uint256 bx,
        uint256 by,
        uint256 s
    ) internal view returns (uint256 x, uint256 y, bool ok) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, ax)
            mstore(add(m, 0x20), ay)
            mstore(add(m, 0x40), bx)
            mstore(add(m, 0x60), by)
            mstore(add(m, 0x80), s)
            // One call per statement: Yul evaluates arguments right to left.
            ok := staticcall(gas(), 0x07, add(m, 0x40), 0x60, add(m, 0x40), 0x40)
            ok := and(ok, eq(returndatasize(), 0x40))
            let added := staticcall(gas(), 0x06, m, 0x80, m, 0x40)
            ok := and(ok, and(added, eq(returndatasize(), 0x40)))
            x := mload(m)
            y := mload(add(m, 0x20))
        }
    }

    /// @notice The per-policy part of `vk_x`: `IC0 + queryHash·IC3 + scope·IC6`.
    /// @param queryHash The policy's query hash (< r).
    /// @param scope The policy's scope (< r).
    /// @return x The point's x coordinate ((0, 0) is the identity).
    /// @return y The point's y coordinate.
    /// @return ok False if a precompile call failed.
    function policyPoint(
        uint256 queryHash,
        uint256 scope
    ) internal view returns (uint256 x, uint256 y, bool ok) {
        bool first;
        (x, y, first) = mulAdd(VK_IC0_X, VK_IC0_Y, VK_IC3_X, VK_IC3_Y, queryHash);
        (x, y, ok) = mulAdd(x, y, VK_IC6_X, VK_IC6_Y, scope);
        ok = ok && first;
    }

    /// @notice The per-(policy, issuer) part of `vk_x`, the point P:
    ///         `policyPoint(queryHash, scope) + issuerKeyHash·IC2`.
    /// @param baseX x of `policyPoint(queryHash, scope)`.
    /// @param baseY y of `policyPoint(queryHash, scope)`.
    /// @param issuerKeyHash The issuer's key hash (< r).
    /// @return x The point's x coordinate ((0, 0) is the identity).
    /// @return y The point's y coordinate.
    /// @return ok False if a precompile call failed.
    function issuerPoint(
        uint256 baseX,
        uint256 baseY,
        uint256 issuerKeyHash
    ) internal view returns (uint256 x, uint256 y, bool ok) {
        return mulAdd(baseX, baseY, VK_IC2_X, VK_IC2_Y, issuerKeyHash);
    }

    /// @notice Checks a Groth16 proof: `e(-A, B)·e(α, β)·e(vk_x, γ)·e(C, δ) = 1` with
    ///         `vk_x = P + nullifier·IC1 + revocationRoot·IC4 + time·IC5 + signalHash·IC7`.
    /// @dev The caller has checked every signal < r and every coordinate < Q.
    ///      `-A = (A.x, (Q - A.y) mod Q)` (the mod maps A.y = 0 to 0, not Q). The pairing result
    ///      must be exactly 1 in a 32-byte return; a failed pairing call (a point not on the curve
    ///      or not in the subgroup, or out of gas) counts as an invalid proof.
    /// @param px x of the precomputed point P of the policy and the proof's issuer.
    /// @param py y of P.
    /// @param pA Proof point A.
    /// @param pB Proof point B, limbs as in snarkjs's Solidity calldata (`[[x1, x2], [y1, y2]]`).
    /// @param pC Proof point C.
    /// @param pubSignals The public signals.
    /// @return computed False if an ecMul/ecAdd call failed (the caller reverts).
    /// @return valid True iff the pairing check holds.
    function verify(
        uint256 px,
        uint256 py,
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[PUBLIC_SIGNAL_COUNT] calldata pubSignals
    ) internal view returns (bool computed, bool valid) {
        assembly ("memory-safe") {
            // Pairing input (768 bytes) at m: -A | B | α | β | vk_x | γ | C | δ.
            // vk_x is accumulated in place at m + 0x180.
            let m := mload(0x40)
            let acc := add(m, 0x180)
            mstore(acc, px)
            mstore(add(acc, 0x20), py)
            // Signal i sits at pubSignals + 32·i and multiplies IC(i+1) (PublicSignals: 0 nullifier,
            // 3 revocationRoot, 4 time, 6 signalHash; 1, 2 and 5 are inside P).
            let ok0 := mulAcc(acc, VK_IC1_X, VK_IC1_Y, calldataload(pubSignals))
            let ok3 := mulAcc(acc, VK_IC4_X, VK_IC4_Y, calldataload(add(pubSignals, 0x60)))
            let ok4 := mulAcc(acc, VK_IC5_X, VK_IC5_Y, calldataload(add(pubSignals, 0x80)))
            let ok6 := mulAcc(acc, VK_IC7_X, VK_IC7_Y, calldataload(add(pubSignals, 0xc0)))
            computed := and(and(ok0, ok3), and(ok4, ok6))

            // -A
            mstore(m, calldataload(pA))
            mstore(add(m, 0x20), mod(sub(Q, calldataload(add(pA, 0x20))), Q))
            // B
            calldatacopy(add(m, 0x40), pB, 0x80)
            // α, β
            mstore(add(m, 0xc0), VK_ALPHA_X)
            mstore(add(m, 0xe0), VK_ALPHA_Y)
            mstore(add(m, 0x100), VK_BETA_X1)
            mstore(add(m, 0x120), VK_BETA_X2)
            mstore(add(m, 0x140), VK_BETA_Y1)
            mstore(add(m, 0x160), VK_BETA_Y2)
            // vk_x is at m + 0x180; γ
            mstore(add(m, 0x1c0), VK_GAMMA_X1)
            mstore(add(m, 0x1e0), VK_GAMMA_X2)
            mstore(add(m, 0x200), VK_GAMMA_Y1)
            mstore(add(m, 0x220), VK_GAMMA_Y2)
            // C
            calldatacopy(add(m, 0x240), pC, 0x40)
            // δ
            mstore(add(m, 0x280), VK_DELTA_X1)
            mstore(add(m, 0x2a0), VK_DELTA_X2)
            mstore(add(m, 0x2c0), VK_DELTA_Y1)
            mstore(add(m, 0x2e0), VK_DELTA_Y2)

            let paired := staticcall(gas(), 0x08, m, 0x300, m, 0x20)
            valid := and(and(paired, eq(returndatasize(), 0x20)), eq(mload(m), 1))

            // a += s·(x, y) in place: ecMul into a + 0x40 (scratch: gamma's place, written
            // afterwards), then ecAdd into a; as `mulAdd`, without the memory round trips.
            function mulAcc(a, x, y, s) -> success {
                let t := add(a, 0x40)
                mstore(t, x)
                mstore(add(t, 0x20), y)
                mstore(add(t, 0x40), s)
                success := staticcall(gas(), 0x07, t, 0x60, t, 0x40)
                success := and(success, eq(returndatasize(), 0x40))
                let added := staticcall(gas(), 0x06, a, 0x80, a, 0x40)
                success := and(success, and(added, eq(returndatasize(), 0x40)))
            }
        }
    }
}
