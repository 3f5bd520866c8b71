/**
 * The wallet's calls to issuers and verifiers: JSON over http(s), a time limit, a size limit on
 * what comes back, and every failure as one `WalletError`: a service's own `{ code, message }`
 * keeps its code (prefixed with who said it); an unreachable service, a timeout, a body too large
 * or not JSON is `service_unreachable`.
 */
import { isErrorCode } from '#zk';
import { WalletError } from '../errors.js';

export const HTTP_TIMEOUT_MS = 30_000;
export const MAX_RESPONSE_BYTES = 1_048_576;

async function readLimited(res: Response, who: string): Promise<string> {
  const length = Number(res.headers.get('content-length') ?? '0');
  if (length > MAX_RESPONSE_BYTES) {
    throw new WalletError('service_unreachable', `${who} sent an answer larger than 1 MB`);
  }
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new WalletError('service_unreachable', `${who} sent an answer larger than 1 MB`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** GET/POST `url`; the response text and status. Network failures are `service_unreachable`. */
export async function fetchText(
  url: string,
  init: { method?: 'GET' | 'POST'; body?: unknown; headers?: Record<string, string> },
  who: string,
): Promise<{ status: number; text: string; contentType: string }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        accept: 'application/json, application/oauth-authz-req+jwt, */*',
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      redirect: 'error',
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
  } catch (e) {
    const why =
      (e as Error)?.name === 'TimeoutError' ? 'did not answer in time' : 'cannot be reached';
    throw new WalletError('service_unreachable', `${who} ${why} (${new URL(url).host})`, {
      cause: e,
    });
  }
  const text = await readLimited(res, who);
  return { status: res.status, text, contentType: res.headers.get('content-type') ?? '' };
}

/** The error a service answered with, as a `WalletError` with its code. */
export function serviceError(who: string, status: number, text: string): WalletError {
  let body: { code?: unknown; message?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON
  }
  const message =
    typeof body.message === 'string'
      ? body.message.split('\n')[0]!.slice(0, 300)
      : `HTTP ${status}`;
  if (isErrorCode(body.code)) return new WalletError(body.code, `${who}: ${message}`);
  return new WalletError('service_unreachable', `${who} answered ${status}: ${message}`);
}

/** A JSON call that must succeed (2xx, JSON body). */
export async function fetchJson<T>(
  url: string,
  init: { method?: 'GET' | 'POST'; body?: unknown; headers?: Record<string, string> },
  who: string,
): Promise<T> {
  const { status, text } = await fetchText(url, init, who);
  if (status < 200 || status > 299) throw serviceError(who, status, text);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new WalletError('service_unreachable', `${who} answered with something that is not JSON`);
  }
}
