/**
 * The demo marketplace's composition root: from a validated config to a listening web app. Finds
 * the zkrep deployment (its ZkGate) on the chain, opens its database, makes sure its two policies
 * exist at the verifier (on-chain mirrored, so their chain policy ids are known), deploys its own
 * Marketplace bound to them (or reuses the recorded one), resumes the actions a restart
 * interrupted, and listens. `server.ts` calls it; so do the launcher and the end-to-end tests.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { connectChain, createLogger, openDatabase } from '#platform';
import { loadVerificationKey, verifierSolidityPath } from '#zk';
import type { Logger } from 'pino';
import type { Address } from 'viem';
import { createApp } from './app.js';
import { ensureMarketplaceContract, marketChain } from './chain.js';
import type { MarketplaceConfig } from './config.js';
import { createAccounts } from './domain/accounts.js';
import { createActions } from './domain/actions.js';
import { listListings } from './domain/listings.js';
import { ensurePolicies, type EnsuredPolicy, type PolicyName } from './domain/policies.js';
import { verifierApi } from './domain/verifier-api.js';
import { MARKETPLACE_ENTITIES, MARKETPLACE_MIGRATIONS } from './store/schema.js';

export interface RunningMarketplace {
  url: string;
  /** The Marketplace contract this app lists and buys on. */
  contract: Address;
  /** Its verifier policies and their ZkGate ids. */
  policies: Record<PolicyName, EnsuredPolicy>;
  /** For `runServer`'s start line: the contract address. */
  did: string;
  close(): Promise<void>;
}

export interface StartMarketplaceOptions {
  logger?: Logger;
  /** Unix seconds. */
  now?: () => number;
}

export async function startMarketplace(
  config: MarketplaceConfig,
  options: StartMarketplaceOptions = {},
): Promise<RunningMarketplace> {
  const logger = options.logger ?? createLogger({ name: 'marketplace', level: config.logLevel });
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const { chainId, deployment } = await connectChain(config);

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const dataSource = await openDatabase({
      ...(config.databaseUrl ? { url: config.databaseUrl } : { sqlitePath: config.sqlitePath }),
      entities: MARKETPLACE_ENTITIES,
      migrations: MARKETPLACE_MIGRATIONS,
      veramo: false,
    });
    closers.push(() => dataSource.destroy());

    const verifier = verifierApi({ baseUrl: config.verifierUrl, apiKey: config.apiKey });
    const policies = await ensurePolicies(verifier, config.trustedIssuers);
    const chainParams = { rpcUrl: config.rpcUrl, chainId, funderKey: config.funderKey };
    const contract = await ensureMarketplaceContract(dataSource, {
      ...chainParams,
      gate: deployment.contracts.zkGate.address,
      reputationPolicyId: BigInt(policies.reputation.chainPolicyId),
      agePolicyId: BigInt(policies.age.chainPolicyId),
      // What deploy() compiles with: its compile cache serves this build too.
      build: { verifierSourcePath: verifierSolidityPath(), verificationKey: loadVerificationKey() },
      now,
    });
    const chain = marketChain({
      ...chainParams,
      contract,
      gate: deployment.contracts.zkGate.address,
      fundingWei: config.accountFundingWei,
    });

    const actions = createActions({
      dataSource,
      verifier,
      chain,
      policies,
      now,
      pollMs: config.pollMs,
      onError: (err, context) => logger.warn({ err, context }, 'marketplace action step failed'),
    });
    closers.push(() => actions.close());
    const accounts = createAccounts({ dataSource, fund: chain.fund, now });

    const server: Server = createServer();
    server.headersTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    closers.push(async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // open event streams included
      await closed;
    });
    const { port } = server.address() as AddressInfo;
    const url = config.port === 0 ? `http://${config.host}:${port}` : config.baseUrl;

    const app = createApp({
      logger,
      accounts,
      actions,
      listings: (viewer) => listListings({ dataSource, chain }, viewer),
      info: { contract, policies },
      newAccountsPerHour: config.newAccountsPerHour,
      ready: {
        database: async () => (await dataSource.query('SELECT 1'), true),
        chain: async () => (await chain.publicClient.getBlockNumber(), true),
      },
    });
    server.on('request', app);
    await actions.resume();
    logger.info({ url, contract }, 'marketplace listening');
    return { url, contract, policies, did: contract, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
