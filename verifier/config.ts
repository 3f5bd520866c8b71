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
 * | `VERIFIER_RELAYER_KEY` | a funded key: mirrors policies into ZkGate and relays proofs (`verifyFor`) | — (no mirroring, no relay) |
 * | `VERIFIER_POOL_THREADS` | verifier worker threads | one per core |
 * | `VERIFIER_POOL_MAX_QUEUE` | proofs that may wait before the API answers 503 | `2000` |
 * | `VERIFIER_RATE_LIMIT_IP` | requests per minute per client IP | `600` |
 * | `VERIFIER_RATE_LIMIT_KEY` | requests per minute per marketplace API key | `6000` |
 * | `VERIFIER_REQUEST_TTL` | default proof-request lifetime, seconds | `600` |
 * | `VERIFIER_SHUTDOWN_GRACE_MS` | how long a shutdown waits for in-flight requests | `10000` |
 * | `LOG_LEVEL` | pino level | `info` |
 */
import { isHttpUrl } from '#platform';
import { VerifierError } from './errors.js';

export interface MarketplaceAccount {
  id: string;
  apiKey: string;
  /** Signs this marketplace's webhooks; undefined: no webhooks for it. */
  webhookSecret: string | undefined;
}

export interface VerifierConfig {
  host: string;
  port: number;
  baseUrl: string;
  sqlitePath: string;
  databaseUrl: string | undefined;
  kmsSecret: string;
  marketplaces: MarketplaceAccount[];
  rpcUrl: string;
  deploymentsDir: string | undefined;
  didNetwork: string | undefined;
  relayerKey: `0x${string}` | undefined;
  poolThreads: number | undefined;
  poolMaxQueue: number;
  rateLimitPerIp: number;
  rateLimitPerKey: number;
  requestTtlSeconds: number;
  shutdownGraceMs: number;
  logLevel: string;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MARKETPLACE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SECRET = /^[A-Za-z0-9._~+/=-]{24,256}$/;

/** Reads and validates the configuration from `env` (default: `process.env`). */
export function loadVerifierConfig(env: NodeJS.ProcessEnv = process.env): VerifierConfig {
  const problems: string[] = [];
  const get = (k: string): string | undefined => {
    const v = env[k]?.trim();
    return v ? v : undefined;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^[0-9]+$/.test(raw) || n < min || n > max) {
      problems.push(`${name} must be an integer in [${min}, ${max}]`);
      return fallback;
    }
    return n;
  };

  const host = get('VERIFIER_HOST') ?? '127.0.0.1';
  const port = int('VERIFIER_PORT', 8082, 0, 65535);
  const baseUrl = (get('VERIFIER_BASE_URL') ?? `http://${host}:${port}`).replace(/\/$/, '');
  if (!isHttpUrl(baseUrl)) problems.push('VERIFIER_BASE_URL must be an http(s) URL');

  const databaseUrl = get('DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// URL');
  }
  const dataDir = get('VERIFIER_DATA_DIR') ?? './data/verifier';

  const kmsSecret = get('VERIFIER_KMS_SECRET');
  if (!kmsSecret) problems.push('VERIFIER_KMS_SECRET is required (32 bytes of hex)');
  else if (!/^[0-9a-fA-F]{64}$/.test(kmsSecret)) {
    problems.push('VERIFIER_KMS_SECRET must be 64 hex characters');
  }

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

  const rpcUrl = get('RPC_URL');
  if (!rpcUrl) problems.push('RPC_URL is required');
  else if (!isHttpUrl(rpcUrl)) problems.push('RPC_URL must be an http(s) URL');

  const didNetwork = get('DID_NETWORK');
  if (didNetwork && !/^[a-zA-Z0-9]{1,32}$/.test(didNetwork)) {
    problems.push('DID_NETWORK must be 1-32 letters or digits');
  }
  const relayerRaw = get('VERIFIER_RELAYER_KEY');
  let relayerKey: `0x${string}` | undefined;
  if (relayerRaw !== undefined) {
    if (/^0x[0-9a-fA-F]{64}$/.test(relayerRaw)) relayerKey = relayerRaw as `0x${string}`;
    else problems.push('VERIFIER_RELAYER_KEY must be 0x followed by 64 hex digits');
  }

  const threadsRaw = get('VERIFIER_POOL_THREADS');
  const poolThreads = threadsRaw === undefined ? undefined : int('VERIFIER_POOL_THREADS', 1, 1, 64);
  const poolMaxQueue = int('VERIFIER_POOL_MAX_QUEUE', 2_000, 1, 1_000_000);
  const rateLimitPerIp = int('VERIFIER_RATE_LIMIT_IP', 600, 1, 10_000_000);
  const rateLimitPerKey = int('VERIFIER_RATE_LIMIT_KEY', 6_000, 1, 10_000_000);
  const requestTtlSeconds = int('VERIFIER_REQUEST_TTL', 600, 1, 3_600);
  const shutdownGraceMs = int('VERIFIER_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000);

  const logLevel = get('LOG_LEVEL') ?? 'info';
  if (!LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LEVELS.join(', ')}`);

  if (problems.length > 0) {
    throw new VerifierError(
      'config_invalid',
      `invalid verifier configuration: ${problems.join('; ')}`,
    );
  }
  return {
    host,
    port,
    baseUrl,
    sqlitePath: `${dataDir.replace(/\/$/, '')}/verifier.sqlite`,
    databaseUrl,
    kmsSecret: kmsSecret!,
    marketplaces,
    rpcUrl: rpcUrl!,
    deploymentsDir: get('ZKREP_DEPLOYMENTS_DIR'),
    didNetwork,
    relayerKey,
    poolThreads,
    poolMaxQueue,
    rateLimitPerIp,
    rateLimitPerKey,
    requestTtlSeconds,
    shutdownGraceMs,
    logLevel,
  };
}
