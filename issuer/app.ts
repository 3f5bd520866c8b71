/**
 * The issuer's express app: `createApp(deps)` builds it with no side effects (no listen, no
 * process.env); `server.ts` reads config, builds the deps and listens. Routers are factories over
 * the deps; a 404 fallback and the one error middleware come last (`#platform`).
 */
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Resolvable } from 'did-resolver';
import type { DataSource } from 'typeorm';
import {
  createOpenApi,
  finishApp,
  probeRoutes,
  rateLimiter,
  requestLogger,
  requireApiKey,
} from '#platform';
import type { AttributeValues } from '#zk';
import type { IssuerAgent } from './agent.js';
import type { IssuerIdentity } from './domain/identity.js';
import type { IssuerZkKey, SecretCipher } from './domain/zk-key.js';
import { adminRouter } from './routes/admin.js';
import { holderRouter } from './routes/holder.js';
import { marketplaceRouter } from './routes/marketplace.js';
import { publicRouter } from './routes/public.js';

/** What a reputation credential is computed from (the engine over ingested trades). */
export interface ReputationSource {
  /** The readable reputation attributes of an account in a role, as of now. */
  attributesOf(account: `0x${string}`, role: 'buyer' | 'seller'): Promise<AttributeValues>;
}

export interface IssuerDeps {
  agent: IssuerAgent;
  dataSource: DataSource;
  identity: IssuerIdentity;
  zkKey: IssuerZkKey;
  /** Resolves holder DIDs (authentication). */
  resolver: Resolvable;
  /** Encrypts KYC offers at rest (the KMS SecretBox). */
  cipher: SecretCipher;
  logger: Logger;
  /** Public base URL of this API (schemas and revocation snapshots are served under it). */
  baseUrl: string;
  /** Admin API keys (KYC submission, revocation). Empty: the admin API refuses everyone. */
  adminApiKeys: readonly string[];
  /** Unix seconds. */
  now: () => number;
  reputation?: ReputationSource | undefined;
  /** Marketplace addresses whose signed trade events are accepted (`POST /trades`). */
  trustedMarketplaces?: readonly string[];
  /** Readiness probes: each resolves true when its dependency answers. */
  ready: { database: () => Promise<boolean>; chain: () => Promise<boolean> };
  /** Requests per minute per client on the public and holder routes (default 120). */
  rateLimitPerMinute?: number;
}

export const API_VERSION = '1.0.0';

export function createApp(deps: IssuerDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestLogger(deps.logger));

  const openapi = createOpenApi();
  const limit = rateLimiter({ windowMs: 60_000, limit: deps.rateLimitPerMinute ?? 120 });

  app.use(probeRoutes(openapi, deps.ready));
  app.use(publicRouter(deps, openapi));
  app.use(limit, holderRouter(deps, openapi));
  app.use(limit, marketplaceRouter(deps, openapi));
  app.use('/admin', requireApiKey(deps.adminApiKeys), adminRouter(deps, openapi));

  finishApp(app, {
    openapi,
    logger: deps.logger,
    info: {
      title: 'zkrep issuer',
      version: API_VERSION,
      description:
        'Issues AgeCredential and MarketplaceReputationCredential (W3C VC JWT carrying an EdDSA-Poseidon zk claim), serves JSON schemas and the revocation snapshot.',
    },
  });
  return app;
}
