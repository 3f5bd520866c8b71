/**
 * Errors of the zk core. Every error carries a stable string `code` (shared with API
 * responses and logs) and a one-line message that never contains secrets or witness values.
 */
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
} as const;

export type ZkErrorCode = (typeof ZK_ERROR)[keyof typeof ZK_ERROR];

export class ZkError extends Error {
  override readonly name = 'ZkError';
  readonly code: ZkErrorCode;

  constructor(code: ZkErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
