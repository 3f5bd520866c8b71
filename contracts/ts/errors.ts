/**
 * Errors of the contracts package, viem-style: one `ContractsError` with a stable string `code`,
 * a `shortMessage`, optional `details` and the original `cause`; and the mapping from every
 * Solidity custom error of ZkGate to a stable verification code shared with the APIs.
 */

/** Stable codes for failures of the contracts tooling itself (not of a proof). */
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
} as const;
export type ContractsErrorCode = (typeof ContractsErrorCode)[keyof typeof ContractsErrorCode];

export type ContractsErrorParameters = {
  details?: string | undefined;
  cause?: unknown;
};

/** The one error class thrown by `#contracts`. `message` never holds secrets or witness data. */
export class ContractsError extends Error {
  override name = 'ContractsError';
  readonly code: ContractsErrorCode;
  readonly shortMessage: string;
  readonly details: string | undefined;

  constructor(
    code: ContractsErrorCode,
    shortMessage: string,
    params: ContractsErrorParameters = {},
  ) {
    super(params.details ? `${shortMessage}\n\nDetails: ${params.details}` : shortMessage, {
      cause: params.cause,
    });
    this.code = code;
    this.shortMessage = shortMessage;
    this.details = params.details;
  }
}

/**
 * ZkGate custom error name -> stable verification code (the `code` of a `{ verified: false }`
 * result, shared with the verifier API and logs). One entry per check of `ZkGate.verify`.
 */
export const GATE_ERROR_CODES = {
  ZkGate__PolicyNotFound: 'policy_unknown',
  ZkGate__PolicyDisabled: 'policy_disabled',
  ZkGate__SignalNotInField: 'signal_out_of_field',
  ZkGate__NullifierZero: 'nullifier_invalid',
  ZkGate__ScopeMismatch: 'scope_mismatch',
  ZkGate__QueryHashMismatch: 'query_mismatch',
  ZkGate__SignalHashMismatch: 'signal_mismatch',
  ZkGate__ProofFromFuture: 'proof_from_future',
  ZkGate__ProofTooOld: 'expired',
  ZkGate__IssuerNotInPolicy: 'issuer_untrusted',
  ZkGate__IssuerNotActive: 'issuer_inactive',
  ZkGate__IssuerSchemaNotAllowed: 'issuer_schema_not_allowed',
  ZkGate__RootUnknown: 'root_unknown',
  ZkGate__RootExpired: 'root_expired',
  ZkGate__NullifierReused: 'nullifier_reused',
  ZkGate__ProofNotInField: 'bad_proof_encoding',
  ZkGate__PrecompileFailed: 'precompile_failed',
  ZkGate__InvalidProof: 'proof_invalid',
} as const;
export type GateErrorName = keyof typeof GATE_ERROR_CODES;
export type GateErrorCode = (typeof GATE_ERROR_CODES)[GateErrorName];

/** Human-readable messages for each gate check; no values, so nothing personal can leak. */
export const GATE_ERROR_MESSAGES: Record<GateErrorName, string> = {
  ZkGate__PolicyNotFound: 'No policy has this id.',
  ZkGate__PolicyDisabled: 'The policy is disabled.',
  ZkGate__SignalNotInField: 'A public signal is not a canonical field element.',
  ZkGate__NullifierZero: 'The nullifier is zero.',
  ZkGate__ScopeMismatch: 'The proof was made for another chain, gate or policy.',
  ZkGate__QueryHashMismatch: "The proof does not answer the policy's query.",
  ZkGate__SignalHashMismatch: 'The proof is not bound to this sender and context.',
  ZkGate__ProofFromFuture: 'The proof is dated too far in the future.',
  ZkGate__ProofTooOld: 'The proof is too old.',
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

/** Whether a custom error name is one of ZkGate's verification checks. */
export function isGateErrorName(name: string): name is GateErrorName {
  return Object.hasOwn(GATE_ERROR_CODES, name);
}
