pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "predicate.circom";

// Test harness: one Predicate with the same parameters and the same time unpacking as
// CredentialQuery, so property tests can compare it with the TS reference quickly.
template PredicateHarness() {
    signal input attrs[8];
    signal input slot;
    signal input op;
    signal input value;
    signal input time;
    signal unix, today;
    (unix, today) <== UnpackTime(40, 27)(time);
    Predicate(8, 64, 27)(attrs, slot, op, value, today);
}

component main = PredicateHarness();
