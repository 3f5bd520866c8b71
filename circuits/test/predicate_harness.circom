pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "predicate.circom";

// Test harness: one Predicate with the same parameters and the same time range check
// as CredentialQuery, so property tests can compare it with the TS reference quickly.
template PredicateHarness() {
    signal input attrs[8];
    signal input slot;
    signal input op;
    signal input value;
    signal input time;
    _ <== Num2Bits(40)(time);
    Predicate(8, 64, 5364662400)(attrs, slot, op, value, time);
}

component main = PredicateHarness();
