/**
 * Public routes (liveness and readiness: `#platform` `probeRoutes`): Prometheus metrics, and what a
 * wallet opens: the signed request object and its QR codes (PNG and SVG of the wallet URL).
 */
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { errorResponse, httpError, parseInput, walletUrl, z } from '#platform';
import type { VerifierDeps } from '../app.js';
import { qrPng, qrSvg } from '../domain/qr.js';
import { ProofRequestEntity } from '../store/schema.js';
import type { VerifierMetrics } from '../metrics.js';

const RequestId = z.object({ id: z.uuid() });

/** The URLs of a request, as the marketplace and the wallet use them. */
export function requestUrls(baseUrl: string, verifierId: string, id: string) {
  const requestUri = `${baseUrl}/v1/requests/${id}/request.jwt`;
  return {
    requestUri,
    responseUri: `${baseUrl}/v1/requests/${id}/response`,
    walletUrl: walletUrl({ clientId: verifierId, requestUri }),
    qr: { png: `${baseUrl}/v1/requests/${id}/qr.png`, svg: `${baseUrl}/v1/requests/${id}/qr.svg` },
  };
}

export function publicRouter(
  deps: VerifierDeps,
  openapi: OpenAPIRegistry,
  metrics: VerifierMetrics,
): Router {
  const r = Router();

  openapi.registerPath({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (verdicts by outcome, pool queue depth, latency histograms)',
    responses: {
      200: {
        description: 'text exposition format',
        content: { 'text/plain': { schema: z.string() } },
      },
    },
  });
  r.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const pending = async (id: string) => {
    const row = await deps.dataSource.getRepository(ProofRequestEntity).findOne({ where: { id } });
    if (!row || !row.requestObject) return httpError('not_found', 'no proof request has this id');
    return row;
  };

  openapi.registerPath({
    method: 'get',
    path: '/v1/requests/{id}/request.jwt',
    summary: 'The request object a wallet fetches: a JWT signed by the verifier DID',
    request: { params: RequestId },
    responses: {
      200: {
        description: 'compact JWS (typ oauth-authz-req+jwt)',
        content: { 'application/oauth-authz-req+jwt': { schema: z.string() } },
      },
      404: errorResponse('unknown request'),
      409: errorResponse('already answered'),
      410: errorResponse('expired'),
    },
  });
  r.get('/v1/requests/:id/request.jwt', async (req, res) => {
    const { id } = parseInput(RequestId, req.params, 'path');
    const row = await pending(id);
    // Served only while it can be answered: once answered (or expired) its challenge stays with
    // the verifier, so the request digest kept in the audit log cannot be tested against guessed
    // accounts by whoever learns the request id (docs/compliance.md).
    if (row.status !== 'pending') {
      return httpError('request_completed', 'the proof request has already been answered');
    }
    if (deps.now() >= row.expiresAt) {
      return httpError('request_expired', 'the proof request has expired');
    }
    res
      .set('cache-control', 'no-store')
      .type('application/oauth-authz-req+jwt')
      .send(row.requestObject);
  });

  for (const format of ['png', 'svg'] as const) {
    openapi.registerPath({
      method: 'get',
      path: `/v1/requests/{id}/qr.${format}`,
      summary: `The wallet URL of a request as a QR code (${format.toUpperCase()})`,
      request: { params: RequestId },
      responses: {
        200: {
          description: 'QR code',
          content: { [format === 'png' ? 'image/png' : 'image/svg+xml']: { schema: z.string() } },
        },
        404: errorResponse('unknown request'),
      },
    });
    r.get(`/v1/requests/:id/qr.${format}`, async (req, res) => {
      const { id } = parseInput(RequestId, req.params, 'path');
      await pending(id);
      const url = requestUrls(deps.baseUrl, deps.verifierId, id).walletUrl;
      res.set('cache-control', 'no-store');
      if (format === 'png') res.type('image/png').send(await qrPng(url));
      else res.type('image/svg+xml').send(await qrSvg(url));
    });
  }
  return r;
}
