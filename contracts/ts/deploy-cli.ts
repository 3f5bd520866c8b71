/**
 * Deploys the zkrep contracts and prints the deployment record.
 *
 *   npx tsx contracts/ts/deploy-cli.ts [--verifier <Groth16Verifier.sol>]
 *       [--verification-key <verification_key.json>] [--owner <address>]
 *       [--did-registry <address>] [--marketplace <policies.json>] [--deployments-dir <dir>]
 *
 * With RPC_URL and DEPLOYER_PRIVATE_KEY set: deploys to that chain (idempotently; the record goes
 * to contracts/deployments/<chainId>.json) and exits. Without RPC_URL: starts the embedded anvil,
 * deploys, prints the RPC URL, and keeps the chain running until Ctrl-C (a local dev chain).
 *
 * `--verifier` and `--verification-key` default to the zk core's generated verifier and locked
 * verification key (circuits/build); they must be of the same setup. `--marketplace`
 * takes `{ "reputationPolicy": P, "agePolicy": P }` with P = { queryHash, schema, issuers[],
 * maxRootAge, maxProofAge, passLifetime } (field values as decimal strings).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { getAddress, type Address } from 'viem';
import { loadVerificationKey, verifierSolidityPath } from '#zk';
import { openChain } from './chain.js';
import { createClients } from './clients.js';
import { loadContractsConfig } from './config.js';
import { deploy } from './deploy.js';
import type { PolicyInput } from './gate.js';
import { ContractsError } from './errors.js';

type RawPolicy = Record<keyof PolicyInput, unknown>;

function policyFrom(raw: RawPolicy | undefined, what: string): PolicyInput {
  if (!raw || !Array.isArray(raw.issuers)) throw new Error(`${what}: missing or malformed`);
  return {
    queryHash: BigInt(String(raw.queryHash)),
    schema: BigInt(String(raw.schema)),
    issuers: raw.issuers.map((i: unknown) => BigInt(String(i))),
    maxRootAge: Number(raw.maxRootAge),
    maxProofAge: Number(raw.maxProofAge),
    passLifetime: Number(raw.passLifetime),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      verifier: { type: 'string' },
      'verification-key': { type: 'string' },
      owner: { type: 'string' },
      'did-registry': { type: 'string' },
      marketplace: { type: 'string' },
      'deployments-dir': { type: 'string' },
    },
  });
  const config = loadContractsConfig();
  if (config.rpcUrl && !config.deployerPrivateKey) {
    throw new Error('RPC_URL is set: also set DEPLOYER_PRIVATE_KEY (the deployer key).');
  }
  let marketplace: { reputationPolicy: PolicyInput; agePolicy: PolicyInput } | undefined;
  if (values.marketplace) {
    const raw = JSON.parse(await readFile(values.marketplace, 'utf8')) as Record<string, RawPolicy>;
    marketplace = {
      reputationPolicy: policyFrom(raw['reputationPolicy'], 'reputationPolicy'),
      agePolicy: policyFrom(raw['agePolicy'], 'agePolicy'),
    };
  }

  const chain = await openChain({ config });
  try {
    let account: Address | { privateKey: `0x${string}` };
    if (config.deployerPrivateKey) {
      account = { privateKey: config.deployerPrivateKey };
    } else {
      const { publicClient } = createClients({ rpcUrl: chain.rpcUrl, chainId: chain.chainId });
      const [first] = (await publicClient.request({
        method: 'eth_accounts',
      } as never)) as Address[];
      if (!first) throw new Error('the embedded chain has no unlocked account');
      account = first;
    }
    const { publicClient, walletClient } = createClients({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      account,
    });
    const result = await deploy({
      publicClient,
      walletClient,
      verifierSourcePath: values.verifier ?? verifierSolidityPath(),
      verificationKey: values['verification-key']
        ? (JSON.parse(await readFile(values['verification-key'], 'utf8')) as unknown)
        : loadVerificationKey(),
      owner: values.owner ? getAddress(values.owner) : undefined,
      didRegistry: values['did-registry'] ? getAddress(values['did-registry']) : undefined,
      marketplace,
      deploymentsDir: values['deployments-dir'],
    });
    console.log(
      JSON.stringify({ rpcUrl: chain.embedded ? chain.rpcUrl : undefined, ...result }, null, 2),
    );
    if (chain.embedded) {
      console.log('Embedded chain running; Ctrl-C to stop.');
      // The chain process is unref'd (it never keeps a program alive on its own): hold the
      // event loop open until a signal arrives.
      await new Promise<void>((resolve) => {
        const keepAlive = setInterval(() => {}, 1 << 30);
        const done = (): void => {
          clearInterval(keepAlive);
          resolve();
        };
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
    }
  } finally {
    await chain.close();
  }
}

main().catch((error: unknown) => {
  // A clean, stack-free message: errors carry codes and no secrets.
  const message =
    error instanceof ContractsError ? `${error.code}: ${error.message}` : String(error);
  console.error(message);
  process.exitCode = 1;
});
