/**
 * Audit-log routes (docs/compliance.md): `POST /audit/checkpoints` — behind a marketplace's API
 * key, like the other marketplace routes — checkpoints the log's head now (signed by the
 * verifier DID, anchored in AuditAnchor with the relayer key); `GET /audit/checkpoints/latest` —
 * public, so anyone can hold the verifier to its latest signed head. (Compliance reports:
 * reports.ts.)
 */
import { Router, type RequestHandler } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { errorResponse, httpError, jsonContent, z } from '#platform';
import type { VerifierDeps } from '../app.js';
import type { Anchoring, CheckpointView } from '../domain/audit.js';

const Checkpoint = z
  .object({
    seq: z.number().int().openapi({ description: 'The entry the head is the hash of' }),
    head: z.string().openapi({ description: 'keccak256 hash of entry seq (0x hex)' }),
    at: z.number().int(),
    chainId: z.number().int(),
    anchor: z.string().openapi({ description: 'The AuditAnchor contract' }),
    jwt: z.string().openapi({ description: 'The checkpoint signed by the verifier DID (ES256K)' }),
  })
  .openapi('AuditCheckpoint');
const Anchoring = z
  .object({
    status: z.enum(['anchored', 'superseded', 'pending', 'failed', 'disabled']),
    transactionHash: z.string().nullable().optional(),
    anchoredBy: z.string().nullable().optional(),
    latest: z
      .object({ index: z.number().int(), head: z.string(), anchoredAt: z.number().int() })
      .optional()
      .openapi({ description: "superseded: the sender's latest anchor" }),
    code: z.string().optional().openapi({ description: 'failed: why (retried by the schedule)' }),
  })
  .openapi('AuditAnchoring');
const CheckpointResult = z
  .object({ created: z.boolean(), checkpoint: Checkpoint, anchoring: Anchoring })
  .openapi('AuditCheckpointResult');
const LatestCheckpoint = z
  .object({ checkpoint: Checkpoint, anchoring: Anchoring })
  .openapi('AuditLatestCheckpoint');

const body = (c: { checkpoint: CheckpointView; anchoring: Anchoring }) => ({
  checkpoint: c.checkpoint,
  anchoring: c.anchoring,
});

/** `marketplaceAuth`: the API-key guard and per-key limit the marketplace routes use. */
export function auditRouter(
  deps: VerifierDeps,
  openapi: OpenAPIRegistry,
  marketplaceAuth: RequestHandler[],
): Router {
  const r = Router();

  openapi.registerPath({
    method: 'post',
    path: '/audit/checkpoints',
    summary:
      "Checkpoint the audit log's head now: signed by the verifier DID and anchored in AuditAnchor",
    security: [{ apiKey: [] }],
    responses: {
      201: { description: 'a new checkpoint', ...jsonContent(CheckpointResult) },
      200: {
        description: 'the head had not moved: the latest checkpoint (anchoring retried if needed)',
        ...jsonContent(CheckpointResult),
      },
      401: errorResponse('missing or unknown API key'),
      404: errorResponse('the audit log is empty'),
      429: errorResponse('rate limited (per IP and per API key)'),
    },
  });
  r.post('/audit/checkpoints', ...marketplaceAuth, async (_req, res) => {
    const outcome = await deps.audit.checkpoint();
    res.status(outcome.created ? 201 : 200).json({ created: outcome.created, ...body(outcome) });
  });

  openapi.registerPath({
    method: 'get',
    path: '/audit/checkpoints/latest',
    summary: "The verifier's latest signed checkpoint of its audit log, and its anchoring",
    responses: {
      200: { description: 'the latest checkpoint', ...jsonContent(LatestCheckpoint) },
      404: errorResponse('no checkpoint yet'),
    },
  });
  r.get('/audit/checkpoints/latest', async (_req, res) => {
    const latest = await deps.audit.latest();
    if (!latest) return httpError('not_found', 'no audit checkpoint yet');
    res.set('cache-control', 'no-store').json(body(latest));
  });
  return r;
}
