/**
 * The real stack for end-to-end tests and the bench: an embedded anvil with every contract
 * deployed by the real `deploy()` (the locked verification key), and the real issuer started
 * from its environment configuration. anvil's dev keys are public test keys, funded on every
 * anvil: the registry owner registers the issuer, the funder pays its DID controller's gas, the
 * relayer is free for a verifier.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  createClients,
  deploy,
  startAnvil,
  type AnvilChain,
  type DeployParameters,
} from '#contracts';
import { loadIssuerConfig, startIssuer, type RunningIssuer } from '#issuer';
import {
  loadVerifierConfig,
  startVerifier,
  type RunningVerifier,
  type StartVerifierOptions,
} from '#verifier';
import { ethrResolver } from '#platform';
import { loadVerificationKey, verifierSolidityPath } from '#zk';
import type { Resolver } from 'did-resolver';
import { DEV_KEYS } from '../../scripts/lib/dev-keys.js';

export { DEV_KEYS };
export const TEST_ADMIN_KEY = 'admin-key-for-tests-0123456789';

/** Read and write clients on `chain` for one of the dev keys. */
export const devClients = (chain: AnvilChain, key: keyof typeof DEV_KEYS) =>
  createClients({
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    account: { privateKey: DEV_KEYS[key] },
  });

/**
 * anvil + every contract, the deployment record written to `<work>/deployments`. With
 * `marketplace`, also the demo Marketplace and its two policies: the function is called once anvil
 * runs and before the deployment (e.g. to create the issuer's zk key, which the policies trust).
 */
export async function startDeployedChain(
  work: string,
  options: {
    marketplace?: (chain: AnvilChain) => Promise<NonNullable<DeployParameters['marketplace']>>;
  } = {},
): Promise<AnvilChain> {
  const chain = await startAnvil();
  try {
    const { publicClient, walletClient } = devClients(chain, 'owner');
    await deploy({
      publicClient,
      walletClient,
      verifierSourcePath: verifierSolidityPath(),
      verificationKey: loadVerificationKey(),
      deploymentsDir: join(work, 'deployments'),
      ...(options.marketplace ? { marketplace: await options.marketplace(chain) } : {}),
    });
    return chain;
  } catch (e) {
    await chain.stop();
    throw e;
  }
}

/** The issuer's environment on `chain` (data under `<work>/issuer`), with `over` applied. */
export function issuerEnv(
  chain: AnvilChain,
  work: string,
  over: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ISSUER_PORT: '0',
    ISSUER_DATA_DIR: join(work, 'issuer'),
    ISSUER_KMS_SECRET: 'cd'.repeat(32),
    ISSUER_ADMIN_API_KEYS: TEST_ADMIN_KEY,
    RPC_URL: chain.rpcUrl,
    ZKREP_DEPLOYMENTS_DIR: join(work, 'deployments'),
    ISSUER_REGISTRY_OWNER_KEY: DEV_KEYS.owner,
    ISSUER_FUNDER_KEY: DEV_KEYS.funder,
    LOG_LEVEL: 'silent',
    ...over,
  };
}

/** The real issuer on `chain`. */
export function startTestIssuer(chain: AnvilChain, work: string): Promise<RunningIssuer> {
  return startIssuer(loadIssuerConfig(issuerEnv(chain, work)));
}

/**
 * The verifier's environment on `chain` (data under `<work>/<name>`, its own KMS secret per name)
 * for the marketplace `marketplace` with API key `apiKey`; `over` overrides any variable. The same
 * name gives the same environment: a restart on the same data, in this process or as
 * `verifier/server.ts`.
 */
export function verifierEnv(
  chain: AnvilChain,
  work: string,
  p: { name?: string; marketplace: string; apiKey: string; over?: Record<string, string> },
): NodeJS.ProcessEnv {
  const name = p.name ?? 'verifier';
  return {
    VERIFIER_PORT: '0',
    VERIFIER_DATA_DIR: join(work, name),
    VERIFIER_KMS_SECRET: createHash('sha256').update(`test verifier ${name}`).digest('hex'),
    VERIFIER_MARKETPLACES: `${p.marketplace}:${p.apiKey}`,
    RPC_URL: chain.rpcUrl,
    ZKREP_DEPLOYMENTS_DIR: join(work, 'deployments'),
    VERIFIER_POOL_THREADS: '1',
    LOG_LEVEL: 'silent',
    ...p.over,
  };
}

/**
 * A real verifier on `chain` (`verifierEnv`: data under `<work>/<name>`, its own KMS secret per
 * name) for the marketplace `marketplace` with API key `apiKey`; `over` overrides any variable;
 * `options` go to `startVerifier` (a logger, the clock …).
 */
export function startTestVerifier(
  chain: AnvilChain,
  work: string,
  p: {
    name?: string;
    marketplace: string;
    apiKey: string;
    over?: Record<string, string>;
    options?: StartVerifierOptions;
  },
): Promise<RunningVerifier> {
  return startVerifier(loadVerifierConfig(verifierEnv(chain, work, p)), p.options);
}

/** A did:ethr resolver for `chain`'s ERC-1056 registry (the issuer's deployment). */
export function chainResolver(chain: AnvilChain, issuer: RunningIssuer): Resolver {
  return ethrResolver({
    name: `0x${chain.chainId.toString(16)}`,
    chainId: chain.chainId,
    rpcUrl: chain.rpcUrl,
    registry: issuer.deployment.contracts.didRegistry.address,
  });
}
