/**
 * The verifier's composition root: from a validated config to a listening API. Finds the zkrep
 * deployment on the chain, opens the one database (SQLite, or PostgreSQL when `DATABASE_URL` is
 * set: then several stateless nodes share it), loads or creates the verifier's did:ethr (keys in
 * the KMS), starts the verifier pool and the webhook dispatcher, wires the chain (revocation
 * roots, ZkGate mirror and relay when a relayer key is set), checks mirrored policies against the
 * chain, schedules audit checkpoints (signed by the DID, anchored in AuditAnchor with the relayer
 * key), and listens. `server.ts` calls it; so do the end-to-end tests.
 *
 * `close()` is the graceful shutdown (SECURITY-CASES A18): new requests get 503 at once, the
 * listener stops, in-flight requests finish (up to `shutdownGraceMs`), then the audit schedule,
 * the dispatcher, the pool and the database close. A verification is one transaction, so a
 * request cut short leaves either everything (binding, completion, record, audit entry, webhook)
 * or nothing: never a half-consumed nullifier.
 */
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { createClients, type Deployment } from '#contracts';
import {
  agentJwtSigner,
  ethrResolver,
  DatabaseRateLimitStore,
  connectChain,
  createEthrAgent,
  createLogger,
  openDatabase,
  signRequestObject,
  withDatabaseLock,
} from '#platform';
import { createVerifierPool, type VerifierPool } from '#zk';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { createApp, type VerifierDeps } from './app.js';
import {
  auditAnchorer,
  checkMirror,
  clockProbe,
  gateMirror,
  gateRelayer,
  registryIssuerCheck,
  registryRootCheck,
  serialQueue,
} from './chain.js';
import type { VerifierConfig } from './config.js';
import { auditCheckpointer, scheduleCheckpoints, type AuditCheckpointer } from './domain/audit.js';
import { signCheckpoint } from './domain/audit-checkpoint.js';
import { scheduleRetention, signErasureRecord, withdrawConsent } from './domain/erasure.js';
import { verifyRegulatorToken } from './domain/regulator.js';
import { buildReport, signReport } from './domain/report.js';
import { signReportCredential } from './domain/report-credential.js';
import { pdfPrinter } from './domain/report-export.js';
import { dropReportsCovering, reportStore } from './domain/report-store.js';
import { listMirroredPolicies, markPolicyDisabled } from './domain/policy-store.js';
import { createWebhookDispatcher, enqueueWebhook } from './domain/webhooks.js';
import { VerifierError } from './errors.js';
import { PolicyEntity, VERIFIER_ENTITIES, VERIFIER_MIGRATIONS } from './store/schema.js';
import { WEBHOOK_ENTITIES, WEBHOOK_MIGRATIONS } from './store/webhook-schema.js';
import { REPORT_ENTITIES, REPORT_MIGRATIONS } from './store/report-schema.js';

export interface RunningVerifier {
  url: string;
  did: string;
  deployment: Deployment;
  dataSource: DataSource;
  pool: VerifierPool;
  /** Delivers due webhooks now (also runs every second). */
  deliverWebhooks(): Promise<void>;
  /** The audit log's checkpoints (what `POST /audit/checkpoints` and the schedule call). */
  audit: AuditCheckpointer;
  close(): Promise<void>;
}

export interface StartVerifierOptions {
  logger?: Logger;
  /** Unix seconds (tests move the clock with the chain). */
  now?: () => number;
  /** How often the webhook dispatcher runs (default 1 s). */
  webhookIntervalMs?: number;
  /** Webhook retry schedule (default 2 s doubling to 1 h, 8 attempts). */
  webhookBaseDelaySeconds?: number;
}

export async function startVerifier(
  config: VerifierConfig,
  options: StartVerifierOptions = {},
): Promise<RunningVerifier> {
  const logger = options.logger ?? createLogger({ name: 'verifier', level: config.logLevel });
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));

  const { chainId, deployment, network } = await connectChain(config);
  const gateAddress = deployment.contracts.zkGate.address;

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const dataSource = await openDatabase({
      ...(config.databaseUrl ? { url: config.databaseUrl } : { sqlitePath: config.sqlitePath }),
      entities: [...VERIFIER_ENTITIES, ...WEBHOOK_ENTITIES, ...REPORT_ENTITIES],
      migrations: [...VERIFIER_MIGRATIONS, ...WEBHOOK_MIGRATIONS, ...REPORT_MIGRATIONS],
    });
    closers.push(() => dataSource.destroy());

    const agent = createEthrAgent({ dataSource, kmsSecretKey: config.kmsSecret, network });
    // Once for all nodes on one database: two nodes starting together must not make two DIDs
    // (the DID names the off-chain scopes; two would split one policy's nullifiers).
    const identifier = await withDatabaseLock(dataSource, 'zkrep-verifier-did', () =>
      agent.didManagerGetOrCreate({ alias: 'zkrep-verifier' }),
    );
    const kid = identifier.controllerKeyId ?? identifier.keys[0]?.kid;
    if (!kid) throw new VerifierError('config_invalid', 'the verifier DID has no key');
    const did = identifier.did;
    const signer = agentJwtSigner(agent, kid);

    const pool = await createVerifierPool({
      ...(config.poolThreads ? { threads: config.poolThreads } : {}),
      maxQueue: config.poolMaxQueue,
    });
    closers.push(() => pool.close());

    const { publicClient } = createClients({ rpcUrl: config.rpcUrl, chainId });
    const relayerWallet = config.relayerKey
      ? createClients({
          rpcUrl: config.rpcUrl,
          chainId,
          account: { privateKey: config.relayerKey },
        }).walletClient
      : undefined;
    const gate = { chainId, address: gateAddress };
    // One key, one nonce sequence: mirrors, relays and anchors queue behind each other.
    const queue = serialQueue();
    const mirror = relayerWallet
      ? gateMirror({ publicClient, walletClient: relayerWallet, gate: gateAddress, queue })
      : undefined;
    const relayer = relayerWallet
      ? gateRelayer({ publicClient, walletClient: relayerWallet, gate: gateAddress, queue })
      : undefined;
    const anchorAddress = deployment.contracts.auditAnchor.address;
    const audit = auditCheckpointer({
      dataSource,
      sign: (claims) => signCheckpoint({ did, signer, claims }),
      chainId,
      anchor: anchorAddress,
      anchorer: relayerWallet
        ? auditAnchorer({ publicClient, walletClient: relayerWallet, anchor: anchorAddress, queue })
        : undefined,
      now,
      logger,
    });
    if (!relayerWallet) {
      logger.warn('audit checkpoints are signed but not anchored: no VERIFIER_RELAYER_KEY');
    }

    const secrets = new Map(config.marketplaces.map((m) => [m.id, m.webhookSecret]));
    const dispatcher = createWebhookDispatcher({
      dataSource,
      secretOf: (id) => secrets.get(id),
      now,
      logger,
      ...(options.webhookBaseDelaySeconds !== undefined
        ? { baseDelaySeconds: options.webhookBaseDelaySeconds }
        : {}),
    });

    await reconcileMirrors({
      dataSource,
      publicClient,
      gate: gateAddress,
      logger,
    });

    // Listen first, so a port-0 server knows its URL before the app (which serves it) is built.
    const server: Server = createServer();
    server.headersTimeout = 10_000; // slow-loris (A15)
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const baseUrl = config.port === 0 ? `http://${config.host}:${port}` : config.baseUrl;

    let draining = false;
    let inFlight = 0;
    let idle: (() => void) | undefined;
    server.on('request', (_req, res) => {
      inFlight++;
      res.once('close', () => {
        inFlight--;
        if (inFlight === 0) idle?.();
      });
    });

    // Launched by the first PDF asked for only; closed with the service.
    const printer = pdfPrinter();
    closers.push(() => printer.close());
    // Regulators' DIDs, resolved on the chain (no cache: a revoked key stops at once).
    const regulatorResolver = ethrResolver(network, { cacheTtlMs: 0 });
    const deps: VerifierDeps = {
      dataSource,
      pool,
      logger,
      baseUrl,
      verifierId: did,
      signRequestObject: ({ claims, responseUri, iat, exp }) =>
        signRequestObject({
          did,
          kid: `${did}#controller`,
          signer,
          responseUri,
          claims,
          iat,
          exp,
        }),
      marketplaces: config.marketplaces,
      now,
      rootAccepted: registryRootCheck(publicClient, gateAddress),
      issuerStanding: registryIssuerCheck(publicClient, gateAddress),
      gate,
      mirror,
      relayer,
      audit,
      verifyRegulator: (token) =>
        verifyRegulatorToken(token, {
          resolver: regulatorResolver,
          regulators: config.regulators,
          audience: did,
          now: now(),
        }),
      report: async ({ regulator, ...q }) =>
        signReport({
          did,
          signer,
          iat: now(),
          report: await buildReport(
            {
              dataSource,
              checkpointer: audit,
              verifier: did,
              anchors: config.relayerKey !== undefined,
            },
            {
              ...q,
              // A regulator reads only the legal bases it is listed for (all when none given).
              legalBases: regulator ? (config.regulatorLegalBases[regulator] ?? null) : null,
              now: now(),
            },
          ),
        }),
      withdraw: (w) =>
        withdrawConsent(
          {
            dataSource,
            verifier: did,
            sign: (claims) => signErasureRecord({ did, signer, claims }),
            now,
            logger,
            onErased: dropReportsCovering,
          },
          w,
        ),
      reports: reportStore(dataSource),
      reportCredential: ({ jwt, report }) =>
        signReportCredential({ did, signer, jwt, report, iat: now() }),
      printPdf: (html) => printer.print(html),
      onFinal: async (tx, final) => {
        if (!final.request.webhookUrl) return;
        const policy = await tx
          .getRepository(PolicyEntity)
          .findOneOrFail({ where: { id: final.policyId } });
        await enqueueWebhook(tx, {
          requestId: final.request.id,
          marketplaceId: policy.marketplaceId,
          url: final.request.webhookUrl,
          type: 'proof_request.completed',
          data: {
            requestId: final.request.id,
            policyId: final.policyId,
            verified: final.outcome === 'verified',
            code: final.code,
            account: final.account,
            passExpiresAt: final.passExpiresAt,
            relay: final.relay,
          },
          now: final.now,
        });
      },
      ready: {
        database: async () => {
          await dataSource.query('SELECT 1');
          return true;
        },
        chain: async () => (await publicClient.getBlockNumber({ cacheTime: 0 })) >= 0n,
        clock: clockProbe(publicClient, now),
      },
      rateLimitPerIp: config.rateLimitPerIp,
      rateLimitPerKey: config.rateLimitPerKey,
      requestTtlSeconds: config.requestTtlSeconds,
      draining: () => draining,
      // Several nodes on one PostgreSQL share their counts; one SQLite node counts in memory.
      rateLimitStore: config.databaseUrl
        ? (limiter) =>
            new DatabaseRateLimitStore(dataSource, rateLimitSecret(config.kmsSecret), {
              prefix: `verifier:${limiter}:`,
            })
        : undefined,
    };
    const app = createApp(deps);
    server.on('request', app);
    dispatcher.start(options.webhookIntervalMs ?? 1_000);
    closers.push(() => dispatcher.stop());
    if (config.auditAnchorSeconds > 0) {
      const schedule = scheduleCheckpoints(audit, {
        intervalMs: config.auditAnchorSeconds * 1_000,
        logger,
      });
      closers.push(() => schedule.stop());
    }
    if (config.retentionSweepSeconds > 0) {
      const retention = scheduleRetention(
        { dataSource, now, logger, onErased: dropReportsCovering },
        { intervalMs: config.retentionSweepSeconds * 1_000 },
      );
      closers.push(() => retention.stop());
    }
    closers.push(async () => {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => (idle = resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
    });
    logger.info({ url: baseUrl, did }, 'verifier listening');
    return {
      url: baseUrl,
      did,
      deployment,
      dataSource,
      pool,
      deliverWebhooks: async () => {
        await dispatcher.runOnce();
      },
      audit,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The key the nodes hash rate-limit keys with: derived from their shared KMS secret. */
function rateLimitSecret(kmsSecret: string): string {
  return createHmac('sha256', kmsSecret).update('zkrep verifier rate-limit keys').digest('hex');
}

/**
 * Compares every mirrored policy with ZkGate's at start. A policy disabled on-chain (by its admin
 * key elsewhere) is disabled here too; any other difference is logged as an error (the two were
 * created from one definition, so a difference means tampering or a wrong deployment).
 */
async function reconcileMirrors(p: {
  dataSource: DataSource;
  publicClient: Parameters<typeof checkMirror>[0];
  gate: `0x${string}`;
  logger: Logger;
}): Promise<void> {
  for (const policy of await listMirroredPolicies(p.dataSource)) {
    const problems = await checkMirror(p.publicClient, p.gate, policy).catch(() => ['unreadable']);
    if (problems.length === 0) continue;
    if (problems.length === 1 && problems[0] === 'disabled' && policy.status === 'active') {
      await markPolicyDisabled(p.dataSource, policy.id);
      p.logger.warn({ policy: policy.id }, 'policy disabled on-chain: disabled here too');
      continue;
    }
    p.logger.error({ policy: policy.id, problems }, 'mirrored policy differs from ZkGate');
  }
}
