/**
 * The holder's side of a proof request for tests and the bench, without a wallet folder: the
 * wallet agent's own steps (`#wallet`: `openRequest` fetches the request object, checks its
 * signature, query hash and scope; `proveAnswer` proves) for a bare test holder and credential.
 * Returns the body of `POST /v1/requests/{id}/response`.
 */
import { verifyIssuedCredential } from '#issuer';
import { buildConsentReceipt } from '#platform';
import { fetchRevocation, openRequest, proveAnswer, type ProofResponse } from '#wallet';
import type { Resolvable } from 'did-resolver';
import type { Address } from 'viem';
import type { Holder } from './holder.js';

export type WalletAnswer = ProofResponse;

export async function answerRequest(p: {
  requestUri: string;
  /** The verifier DID the request object must be signed by. */
  verifierDid: string;
  holder: Holder;
  /** The credential (VC JWT) the issuer issued to the holder. */
  credential: string;
  issuerUrl: string;
  account: Address;
  resolver: Resolvable;
  /** Unix seconds (default: the system clock). */
  now?: number;
}): Promise<WalletAnswer> {
  const now = p.now ?? Math.floor(Date.now() / 1000);
  const opened = await openRequest({ resolver: p.resolver, now: () => now }, p.requestUri);
  if (opened.verifier !== p.verifierDid)
    throw new Error('the request object is from another verifier');
  const receipt = buildConsentReceipt(opened.claims, {
    verifier: opened.verifier,
    account: p.account,
    now,
  });
  const credential = await verifyIssuedCredential(p.credential, { resolver: p.resolver });
  if (!credential.verified) throw new Error(credential.message);
  return proveAnswer({
    claims: opened.claims,
    receipt,
    account: p.account,
    holderSecret: p.holder.secret,
    credential,
    revocation: await fetchRevocation(p.issuerUrl),
    now,
  });
}
