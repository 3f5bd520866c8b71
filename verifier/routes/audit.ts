/**
 * Audit-log routes (docs/compliance.md): `POST /audit/checkpoints` — behind a marketplace's API
 * key, like the other marketplace routes — checkpoints the log's head now (signed by the
 * verifier DID, anchored in AuditAnchor with the relayer key); `GET /audit/checkpoints/latest` —
 * public, so anyone can hold the verifier to its latest signed head; `POST /v1/reports` — a
 * signed compliance report, for a marketplace's API key (its own events) or a regulator's token
 * (domain/regulator.ts).
 */
import { Router, type RequestHandler } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { errorResponse, httpError, jsonBody, jsonContent, parseInput, z } from '#platform';
import type { VerifierDeps } from '../app.js';
import type { Anchoring, CheckpointView } from '../domain/audit.js';
import { looksLikeRegulatorToken } from '../domain/regulator.js';

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

const Unix = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const ReportBody = z
  .strictObject({
    from: Unix.openapi({ description: 'Start of the period (unix seconds, inclusive)' }),
    to: Unix.openapi({ description: 'End of the period (unix seconds, inclusive)' }),
    policyId: z.string().min(1).max(64).optional().openapi({ description: 'Only this policy' }),
    marketplaceId: z.string().min(1).max(64).optional().openapi({
      description: "Only this marketplace's events (a regulator; a marketplace gets its own)",
    }),
  })
  .refine((b) => b.from <= b.to, { message: 'from must not be after to', path: ['to'] })
  .openapi('ReportRequest');
const SignedReport = z
  .object({
    jwt: z.string().openapi({
      description:
        'The report (typ zkrep-report+jwt, ES256K by the verifier DID; claim `report`): check it with `zkrep report verify`',
    }),
  })
  .openapi('SignedReport');

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
  openapi.registerPath({
    method: 'post',
    path: '/v1/reports',
    summary:
      "A signed compliance report of a period (docs/compliance.md §5): a marketplace's own events (its API key), or any marketplace's for a regulator (a bearer JWT signed by a DID in VERIFIER_REGULATORS, aud = the verifier DID, exp ≤ iat + 300 s)",
    security: [{ apiKey: [] }],
    request: { body: jsonContent(ReportBody) },
    responses: {
      200: { description: 'the signed report', ...jsonContent(SignedReport) },
      400: errorResponse('a bad period, or too many entries in it'),
      401: errorResponse('missing or unknown API key, or a regulator token that does not verify'),
      403: errorResponse(
        'a DID that is not a regulator of this verifier, or a marketplace asking for another',
      ),
      404: errorResponse('the audit log is empty'),
      429: errorResponse('rate limited (per IP and per API key or regulator)'),
      503: errorResponse('the checkpoint could not be anchored yet: retry'),
    },
  });
  const [apiKeyAuth, ...afterAuth] = marketplaceAuth;
  // A marketplace's API key first; a bearer value that is no key but a JWT: a regulator's token.
  const reportAuth: RequestHandler = (req, res, next) => {
    apiKeyAuth!(req, res, (err?: unknown) => {
      const header = req.get('authorization');
      const bearer = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
      if (!err || bearer === undefined || !looksLikeRegulatorToken(bearer)) {
        next(err);
        return;
      }
      deps.verifyRegulator(bearer).then((did) => {
        res.locals['principal'] = `regulator:${did}`;
        res.locals['regulator'] = did;
        next();
      }, next);
    });
  };
  r.post('/v1/reports', reportAuth, ...afterAuth, jsonBody('4kb'), async (req, res) => {
    const q = parseInput(ReportBody, req.body);
    const regulator = res.locals['regulator'] as string | undefined;
    const caller = String(res.locals['principal']);
    if (!regulator && q.marketplaceId !== undefined && q.marketplaceId !== caller) {
      httpError('forbidden', "a marketplace's key reports on that marketplace only");
    }
    const jwt = await deps.report({
      from: q.from,
      to: q.to,
      policyId: q.policyId ?? null,
      marketplaceId: regulator ? (q.marketplaceId ?? null) : caller,
    });
    res.set('cache-control', 'no-store').json({ jwt });
  });
  return r;
}
