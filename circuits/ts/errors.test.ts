/**
 * The error vocabulary: every code has an HTTP status and a description, the documented table
 * in docs/protocol.md §8 is exactly ERROR_CODES, and the base class carries code and status.
 */
import { readFileSync } from 'node:fs';
import {
  ERROR_CODES,
  SIGNAL_CHECK,
  VERIFY_FAILURE,
  ZK_ERROR,
  ZkError,
  ZkrepError,
  httpStatusOf,
  isErrorCode,
} from './index.js';

describe('ERROR_CODES', () => {
  it('gives every code a 4xx/5xx status and a one-line description', () => {
    for (const [code, { status, description }] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(status >= 400 && status < 600).toBe(true);
      expect(description).toMatch(/^[A-Z].*\.$/);
      expect(description).not.toMatch(/\n/);
    }
  });

  it('is exactly the table in docs/protocol.md §8', () => {
    const doc = readFileSync('docs/protocol.md', 'utf8');
    const section = doc.slice(doc.indexOf('## 8. Error codes'));
    const rows = [...section.matchAll(/^\| `([a-z0-9_]+)` \| (\d{3}) \| (.+) \|$/gm)].map(
      ([, code, status, description]) => [code, Number(status), description],
    );
    expect(rows).toEqual(Object.entries(ERROR_CODES).map(([c, v]) => [c, v.status, v.description]));
  });

  it('every code the zk core can produce is in the table', () => {
    for (const code of [
      ...Object.values(ZK_ERROR),
      ...Object.values(SIGNAL_CHECK),
      ...Object.values(VERIFY_FAILURE),
    ]) {
      expect([code, isErrorCode(code)]).toEqual([code, true]);
    }
    expect(isErrorCode('proof_in_future')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});

describe('ZkrepError', () => {
  it('is the base of ZkError and carries code, status and a { code, message } body', () => {
    const e = new ZkError(ZK_ERROR.busy, 'queue full');
    expect(e).toBeInstanceOf(ZkrepError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ZkError');
    expect(e.status).toBe(503);
    expect(httpStatusOf('nullifier_reused')).toBe(409);
    expect(JSON.parse(JSON.stringify(e))).toEqual({ code: 'busy', message: 'queue full' });
    expect(new ZkrepError('proof_too_old', 'old').status).toBe(422);
  });
});
