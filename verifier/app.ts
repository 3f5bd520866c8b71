/**
 * The verifier's express app: `createApp(deps)` builds it with no side effects (no listen, no
 * process.env, no timers); `service.ts` builds the deps and listens. Routers are factories over
 * the deps; one zod schema per body both validates it and documents it in `/openapi.json`; a 404
 * fallback and the one error middleware (`{ code, message }`, 503 with Retry-After) come last.
 *
 * Rate limits (SECURITY-CASES A07): every route per client IP; the marketplace routes also per
 * API key. While the service shuts down (A18) new requests get 503 `busy` and in-flight ones
 * finish.
 */
import express, { type Express, type RequestHandler } from 'express';
import type { Store } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import {
  apiKeyPrincipals,
  createOpenApi,
  finishApp,
  probeRoutes,
  rateLimiter,
  requestLogger,
  type ProofRequestClaims,
  type Withdrawal,
} from '#platform';
import { ZkrepError, type VerifyResult } from '#zk';
import type { MarketplaceAccount } from './config.js';
import type { AuditCheckpointer } from './domain/audit.js';
import type { ComplianceReport, ReportQuery } from './domain/report.js';
import type { WithdrawalOutcome } from './domain/erasure.js';
import type { ReportStore } from './domain/report-store.js';
import type { PolicyMirror } from './domain/policy-store.js';
import type { GateTarget } from './domain/requests.js';
import type { RequestFinal, Relayer } from './domain/responses.js';
import type { RootTerms, VerificationDeps } from './domain/verification.js';
import { createVerifierMetrics, type PoolGauges, type VerifierMetrics } from './metrics.js';
import { auditRouter } from './routes/audit.js';
import { dashboardRouter } from './routes/dashboard.js';
import { marketplaceRouter } from './routes/marketplace.js';
import { publicRouter } from './routes/public.js';
import { reportsRouter } from './routes/reports.js';
import { walletRouter } from './routes/wallet.js';

export interface VerifierDeps {
  dataSource: DataSource;
  /** The verifier pool (`#zk` `createVerifierPool`). */
  pool: PoolGauges & { verify(proof: unknown, publicSignals: unknown): Promise<VerifyResult> };
  logger: Logger;
  /** Public base URL of this API (request objects, QR codes and the response URL are under it). */
  baseUrl: string;
  /** The verifier's DID: it signs request objects and names the off-chain scopes. */
  verifierId: string;
  /** Signs a request object (`#platform` `signRequestObject` with the verifier's KMS key). */
  signRequestObject: (p: {
    claims: ProofRequestClaims;
    responseUri: string;
    iat: number;
    exp: number;
  }) => Promise<string>;
  marketplaces: readonly MarketplaceAccount[];
  /** Unix seconds. */
  now: () => number;
  rootAccepted: (
    issuerKeyHash: bigint,
    root: bigint,
    terms: RootTerms,
  ) => boolean | Promise<boolean>;
  /** The issuer's standing in IssuerRegistry (`registryIssuerCheck`). */
  issuerStanding: VerificationDeps['issuerStanding'];
  /** ZkGate, when policies may be mirrored on-chain. */
  gate?: GateTarget | undefined;
  mirror?: PolicyMirror | undefined;
  relayer?: Relayer | undefined;
  /** Called in the transaction that makes a request final (the webhook outbox). */
  onFinal?: ((tx: EntityManager, final: RequestFinal) => Promise<void>) | undefined;
  /** The audit log's checkpoints: signed by the verifier DID, anchored in AuditAnchor. */
  audit: AuditCheckpointer;
  /** Makes a signed compliance report (domain/report.ts): checkpoint, build, sign as the DID. */
  report: (q: ReportQuery & { regulator: string | null }) => Promise<string>;
  /** A regulator's bearer token → its DID (domain/regulator.ts `verifyRegulatorToken`). */
  verifyRegulator: (token: string) => Promise<string>;
  /** A holder's withdrawal of consent: erase and sign a deletion record (domain/erasure.ts). */
  withdraw: (w: Withdrawal) => Promise<WithdrawalOutcome>;
  /** The reports issued, by whom they were asked for (domain/report-store.ts). */
  reports: ReportStore;
  /** Signs a report as a ComplianceReportCredential (domain/report-credential.ts). */
  reportCredential: (p: { jwt: string; report: ComplianceReport }) => Promise<string>;
  /** Prints a report's HTML to PDF (domain/report-export.ts `PdfPrinter`, launched lazily). */
  printPdf: (html: string) => Promise<Buffer>;
  /** Readiness probes: each resolves true when its dependency answers / the clock is sane. */
  ready: {
    database: () => Promise<boolean>;
    chain: () => Promise<boolean>;
    clock: () => Promise<boolean>;
  };
  /** Requests per minute per client IP (default 600) and per API key (default 6000). */
  rateLimitPerIp?: number;
  rateLimitPerKey?: number;
  /** Default proof-request lifetime (seconds, default 600). */
  requestTtlSeconds?: number;
  /**
   * A shared rate-limit store per limiter (`DatabaseRateLimitStore` when several nodes share one
   * PostgreSQL); default: each node counts in memory.
   */
  rateLimitStore?: ((limiter: 'ip' | 'key') => Store) | undefined;
  /** True while the service shuts down: new requests are refused with 503. */
  draining?: () => boolean;
}

export const API_VERSION = '1.0.0';

/** The app and its metrics (the service reads the in-flight count for a graceful shutdown). */
export interface VerifierApp extends Express {
  metrics: VerifierMetrics;
}

export function createApp(deps: VerifierDeps): VerifierApp {
  const app = express() as unknown as VerifierApp;
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestLogger(deps.logger));
  const metrics = createVerifierMetrics(deps.pool);
  app.metrics = metrics;
  app.use(metrics.http);

  const refuseWhileDraining: RequestHandler = (_req, res, next) => {
    if (deps.draining?.()) {
      res.set('connection', 'close');
      return next(new ZkrepError('busy', 'the verifier is shutting down; retry on another node'));
    }
    next();
  };
  app.use(refuseWhileDraining);

  const openapi = createOpenApi();
  openapi.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: "A marketplace's API key (`Authorization: Bearer <key>`)",
  });
  // Counted once per request, on every route but the probes.
  const probes = new Set(['/health', '/ready', '/metrics']);
  const perIp = rateLimiter({
    windowMs: 60_000,
    limit: deps.rateLimitPerIp ?? 600,
    skip: (req) => probes.has(req.path),
    store: deps.rateLimitStore?.('ip'),
  });
  const perKey = rateLimiter({
    windowMs: 60_000,
    limit: deps.rateLimitPerKey ?? 6_000,
    key: (_req, res) => `key:${String(res.locals['principal'])}`,
    store: deps.rateLimitStore?.('key'),
  });
  const auth = apiKeyPrincipals(deps.marketplaces.map((m) => ({ key: m.apiKey, principal: m.id })));

  app.use(perIp);
  app.use(probeRoutes(openapi, deps.ready));
  app.use(publicRouter(deps, openapi, metrics));
  app.use(walletRouter(deps, openapi, metrics));
  app.use(auditRouter(deps, openapi, [auth, perKey]));
  // Before '/v1': /v1/reports is answered here, so its key is checked and counted once.
  app.use(reportsRouter(deps, openapi, [auth, perKey]));
  app.use(dashboardRouter(openapi));
  app.use('/v1', auth, perKey, marketplaceRouter(deps, openapi));

  finishApp(app, {
    openapi,
    logger: deps.logger,
    info: {
      title: 'zkrep verifier',
      version: API_VERSION,
      description:
        'Policies, proof requests (OpenID4VP-style request objects signed by the verifier DID, QR codes), strict zero-knowledge proof verification, nullifier binding, passes, on-chain relay, signed webhooks and a tamper-evident audit log with signed, anchored checkpoints.',
    },
  });
  return app;
}
