pragma circom 2.1.6;

include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/bitify.circom";

/*
 * OneHot(n): decodes `index` into n selector bits.
 *
 * Proves:  out[i] = (index == i) for i in [0, n), and exactly one out[i] is 1,
 *          so `index` is in [0, n).
 * Inputs:  index (any field element).
 * Outputs: out[n] (boolean, one-hot).
 * Caller:  nothing; an index outside [0, n) makes the constraints unsatisfiable.
 */
template OneHot(n) {
    signal input index;
    signal output out[n];

    var sum = 0;
    for (var i = 0; i < n; i++) {
        out[i] <== IsEqual()([index, i]);
        sum += out[i];
    }
    // Without this an out-of-range index would select nothing (all zeros).
    sum === 1;
}

/*
 * Predicate(nAttrs, valueBits, timeOffset): one query predicate over one attribute slot.
 *
 * Proves:  the predicate (slot, op, value) holds for attrs[slot] at time `time`:
 *            op 0  unused     always true
 *            op 1  >=         attrs[slot] >= value
 *            op 2  <=         attrs[slot] <= value
 *            op 3  ==         attrs[slot] == value
 *            op 4  !=         attrs[slot] != value
 *            op 5  elapsed>=  (time + timeOffset) - attrs[slot] >= value
 *                             (attribute is a date encoded as seconds since 1800-01-01,
 *                              `time` is unix seconds; see docs/protocol.md)
 *          The selected attribute and `value` are range-checked to valueBits bits
 *          (also for `unused`, so the canonical unused predicate is (0, 0, 0)).
 * Inputs:  attrs[nAttrs], slot, op, value (private), time (already range-checked by caller).
 * Outputs: none; an unsatisfied predicate makes the constraints unsatisfiable.
 * Caller:  must range-check `time` to timeBits with time + timeOffset < 2^(valueBits+1).
 */
template Predicate(nAttrs, valueBits, timeOffset) {
    signal input attrs[nAttrs];
    signal input slot;
    signal input op;
    signal input value;
    signal input time;

    // --- select attrs[slot] (slot must be in [0, nAttrs)) ---
    signal slotSel[nAttrs] <== OneHot(nAttrs)(slot);
    signal picked[nAttrs];
    var acc = 0;
    for (var i = 0; i < nAttrs; i++) {
        picked[i] <== slotSel[i] * attrs[i];
        acc += picked[i];
    }
    signal attr <== acc;

    // --- decode the operator (op must be in [0, 6)) ---
    signal isOp[6] <== OneHot(6)(op);

    // Every compared value gets its own range check (C01/C02): the comparator below
    // is only sound when both of its inputs are < 2^(valueBits+1).
    _ <== Num2Bits(valueBits)(attr);
    _ <== Num2Bits(valueBits)(value);

    // One comparator serves >=, <= and elapsed>=: lhs >= rhs with
    //   >=       lhs = attr            rhs = value
    //   <=       lhs = value           rhs = attr
    //   elapsed  lhs = time + offset   rhs = attr + value
    // For other ops lhs = rhs = 0 (comparison true, result ignored).
    signal lGe <== isOp[1] * attr;
    signal lLe <== isOp[2] * value;
    signal lEl <== isOp[5] * (time + timeOffset);
    signal rGe <== isOp[1] * value;
    signal rLe <== isOp[2] * attr;
    signal rEl <== isOp[5] * (attr + value);
    signal cmp <== GreaterEqThan(valueBits + 1)([lGe + lLe + lEl, rGe + rLe + rEl]);

    signal eq <== IsEqual()([attr, value]);

    // Exactly one selector is 1, so the sum is the selected operator's verdict.
    signal okCmp <== (isOp[1] + isOp[2] + isOp[5]) * cmp;
    signal okEq <== isOp[3] * eq;
    signal okNe <== isOp[4] * (1 - eq);
    isOp[0] + okCmp + okEq + okNe === 1;
}
