/**
 * The CLI's side of the running agent (server.ts): finds `<dir>/agent.json`, checks that the
 * agent answers for the same wallet, and calls its API. Light on purpose (node:fs and fetch
 * only): with an agent running, `zkrep wallet respond` never loads the zk core itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZkrepError, isErrorCode } from '../circuits/ts/errors.js';
import { WalletError } from './errors.js';

export interface AgentHandle {
  url: string;
  call<T>(path: string, body?: unknown): Promise<T>;
}

/** The running agent of the wallet in `dir`, or undefined (none, stale, or another wallet). */
export async function findAgent(dir: string): Promise<AgentHandle | undefined> {
  let info: { url?: unknown; token?: unknown; did?: unknown };
  try {
    info = JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')) as typeof info;
  } catch {
    return undefined;
  }
  if (
    typeof info.url !== 'string' ||
    !/^http:\/\/127\.0\.0\.1:\d+$/.test(info.url) ||
    typeof info.token !== 'string'
  ) {
    return undefined;
  }
  const { url, token } = info as { url: string; token: string };
  const call = async <T>(path: string, body?: unknown, timeoutMs = 120_000): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw new WalletError('service_unreachable', 'the wallet agent stopped answering', {
        cause: e,
      });
    }
    const json = (await res.json().catch(() => ({}))) as { code?: unknown; message?: unknown };
    if (!res.ok) {
      const message = typeof json.message === 'string' ? json.message : `HTTP ${res.status}`;
      throw isErrorCode(json.code)
        ? new WalletError(json.code, message)
        : new WalletError('service_unreachable', `the wallet agent answered ${res.status}`);
    }
    return json as T;
  };
  try {
    const status = await call<{ did?: unknown }>('/api/status', undefined, 2_000);
    if (typeof status.did !== 'string') return undefined;
  } catch (e) {
    if (e instanceof ZkrepError) return undefined;
    throw e;
  }
  return { url, call: (path, body) => call(path, body) };
}
