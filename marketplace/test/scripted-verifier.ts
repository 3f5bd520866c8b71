/**
 * The marketplace's unit tests' verifier: every request it makes starts pending, and the test sets
 * each request's status (`statuses`). Shared by the app and action tests.
 */
import type { RequestStatus, VerifierApi } from '../domain/verifier-api.js';

export const VERIFIER_DID = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa';

/** A verifier whose request status the test sets. */
export function scriptedVerifier() {
  const statuses = new Map<string, RequestStatus>();
  let n = 0;
  const api: VerifierApi = {
    getPolicy: async () => null,
    createPolicy: async () => {
      throw new Error('unused');
    },
    createRequest: async () => {
      const id = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
      statuses.set(id, { status: 'pending', result: null, relay: null });
      return {
        id,
        expiresAt: 2_000_000_000,
        walletUrl: `openid4vp://?client_id=${encodeURIComponent(VERIFIER_DID)}&request_uri=${encodeURIComponent(`http://127.0.0.1:1/v1/requests/${id}/request.jwt`)}`,
      };
    },
    getRequest: async (id) => statuses.get(id)!,
  };
  return { api, statuses };
}
