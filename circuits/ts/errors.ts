/**
 * The one error vocabulary of zkrep. Every failure anywhere in the project (the zk core, the
 * contracts tooling, ZkGate's checks, the off-chain signal checks, the services built on them)
 * has exactly one stable string code from `ERROR_CODES`, with the HTTP status a service answers
 * it with. `ZkrepError` is the one base class: `ZkError` (zk core) and `ContractsError`
 * (`#contracts`) extend it, so a service's error middleware needs a single branch:
 *
 *   if (err instanceof ZkrepError) res.status(err.status).json({ code: err.code, message: err.message })
 *
 * Messages are one line and never contain secrets, witness values or personal data.
 * The table is documented in docs/protocol.md §8.
 */

/** code → HTTP status and a one-line description (the meaning, not a message). */
export const ERROR_CODES = {
  // ---- input the caller got wrong (400) ----
  bad_input: { status: 400, description: 'A request or argument has the wrong shape.' },
  bad_encoding: { status: 400, description: 'A value is not in its documented encoding.' },
  out_of_range: { status: 400, description: 'A value is outside its documented bounds.' },
  bad_key: { status: 400, description: 'A key is malformed or not on the curve/subgroup.' },
  bad_signature: { status: 400, description: 'A signature is malformed or does not verify.' },
  bad_public_signals: {
    status: 400,
    description: 'Public signals are not exactly the expected canonical field elements.',
  },
  bad_proof_encoding: {
    status: 400,
    description: 'A proof coordinate is malformed, not canonical (< q), or off the curve.',
  },
  signal_out_of_field: {
    status: 400,
    description: 'A public signal is not a canonical field element (< r).',
  },

  // ---- a proof that was well-formed but does not satisfy the verifier (422) ----
  proof_invalid: { status: 422, description: 'The Groth16 proof does not verify.' },
  nullifier_zero: { status: 422, description: 'The nullifier is zero.' },
  scope_mismatch: {
    status: 422,
    description: "The proof was made for another verifier's scope, gate, chain or policy.",
  },
  query_mismatch: { status: 422, description: "The proof does not answer the policy's query." },
  signal_mismatch: {
    status: 422,
    description: 'The proof is bound to another request, consent receipt or account.',
  },
  issuer_untrusted: { status: 422, description: 'The issuer is not trusted by this policy.' },
  issuer_inactive: { status: 422, description: 'The issuer is suspended or revoked.' },
  issuer_schema_not_allowed: { status: 422, description: 'The issuer may not issue this schema.' },
  root_unknown: {
    status: 422,
    description: 'The revocation root was never published by this issuer.',
  },
  root_expired: {
    status: 422,
    description: 'The revocation root is older than the policy allows.',
  },
  proof_from_future: {
    status: 422,
    description: "The proof's time or date lies after the verifier's clock.",
  },
  proof_too_old: { status: 422, description: "The proof's time is older than the policy allows." },
  proof_date_mismatch: {
    status: 422,
    description: "The proof's calendar date is not the UTC date of its time.",
  },
  pass_already_expired: {
    status: 422,
    description: 'The pass would expire before it is granted (proof time + lifetime ≤ now).',
  },
  consent_mismatch: {
    status: 422,
    description: 'The consent receipt does not match the proof request it answers.',
  },
  revoked: { status: 422, description: 'The credential is revoked.' },
  credential_invalid: {
    status: 422,
    description: 'A verifiable credential fails verification (signature, validity, claim).',
  },
  witness_failed: {
    status: 422,
    description: 'The credential does not satisfy the query (the circuit rejects the witness).',
  },

  // ---- who may call (401/403/413/429) ----
  unauthorized: {
    status: 401,
    description: 'Authentication is missing or failed (API key, DID challenge).',
  },
  forbidden: { status: 403, description: 'The caller may not do this.' },
  payload_too_large: { status: 413, description: 'The request body is larger than allowed.' },
  rate_limited: { status: 429, description: 'Too many requests; retry later.' },
  not_found: { status: 404, description: 'No such resource.' },

  // ---- state conflicts (404/409) ----
  policy_unknown: { status: 404, description: 'No policy has this id.' },
  policy_disabled: { status: 409, description: 'The policy is disabled.' },
  request_completed: { status: 409, description: 'The proof request has already been answered.' },
  request_expired: { status: 410, description: 'The proof request has expired.' },
  nullifier_reused: {
    status: 409,
    description: 'This credential is already bound to another account for this scope.',
  },

  // ---- capacity and dependencies (5xx) ----
  busy: { status: 503, description: 'The verifier queue is full; retry later.' },
  worker_failed: {
    status: 503,
    description: 'A verifier worker failed while holding this item; it was replaced.',
  },
  chain_unreachable: { status: 503, description: 'The chain RPC cannot be reached.' },
  chain_start_failed: { status: 503, description: 'The embedded chain did not start.' },
  tx_failed: { status: 502, description: 'A transaction reverted or was not mined.' },
  precompile_failed: {
    status: 502,
    description: 'A BN254 precompile call failed (out of gas?); nothing was verified.',
  },
  artifact_missing: { status: 500, description: 'A circuit artifact is missing.' },
  artifact_mismatch: {
    status: 500,
    description: 'A circuit artifact differs from circuits/artifacts.lock.json.',
  },
  build_failed: { status: 500, description: 'The circuit build failed.' },
  config_invalid: { status: 500, description: 'The configuration is invalid.' },
  compile_failed: { status: 500, description: 'The Solidity compilation failed.' },
  verifier_invalid: {
    status: 500,
    description: "The Solidity verifier does not match the zk core's verification key.",
  },
  test_verifier_refused: {
    status: 500,
    description: 'A test-only verifier was refused outside a test chain.',
  },
  deploy_failed: { status: 500, description: 'A contract deployment failed.' },
  deployment_invalid: { status: 500, description: 'A deployment record is invalid or stale.' },
  internal: { status: 500, description: 'An unexpected internal error.' },
  database_unavailable: {
    status: 503,
    description: 'The database cannot be opened, reached or started.',
  },
  passphrase_required: {
    status: 400,
    description: 'The wallet needs a passphrase: keys are never stored unencrypted.',
  },
  wrong_passphrase: { status: 401, description: 'The passphrase does not open this wallet.' },
  storage_corrupt: {
    status: 500,
    description: 'Stored data fails its integrity check; nothing of it was used.',
  },
  storage_failed: {
    status: 507,
    description: 'The data could not be written (disk full or read-only); nothing changed.',
  },
  wallet_missing: { status: 404, description: 'There is no wallet in this folder.' },
  wallet_exists: { status: 409, description: 'A wallet already exists in this folder.' },
  credential_missing: {
    status: 404,
    description: 'The wallet holds no credential that can answer this request.',
  },
  consent_declined: { status: 403, description: 'The holder did not consent.' },
  service_unreachable: {
    status: 502,
    description: 'An issuer or verifier could not be reached or gave no usable answer.',
  },
  request_untrusted: {
    status: 422,
    description: 'The proof request is not what its verifier signed, or asks for too much.',
  },
} as const satisfies Record<string, { status: number; description: string }>;

/** Every error code of zkrep. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Whether `code` is one of zkrep's error codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** The HTTP status a service answers `code` with. */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

/** The base class of every error zkrep throws: a stable `code`, its HTTP `status`, one line. */
export class ZkrepError<C extends ErrorCode = ErrorCode> extends Error {
  override name = 'ZkrepError';
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** The HTTP status for this error's code. */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  /** The `{ code, message }` body an API answers with. */
  toJSON(): { code: C; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Codes the zk core throws. */
export const ZK_ERROR = {
  badEncoding: 'bad_encoding',
  outOfRange: 'out_of_range',
  badKey: 'bad_key',
  badSignature: 'bad_signature',
  badInput: 'bad_input',
  witnessFailed: 'witness_failed',
  artifactMissing: 'artifact_missing',
  artifactMismatch: 'artifact_mismatch',
  buildFailed: 'build_failed',
  revoked: 'revoked',
  busy: 'busy',
  workerFailed: 'worker_failed',
} as const satisfies Record<string, ErrorCode>;

export type ZkErrorCode = (typeof ZK_ERROR)[keyof typeof ZK_ERROR];

/** An error of the zk core. */
export class ZkError extends ZkrepError<ZkErrorCode> {
  override name = 'ZkError';
}
