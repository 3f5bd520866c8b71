/**
 * The marketplace's errors: the project's one vocabulary (`ZkrepError` and `ERROR_CODES` from
 * `#zk`), so the API's error middleware maps every failure with one branch. Messages never hold
 * personal data or keys.
 */
import { ZkrepError, type ErrorCode } from '#zk';

export class MarketplaceError extends ZkrepError {
  override name = 'MarketplaceError';

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
