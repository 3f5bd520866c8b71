pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/bitify.circom";
include "predicate.circom";
include "revocation.circom";

/*
 * CredentialQuery(nAttrs, nPredicates, depth): a zero-knowledge query over one credential.
 *
 * Proves, for one credential the holder keeps private:
 *   1. claim = Poseidon(schema, holderCommitment, credentialId, issuedAt, expiresAt,
 *      attrs[0..nAttrs)) is signed (EdDSA-Poseidon, BabyJubJub) by the issuer key (Ax, Ay),
 *      and issuerKeyHash = Poseidon(Ax, Ay);
 *   2. the holder knows secret < l (BabyJubJub subgroup order) with
 *      holderCommitment = Poseidon(secret);
 *   3. time = date * 2^40 + unix (67 bits); issuedAt <= unix < expiresAt (all 40 bits);
 *   4. credentialId < 2^depth is not revoked under revocationRoot;
 *   5. every predicate (slot, op, value) holds (dates compared with `date`), and
 *      queryHash = Poseidon(schema, slot_0, op_0, value_0, ..., slot_{n-1}, op_{n-1}, value_{n-1});
 *   6. nullifier = Poseidon(secret, scope);
 *   7. signalHash is bound to the proof (squared below).
 *
 * Public outputs: nullifier, issuerKeyHash, queryHash.
 * Public inputs:  revocationRoot, time, scope, signalHash.
 *
 * The CALLER (verifier service or ZkGate) must enforce outside the circuit:
 *   - issuerKeyHash is a trusted, active issuer allowed for this schema;
 *   - revocationRoot is that issuer's current root, or a recent one per policy;
 *   - queryHash equals the policy's stored query hash (this pins schema and predicates);
 *   - time: `date` is the UTC calendar date (YYYYMMDD) of `unix`, which is close to the
 *     verifier's clock (not too old, not in the future, `date` not after the verifier's date);
 *   - scope is the verifier's own scope (recomputed, never taken from the prover);
 *   - signalHash commits to the request (challenge, consent receipt, account/msg.sender);
 *   - nullifier != 0 and fresh for the scope, or bound to the same account;
 *   - every public signal is a canonical field element (< r).
 */
template CredentialQuery(nAttrs, nPredicates, depth) {
    // 2^40 s is year 36812: ample for unix times.
    var TIME_BITS = 40;
    // Dates are YYYYMMDD integers <= 99991231 < 2^27.
    var DATE_BITS = 27;
    var VALUE_BITS = 64;
    // BabyJubJub prime subgroup order l.
    var SUBGROUP_ORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041;

    // ---- private inputs ----
    signal input secret;
    signal input issuerAx;
    signal input issuerAy;
    signal input sigS;
    signal input sigR8x;
    signal input sigR8y;
    signal input schema;
    signal input credentialId;
    signal input issuedAt;
    signal input expiresAt;
    signal input attrs[nAttrs];
    signal input revSiblings[depth];
    signal input predSlot[nPredicates];
    signal input predOp[nPredicates];
    signal input predValue[nPredicates];

    // ---- public inputs ----
    signal input revocationRoot;
    signal input time;
    signal input scope;
    signal input signalHash;

    // ---- public outputs ----
    signal output nullifier;
    signal output issuerKeyHash;
    signal output queryHash;

    // 2. holder binding: secret < l, so secret and secret + l cannot both be used (C09).
    _ <== Num2Bits(251)(secret); // l < 2^251, and LessThan(251) needs inputs < 2^251
    signal secretInRange <== LessThan(251)([secret, SUBGROUP_ORDER]);
    secretInRange === 1;
    signal holderCommitment <== Poseidon(1)([secret]);

    // 1. the claim and the issuer's signature over it
    component claim = Poseidon(5 + nAttrs);
    claim.inputs[0] <== schema;
    claim.inputs[1] <== holderCommitment;
    claim.inputs[2] <== credentialId;
    claim.inputs[3] <== issuedAt;
    claim.inputs[4] <== expiresAt;
    for (var i = 0; i < nAttrs; i++) {
        claim.inputs[5 + i] <== attrs[i];
    }

    component sig = EdDSAPoseidonVerifier();
    // Hard-wired: a prover must never be able to switch the signature check off (C11).
    sig.enabled <== 1;
    sig.Ax <== issuerAx;
    sig.Ay <== issuerAy;
    sig.S <== sigS;
    sig.R8x <== sigR8x;
    sig.R8y <== sigR8y;
    sig.M <== claim.out;

    issuerKeyHash <== Poseidon(2)([issuerAx, issuerAy]);

    // 3. the public time packs the UTC date above the unix seconds; the bit decomposition is
    //    unique (67 < 254 bits), so both parts are range-checked and cannot alias (C04).
    signal unixTime, today;
    (unixTime, today) <== UnpackTime(TIME_BITS, DATE_BITS)(time);

    //    validity window; each compared value has its own range check (C01/C04/C05)
    _ <== Num2Bits(TIME_BITS)(issuedAt);
    _ <== Num2Bits(TIME_BITS)(expiresAt);
    signal notFuture <== LessEqThan(TIME_BITS)([issuedAt, unixTime]);
    notFuture === 1;
    signal notExpired <== LessThan(TIME_BITS)([unixTime, expiresAt]);
    notExpired === 1;

    // 4. not revoked (credentialId < 2^depth is enforced by the path decomposition)
    component revocation = NotRevoked(depth);
    revocation.id <== credentialId;
    revocation.siblings <== revSiblings;
    revocation.root <== revocationRoot;

    // 5. predicates and the query hash
    component preds[nPredicates];
    component query = Poseidon(1 + 3 * nPredicates);
    query.inputs[0] <== schema;
    for (var p = 0; p < nPredicates; p++) {
        preds[p] = Predicate(nAttrs, VALUE_BITS, DATE_BITS);
        preds[p].attrs <== attrs;
        preds[p].slot <== predSlot[p];
        preds[p].op <== predOp[p];
        preds[p].value <== predValue[p];
        preds[p].today <== today;
        query.inputs[1 + 3 * p] <== predSlot[p];
        query.inputs[2 + 3 * p] <== predOp[p];
        query.inputs[3 + 3 * p] <== predValue[p];
    }
    queryHash <== query.out;

    // 6. per-scope nullifier: unlinkable across scopes, stable within one
    nullifier <== Poseidon(2)([secret, scope]);

    // 7. scope is used above; signalHash is used nowhere else, so give it a
    //    quadratic constraint (Tornado idiom) to make its binding explicit.
    signal signalSquare <== signalHash * signalHash;
}
