/**
 * The verifier's HTTP API as a marketplace developer calls it, with its API key
 * (docs/verifier.md): read and create policies, create proof requests (relayed to ZkGate), read a
 * request's status. A `{ code, message }` answer becomes a `MarketplaceError` of that code; an
 * unreachable verifier is `service_unreachable`.
 */
import { ERROR_CODES, type ErrorCode } from '#zk';
import { MarketplaceError } from '../errors.js';

export interface PolicyBody {
  id: string;
  schema: string;
  trustedIssuers: string[];
  predicates: { attribute: string; op: string; value: number | string }[];
  purpose: string;
  retentionDays: number;
  legalBasis: string;
  passLifetimeSeconds: number;
  maxProofAgeSeconds: number;
  maxRootAgeSeconds: number;
  onChain: boolean;
}

export interface PolicyView {
  id: string;
  status: 'active' | 'disabled';
  chainPolicyId: string | null;
  trustedIssuers?: string[];
}

export interface CreatedRequest {
  id: string;
  walletUrl: string;
  expiresAt: number;
}

/** `GET /v1/requests/{id}` as far as the marketplace reads it. */
export interface RequestStatus {
  status: 'pending' | 'verified' | 'failed' | 'expired' | 'withdrawn';
  result: { verified: boolean; code: string | null; account: string | null } | null;
  relay: {
    status: 'requested' | 'confirmed' | 'failed';
    transactionHash: string | null;
    code: string | null;
  } | null;
}

export interface VerifierApi {
  getPolicy(id: string): Promise<PolicyView | null>;
  createPolicy(body: PolicyBody): Promise<PolicyView>;
  createRequest(p: {
    policyId: string;
    relay: boolean;
    ttlSeconds?: number;
  }): Promise<CreatedRequest>;
  getRequest(id: string): Promise<RequestStatus>;
}

const TIMEOUT_MS = 15_000;

/** The verifier API at `baseUrl` with marketplace key `apiKey`. */
export function verifierApi(p: {
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
}): VerifierApi {
  const doFetch = p.fetch ?? fetch;
  const call = async <T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: T }> => {
    let res: Response;
    try {
      res = await doFetch(`${p.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${p.apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (cause) {
      throw new MarketplaceError('service_unreachable', 'the verifier cannot be reached', {
        cause,
      });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json: json as T };
  };
  const fail = (what: string, status: number, json: unknown): never => {
    const body = (json ?? {}) as { code?: unknown; message?: unknown };
    const code =
      typeof body.code === 'string' && body.code in ERROR_CODES
        ? (body.code as ErrorCode)
        : 'service_unreachable';
    const message =
      typeof body.message === 'string' ? body.message.slice(0, 200) : `HTTP ${status}`;
    throw new MarketplaceError(code, `the verifier refused ${what}: ${message}`);
  };
  return {
    async getPolicy(id) {
      const r = await call<PolicyView>('GET', `/v1/policies/${encodeURIComponent(id)}`);
      if (r.status === 404) return null;
      if (r.status !== 200) fail('to read a policy', r.status, r.json);
      return r.json;
    },
    async createPolicy(body) {
      const r = await call<PolicyView>('POST', '/v1/policies', body);
      if (r.status !== 201) fail('to create a policy', r.status, r.json);
      return r.json;
    },
    async createRequest(body) {
      const r = await call<CreatedRequest>('POST', '/v1/requests', body);
      if (r.status !== 201) fail('to create a proof request', r.status, r.json);
      return r.json;
    },
    async getRequest(id) {
      const r = await call<RequestStatus>('GET', `/v1/requests/${encodeURIComponent(id)}`);
      if (r.status !== 200) fail('to read a proof request', r.status, r.json);
      return r.json;
    },
  };
}
