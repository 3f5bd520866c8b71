/**
 * The only reader of the issuer's environment. Validated once at start; every problem is listed
 * in one error, and no secret is ever echoed.
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `ISSUER_HOST`, `ISSUER_PORT` | where the API listens | `127.0.0.1`, `8081` |
 * | `ISSUER_BASE_URL` | the public URL (schemas, revocation snapshot) | `http://HOST:PORT` |
 * | `ISSUER_DATA_DIR` | SQLite database folder | `./data/issuer` |
 * | `DATABASE_URL` | PostgreSQL instead of SQLite (`postgres://…`) | — |
 * | `ISSUER_KMS_SECRET` | 32-byte hex key that encrypts every key at rest (required) | — |
 * | `ISSUER_ADMIN_API_KEYS` | comma-separated admin keys, ≥ 24 characters each (required) | — |
 * | `RPC_URL` | the chain (required) | — |
 * | `ZKREP_DEPLOYMENTS_DIR` | where the deployment record `<chainId>.json` is | `contracts/deployments` |
 * | `DID_NETWORK` | the did:ethr network name | `0x<chainId hex>` |
 * | `ISSUER_REGISTRY_OWNER_KEY` | registry owner key: the issuer registers itself (dev chains) | — |
 * | `ISSUER_FUNDER_KEY` | a funded key that pays the DID controller's gas (dev chains) | — |
 * | `ISSUER_TRUSTED_MARKETPLACES` | comma-separated marketplace addresses whose signed trade events are accepted | the deployment's Marketplace |
 * | `KYC_POLICY_ID` | the marketplace's KYC (age) policy whose pass a rating buyer needs | the deployment's age policy |
 * | `LOG_LEVEL` | pino level | `info` |
 */
import { isHttpUrl } from '#platform';
import { IssuerError } from './errors.js';

export interface IssuerConfig {
  host: string;
  port: number;
  baseUrl: string;
  /** SQLite file, unless `databaseUrl` is set. */
  sqlitePath: string;
  databaseUrl: string | undefined;
  kmsSecret: string;
  adminApiKeys: string[];
  rpcUrl: string;
  /** Folder of `<chainId>.json` deployment records; undefined = `#contracts`' default. */
  deploymentsDir: string | undefined;
  didNetwork: string | undefined;
  registryOwnerKey: `0x${string}` | undefined;
  funderKey: `0x${string}` | undefined;
  kycPolicyId: bigint | undefined;
  trustedMarketplaces: string[] | undefined;
  logLevel: string;
}

const HEX_KEY = /^0x[0-9a-fA-F]{64}$/;
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and validates the configuration from `env` (default: `process.env`). */
export function loadIssuerConfig(env: NodeJS.ProcessEnv = process.env): IssuerConfig {
  const problems: string[] = [];
  const get = (k: string): string | undefined => {
    const v = env[k]?.trim();
    return v ? v : undefined;
  };

  const host = get('ISSUER_HOST') ?? '127.0.0.1';
  const portRaw = get('ISSUER_PORT') ?? '8081';
  const port = Number(portRaw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push('ISSUER_PORT must be an integer in [0, 65535]');
  }
  const baseUrl = get('ISSUER_BASE_URL') ?? `http://${host}:${port}`;
  if (!isHttpUrl(baseUrl)) problems.push('ISSUER_BASE_URL must be an http(s) URL');

  const databaseUrl = get('DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// URL');
  }
  const dataDir = get('ISSUER_DATA_DIR') ?? './data/issuer';

  const kmsSecret = get('ISSUER_KMS_SECRET');
  if (!kmsSecret) problems.push('ISSUER_KMS_SECRET is required (32 bytes of hex)');
  else if (!/^[0-9a-fA-F]{64}$/.test(kmsSecret)) {
    problems.push('ISSUER_KMS_SECRET must be 64 hex characters');
  }

  const keys = (get('ISSUER_ADMIN_API_KEYS') ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (keys.length === 0) problems.push('ISSUER_ADMIN_API_KEYS is required');
  else if (keys.some((k) => k.length < 24)) {
    problems.push('every ISSUER_ADMIN_API_KEYS entry must be at least 24 characters');
  }

  const rpcUrl = get('RPC_URL');
  if (!rpcUrl) problems.push('RPC_URL is required');
  else if (!isHttpUrl(rpcUrl)) problems.push('RPC_URL must be an http(s) URL');

  const didNetwork = get('DID_NETWORK');
  if (didNetwork && !/^[a-zA-Z0-9]{1,32}$/.test(didNetwork)) {
    problems.push('DID_NETWORK must be 1-32 letters or digits');
  }

  const key = (name: string): `0x${string}` | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    if (!HEX_KEY.test(v)) {
      problems.push(`${name} must be 0x followed by 64 hex digits`);
      return undefined;
    }
    return v as `0x${string}`;
  };
  const registryOwnerKey = key('ISSUER_REGISTRY_OWNER_KEY');
  const funderKey = key('ISSUER_FUNDER_KEY');

  const policyRaw = get('KYC_POLICY_ID');
  let kycPolicyId: bigint | undefined;
  if (policyRaw !== undefined) {
    if (/^[1-9][0-9]{0,9}$/.test(policyRaw)) kycPolicyId = BigInt(policyRaw);
    else problems.push('KYC_POLICY_ID must be a positive integer');
  }

  const marketsRaw = get('ISSUER_TRUSTED_MARKETPLACES');
  const trustedMarketplaces = marketsRaw
    ?.split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (trustedMarketplaces?.some((m) => !/^0x[0-9a-fA-F]{40}$/.test(m))) {
    problems.push('ISSUER_TRUSTED_MARKETPLACES must be comma-separated 0x addresses');
  }

  const logLevel = get('LOG_LEVEL') ?? 'info';
  if (!LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LEVELS.join(', ')}`);

  if (problems.length > 0) {
    throw new IssuerError('config_invalid', `invalid issuer configuration: ${problems.join('; ')}`);
  }
  return {
    host,
    port,
    baseUrl,
    sqlitePath: `${dataDir.replace(/\/$/, '')}/issuer.sqlite`,
    databaseUrl,
    kmsSecret: kmsSecret!,
    adminApiKeys: keys,
    rpcUrl: rpcUrl!,
    deploymentsDir: get('ZKREP_DEPLOYMENTS_DIR'),
    didNetwork,
    registryOwnerKey,
    funderKey,
    kycPolicyId,
    trustedMarketplaces,
    logLevel,
  };
}
