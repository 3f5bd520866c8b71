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
 * | `ISSUER_MARKETPLACE` | the Marketplace contract whose `TradeCompleted`/`Rated` events are read | the deployment's Marketplace |
 * | `ISSUER_TRUSTED_MARKETPLACES` | comma-separated marketplace addresses whose signed trade events are accepted | `ISSUER_MARKETPLACE`, else the deployment's Marketplace |
 * | `KYC_POLICY_ID` | the marketplace's KYC (age) policy whose pass a rating buyer needs | the deployment's age policy |
 * | `LOG_LEVEL` | pino level | `info` |
 */
import { envReader, serviceSettings, type ServiceSettings } from '#platform';
import { IssuerError } from './errors.js';

export interface IssuerConfig extends ServiceSettings {
  adminApiKeys: string[];
  registryOwnerKey: `0x${string}` | undefined;
  funderKey: `0x${string}` | undefined;
  kycPolicyId: bigint | undefined;
  trustedMarketplaces: string[] | undefined;
  /** The Marketplace contract whose events are read; undefined: the deployment's. */
  marketplace: `0x${string}` | undefined;
}

/** Reads and validates the configuration from `env` (default: `process.env`). */
export function loadIssuerConfig(env: NodeJS.ProcessEnv = process.env): IssuerConfig {
  const r = envReader(env);
  const { problems, get } = r;
  const settings = serviceSettings(r, { prefix: 'ISSUER', defaultPort: 8081, name: 'issuer' });

  const keys = (get('ISSUER_ADMIN_API_KEYS') ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (keys.length === 0) problems.push('ISSUER_ADMIN_API_KEYS is required');
  else if (keys.some((k) => k.length < 24)) {
    problems.push('every ISSUER_ADMIN_API_KEYS entry must be at least 24 characters');
  }

  const registryOwnerKey = r.hexKey('ISSUER_REGISTRY_OWNER_KEY');
  const funderKey = r.hexKey('ISSUER_FUNDER_KEY');

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

  const marketplace = get('ISSUER_MARKETPLACE');
  if (marketplace !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(marketplace)) {
    problems.push('ISSUER_MARKETPLACE must be a 0x address');
  }

  if (problems.length > 0) {
    throw new IssuerError('config_invalid', `invalid issuer configuration: ${problems.join('; ')}`);
  }
  return {
    ...settings,
    adminApiKeys: keys,
    registryOwnerKey,
    funderKey,
    kycPolicyId,
    trustedMarketplaces,
    marketplace: marketplace as `0x${string}` | undefined,
  };
}
