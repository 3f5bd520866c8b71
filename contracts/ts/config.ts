/**
 * The only place `#contracts` reads `process.env`. Validated once; every problem is listed.
 *
 * - `RPC_URL`: connect to this EVM chain instead of starting the embedded anvil.
 * - `DEPLOYER_PRIVATE_KEY`: the key that deploys to `RPC_URL` (unused on the embedded chain, whose
 *   dev accounts are unlocked).
 */
import type { Hex } from 'viem';
import { ContractsError, ContractsErrorCode } from './errors.js';

export type ContractsConfig = {
  /** JSON-RPC endpoint of an external chain; undefined = start the embedded anvil. */
  readonly rpcUrl: string | undefined;
  /** Deployer key for an external chain. */
  readonly deployerPrivateKey: Hex | undefined;
};

/** Reads and validates the configuration from `env` (default: `process.env`). */
export function loadContractsConfig(env: NodeJS.ProcessEnv = process.env): ContractsConfig {
  const problems: string[] = [];

  const rawUrl = env['RPC_URL']?.trim();
  let rpcUrl: string | undefined;
  if (rawUrl) {
    try {
      const url = new URL(rawUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        problems.push(`RPC_URL must be an http(s) URL (got protocol "${url.protocol}")`);
      } else {
        rpcUrl = rawUrl;
      }
    } catch {
      problems.push('RPC_URL is not a valid URL');
    }
  }

  const rawKey = env['DEPLOYER_PRIVATE_KEY']?.trim();
  let deployerPrivateKey: Hex | undefined;
  if (rawKey) {
    // Never echo the value: it is a secret.
    if (/^0x[0-9a-fA-F]{64}$/.test(rawKey)) deployerPrivateKey = rawKey as Hex;
    else problems.push('DEPLOYER_PRIVATE_KEY must be 0x followed by 64 hex digits');
  }
  if (deployerPrivateKey && !rpcUrl && !problems.some((p) => p.startsWith('RPC_URL'))) {
    problems.push('DEPLOYER_PRIVATE_KEY is set but RPC_URL is not');
  }

  if (problems.length > 0) {
    throw new ContractsError(ContractsErrorCode.configInvalid, 'Invalid contracts configuration.', {
      details: problems.join('; '),
    });
  }
  return { rpcUrl, deployerPrivateKey };
}
