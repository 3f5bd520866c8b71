/** Shared test assertions. */
import { ZkError, type ZkErrorCode } from '#zk';

/** Asserts that `fn` throws a ZkError with exactly this code. */
export function expectZkError(fn: () => unknown, code: ZkErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ZkError);
  expect((thrown as ZkError).code).toBe(code);
}
