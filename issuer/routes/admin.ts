/**
 * Admin routes (API key): submit verified KYC data for a holder DID, revoke a credential by id,
 * read a credential's record (no attribute values are kept).
 */
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { errorResponse, httpError, jsonBody, jsonContent, parseInput, z } from '#platform';
import type { IssuerDeps } from '../app.js';
import { submitKyc } from '../domain/kyc.js';
import { revokeCredential } from '../domain/revocation.js';
import { CredentialEntity } from '../store/schema.js';

const Did = z
  .string()
  .min(7)
  .max(255)
  .regex(/^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$/);
export const KycBody = z
  .object({
    holderDid: Did,
    birthDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .openapi({ example: '2008-12-01' }),
    country: z.number().int().openapi({ description: 'ISO 3166-1 numeric', example: 276 }),
    kycLevel: z.number().int().openapi({ example: 2 }),
  })
  .strict()
  .openapi('KycSubmission');
const KycAccepted = z
  .object({ holderDid: z.string(), expiresAt: z.number().int() })
  .openapi('KycAccepted');
const Revoked = z
  .object({ credentialId: z.number().int(), changed: z.boolean(), root: z.string() })
  .openapi('Revocation');
const CredentialRecord = z
  .object({
    id: z.number().int(),
    type: z.string(),
    holderDid: z.string(),
    issuedAt: z.number().int(),
    expiresAt: z.number().int(),
    status: z.enum(['active', 'revoked']),
    revokedAt: z.number().int().nullable(),
  })
  .openapi('CredentialRecord');
const IdParam = z.object({ id: z.string().regex(/^\d{1,8}$/) });

export function adminRouter(deps: IssuerDeps, openapi: OpenAPIRegistry): Router {
  const r = Router();
  const security = [{ apiKey: [] }];
  openapi.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });

  openapi.registerPath({
    method: 'post',
    path: '/admin/kyc',
    summary:
      'Submit verified KYC data for a holder DID (kept encrypted until collected, 7 days at most)',
    security,
    request: { body: jsonContent(KycBody) },
    responses: {
      200: { description: 'accepted', ...jsonContent(KycAccepted) },
      400: errorResponse('invalid or out-of-range data'),
      401: errorResponse('no or wrong API key'),
    },
  });
  r.post('/kyc', jsonBody('2kb'), async (req, res) => {
    const { holderDid, ...attributes } = parseInput(KycBody, req.body);
    const { expiresAt } = await submitKyc(deps.dataSource, deps.cipher, {
      holderDid,
      attributes,
      now: deps.now(),
    });
    res.json({ holderDid, expiresAt });
  });

  openapi.registerPath({
    method: 'post',
    path: '/admin/credentials/{id}/revoke',
    summary: 'Revoke a credential (recorded at once, root published to the chain after)',
    security,
    request: { params: IdParam },
    responses: {
      200: { description: 'revoked', ...jsonContent(Revoked) },
      401: errorResponse('no or wrong API key'),
      404: errorResponse('no such credential'),
    },
  });
  r.post('/credentials/:id/revoke', async (req, res) => {
    const { id } = parseInput(IdParam, req.params, 'path');
    res.json(
      await revokeCredential(deps.dataSource, { credentialId: Number(id), now: deps.now() }),
    );
  });

  openapi.registerPath({
    method: 'get',
    path: '/admin/credentials/{id}',
    summary: "A credential's record (what the issuer keeps: no attribute values)",
    security,
    request: { params: IdParam },
    responses: {
      200: { description: 'record', ...jsonContent(CredentialRecord) },
      404: errorResponse('no such credential'),
    },
  });
  r.get('/credentials/:id', async (req, res) => {
    const { id } = parseInput(IdParam, req.params, 'path');
    const row = await deps.dataSource
      .getRepository(CredentialEntity)
      .findOne({ where: { id: Number(id) } });
    if (!row) return httpError('not_found', 'no credential has this id');
    const { keyHash: _keyHash, ...record } = row;
    res.json(record);
  });
  return r;
}
