/**
 * One error vocabulary: `ContractsError` is a `ZkrepError` (the zk core's base class, codes from
 * `ERROR_CODES`), and every check of a ZkGate verification maps to exactly one shared code.
 */
import { ERROR_CODES, ZkrepError, httpStatusOf, isErrorCode } from '#zk';
import { zkGateAbi } from '../ts/abi.js';
import {
  ContractsError,
  ContractsErrorCode,
  GATE_ERROR_CODES,
  GATE_ERROR_MESSAGES,
  isGateErrorName,
} from '../ts/errors.js';

it('ContractsError is a ZkrepError: one code, its HTTP status, a one-line API body', () => {
  const cause = new Error('inner');
  const error = new ContractsError('compile_failed', 'Solidity compilation failed.', {
    details: 'line 1\nline 2',
    cause,
  });
  expect(error).toBeInstanceOf(ZkrepError);
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe('ContractsError');
  expect(error.code).toBe('compile_failed');
  expect(error.status).toBe(ERROR_CODES.compile_failed.status);
  expect(error.shortMessage).toBe('Solidity compilation failed.');
  expect(error.details).toBe('line 1\nline 2');
  expect(error.cause).toBe(cause);
  // The developer message carries the details; what an API answers with does not.
  expect(error.message).toBe('Solidity compilation failed.\n\nDetails: line 1\nline 2');
  expect(error.toJSON()).toEqual({
    code: 'compile_failed',
    message: 'Solidity compilation failed.',
  });
  expect(new ContractsError('tx_failed', 'x.').message).toBe('x.');
});

it('every tooling code is a zkrep error code', () => {
  for (const code of Object.values(ContractsErrorCode)) {
    expect([code, isErrorCode(code)]).toEqual([code, true]);
  }
});

describe('GATE_ERROR_CODES', () => {
  const abiErrors = zkGateAbi.filter((item) => item.type === 'error').map((item) => item.name);

  it('covers exactly the errors a verification can raise: every ZkGate__ error and the one "no such policy"', () => {
    const gateErrors = abiErrors.filter((name) => name.startsWith('ZkGate__'));
    expect(Object.keys(GATE_ERROR_CODES).sort()).toEqual(
      [...gateErrors, 'PolicyRegistry__PolicyNotFound'].sort(),
    );
    // There is one "policy not found" error, not a second one of the gate.
    expect(abiErrors.filter((name) => /PolicyNotFound/.test(name))).toEqual([
      'PolicyRegistry__PolicyNotFound',
    ]);
    expect(Object.keys(GATE_ERROR_MESSAGES).sort()).toEqual(Object.keys(GATE_ERROR_CODES).sort());
  });

  it('maps each check to its own shared code, each a zkrep error code with an HTTP status', () => {
    const codes = Object.values(GATE_ERROR_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect([code, isErrorCode(code)]).toEqual([code, true]);
      expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
    }
    expect(GATE_ERROR_CODES).toMatchObject({
      ZkGate__NullifierZero: 'nullifier_zero',
      ZkGate__ProofTooOld: 'proof_too_old',
      ZkGate__ProofFromFuture: 'proof_from_future',
      ZkGate__ProofDateMismatch: 'proof_date_mismatch',
      ZkGate__PassAlreadyExpired: 'pass_already_expired',
      PolicyRegistry__PolicyNotFound: 'policy_unknown',
    });
    expect(isGateErrorName('ZkGate__InvalidProof')).toBe(true);
    expect(isGateErrorName('PolicyRegistry__NotPolicyAdmin')).toBe(false);
  });
});
