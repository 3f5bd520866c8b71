/**
 * The demo marketplace's express app: `createApp(deps)` builds it with no side effects (no
 * listen, no process.env, no timers); `service.ts` builds the deps and listens. The page
 * (routes/web.ts) and its JSON API (routes/api.ts), the probes, `/openapi.json`, a 404 fallback
 * and the one error middleware (`{ code, message }`).
 */
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Address } from 'viem';
import { createOpenApi, finishApp, probeRoutes, rateLimiter, requestLogger } from '#platform';
import type { Accounts } from './domain/accounts.js';
import type { Actions } from './domain/actions.js';
import type { ListingView } from './domain/listings.js';
import type { EnsuredPolicy, PolicyName } from './domain/policies.js';
import { apiRouter } from './routes/api.js';
import { webRouter } from './routes/web.js';

export interface MarketplaceDeps {
  logger: Logger;
  accounts: Accounts;
  actions: Actions;
  /** The listings as `viewer` sees them (its own marked). */
  listings: (viewer: Address | null) => Promise<ListingView[]>;
  /** What the page shows about this marketplace. */
  info: { contract: Address; policies: Record<PolicyName, EnsuredPolicy> };
  ready: { database: () => Promise<boolean>; chain: () => Promise<boolean> };
  /** Requests per minute per client IP (default 600). */
  rateLimitPerIp?: number;
  /** New demo accounts (each funded) per client IP per hour (default 20). */
  newAccountsPerHour?: number;
}

export const API_VERSION = '1.0.0';

export function createApp(deps: MarketplaceDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestLogger(deps.logger));
  const openapi = createOpenApi();
  app.use(rateLimiter({ windowMs: 60_000, limit: deps.rateLimitPerIp ?? 600 }));
  app.use(probeRoutes(openapi, deps.ready));
  app.use(webRouter());
  app.use(apiRouter(deps, openapi));
  finishApp(app, {
    openapi,
    logger: deps.logger,
    info: {
      title: 'zkrep demo marketplace',
      version: API_VERSION,
      description:
        'A demo marketplace integrating zkrep: gated listing (reputation proof) and buying (age proof), proofs relayed on-chain by the verifier, demo custodial accounts.',
    },
  });
  return app;
}
