/**
 * The wallet's error: a `ZkrepError` (one vocabulary: `#zk` `ERROR_CODES`, docs/protocol.md §8).
 * Its message is one line, safe to print: never a passphrase, a key, a phrase or an attribute
 * value.
 */
// The error module itself, not the `#zk` barrel: the CLI loads this at start and the barrel would
// build the zk core's curves first (about 2 s); it is the same module either way.
import { ZkrepError } from '../circuits/ts/errors.js';

export class WalletError extends ZkrepError {
  override name = 'WalletError';
}
