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
 * UnpackTime(timeBits, dateBits): splits the public proof time.
 *
 * Proves:  time = today * 2^timeBits + unix with unix < 2^timeBits and today < 2^dateBits.
 *          The decomposition is unique (timeBits + dateBits < 254), so neither part can alias.
 * Inputs:  time (the public signal).
 * Outputs: unix (seconds), today (the UTC date as YYYYMMDD, as the prover claims it).
 * Caller:  every verifier must check today == the UTC date of unix (ZkGate, checkPublicSignals).
 */
template UnpackTime(timeBits, dateBits) {
    signal input time;
    signal output unix;
    signal output today;

    signal bits[timeBits + dateBits] <== Num2Bits(timeBits + dateBits)(time);
    var unixAcc = 0;
    for (var i = 0; i < timeBits; i++) {
        unixAcc += bits[i] * (1 << i);
    }
    var dateAcc = 0;
    for (var i = 0; i < dateBits; i++) {
        dateAcc += bits[timeBits + i] * (1 << i);
    }
    unix <== unixAcc;
    today <== dateAcc;
}

/*
 * Predicate(nAttrs, valueBits, dateBits): one query predicate over one attribute slot.
 *
 * Proves:  the predicate (slot, op, value) holds for attrs[slot] on the date `today`:
 *            op 0  unused       always true
 *            op 1  >=           attrs[slot] >= value
 *            op 2  <=           attrs[slot] <= value
 *            op 3  ==           attrs[slot] == value
 *            op 4  !=           attrs[slot] != value
 *            op 5  ageAtLeast   attrs[slot] + value * 10000 <= today
 *                               (dates are YYYYMMDD integers, so adding value * 10000 is
 *                                exactly `value` calendar years; see docs/protocol.md)
 *          The selected attribute and `value` are range-checked to valueBits bits
 *          (also for `unused`, so the canonical unused predicate is (0, 0, 0)).
 * Inputs:  attrs[nAttrs], slot, op, value (private), today (already range-checked by caller).
 * Outputs: none; an unsatisfied predicate makes the constraints unsatisfiable.
 * Caller:  must range-check `today` to dateBits bits, dateBits <= valueBits.
 */
template Predicate(nAttrs, valueBits, dateBits) {
    // attr + value * 10000 < 2^valueBits + 10000 * 2^valueBits < 2^(valueBits + 14): the
    // comparator width keeps every operand of every operator below 2^cmpBits.
    var cmpBits = valueBits + 14;
    assert(dateBits <= valueBits);
    assert(cmpBits <= 252);

    signal input attrs[nAttrs];
    signal input slot;
    signal input op;
    signal input value;
    signal input today;

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
    // is only sound when both of its inputs are < 2^cmpBits.
    _ <== Num2Bits(valueBits)(attr);
    _ <== Num2Bits(valueBits)(value);

    // One comparator serves >=, <= and ageAtLeast: lhs >= rhs with
    //   >=          lhs = attr     rhs = value
    //   <=          lhs = value    rhs = attr
    //   ageAtLeast  lhs = today    rhs = attr + value * 10000
    // For other ops lhs = rhs = 0 (comparison true, result ignored).
    signal lGe <== isOp[1] * attr;
    signal lLe <== isOp[2] * value;
    signal lAge <== isOp[5] * today;
    signal rGe <== isOp[1] * value;
    signal rLe <== isOp[2] * attr;
    signal rAge <== isOp[5] * (attr + value * 10000);
    signal cmp <== GreaterEqThan(cmpBits)([lGe + lLe + lAge, rGe + rLe + rAge]);

    signal eq <== IsEqual()([attr, value]);

    // Exactly one selector is 1, so the sum is the selected operator's verdict.
    signal okCmp <== (isOp[1] + isOp[2] + isOp[5]) * cmp;
    signal okEq <== isOp[3] * eq;
    signal okNe <== isOp[4] * (1 - eq);
    isOp[0] + okCmp + okEq + okNe === 1;
}
