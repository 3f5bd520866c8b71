/**
 * Marketplace routes (behind the marketplace's API key, rate-limited per key): policies (create,
 * list, read, disable; optionally mirrored into ZkGate), and proof requests (create: a signed
 * request object, its wallet URL and QR codes; read: its status, verdict and relay outcome).
 * A marketplace sees only its own policies and requests; another's are indistinguishable from
 * missing ones.
 */
import { randomBytes } from 'node:crypto';
import { Router, type Response } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import {
  LEGAL_BASES,
  MAX_PREDICATES,
  MAX_TRUSTED_ISSUERS,
  POLICY_SCHEMAS,
  PREDICATE_OPS,
  errorResponse,
  httpError,
  jsonBody,
  jsonContent,
  parseInput,
  z,
} from '#platform';
import type { VerifierDeps } from '../app.js';
import { createPolicy, disablePolicy, listPolicies, loadPolicy } from '../domain/policy-store.js';
import {
  MAX_REQUEST_TTL_SECONDS,
  createProofRequest,
  requestBinding,
  requestClaims,
  type StoredPolicy,
} from '../domain/requests.js';
import { checkWebhookUrl } from '../domain/webhooks.js';
import { ProofRequestEntity, VerificationRecordEntity } from '../store/schema.js';
import { requestUrls } from './public.js';

const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/);
const Decimal = z.string().regex(/^[1-9][0-9]{0,77}$/);
const Seconds = z.number().int().min(0).max(4_294_967_295);
const Predicate = z
  .object({
    attribute: z.string().min(1).max(64),
    op: z.enum(PREDICATE_OPS as [string, ...string[]]),
    value: z.union([z.number().int(), z.string().max(64)]),
  })
  .strict();
export const PolicyBody = z
  .object({
    id: Id.optional().openapi({ description: 'Default: a random id' }),
    schema: z.enum(POLICY_SCHEMAS as [string, ...string[]]),
    trustedIssuers: z.array(Decimal).min(1).max(MAX_TRUSTED_ISSUERS).openapi({
      description: 'Issuer key hashes (decimal), as the issuer publishes them at GET /issuer',
    }),
    predicates: z
      .array(Predicate)
      .min(1)
      .max(MAX_PREDICATES)
      .openapi({
        example: [{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }],
      }),
    purpose: z.string().min(1).max(500),
    retentionDays: z.number().int().min(1).max(3650),
    legalBasis: z.enum(LEGAL_BASES),
    passLifetimeSeconds: Seconds,
    maxProofAgeSeconds: Seconds,
    maxRootAgeSeconds: Seconds,
    onChain: z.boolean().optional().openapi({
      description: 'Mirror the policy into ZkGate (proofs are then relayable to verifyFor)',
    }),
  })
  .strict()
  .openapi('PolicyInput');
const PolicyView = z
  .object({
    id: z.string(),
    schema: z.string(),
    queryHash: z.string(),
    status: z.enum(['active', 'disabled']),
    chainPolicyId: z.string().nullable(),
  })
  .passthrough()
  .openapi('Policy');
export const RequestBody = z
  .object({
    policyId: Id,
    ttlSeconds: z.number().int().min(1).max(MAX_REQUEST_TTL_SECONDS).optional(),
    webhookUrl: z.string().max(2048).optional(),
    relay: z.boolean().optional().openapi({
      description: 'Relay the verified proof to ZkGate.verifyFor (the policy must be on-chain)',
    }),
  })
  .strict()
  .openapi('ProofRequestInput');
const RequestView = z
  .object({
    id: z.string(),
    policyId: z.string(),
    status: z.enum(['pending', 'verified', 'failed', 'expired', 'withdrawn']).openapi({
      description:
        'withdrawn: the holder withdrew its consent after a verdict; the pass no longer counts and the record was erased',
    }),
    expiresAt: z.number().int(),
    requestUri: z.string(),
    walletUrl: z.string(),
    qr: z.object({ png: z.string(), svg: z.string() }),
  })
  .passthrough()
  .openapi('ProofRequest');
const PathId = z.object({ id: Id });
const PathUuid = z.object({ id: z.uuid() });

const marketplaceOf = (res: Response): string => String(res.locals['principal']);

function policyView(p: StoredPolicy & { status: 'active' | 'disabled' }) {
  const { query: _query, queryHash, marketplaceId: _m, chainPolicyId, ...definition } = p;
  return {
    ...definition,
    queryHash: queryHash.toString(),
    chainPolicyId: chainPolicyId ?? null,
  };
}

export function marketplaceRouter(deps: VerifierDeps, openapi: OpenAPIRegistry): Router {
  const r = Router();
  const body = jsonBody('16kb');
  const security = [{ apiKey: [] }];
  const common = {
    401: errorResponse('missing or unknown API key'),
    429: errorResponse('rate limited (per IP and per API key)'),
  };

  openapi.registerPath({
    method: 'post',
    path: '/v1/policies',
    summary: 'Create a policy (readable predicates compiled to the zk query hash)',
    security,
    request: { body: jsonContent(PolicyBody) },
    responses: {
      201: { description: 'created', ...jsonContent(PolicyView) },
      400: errorResponse('invalid policy'),
      503: errorResponse('chain unreachable (on-chain mirror)'),
      ...common,
    },
  });
  r.post('/policies', body, async (req, res) => {
    const input = parseInput(PolicyBody, req.body);
    const { onChain, id, ...rest } = input;
    if (onChain && !deps.mirror) {
      httpError('bad_input', 'on-chain policies need a relayer key (VERIFIER_RELAYER_KEY)');
    }
    const policy = await createPolicy(
      deps.dataSource,
      {
        ...rest,
        id: id ?? `pol_${randomBytes(9).toString('base64url')}`,
        marketplaceId: marketplaceOf(res),
      },
      deps.now(),
      onChain ? deps.mirror : undefined,
    );
    res.status(201).json(policyView({ ...policy, status: 'active' }));
  });

  openapi.registerPath({
    method: 'get',
    path: '/v1/policies',
    summary: "The marketplace's policies",
    security,
    responses: { 200: { description: 'policies', ...jsonContent(z.array(PolicyView)) }, ...common },
  });
  r.get('/policies', async (_req, res) => {
    res.json((await listPolicies(deps.dataSource, marketplaceOf(res))).map(policyView));
  });

  openapi.registerPath({
    method: 'get',
    path: '/v1/policies/{id}',
    summary: 'One policy',
    security,
    request: { params: PathId },
    responses: {
      200: { description: 'the policy', ...jsonContent(PolicyView) },
      404: errorResponse('unknown policy'),
      ...common,
    },
  });
  r.get('/policies/:id', async (req, res) => {
    const { id } = parseInput(PathId, req.params, 'path');
    res.json(
      policyView(await loadPolicy(deps.dataSource, { id, marketplaceId: marketplaceOf(res) })),
    );
  });

  openapi.registerPath({
    method: 'post',
    path: '/v1/policies/{id}/disable',
    summary: 'Disable a policy (on-chain too when mirrored); idempotent',
    security,
    request: { params: PathId },
    responses: {
      200: { description: 'disabled', ...jsonContent(PolicyView) },
      404: errorResponse('unknown policy'),
      503: errorResponse('chain unreachable (nothing changed)'),
      ...common,
    },
  });
  r.post('/policies/:id/disable', async (req, res) => {
    const { id } = parseInput(PathId, req.params, 'path');
    const params = { id, marketplaceId: marketplaceOf(res) };
    await disablePolicy(deps.dataSource, params, deps.mirror);
    res.json(policyView(await loadPolicy(deps.dataSource, params)));
  });

  openapi.registerPath({
    method: 'post',
    path: '/v1/requests',
    summary: 'Create a proof request: a signed request object, its wallet URL and QR codes',
    security,
    request: { body: jsonContent(RequestBody) },
    responses: {
      201: { description: 'created', ...jsonContent(RequestView) },
      400: errorResponse('invalid request'),
      404: errorResponse('unknown policy'),
      409: errorResponse('policy disabled'),
      ...common,
    },
  });
  r.post('/requests', body, async (req, res) => {
    const input = parseInput(RequestBody, req.body);
    const policy = await loadPolicy(deps.dataSource, {
      id: input.policyId,
      marketplaceId: marketplaceOf(res),
      activeOnly: true,
    });
    if (input.relay && !(policy.chainPolicyId && deps.relayer)) {
      httpError('bad_input', 'relay needs an on-chain policy and a relayer key');
    }
    const webhookUrl = input.webhookUrl === undefined ? null : checkWebhookUrl(input.webhookUrl);
    const binding = requestBinding(policy, deps.verifierId, deps.gate);
    const now = deps.now();
    const row = await createProofRequest(deps.dataSource, {
      policyId: policy.id,
      now,
      ttlSeconds: input.ttlSeconds ?? deps.requestTtlSeconds ?? 600,
      webhookUrl,
      relay: input.relay ?? false,
      sign: async (request) =>
        deps.signRequestObject({
          claims: requestClaims(policy, request, binding),
          responseUri: requestUrls(deps.baseUrl, deps.verifierId, request.id).responseUri,
          iat: now,
          exp: request.expiresAt,
        }),
    });
    res.status(201).json({
      id: row.id,
      policyId: row.policyId,
      status: row.status,
      expiresAt: row.expiresAt,
      ...requestUrls(deps.baseUrl, deps.verifierId, row.id),
      requestObject: row.requestObject,
      relay: row.relayStatus,
      webhookUrl: row.webhookUrl,
    });
  });

  openapi.registerPath({
    method: 'get',
    path: '/v1/requests/{id}',
    summary: "A proof request's status, verdict and relay outcome",
    security,
    request: { params: PathUuid },
    responses: {
      200: { description: 'status', ...jsonContent(RequestView) },
      404: errorResponse('unknown request'),
      ...common,
    },
  });
  r.get('/requests/:id', async (req, res) => {
    const { id } = parseInput(PathUuid, req.params, 'path');
    const row = await deps.dataSource.getRepository(ProofRequestEntity).findOne({ where: { id } });
    if (!row) return httpError('not_found', 'no proof request has this id');
    // Another marketplace's request looks like a missing one.
    await loadPolicy(deps.dataSource, {
      id: row.policyId,
      marketplaceId: marketplaceOf(res),
    }).catch(() => httpError('not_found', 'no proof request has this id'));
    const record = await deps.dataSource
      .getRepository(VerificationRecordEntity)
      .findOne({ where: { requestId: id } });
    const expired = row.status === 'pending' && deps.now() >= row.expiresAt;
    const withdrawnAt = record?.withdrawnAt ?? null;
    res.json({
      id: row.id,
      policyId: row.policyId,
      status: expired ? 'expired' : withdrawnAt !== null ? 'withdrawn' : row.status,
      expiresAt: row.expiresAt,
      createdAt: row.createdAt,
      ...requestUrls(deps.baseUrl, deps.verifierId, row.id),
      result:
        record && withdrawnAt !== null
          ? {
              verified: false,
              code: 'withdrawn',
              account: null,
              passExpiresAt: null,
              decidedAt: record.createdAt,
              withdrawnAt,
            }
          : record
            ? {
                verified: record.outcome === 'verified',
                code: record.reasonCode,
                account: record.account,
                passExpiresAt: record.passExpiresAt,
                decidedAt: record.createdAt,
              }
            : null,
      relay:
        row.relayStatus === null
          ? null
          : { status: row.relayStatus, transactionHash: row.relayTxHash, code: row.relayCode },
    });
  });
  return r;
}
