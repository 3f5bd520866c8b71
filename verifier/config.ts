/**
 * The only reader of the verifier's environment. Validated once at start; every problem is listed
 * in one error, and no secret is ever echoed.
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `VERIFIER_HOST`, `VERIFIER_PORT` | where the API listens | `127.0.0.1`, `8082` |
 * | `VERIFIER_BASE_URL` | the public URL (request objects, QR codes, the wallet's response URL) | `http://HOST:PORT` |
 * | `VERIFIER_DATA_DIR` | SQLite database folder | `./data/verifier` |
 * | `DATABASE_URL` | PostgreSQL instead of SQLite (`postgres://…`): several API nodes on one database | — |
 * | `VERIFIER_KMS_SECRET` | 32-byte hex key that encrypts the verifier DID's key at rest (required) | — |
 * | `VERIFIER_MARKETPLACES` | `id:apiKey[:webhookSecret]`, comma-separated; keys ≥ 24 characters (required) | — |
 * | `RPC_URL` | the chain (required) | — |
 * | `ZKREP_DEPLOYMENTS_DIR` | where the deployment record `<chainId>.json` is | `contracts/deployments` |
 * | `DID_NETWORK` | the did:ethr network name | `0x<chainId hex>` |
 * | `VERIFIER_RELAYER_KEY` | a funded key: mirrors policies into ZkGate, relays proofs (`verifyFor`) and anchors audit checkpoints | — (no mirroring, no relay; checkpoints signed, not anchored) |
 * | `VERIFIER_REGULATORS` | did:ethr DIDs, comma-separated, that may request compliance reports (`POST /v1/reports`) with a bearer JWT signed by their own key; `did=basis+basis` limits one to the events of those legal bases (`consent`, `contract`, `legal_obligation`, `vital_interests`, `public_task`, `legitimate_interests`) | — (reports by marketplace API key only) |
 * | `VERIFIER_RETENTION_SWEEP_SECONDS` | how often verifications past their policy's retention are erased, with a `purge` audit entry (0: never) | `3600` |
 * | `VERIFIER_AUDIT_ANCHOR_SECONDS` | how often the audit log's head is checkpointed and anchored when it moved (0: only on demand) | `3600` |
 * | `VERIFIER_POOL_THREADS` | verifier worker threads | one per core |
 * | `VERIFIER_POOL_MAX_QUEUE` | proofs that may wait before the API answers 503 | `2000` |
 * | `VERIFIER_RATE_LIMIT_IP` | requests per minute per client IP | `600` |
 * | `VERIFIER_RATE_LIMIT_KEY` | requests per minute per marketplace API key | `6000` |
 * | `VERIFIER_REQUEST_TTL` | default proof-request lifetime, seconds | `600` |
 * | `VERIFIER_SHUTDOWN_GRACE_MS` | how long a shutdown waits for in-flight requests | `10000` |
 * | `LOG_LEVEL` | pino level | `info` |
 */
import { REQUEST_LEGAL_BASES, envReader, serviceSettings, type ServiceSettings } from '#platform';
import { VerifierError } from './errors.js';

export interface MarketplaceAccount {
  id: string;
  apiKey: string;
  /** Signs this marketplace's webhooks; undefined: no webhooks for it. */
  webhookSecret: string | undefined;
}

export interface VerifierConfig extends ServiceSettings {
  marketplaces: MarketplaceAccount[];
  relayerKey: `0x${string}` | undefined;
  poolThreads: number | undefined;
  poolMaxQueue: number;
  rateLimitPerIp: number;
  rateLimitPerKey: number;
  requestTtlSeconds: number;
  shutdownGraceMs: number;
  /** Seconds between scheduled audit checkpoints (0: none, only on demand). */
  auditAnchorSeconds: number;
  /** DIDs that may request compliance reports with their own key (`VERIFIER_REGULATORS`). */
  regulators: string[];
  /** The legal bases a regulator is limited to (`did=basis+basis`); absent: every basis. */
  regulatorLegalBases: Record<string, string[]>;
  /** Seconds between retention purges (0: none). */
  retentionSweepSeconds: number;
}

const MARKETPLACE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SECRET = /^[A-Za-z0-9._~+/=-]{24,256}$/;
const REGULATOR_DID = /^did:ethr:(?:[A-Za-z0-9]+:)?0x[0-9a-fA-F]{40}(?:[0-9a-fA-F]{26})?$/;

/** Reads and validates the configuration from `env` (default: `process.env`). */
export function loadVerifierConfig(env: NodeJS.ProcessEnv = process.env): VerifierConfig {
  const r = envReader(env);
  const { problems, get, int } = r;
  const settings = serviceSettings(r, { prefix: 'VERIFIER', defaultPort: 8082, name: 'verifier' });

  const marketplaces: MarketplaceAccount[] = [];
  const entries = (get('VERIFIER_MARKETPLACES') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) problems.push('VERIFIER_MARKETPLACES is required (id:apiKey,…)');
  entries.forEach((entry, i) => {
    const [id, apiKey, webhookSecret, ...rest] = entry.split(':');
    if (!id || !MARKETPLACE_ID.test(id) || !apiKey || rest.length > 0) {
      problems.push(`VERIFIER_MARKETPLACES entry ${i + 1} must be id:apiKey[:webhookSecret]`);
      return;
    }
    if (!SECRET.test(apiKey)) {
      problems.push(`VERIFIER_MARKETPLACES entry ${i + 1}: the API key must be ≥ 24 characters`);
    }
    if (webhookSecret !== undefined && !SECRET.test(webhookSecret)) {
      problems.push(
        `VERIFIER_MARKETPLACES entry ${i + 1}: the webhook secret must be ≥ 24 characters`,
      );
    }
    marketplaces.push({ id, apiKey, webhookSecret: webhookSecret || undefined });
  });
  if (new Set(marketplaces.map((m) => m.id)).size !== marketplaces.length) {
    problems.push('VERIFIER_MARKETPLACES has a marketplace id twice');
  }
  if (new Set(marketplaces.map((m) => m.apiKey)).size !== marketplaces.length) {
    problems.push('VERIFIER_MARKETPLACES has an API key twice');
  }

  const relayerKey = r.hexKey('VERIFIER_RELAYER_KEY');

  const threadsRaw = get('VERIFIER_POOL_THREADS');
  const poolThreads = threadsRaw === undefined ? undefined : int('VERIFIER_POOL_THREADS', 1, 1, 64);
  const poolMaxQueue = int('VERIFIER_POOL_MAX_QUEUE', 2_000, 1, 1_000_000);
  const rateLimitPerIp = int('VERIFIER_RATE_LIMIT_IP', 600, 1, 10_000_000);
  const rateLimitPerKey = int('VERIFIER_RATE_LIMIT_KEY', 6_000, 1, 10_000_000);
  const requestTtlSeconds = int('VERIFIER_REQUEST_TTL', 600, 1, 3_600);
  const shutdownGraceMs = int('VERIFIER_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000);
  const auditAnchorSeconds = int('VERIFIER_AUDIT_ANCHOR_SECONDS', 3_600, 0, 604_800);
  const retentionSweepSeconds = int('VERIFIER_RETENTION_SWEEP_SECONDS', 3_600, 0, 604_800);

  const regulatorEntries = (get('VERIFIER_REGULATORS') ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d.length > 0);
  const regulators: string[] = [];
  const regulatorLegalBases: Record<string, string[]> = {};
  regulatorEntries.forEach((entry, i) => {
    const [d = '', bases, ...rest] = entry.split('=');
    regulators.push(d);
    if (!REGULATOR_DID.test(d)) {
      problems.push(`VERIFIER_REGULATORS entry ${i + 1} must be a did:ethr DID`);
    }
    if (bases === undefined) return;
    const list = bases.split('+');
    if (
      rest.length > 0 ||
      list.some((b) => !(REQUEST_LEGAL_BASES as readonly string[]).includes(b))
    ) {
      problems.push(
        `VERIFIER_REGULATORS entry ${i + 1}: legal bases must be ${REQUEST_LEGAL_BASES.join(', ')} joined by +`,
      );
      return;
    }
    regulatorLegalBases[d] = list;
  });
  if (new Set(regulators).size !== regulators.length) {
    problems.push('VERIFIER_REGULATORS has a DID twice');
  }

  if (problems.length > 0) {
    throw new VerifierError(
      'config_invalid',
      `invalid verifier configuration: ${problems.join('; ')}`,
    );
  }
  return {
    ...settings,
    marketplaces,
    relayerKey,
    poolThreads,
    poolMaxQueue,
    rateLimitPerIp,
    rateLimitPerKey,
    requestTtlSeconds,
    shutdownGraceMs,
    auditAnchorSeconds,
    regulators,
    regulatorLegalBases,
    retentionSweepSeconds,
  };
}

/**
 * What `zkrep report verify` reads from the environment (flags override it): `RPC_URL` (default
 * http://127.0.0.1:8545) and `ZKREP_DEPLOYMENTS_DIR`.
 */
export interface ReportCheckerConfig {
  /** `RPC_URL`, default http://127.0.0.1:8545. */
  rpcUrl: string;
  /** `ZKREP_DEPLOYMENTS_DIR`: the checker's own deployment records (registry, AuditAnchor). */
  deploymentsDir: string | undefined;
}

/** The report checker's configuration (`config_invalid` listing every problem). */
export function loadReportCheckerConfig(
  env: NodeJS.ProcessEnv = process.env,
  flags: { rpcUrl?: string | undefined } = {},
): ReportCheckerConfig {
  const problems: string[] = [];
  const rpcUrl = flags.rpcUrl ?? env['RPC_URL'] ?? 'http://127.0.0.1:8545';
  if (!/^https?:\/\/[^\s]+$/.test(rpcUrl)) problems.push('the RPC URL must be an http(s) URL');
  const deploymentsDir = env['ZKREP_DEPLOYMENTS_DIR'] || undefined;
  if (problems.length > 0) {
    throw new VerifierError('config_invalid', `invalid configuration: ${problems.join('; ')}`);
  }
  return { rpcUrl, deploymentsDir };
}
