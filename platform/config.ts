/**
 * What every service's `config.ts` reads the same way: an environment reader that collects every
 * problem (never echoing a value), and the settings all services share — where to listen, the
 * public URL, SQLite or PostgreSQL, the KMS secret, the chain, the did:ethr network, the log
 * level — under the service's prefix (`ISSUER_PORT`, `VERIFIER_PORT`, …).
 */
import { isHttpUrl } from './url.js';

export interface EnvReader {
  /** The trimmed value, or undefined when unset or empty. */
  get(name: string): string | undefined;
  /** An integer in [min, max], `fallback` when unset (a problem when malformed). */
  int(name: string, fallback: number, min: number, max: number): number;
  /** An optional 0x-prefixed 32-byte hex key. */
  hexKey(name: string): `0x${string}` | undefined;
  /** Every problem found so far. */
  readonly problems: string[];
}

export function envReader(env: NodeJS.ProcessEnv): EnvReader {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  return {
    problems,
    get,
    int(name, fallback, min, max) {
      const raw = get(name);
      if (raw === undefined) return fallback;
      const n = Number(raw);
      if (!/^[0-9]+$/.test(raw) || n < min || n > max) {
        problems.push(`${name} must be an integer in [${min}, ${max}]`);
        return fallback;
      }
      return n;
    },
    hexKey(name) {
      const v = get(name);
      if (v === undefined) return undefined;
      if (!/^0x[0-9a-fA-F]{64}$/.test(v)) {
        problems.push(`${name} must be 0x followed by 64 hex digits`);
        return undefined;
      }
      return v as `0x${string}`;
    },
  };
}

export interface ServiceSettings {
  host: string;
  port: number;
  baseUrl: string;
  /** SQLite file, unless `databaseUrl` is set. */
  sqlitePath: string;
  databaseUrl: string | undefined;
  kmsSecret: string;
  rpcUrl: string;
  /** Folder of `<chainId>.json` deployment records; undefined = `#contracts`' default. */
  deploymentsDir: string | undefined;
  didNetwork: string | undefined;
  logLevel: string;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * The shared settings of service `prefix` (`<PREFIX>_HOST`, `_PORT`, `_BASE_URL`, `_DATA_DIR`,
 * `_KMS_SECRET` unless `kms: false`; `DATABASE_URL`, `RPC_URL`, `ZKREP_DEPLOYMENTS_DIR`, `DID_NETWORK`, `LOG_LEVEL`).
 */
export function serviceSettings(
  r: EnvReader,
  p: { prefix: string; defaultPort: number; name: string; kms?: boolean },
): ServiceSettings {
  const { prefix } = p;
  const host = r.get(`${prefix}_HOST`) ?? '127.0.0.1';
  const port = r.int(`${prefix}_PORT`, p.defaultPort, 0, 65535);
  const baseUrl = (r.get(`${prefix}_BASE_URL`) ?? `http://${host}:${port}`).replace(/\/$/, '');
  if (!isHttpUrl(baseUrl)) r.problems.push(`${prefix}_BASE_URL must be an http(s) URL`);

  const databaseUrl = r.get('DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    r.problems.push('DATABASE_URL must be a postgres:// URL');
  }
  const dataDir = r.get(`${prefix}_DATA_DIR`) ?? `./data/${p.name}`;

  // A service without keys of its own (`kms: false`) neither needs nor reads a KMS secret.
  const kmsSecret = p.kms === false ? undefined : r.get(`${prefix}_KMS_SECRET`);
  if (p.kms !== false) {
    if (!kmsSecret) r.problems.push(`${prefix}_KMS_SECRET is required (32 bytes of hex)`);
    else if (!/^[0-9a-fA-F]{64}$/.test(kmsSecret)) {
      r.problems.push(`${prefix}_KMS_SECRET must be 64 hex characters`);
    }
  }

  const rpcUrl = r.get('RPC_URL');
  if (!rpcUrl) r.problems.push('RPC_URL is required');
  else if (!isHttpUrl(rpcUrl)) r.problems.push('RPC_URL must be an http(s) URL');

  const didNetwork = r.get('DID_NETWORK');
  if (didNetwork && !/^[a-zA-Z0-9]{1,32}$/.test(didNetwork)) {
    r.problems.push('DID_NETWORK must be 1-32 letters or digits');
  }
  const logLevel = r.get('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    r.problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    host,
    port,
    baseUrl,
    sqlitePath: `${dataDir.replace(/\/$/, '')}/${p.name}.sqlite`,
    databaseUrl,
    kmsSecret: kmsSecret ?? '',
    rpcUrl: rpcUrl ?? '',
    deploymentsDir: r.get('ZKREP_DEPLOYMENTS_DIR'),
    didNetwork,
    logLevel,
  };
}
