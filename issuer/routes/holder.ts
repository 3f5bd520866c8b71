/**
 * Holder routes: a DID-authentication challenge, and issuance against a JWT the holder signs
 * with its DID (challenge, credential type, holder commitment; docs/issuer.md). An
 * AgeCredential carries the data a KYC operator submitted for that DID; a reputation credential
 * is computed for the DID's Ethereum account.
 */
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { errorResponse, httpError, jsonBody, jsonContent, parseInput, z } from '#platform';
import type { IssuerDeps } from '../app.js';
import { authenticateHolder, createChallenge } from '../domain/auth.js';
import { issueCredential } from '../domain/credentials.js';
import { accountOfDid } from '../domain/identity.js';
import { forgetKyc, pendingKyc } from '../domain/kyc.js';

const Challenge = z
  .object({ nonce: z.string(), expiresAt: z.number().int(), audience: z.string() })
  .openapi('Challenge');
export const IssueBody = z
  .object({
    proof: z.string().max(8192).openapi({
      description:
        'A JWT signed by the holder DID (ES256K): aud = the issuer DID, nonce = a challenge, credentialType, holderCommitment, role (reputation only), exp ≤ 5 min.',
    }),
  })
  .strict()
  .openapi('IssueRequest');
const Issued = z
  .object({
    credential: z.string().openapi({ description: 'the W3C verifiable credential, as a JWT' }),
    credentialId: z.number().int(),
    type: z.string(),
    expiresAt: z.number().int(),
  })
  .openapi('IssuedCredential');

export function holderRouter(deps: IssuerDeps, openapi: OpenAPIRegistry): Router {
  const r = Router();

  openapi.registerPath({
    method: 'post',
    path: '/auth/challenge',
    summary: 'A single-use challenge for DID authentication (5 min)',
    responses: {
      200: { description: 'challenge', ...jsonContent(Challenge) },
      429: errorResponse('rate limited'),
    },
  });
  r.post('/auth/challenge', async (_req, res) => {
    const c = await createChallenge(deps.dataSource, deps.now());
    res.json({ ...c, audience: deps.identity.did });
  });

  openapi.registerPath({
    method: 'post',
    path: '/credentials',
    summary: 'Issue a credential to the authenticated holder',
    request: { body: jsonContent(IssueBody) },
    responses: {
      200: { description: 'issued', ...jsonContent(Issued) },
      400: errorResponse('bad request or out-of-range attributes'),
      401: errorResponse('authentication failed'),
      404: errorResponse('no verified data for this holder'),
      413: errorResponse('body too large'),
    },
  });
  r.post('/credentials', jsonBody('12kb'), async (req, res) => {
    const body = parseInput(IssueBody, req.body);
    const now = deps.now();
    const auth = await authenticateHolder(
      { dataSource: deps.dataSource, resolver: deps.resolver, issuerDid: deps.identity.did },
      body.proof,
      now,
    );
    let attributes;
    if (auth.credentialType === 'AgeCredential') {
      attributes = await pendingKyc(deps.dataSource, deps.cipher, auth.did, now);
    } else if (auth.credentialType === 'MarketplaceReputationCredential') {
      const account = accountOfDid(auth.did);
      if (!account)
        return httpError('bad_input', 'a reputation credential needs a did:ethr holder');
      if (auth.role !== 'buyer' && auth.role !== 'seller') {
        return httpError('bad_input', "role must be 'buyer' or 'seller'");
      }
      if (!deps.reputation) return httpError('not_found', 'this issuer does not issue reputation');
      attributes = await deps.reputation.attributesOf(account, auth.role);
    } else {
      return httpError('bad_input', 'unknown credentialType');
    }
    const issued = await issueCredential(
      {
        agent: deps.agent,
        dataSource: deps.dataSource,
        identity: deps.identity,
        zkKey: deps.zkKey,
        baseUrl: deps.baseUrl,
        now: () => now,
      },
      {
        type: auth.credentialType,
        holderDid: auth.did,
        holderCommitment: auth.holderCommitment,
        attributes,
      },
    );
    if (auth.credentialType === 'AgeCredential') await forgetKyc(deps.dataSource, auth.did, now);
    res.json({
      credential: issued.jwt,
      credentialId: issued.credentialId,
      type: issued.type,
      expiresAt: issued.expiresAt,
    });
  });
  return r;
}
