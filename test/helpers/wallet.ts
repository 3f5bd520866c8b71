/**
 * The holder's side of a proof request, as the wallet agent does it, for tests and the bench:
 * fetch the request object and verify it against the verifier's DID document, write the consent
 * receipt, check the credential, compile the readable predicates with the verifier's own
 * compiler (and insist on the same query hash and scope), and prove with the issuer's current
 * revocation snapshot. Returns the body of `POST /v1/requests/{id}/response`.
 */
import { verifyIssuedCredential } from '#issuer';
import {
  buildConsentReceipt,
  consentReceiptHash,
  verifyRequestObject,
  type ConsentReceipt,
} from '#platform';
import { compilePolicy, expectedScope, expectedSignalHash } from '#verifier';
import { RevocationTree, buildWitnessInput, prove, type Groth16Proof } from '#zk';
import type { Resolvable } from 'did-resolver';
import type { Address, Hex } from 'viem';
import type { Holder } from './holder.js';

export interface WalletAnswer {
  proof: Groth16Proof;
  publicSignals: string[];
  account: Address;
  consentReceipt: ConsentReceipt;
}

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
  const requestObject = await (await fetch(p.requestUri)).text();
  const ro = await verifyRequestObject(requestObject, { resolver: p.resolver, now });
  if (ro.clientId !== p.verifierDid) throw new Error('the request object is from another verifier');
  const consentReceipt = buildConsentReceipt(ro.claims, {
    verifier: ro.clientId,
    account: p.account,
    now,
  });
  const checked = await verifyIssuedCredential(p.credential, { resolver: p.resolver });
  if (!checked.verified) throw new Error(checked.message);
  const { claims } = ro;
  const { queryHash: _queryHash, ...readable } = claims.policy;
  const compiled = compilePolicy({ ...readable, marketplaceId: 'wallet', maxRootAgeSeconds: 0 });
  if (compiled.queryHash.toString() !== claims.policy.queryHash) {
    throw new Error('the request object names a query hash its predicates do not give');
  }
  if (expectedScope(claims.binding, claims.policy.id).toString() !== claims.scope) {
    throw new Error('the request object names a scope its binding does not give');
  }
  const snapshot = (await (await fetch(`${p.issuerUrl}/revocation`)).json()) as Parameters<
    typeof RevocationTree.deserialize
  >[0];
  const input = buildWitnessInput({
    secret: p.holder.secret,
    claim: checked.claim,
    issuerPublicKey: checked.issuerPublicKey,
    signature: checked.signature,
    revocation: RevocationTree.deserialize(snapshot),
    query: compiled.query,
    time: BigInt(now),
    scope: BigInt(claims.scope),
    signalHash: expectedSignalHash(claims.binding, {
      challenge: claims.challenge as Hex,
      consentReceiptHash: consentReceiptHash(consentReceipt),
      account: p.account,
    }),
  });
  const { proof, publicSignals } = await prove(input);
  return { proof, publicSignals, account: p.account, consentReceipt };
}
