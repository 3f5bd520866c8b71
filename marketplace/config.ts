/**
 * The only reader of the demo marketplace's environment. Validated once at start; every problem is
 * listed in one error, and no secret (API key, funder key) is ever echoed.
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `MARKETPLACE_HOST`, `MARKETPLACE_PORT` | where the web app listens | `127.0.0.1`, `8084` |
 * | `MARKETPLACE_BASE_URL` | its public URL | `http://HOST:PORT` |
 * | `MARKETPLACE_DATA_DIR` | SQLite database folder (accounts, actions, listings, its contract) | `./data/marketplace` |
 * | `DATABASE_URL` | PostgreSQL instead of SQLite (`postgres://…`) | — |
 * | `MARKETPLACE_VERIFIER_URL` | the verifier's API (required) | — |
 * | `MARKETPLACE_API_KEY` | this marketplace's API key at the verifier (required, ≥ 24 characters) | — |
 * | `MARKETPLACE_TRUSTED_ISSUERS` | issuer key hashes (decimal, comma-separated) its policies trust (required; the issuer's `GET /issuer`) | — |
 * | `MARKETPLACE_FUNDER_KEY` | a funded key: deploys its Marketplace contract and funds each new demo account (required) | — |
 * | `MARKETPLACE_ACCOUNT_FUNDING_WEI` | what each new demo account is sent | `1000000000000000000` (1 ETH) |
 * | `MARKETPLACE_POLL_MS` | how often a pending proof request is polled at the verifier | `500` |
 * | `MARKETPLACE_NEW_ACCOUNTS_PER_HOUR` | new (funded) demo accounts per client IP per hour | `20` |
 * | `RPC_URL` | the chain (required) | — |
 * | `ZKREP_DEPLOYMENTS_DIR` | where the deployment record `<chainId>.json` is (its ZkGate) | `contracts/deployments` |
 * | `LOG_LEVEL` | pino level | `info` |
 */
import { envReader, isHttpUrl, serviceSettings, type ServiceSettings } from '#platform';
import { MarketplaceError } from './errors.js';

export interface MarketplaceConfig extends Omit<ServiceSettings, 'kmsSecret' | 'didNetwork'> {
  verifierUrl: string;
  apiKey: string;
  trustedIssuers: string[];
  funderKey: `0x${string}`;
  accountFundingWei: bigint;
  pollMs: number;
  newAccountsPerHour: number;
}

const SECRET = /^[A-Za-z0-9._~+/=-]{24,256}$/;
const DECIMAL = /^[1-9][0-9]{0,77}$/;
const WEI = /^(0|[1-9][0-9]{0,30})$/;

/** Reads and validates the configuration from `env` (default: `process.env`). */
export function loadMarketplaceConfig(env: NodeJS.ProcessEnv = process.env): MarketplaceConfig {
  const r = envReader(env);
  const { problems, get } = r;
  const {
    kmsSecret: _k,
    didNetwork: _d,
    ...settings
  } = serviceSettings(r, {
    prefix: 'MARKETPLACE',
    defaultPort: 8084,
    name: 'marketplace',
    kms: false,
  });

  const verifierUrl = (get('MARKETPLACE_VERIFIER_URL') ?? '').replace(/\/+$/, '');
  if (!verifierUrl) problems.push('MARKETPLACE_VERIFIER_URL is required');
  else if (!isHttpUrl(verifierUrl))
    problems.push('MARKETPLACE_VERIFIER_URL must be an http(s) URL');

  const apiKey = get('MARKETPLACE_API_KEY') ?? '';
  if (!apiKey) problems.push("MARKETPLACE_API_KEY is required (the verifier's key for it)");
  else if (!SECRET.test(apiKey)) problems.push('MARKETPLACE_API_KEY must be ≥ 24 characters');

  const trustedIssuers = (get('MARKETPLACE_TRUSTED_ISSUERS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (trustedIssuers.length === 0) {
    problems.push('MARKETPLACE_TRUSTED_ISSUERS is required (issuer key hashes, decimal)');
  } else if (!trustedIssuers.every((h) => DECIMAL.test(h))) {
    problems.push('MARKETPLACE_TRUSTED_ISSUERS must be decimal issuer key hashes');
  }

  const funderKey = r.hexKey('MARKETPLACE_FUNDER_KEY');
  if (!funderKey && !get('MARKETPLACE_FUNDER_KEY')) {
    problems.push('MARKETPLACE_FUNDER_KEY is required (a funded key)');
  }

  const fundingRaw = get('MARKETPLACE_ACCOUNT_FUNDING_WEI') ?? '1000000000000000000';
  if (!WEI.test(fundingRaw)) {
    problems.push('MARKETPLACE_ACCOUNT_FUNDING_WEI must be a whole number of wei');
  }
  const pollMs = r.int('MARKETPLACE_POLL_MS', 500, 50, 60_000);
  const newAccountsPerHour = r.int('MARKETPLACE_NEW_ACCOUNTS_PER_HOUR', 20, 1, 100_000);

  if (problems.length > 0) {
    throw new MarketplaceError(
      'config_invalid',
      `invalid marketplace configuration: ${problems.join('; ')}`,
    );
  }
  return {
    ...settings,
    verifierUrl,
    apiKey,
    trustedIssuers,
    funderKey: funderKey!,
    accountFundingWei: BigInt(fundingRaw),
    pollMs,
    newAccountsPerHour,
  };
}
