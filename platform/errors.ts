/**
 * The platform's error: a `ZkrepError` (the one zkrep vocabulary, `#zk` `ERROR_CODES`) whose
 * `message` is one line safe to show anywhere, plus optional multi-line `details` for operators
 * (a server log tail, the host that refused a connection). `toJSON()`, what a service answers
 * with, stays `{ code, message }`, so details never reach an API client. Neither ever holds a
 * password.
 */
import { ZkrepError, type ErrorCode } from '#zk';

export class PlatformError extends ZkrepError {
  override name = 'PlatformError';
  readonly details: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: string | undefined; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.details = options.details;
  }
}
