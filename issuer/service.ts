/**
 * The issuer's composition root: from a validated config to a listening API. Opens the one
 * database, builds the Veramo agent, loads (or creates) the DID and the zk key, pays the DID
 * controller's gas on dev chains, advertises the zk key in the DID document, makes sure the key
 * is registered, records and publishes the revocation root (a background publisher resumes any
 * unpublished root after a restart), and listens. `server.ts` calls it; so do the end-to-end
 * tests, so the real start-up path is the tested one.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { changeDidOwner, createClients, sendValue, type Deployment } from '#contracts';
import { connectChain, createLogger, ethrResolver, openDatabase } from '#platform';
import { SecretBox } from '@veramo/kms-local';
import type { Logger } from 'pino';
import { parseEther, type Address } from 'viem';
import type { DataSource } from 'typeorm';
import { createIssuerAgent } from './agent.js';
import { createApp, type IssuerDeps } from './app.js';
import { chainRootPublisher, ensureRegistered, issuerChain, kycPassCheck } from './chain.js';
import type { IssuerConfig } from './config.js';
import { advertiseZkKey, loadOrCreateIdentity, rotateController } from './domain/identity.js';
import { ensureInitialRoot, publishStep } from './domain/revocation.js';
import { loadOrCreateZkKey } from './domain/zk-key.js';
import { chainReputationSource } from './reputation-sync.js';
import { ISSUER_ENTITIES, ISSUER_MIGRATIONS } from './store/schema.js';

export interface RunningIssuer {
  url: string;
  did: string;
  issuerKeyHash: bigint;
  deployment: Deployment;
  dataSource: DataSource;
  /** Runs one revocation-publication step now (also runs every `publishIntervalMs`). */
  publishNow(): Promise<void>;
  /** Rotates the DID's controller to a fresh KMS key (SECURITY-CASES I03; docs/issuer.md). */
  rotateController(): Promise<{ controller: `0x${string}` }>;
  close(): Promise<void>;
}

export interface StartIssuerOptions {
  logger?: Logger;
  /** Unix seconds (tests move the clock with the chain). */
  now?: () => number;
  /** How often the publisher retries an unpublished root (default 5 s). */
  publishIntervalMs?: number;
}

export async function startIssuer(
  config: IssuerConfig,
  options: StartIssuerOptions = {},
): Promise<RunningIssuer> {
  const logger = options.logger ?? createLogger({ name: 'issuer', level: config.logLevel });
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));

  const { chainId, deployment, network } = await connectChain(config);

  const gate = deployment.contracts.zkGate.address;

  const dataSource = await openDatabase({
    ...(config.databaseUrl ? { url: config.databaseUrl } : { sqlitePath: config.sqlitePath }),
    entities: ISSUER_ENTITIES,
    migrations: ISSUER_MIGRATIONS,
  });
  const closers: (() => Promise<void>)[] = [() => dataSource.destroy()];
  try {
    const secretBox = new SecretBox(config.kmsSecret);
    const agent = createIssuerAgent({ dataSource, kmsSecretKey: config.kmsSecret, network });
    let identity = await loadOrCreateIdentity(agent);
    const zkKey = await loadOrCreateZkKey(dataSource, secretBox, now);
    const chain = issuerChain({
      rpcUrl: config.rpcUrl,
      chainId,
      gate,
      dataSource,
      secretBox,
      identity: () => identity,
    });

    /** On dev chains, a funded key pays the controller's gas (DID updates, root publication). */
    const fundController = async (): Promise<void> => {
      if (!config.funderKey) return;
      const balance = await chain.publicClient.getBalance({ address: identity.controller });
      if (balance >= parseEther('0.5')) return;
      const { publicClient, walletClient } = createClients({
        rpcUrl: config.rpcUrl,
        chainId,
        account: { privateKey: config.funderKey },
      });
      await sendValue({
        publicClient,
        walletClient,
        to: identity.controller,
        value: parseEther('1'),
      });
    };
    await fundController();
    const resolver = ethrResolver(network);
    await advertiseZkKey(agent, resolver, identity, zkKey);
    const ownerWallet = config.registryOwnerKey
      ? createClients({
          rpcUrl: config.rpcUrl,
          chainId,
          account: { privateKey: config.registryOwnerKey },
        }).walletClient
      : undefined;
    await ensureRegistered(chain, { identity, zkKey, ownerWallet });

    await ensureInitialRoot(dataSource, zkKey.keyHash, now());
    const publisher = chainRootPublisher(chain);
    let publishing: Promise<void> = Promise.resolve();
    const publishNow = (): Promise<void> => {
      publishing = publishing
        .then(async () => {
          // Step until nothing is left to send (at most a few steps: send, then confirm).
          for (let i = 0; i < 4; i++) {
            const s = await publishStep(dataSource, publisher, zkKey.keyHash, now());
            if (s.state === 'confirmed' || s.state === 'waiting' || s.state === 'idle') return;
          }
        })
        .catch((err: unknown) => {
          logger.warn(
            { code: (err as { code?: string }).code ?? 'internal' },
            'revocation root not published yet; will retry',
          );
        });
      return publishing;
    };
    await publishNow();
    const timer = setInterval(() => void publishNow(), options.publishIntervalMs ?? 5_000);
    timer.unref();
    closers.push(async () => {
      clearInterval(timer);
      await publishing;
    });

    const marketplace =
      config.marketplace ?? (deployment.contracts.marketplace?.address as Address | undefined);
    const kycPolicyId =
      config.kycPolicyId ?? (deployment.policies ? BigInt(deployment.policies.age) : undefined);
    const reputation =
      marketplace && kycPolicyId !== undefined
        ? chainReputationSource({
            dataSource,
            publicClient: chain.publicClient,
            marketplace,
            hasKycPass: kycPassCheck(chain, kycPolicyId),
            now,
          })
        : undefined;

    // Listen first, so a port-0 server knows its URL before the app (which serves it) is built.
    const server: Server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections(); // keep-alive sockets would hold close() open
        }),
    );
    const { port } = server.address() as AddressInfo;
    const baseUrl = config.port === 0 ? `http://${config.host}:${port}` : config.baseUrl;

    const deps: IssuerDeps = {
      agent,
      dataSource,
      identity,
      zkKey,
      resolver,
      cipher: secretBox,
      logger,
      baseUrl,
      adminApiKeys: config.adminApiKeys,
      now,
      reputation,
      trustedMarketplaces: config.trustedMarketplaces ?? (marketplace ? [marketplace] : []),
      ready: {
        database: async () => {
          await dataSource.query('SELECT 1');
          return true;
        },
        chain: async () => (await chain.publicClient.getBlockNumber()) >= 0n,
      },
    };
    const app = createApp(deps);
    server.on('request', app);
    logger.info({ url: baseUrl, did: identity.did }, 'issuer listening');
    return {
      url: baseUrl,
      did: identity.did,
      issuerKeyHash: zkKey.keyHash,
      deployment,
      dataSource,
      publishNow,
      rotateController: async () => {
        identity = await rotateController(agent, dataSource, async (newOwner, current) => {
          await changeDidOwner({
            publicClient: chain.publicClient,
            walletClient: await chain.walletFor(current.controller),
            registry: network.registry as Address,
            identity: current.identity,
            newOwner,
          });
        });
        deps.identity = identity;
        await fundController();
        await ensureRegistered(chain, { identity, zkKey, ownerWallet });
        logger.info({ did: identity.did }, 'DID controller rotated');
        return { controller: identity.controller };
      },
      close: async () => {
        for (const c of closers.reverse()) await c().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw err;
  }
}
