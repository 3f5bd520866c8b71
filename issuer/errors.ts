/**
 * The issuer's errors: the project's one vocabulary (`ZkrepError` and `ERROR_CODES` from `#zk`),
 * so the API's error middleware maps every failure with one branch. Messages never hold
 * attribute values, keys or secrets.
 */
import { ZkrepError, type ErrorCode } from '#zk';

export class IssuerError extends ZkrepError {
  override name = 'IssuerError';

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
