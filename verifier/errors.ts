/**
 * The verifier's errors: the project's one vocabulary (`ZkrepError` and `ERROR_CODES` from `#zk`),
 * so the API's error middleware maps every failure with one branch. Messages never hold personal
 * data, attribute values or witness values.
 */
import { ZkrepError, type ErrorCode } from '#zk';

export class VerifierError extends ZkrepError {
  override name = 'VerifierError';

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
