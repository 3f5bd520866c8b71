/**
 * Public routes (liveness and readiness are `#platform` `probeRoutes`): the issuer's metadata, the JSON schema of each
 * credential type, and the revocation snapshot wallets build non-membership proofs from.
 */
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { errorResponse, httpError, jsonContent, z } from '#platform';
import { CREDENTIAL_SCHEMAS, findCredentialSchema } from '#zk';
import type { IssuerDeps } from '../app.js';
import { credentialJsonSchema, schemaUrl } from '../domain/credentials.js';
import { publishedSnapshot } from '../domain/revocation.js';

export const IssuerInfo = z
  .object({
    did: z.string(),
    zkPublicKey: z.tuple([z.string(), z.string()]),
    issuerKeyHash: z.string(),
    credentialTypes: z.array(z.string()),
    schemas: z.record(z.string(), z.string()),
    revocation: z.string(),
  })
  .openapi('IssuerInfo');
const Snapshot = z
  .object({
    version: z.literal(1),
    depth: z.number().int(),
    revoked: z.array(z.string()),
    root: z.string(),
    issuerKeyHash: z.string(),
  })
  .openapi('RevocationSnapshot');

export function publicRouter(deps: IssuerDeps, openapi: OpenAPIRegistry): Router {
  const r = Router();

  openapi.registerPath({
    method: 'get',
    path: '/issuer',
    summary: "The issuer's DID, zk key and credential types",
    responses: { 200: { description: 'metadata', ...jsonContent(IssuerInfo) } },
  });
  r.get('/issuer', (_req, res) => {
    res.json({
      did: deps.identity.did,
      zkPublicKey: [deps.zkKey.publicKey[0].toString(), deps.zkKey.publicKey[1].toString()],
      issuerKeyHash: deps.zkKey.keyHash.toString(),
      credentialTypes: CREDENTIAL_SCHEMAS.map((s) => s.type),
      schemas: Object.fromEntries(
        CREDENTIAL_SCHEMAS.map((s) => [s.type, schemaUrl(deps.baseUrl, s)]),
      ),
      revocation: `${deps.baseUrl.replace(/\/$/, '')}/revocation`,
    });
  });

  openapi.registerPath({
    method: 'get',
    path: '/schemas/{type}.json',
    summary: "A credential type's JSON schema (its credentialSubject)",
    request: { params: z.object({ type: z.string() }) },
    responses: {
      200: {
        description: 'JSON schema 2020-12',
        content: { 'application/schema+json': { schema: z.object({}).passthrough() } },
      },
      404: errorResponse('unknown type'),
    },
  });
  r.get('/schemas/:file', (req, res) => {
    const m = /^([A-Za-z]{1,64})\.json$/.exec(req.params.file);
    const schema = m ? findCredentialSchema(m[1]!) : undefined;
    if (!schema || schema.type !== m![1])
      return httpError('not_found', 'no such credential schema');
    res
      .type('application/schema+json')
      .send(JSON.stringify(credentialJsonSchema(deps.baseUrl, schema)));
  });

  openapi.registerPath({
    method: 'get',
    path: '/revocation',
    summary:
      'The revocation tree of the newest published root (wallets prove non-membership locally)',
    responses: {
      200: { description: 'snapshot', ...jsonContent(Snapshot) },
      404: errorResponse('nothing published yet'),
    },
  });
  r.get('/revocation', async (_req, res) => {
    res.set('cache-control', 'public, max-age=30');
    res.json(await publishedSnapshot(deps.dataSource, deps.zkKey.keyHash));
  });
  return r;
}
