/**
 * The real stack for end-to-end tests and the bench: an embedded anvil with every contract
 * deployed by the real `deploy()` (the locked verification key), and the real issuer started
 * from its environment configuration. anvil's dev keys are public test keys, funded on every
 * anvil: the registry owner registers the issuer, the funder pays its DID controller's gas, the
 * relayer is free for a verifier.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createClients, deploy, startAnvil, type AnvilChain } from '#contracts';
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

export const DEV_KEYS = {
  owner: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  funder: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  relayer: '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
} as const;
export const TEST_ADMIN_KEY = 'admin-key-for-tests-0123456789';

/** Read and write clients on `chain` for one of the dev keys. */
export const devClients = (chain: AnvilChain, key: keyof typeof DEV_KEYS) =>
  createClients({
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    account: { privateKey: DEV_KEYS[key] },
  });

/** anvil + every contract, the deployment record written to `<work>/deployments`. */
export async function startDeployedChain(work: string): Promise<AnvilChain> {
  const chain = await startAnvil();
  try {
    const { publicClient, walletClient } = devClients(chain, 'owner');
    await deploy({
      publicClient,
      walletClient,
      verifierSourcePath: verifierSolidityPath(),
      verificationKey: loadVerificationKey(),
      deploymentsDir: join(work, 'deployments'),
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
 * A real verifier on `chain` (data under `<work>/<name>`, its own KMS secret per name) for the
 * marketplace `marketplace` with API key `apiKey`; `over` overrides any variable; `options` go to
 * `startVerifier` (a logger, the clock …).
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
  const name = p.name ?? 'verifier';
  return startVerifier(
    loadVerifierConfig({
      VERIFIER_PORT: '0',
      VERIFIER_DATA_DIR: join(work, name),
      VERIFIER_KMS_SECRET: createHash('sha256').update(`test verifier ${name}`).digest('hex'),
      VERIFIER_MARKETPLACES: `${p.marketplace}:${p.apiKey}`,
      RPC_URL: chain.rpcUrl,
      ZKREP_DEPLOYMENTS_DIR: join(work, 'deployments'),
      VERIFIER_POOL_THREADS: '1',
      LOG_LEVEL: 'silent',
      ...p.over,
    }),
    p.options,
  );
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
