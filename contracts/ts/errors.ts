/**
 * Errors of the contracts package: `ContractsError` (a `ZkrepError` of the one zkrep error
 * vocabulary, `#zk` `ERROR_CODES`, viem-style with a `shortMessage`, optional `details` and the
 * original `cause`), and the mapping from every Solidity custom error of a ZkGate verification to
 * the one shared code of that check.
 */
import { ZkrepError, type ErrorCode } from '#zk';

/** Codes for failures of the contracts tooling itself (not of a proof); all from `ERROR_CODES`. */
export const ContractsErrorCode = {
  configInvalid: 'config_invalid',
  chainStartFailed: 'chain_start_failed',
  chainUnreachable: 'chain_unreachable',
  compileFailed: 'compile_failed',
  verifierInvalid: 'verifier_invalid',
  testVerifierRefused: 'test_verifier_refused',
  deployFailed: 'deploy_failed',
  deploymentInvalid: 'deployment_invalid',
  txFailed: 'tx_failed',
} as const satisfies Record<string, ErrorCode>;
export type ContractsErrorCode = (typeof ContractsErrorCode)[keyof typeof ContractsErrorCode];

export type ContractsErrorParameters = {
  details?: string | undefined;
  cause?: unknown;
};

/**
 * The one error class thrown by `#contracts`. `message` is `shortMessage` plus the details (for
 * developers and logs; a compiler error's details span lines); `toJSON()`, what a service answers
 * with, carries only the one-line `shortMessage`. Nothing holds secrets or witness data.
 */
export class ContractsError extends ZkrepError<ContractsErrorCode> {
  override name = 'ContractsError';
  readonly shortMessage: string;
  readonly details: string | undefined;

  constructor(
    code: ContractsErrorCode,
    shortMessage: string,
    params: ContractsErrorParameters = {},
  ) {
    super(code, params.details ? `${shortMessage}\n\nDetails: ${params.details}` : shortMessage, {
      cause: params.cause,
    });
    this.shortMessage = shortMessage;
    this.details = params.details;
  }

  /** The `{ code, message }` body an API answers with: the one-line short message only. */
  override toJSON(): { code: ContractsErrorCode; message: string } {
    return { code: this.code, message: this.shortMessage };
  }
}

/**
 * Custom error of a ZkGate verification (`verify` / `verifyFor`) -> the one shared code of that
 * check (the `code` of a `{ verified: false }` result, the same code the off-chain checks and the
 * verifier API use). One entry per check.
 */
export const GATE_ERROR_CODES = {
  ZkGate__ZeroAccount: 'bad_input',
  ZkGate__SignalNotInField: 'signal_out_of_field',
  ZkGate__NullifierZero: 'nullifier_zero',
  PolicyRegistry__PolicyNotFound: 'policy_unknown',
  ZkGate__PolicyDisabled: 'policy_disabled',
  ZkGate__ScopeMismatch: 'scope_mismatch',
  ZkGate__SignalHashMismatch: 'signal_mismatch',
  ZkGate__ProofDateMismatch: 'proof_date_mismatch',
  ZkGate__ProofFromFuture: 'proof_from_future',
  ZkGate__ProofTooOld: 'proof_too_old',
  ZkGate__PassAlreadyExpired: 'pass_already_expired',
  ZkGate__QueryHashMismatch: 'query_mismatch',
  ZkGate__IssuerNotInPolicy: 'issuer_untrusted',
  ZkGate__IssuerNotActive: 'issuer_inactive',
  ZkGate__IssuerSchemaNotAllowed: 'issuer_schema_not_allowed',
  ZkGate__RootUnknown: 'root_unknown',
  ZkGate__RootExpired: 'root_expired',
  ZkGate__NullifierReused: 'nullifier_reused',
  ZkGate__ProofNotInField: 'bad_proof_encoding',
  ZkGate__PrecompileFailed: 'precompile_failed',
  ZkGate__InvalidProof: 'proof_invalid',
} as const satisfies Record<string, ErrorCode>;
export type GateErrorName = keyof typeof GATE_ERROR_CODES;
export type GateErrorCode = (typeof GATE_ERROR_CODES)[GateErrorName];

/** Human-readable messages for each gate check; no values, so nothing personal can leak. */
export const GATE_ERROR_MESSAGES: Record<GateErrorName, string> = {
  ZkGate__ZeroAccount: 'A pass cannot be granted to the zero address.',
  ZkGate__SignalNotInField: 'A public signal is not a canonical field element.',
  ZkGate__NullifierZero: 'The nullifier is zero.',
  PolicyRegistry__PolicyNotFound: 'No policy has this id.',
  ZkGate__PolicyDisabled: 'The policy is disabled.',
  ZkGate__ScopeMismatch: 'The proof was made for another chain, gate or policy.',
  ZkGate__SignalHashMismatch: 'The proof is not bound to this account and context.',
  ZkGate__ProofDateMismatch: "The proof's date is not the UTC date of its time.",
  ZkGate__ProofFromFuture: 'The proof is dated in the future.',
  ZkGate__ProofTooOld: 'The proof is too old.',
  ZkGate__PassAlreadyExpired: 'The pass would already be expired: the proof is too old for it.',
  ZkGate__QueryHashMismatch: "The proof does not answer the policy's query.",
  ZkGate__IssuerNotInPolicy: 'The issuer is not trusted by this policy.',
  ZkGate__IssuerNotActive: 'The issuer is not active.',
  ZkGate__IssuerSchemaNotAllowed: 'The issuer may not issue this schema.',
  ZkGate__RootUnknown: 'The revocation root was never published by this issuer.',
  ZkGate__RootExpired: 'The revocation root is too old.',
  ZkGate__NullifierReused: 'This credential is already bound to another account.',
  ZkGate__ProofNotInField: 'A proof coordinate is not a canonical field element.',
  ZkGate__PrecompileFailed: 'A BN254 precompile call failed (out of gas?); nothing was verified.',
  ZkGate__InvalidProof: 'The proof is invalid.',
};

/** Whether a custom error name is one of the checks of a ZkGate verification. */
export function isGateErrorName(name: string): name is GateErrorName {
  return Object.hasOwn(GATE_ERROR_CODES, name);
}
