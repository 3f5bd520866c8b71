pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

/*
 * NotRevoked(depth): non-membership of a credential id in an issuer's revocation tree.
 *
 * The revocation tree is a sparse Merkle tree over the whole id space [0, 2^depth):
 * the leaf at position `id` is 1 when that credential is revoked and 0 otherwise,
 * empty subtrees hash to precomputed zero hashes, and a node is Poseidon(left, right).
 *
 * Proves:  the leaf at position `id` under `root` is 0 (the credential is not revoked).
 * Inputs:  id (private; decomposed with Num2Bits(depth), so id < 2^depth and the path
 *          bits are boolean and unique — no aliasing, no index 2 or -1),
 *          siblings[depth] (private, leaf level first), root.
 * Outputs: none; a wrong path or a revoked id makes the constraints unsatisfiable.
 * Caller:  must check `root` against the issuer's published root history (outside the
 *          circuit), and must make `id` the one the issuer signed (the claim hash does).
 */
template NotRevoked(depth) {
    signal input id;
    signal input siblings[depth];
    signal input root;

    // Strict: depth < 254, so Num2Bits is a unique decomposition of id.
    signal bits[depth] <== Num2Bits(depth)(id);

    signal node[depth + 1];
    signal delta[depth];
    node[0] <== 0; // non-membership: the leaf at position id is empty
    for (var i = 0; i < depth; i++) {
        // bit 0: (node, sibling); bit 1: (sibling, node). One constraint per level.
        delta[i] <== bits[i] * (siblings[i] - node[i]);
        node[i + 1] <== Poseidon(2)([node[i] + delta[i], siblings[i] - delta[i]]);
    }
    root === node[depth];
}
