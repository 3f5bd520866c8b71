/**
 * The launcher's configuration (`npm start`): the only reader of `process.env` in scripts/. It
 * reads its own variables, builds each service's environment from the launcher's defaults, the
 * secrets saved in the data folder and the user's overrides, and runs each service's own
 * `load*Config` on it, so that every problem of every part is listed at once.
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `ZKREP_DATA_DIR` | everything the stack keeps (chain state, databases, wallets, `stack.json`) | `./data` |
 * | `ANVIL_PORT` | the embedded chain's port on 127.0.0.1 | `8545` |
 * | `ISSUER_PORT`, `VERIFIER_PORT`, `MARKETPLACE_PORT` | the services' ports | `8081`, `8082`, `8084` |
 * | `WALLET_PORT` | Alice's consent page; Bob's is the next port | `7300` |
 * | `RPC_URL` | an external chain instead of the embedded anvil (then the four keys are required) | — |
 * | `DEPLOYER_KEY` | deploys the contracts, owns the issuer registry | anvil's account 0 (embedded only) |
 * | `RELAYER_KEY` | the verifier's relayer (policies on-chain, relayed proofs) | anvil's account 2 (embedded only) |
 * | `FUNDER_KEY` | pays the issuer's DID gas | anvil's account 1 (embedded only) |
 * | `MARKETPLACE_FUNDER_KEY` | the demo marketplace's key: deploys its contract, funds its demo accounts | anvil's account 3 (embedded only) |
 * | `DATABASE_URL` | PostgreSQL for every service instead of SQLite | — |
 * | `ISSUER_DATABASE_URL`, `VERIFIER_DATABASE_URL`, `MARKETPLACE_DATABASE_URL` | one service's PostgreSQL (wins over `DATABASE_URL`) | — |
 * | `LOG_LEVEL` | the services' pino level | `warn` |
 *
 * Every other `ISSUER_*`, `VERIFIER_*`, `MARKETPLACE_*` variable (and `KYC_POLICY_ID`,
 * `DID_NETWORK`) goes to its service unchanged and wins over the launcher's value. A `.env` file
 * at the repository root is read first; the real environment wins over it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { loadIssuerConfig, type IssuerConfig } from '#issuer';
import { loadMarketplaceConfig, type MarketplaceConfig } from '#marketplace';
import { envReader, isHttpUrl } from '#platform';
import { loadVerifierConfig, type VerifierConfig } from '#verifier';
import { DEV_KEYS } from './dev-keys.js';

type Hex = `0x${string}`;
type Env = Record<string, string | undefined>;

/** The embedded chain's id (anvil's default; fixed so that a saved chain state fits). */
export const CHAIN_ID = 31337;
/** The demo marketplace's account at the verifier. */
export const DEMO_MARKETPLACE_ID = 'demo';
/** The demo wallets, in port order. */
export const DEMO_WALLETS = ['alice', 'bob'] as const;
export type DemoWalletName = (typeof DEMO_WALLETS)[number];

/** The repository root (for `.env`). */
const ROOT = resolve(new URL('../..', import.meta.url).pathname);

/** A configuration that cannot start: every problem, one line each. */
export class StackConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'StackConfigError';
  }
}

export interface LauncherConfig {
  /** Absolute. */
  dataDir: string;
  /** An external chain; undefined: the embedded anvil. */
  rpcUrl: string | undefined;
  anvilPort: number;
  ports: { issuer: number; verifier: number; marketplace: number; wallet: number };
  keys: { deployer: Hex; relayer: Hex; funder: Hex; marketplace: Hex };
  /** The user's environment: its service variables override the launcher's. */
  env: Env;
}

/** The secrets generated on the first start and saved in `stack.json`. */
export interface StackSecrets {
  issuerKmsSecret: string;
  verifierKmsSecret: string;
  adminApiKey: string;
  marketplaceApiKey: string;
  /** Signs the partner marketplace's trade events (seeding); holds no funds. */
  partnerKey: Hex;
  walletPassphrases: Record<DemoWalletName, string>;
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

export function newSecrets(): StackSecrets {
  return {
    issuerKmsSecret: hex(32),
    verifierKmsSecret: hex(32),
    adminApiKey: `admin-${hex(24)}`,
    marketplaceApiKey: `demo-${hex(24)}`,
    partnerKey: `0x${hex(32)}`,
    walletPassphrases: { alice: `alice-${hex(12)}`, bob: `bob-${hex(12)}` },
  };
}

/**
 * The process environment, after reading `file` (default `<repo>/.env`) when there is one (the
 * real environment wins over it).
 */
export function launcherEnv(file = join(ROOT, '.env')): Env {
  if (!existsSync(file)) return process.env;
  return { ...parseEnv(readFileSync(file, 'utf8')), ...process.env };
}

/**
 * Reads the launcher's own variables from `env`; `anyPorts` puts every port at 0 (tests).
 * Problems are returned, not thrown, so that they are listed with the services' own.
 */
export function readLauncherConfig(
  env: Env,
  options: { dataDir?: string; anyPorts?: boolean } = {},
): { config: LauncherConfig; problems: string[] } {
  const r = envReader(env);
  const dataDir = resolve(options.dataDir ?? r.get('ZKREP_DATA_DIR') ?? './data');
  const rpcUrl = r.get('RPC_URL');
  if (rpcUrl !== undefined && !isHttpUrl(rpcUrl)) r.problems.push('RPC_URL must be an http(s) URL');
  const port = (name: string, fallback: number): number =>
    options.anyPorts ? 0 : r.int(name, fallback, 0, 65535);
  const ports = {
    issuer: port('ISSUER_PORT', 8081),
    verifier: port('VERIFIER_PORT', 8082),
    marketplace: port('MARKETPLACE_PORT', 8084),
    wallet: options.anyPorts ? 0 : r.int('WALLET_PORT', 7300, 0, 65534),
  };
  const anvilPort = port('ANVIL_PORT', 8545);
  const key = (name: string, dev: Hex): Hex => {
    const given = r.hexKey(name);
    if (given) return given;
    if (rpcUrl !== undefined && r.get(name) === undefined) {
      r.problems.push(
        `${name} is required with RPC_URL (the dev keys exist only on the embedded chain)`,
      );
    }
    return dev;
  };
  const keys = {
    deployer: key('DEPLOYER_KEY', DEV_KEYS.owner),
    relayer: key('RELAYER_KEY', DEV_KEYS.relayer),
    funder: key('FUNDER_KEY', DEV_KEYS.funder),
    marketplace: key('MARKETPLACE_FUNDER_KEY', DEV_KEYS.marketplace),
  };
  return {
    config: { dataDir, rpcUrl, anvilPort, ports, keys, env },
    problems: r.problems,
  };
}

/** Where each part keeps its data under the data folder. */
export const stackPaths = (dataDir: string) => ({
  stateFile: join(dataDir, 'stack.json'),
  chainState: join(dataDir, 'chain', 'state.json'),
  deployments: join(dataDir, 'deployments'),
  issuer: join(dataDir, 'issuer'),
  verifier: join(dataDir, 'verifier'),
  marketplace: join(dataDir, 'marketplace'),
  wallet: (name: string) => join(dataDir, 'wallets', name),
});

/** What the services' environments need that is known only while starting. */
export interface RuntimeValues {
  rpcUrl: string;
  /** The running issuer's key hash (decimal), which the marketplace's policies trust. */
  issuerKeyHash: string;
  verifierUrl: string;
  /** The demo marketplace's contract and its age policy on-chain, once bootstrapped. */
  marketplace?: { address: string; agePolicyId: string } | undefined;
  /** The partner marketplace's address (trusted for signed trade events). */
  partner?: string | undefined;
}

const SHARED = ['LOG_LEVEL', 'DID_NETWORK', 'DATABASE_URL'];

/** The user's variables for the service with `prefix` (and the shared ones). */
function overrides(env: Env, prefix: string, extra: string[] = []): Env {
  const out: Env = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (name.startsWith(`${prefix}_`) || SHARED.includes(name) || extra.includes(name)) {
      out[name] = value;
    }
  }
  const own = env[`${prefix}_DATABASE_URL`];
  if (own) out['DATABASE_URL'] = own;
  return out;
}

const common = (c: LauncherConfig, v: RuntimeValues): Env => ({
  RPC_URL: v.rpcUrl,
  ZKREP_DEPLOYMENTS_DIR: stackPaths(c.dataDir).deployments,
  LOG_LEVEL: 'warn',
});

export function issuerEnv(c: LauncherConfig, s: StackSecrets, v: RuntimeValues): Env {
  return {
    ...common(c, v),
    ISSUER_PORT: String(c.ports.issuer),
    ISSUER_DATA_DIR: stackPaths(c.dataDir).issuer,
    ISSUER_KMS_SECRET: s.issuerKmsSecret,
    ISSUER_ADMIN_API_KEYS: s.adminApiKey,
    ISSUER_REGISTRY_OWNER_KEY: c.keys.deployer,
    ISSUER_FUNDER_KEY: c.keys.funder,
    ...(v.marketplace
      ? { ISSUER_MARKETPLACE: v.marketplace.address, KYC_POLICY_ID: v.marketplace.agePolicyId }
      : {}),
    ...(v.partner ? { ISSUER_TRUSTED_MARKETPLACES: v.partner } : {}),
    ...overrides(c.env, 'ISSUER', ['KYC_POLICY_ID']),
  };
}

export function verifierEnv(c: LauncherConfig, s: StackSecrets, v: RuntimeValues): Env {
  return {
    ...common(c, v),
    VERIFIER_PORT: String(c.ports.verifier),
    VERIFIER_DATA_DIR: stackPaths(c.dataDir).verifier,
    VERIFIER_KMS_SECRET: s.verifierKmsSecret,
    VERIFIER_MARKETPLACES: `${DEMO_MARKETPLACE_ID}:${s.marketplaceApiKey}`,
    VERIFIER_RELAYER_KEY: c.keys.relayer,
    VERIFIER_POOL_THREADS: '1',
    ...overrides(c.env, 'VERIFIER'),
  };
}

export function marketplaceEnv(c: LauncherConfig, s: StackSecrets, v: RuntimeValues): Env {
  return {
    ...common(c, v),
    MARKETPLACE_PORT: String(c.ports.marketplace),
    MARKETPLACE_DATA_DIR: stackPaths(c.dataDir).marketplace,
    MARKETPLACE_VERIFIER_URL: v.verifierUrl,
    MARKETPLACE_API_KEY: s.marketplaceApiKey,
    MARKETPLACE_TRUSTED_ISSUERS: v.issuerKeyHash,
    MARKETPLACE_FUNDER_KEY: c.keys.marketplace,
    ...overrides(c.env, 'MARKETPLACE'),
  };
}

export interface ServiceConfigs {
  issuer: IssuerConfig;
  verifier: VerifierConfig;
  marketplace: MarketplaceConfig;
}

/**
 * Each service's own configuration from its environment; throws one `StackConfigError` with
 * every problem of the launcher (`launcherProblems`) and of every service, one line each (a
 * problem several services share is listed once, naming them).
 */
export function loadServiceConfigs(
  c: LauncherConfig,
  s: StackSecrets,
  v: RuntimeValues,
  launcherProblems: string[] = [],
): ServiceConfigs {
  const found = new Map<string, string[]>();
  const add = (who: string, problem: string): void => {
    found.set(problem, [...(found.get(problem) ?? []), who]);
  };
  for (const p of launcherProblems) add('launcher', p);
  const attempt = <T>(who: string, load: () => T): T | undefined => {
    try {
      return load();
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      // "invalid issuer configuration: a; b" → a, b
      const list = message.includes(': ') ? message.slice(message.indexOf(': ') + 2) : message;
      for (const p of list.split('; ')) add(who, p.trim());
      return undefined;
    }
  };
  const issuer = attempt('issuer', () => loadIssuerConfig(issuerEnv(c, s, v)));
  const verifier = attempt('verifier', () => loadVerifierConfig(verifierEnv(c, s, v)));
  const marketplace = attempt('marketplace', () => loadMarketplaceConfig(marketplaceEnv(c, s, v)));
  if (found.size > 0 || !issuer || !verifier || !marketplace) {
    throw new StackConfigError([...found].map(([p, who]) => `${who.join(', ')}: ${p}`));
  }
  return { issuer, verifier, marketplace };
}
