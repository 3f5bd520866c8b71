/**
 * The whole zkrep stack in one process (`npm start`, and tests): the embedded anvil (its state
 * kept in the data folder) or an external chain, every contract deployed by `deploy()`, the
 * issuer, the verifier (with a relayer), the demo marketplace, and a consent page for each demo
 * wallet (Alice, the seller; Bob, the buyer).
 *
 * The first start on an empty data folder bootstraps: the issuer starts without reputation, the
 * demo marketplace deploys its contract bound to its two verifier policies (which trust the
 * issuer's key), then the issuer restarts reading that contract's events, with its age policy as
 * the KYC policy and a partner marketplace's key trusted for signed trade events; then the demo
 * holders are seeded (seed.ts). Everything a restart needs is saved in `<data>/stack.json` (mode
 * 0600): a restart starts every part from it and neither bootstraps nor seeds again.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  createClients,
  deploy,
  rpcChainId,
  startAnvil,
  type AnvilChain,
  type Deployment,
} from '#contracts';
import { loadIssuerConfig, startIssuer, type RunningIssuer } from '#issuer';
import { loadMarketplaceConfig, startMarketplace } from '#marketplace';
import { loadVerifierConfig, startVerifier, type RunningVerifier } from '#verifier';
import { openWallet, startWalletAgent } from '#wallet';
import { loadVerificationKey, shutdownZk, verifierSolidityPath } from '#zk';
import { privateKeyToAccount } from 'viem/accounts';
import {
  CHAIN_ID,
  DEMO_MARKETPLACE_ID,
  DEMO_WALLETS,
  issuerEnv,
  launcherEnv,
  loadServiceConfigs,
  marketplaceEnv,
  newSecrets,
  readLauncherConfig,
  stackPaths,
  StackConfigError,
  verifierEnv,
  type DemoWalletName,
  type RuntimeValues,
  type StackSecrets,
} from './config.js';
import { seedDemo, walletChainOf, type SeedContext } from './seed.js';

/** `<data>/stack.json`. */
export interface SavedStack {
  version: 1;
  secrets: StackSecrets;
  /** Set once the bootstrap is done. */
  marketplace?: { address: string; agePolicyId: string; reputationPolicyId: string } | undefined;
  /** Set once the demo holders are seeded. */
  seeded?: boolean | undefined;
}

export interface StackWallet {
  name: DemoWalletName;
  dir: string;
  passphrase: string;
  address: string;
  did: string;
  /** The consent page's entry link (it carries the access token). */
  consentUrl: string;
}

export interface StartStackOptions {
  /** Default: `ZKREP_DATA_DIR`, else `./data`. */
  dataDir?: string;
  /** The environment (default: the process's, after `.env`). */
  env?: NodeJS.ProcessEnv;
  /** Every port 0: any free port (tests). */
  anyPorts?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface RunningStack {
  dataDir: string;
  /** True when the data folder held a bootstrapped, seeded stack. */
  resumed: boolean;
  rpcUrl: string;
  chainId: number;
  /** The embedded anvil (undefined on an external chain). */
  anvil: AnvilChain | undefined;
  deployment: Deployment;
  issuer: RunningIssuer & { adminKey: string };
  verifier: RunningVerifier & { marketplaceId: string; apiKey: string };
  marketplace: {
    url: string;
    /** Its Marketplace contract. */
    address: string;
    policies: {
      reputation: { id: string; chainPolicyId: string };
      age: { id: string; chainPolicyId: string };
    };
  };
  /** Signs the partner marketplace's trade events (trusted by the issuer). */
  partnerKey: `0x${string}`;
  wallets: StackWallet[];
  urls: {
    rpc: string;
    issuer: string;
    issuerOpenApi: string;
    verifier: string;
    verifierOpenApi: string;
    dashboard: string;
    marketplace: string;
    wallets: Record<string, string>;
  };
  close(): Promise<void>;
}

async function readSaved(file: string): Promise<SavedStack | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StackConfigError([`${file} cannot be read: ${(e as Error).message}`]);
  }
  try {
    const saved = JSON.parse(text) as SavedStack;
    if (saved.version !== 1 || typeof saved.secrets?.issuerKmsSecret !== 'string') throw 0;
    return saved;
  } catch {
    throw new StackConfigError([`${file} is not a zkrep stack file (remove the data folder?)`]);
  }
}

async function writeSaved(file: string, saved: SavedStack): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
}

/** Starts the stack (see the file comment); on any failure what was started is stopped. */
export async function startStack(options: StartStackOptions = {}): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const env = options.env ?? launcherEnv();
  const { config, problems } = readLauncherConfig(env, {
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.anyPorts ? { anyPorts: true } : {}),
  });
  const paths = stackPaths(config.dataDir);
  const saved = await readSaved(paths.stateFile);
  const secrets = saved?.secrets ?? newSecrets();
  const partner = privateKeyToAccount(secrets.partnerKey).address;
  // Every problem of every part before anything starts (runtime values not known yet stand in).
  const placeholder: RuntimeValues = {
    rpcUrl: config.rpcUrl ?? `http://127.0.0.1:${config.anvilPort || 8545}`,
    issuerKeyHash: '1',
    verifierUrl: 'http://127.0.0.1:1',
    marketplace: saved?.marketplace,
    partner,
  };
  loadServiceConfigs(config, secrets, placeholder, problems);

  const resumed = saved?.seeded === true && saved.marketplace !== undefined;
  log(
    resumed
      ? `resuming the stack in ${config.dataDir}`
      : saved
        ? `finishing the first start in ${config.dataDir} (bootstrap and seeding)`
        : `first start in ${config.dataDir}: deploying, bootstrapping and seeding`,
  );
  let state: SavedStack = saved ?? { version: 1, secrets };
  if (!saved) await writeSaved(paths.stateFile, state);

  const closers: (() => Promise<void>)[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const stop of closers.reverse()) {
      try {
        await stop();
      } catch {
        // Go on stopping the rest.
      }
    }
    // The curve's worker threads (the seeding's proofs, the warm wallet agents) would keep the
    // process alive; proving again later rebuilds them.
    await shutdownZk();
  };

  try {
    // The chain.
    let anvil: AnvilChain | undefined;
    let rpcUrl: string;
    let chainId: number;
    if (config.rpcUrl) {
      rpcUrl = config.rpcUrl;
      try {
        chainId = await rpcChainId(rpcUrl, 10_000);
      } catch {
        throw new Error(`RPC_URL (${rpcUrl}) does not answer`);
      }
    } else {
      await mkdir(dirname(paths.chainState), { recursive: true, mode: 0o700 });
      const chain = await startAnvil({
        port: config.anvilPort,
        chainId: CHAIN_ID,
        extraArgs: ['--state', paths.chainState, '--state-interval', '5'],
        killOnSignal: false,
      });
      anvil = chain;
      // Gracefully (SIGTERM): anvil writes its state on the way out.
      closers.push(() => chain.stop(15_000));
      rpcUrl = chain.rpcUrl;
      chainId = chain.chainId;
    }
    log(`chain: ${rpcUrl} (chain id ${chainId})`);

    // The contracts (an existing, live deployment is reused).
    const { publicClient, walletClient } = createClients({
      rpcUrl,
      chainId,
      account: { privateKey: config.keys.deployer },
    });
    const deployed = await deploy({
      publicClient,
      walletClient,
      verifierSourcePath: verifierSolidityPath(),
      verificationKey: loadVerificationKey(),
      deploymentsDir: paths.deployments,
    });
    if (state.marketplace && !deployed.reused) {
      throw new Error(
        `the chain no longer holds the deployment this stack was started with; remove ${config.dataDir} to start afresh`,
      );
    }
    const deployment = deployed.deployment;

    // The issuer (without reputation on the first start: the marketplace comes later).
    const runtime: RuntimeValues = { ...placeholder, rpcUrl, marketplace: state.marketplace };
    const startTheIssuer = () => startIssuer(loadIssuerConfig(issuerEnv(config, secrets, runtime)));
    let issuer = await startTheIssuer();
    closers.push(() => issuer.close());
    runtime.issuerKeyHash = issuer.issuerKeyHash.toString();
    log(`issuer: ${issuer.url} (${issuer.did})`);

    // The verifier, with the demo marketplace's account and the relayer.
    const verifier = await startVerifier(loadVerifierConfig(verifierEnv(config, secrets, runtime)));
    closers.push(() => verifier.close());
    runtime.verifierUrl = verifier.url;
    log(`verifier: ${verifier.url} (${verifier.did})`);

    // The demo marketplace: its policies at the verifier (on-chain) and its contract.
    const market = await startMarketplace(
      loadMarketplaceConfig(marketplaceEnv(config, secrets, runtime)),
    );
    closers.push(() => market.close());
    const policies = {
      reputation: { ...market.policies.reputation },
      age: { ...market.policies.age },
    };
    const address = market.contract;
    log(`marketplace: ${market.url} (contract ${address})`);

    if (!state.marketplace) {
      // Bootstrap: the issuer reads the new contract's events; its age policy is the KYC policy.
      runtime.marketplace = {
        address,
        agePolicyId: policies.age.chainPolicyId,
      };
      log('bootstrap: restarting the issuer with the demo marketplace');
      await issuer.close();
      issuer = await startTheIssuer();
      state = {
        ...state,
        marketplace: {
          address,
          agePolicyId: policies.age.chainPolicyId,
          reputationPolicyId: policies.reputation.chainPolicyId,
        },
      };
      await writeSaved(paths.stateFile, state);
    } else if (state.marketplace.address.toLowerCase() !== address.toLowerCase()) {
      throw new Error(
        `the demo marketplace now has contract ${address}, not the saved ${state.marketplace.address}; remove ${config.dataDir} to start afresh`,
      );
    }

    const walletInfo = DEMO_WALLETS.map((name) => ({
      name,
      dir: paths.wallet(name),
      passphrase: secrets.walletPassphrases[name],
    }));
    const ctx: SeedContext = {
      rpcUrl,
      chain: walletChainOf(deployment),
      issuerUrl: issuer.url,
      adminKey: secrets.adminApiKey,
    };
    if (!state.seeded) {
      log('seed: demo wallets for Alice (seller) and Bob (buyer)');
      await seedDemo({
        ctx,
        gate: {
          verifierUrl: verifier.url,
          apiKey: secrets.marketplaceApiKey,
          policyId: policies.age.id,
        },
        partnerKey: secrets.partnerKey,
        wallets: { alice: walletInfo[0]!, bob: walletInfo[1]! },
        log,
      });
      state = { ...state, seeded: true };
      await writeSaved(paths.stateFile, state);
    }

    // A consent page per demo wallet.
    const wallets: StackWallet[] = [];
    for (const [i, w] of walletInfo.entries()) {
      const wallet = await openWallet({ dir: w.dir, passphrase: w.passphrase, rpcUrl });
      closers.push(() => wallet.close());
      const port = config.ports.wallet === 0 ? 0 : config.ports.wallet + i;
      const agent = await startWalletAgent(wallet, { port });
      closers.push(() => agent.close());
      wallets.push({
        ...w,
        address: wallet.address,
        did: wallet.did,
        consentUrl: agent.entryUrl,
      });
    }

    const stack: RunningStack = {
      dataDir: config.dataDir,
      resumed,
      rpcUrl,
      chainId,
      anvil,
      deployment,
      issuer: Object.assign(issuer, { adminKey: secrets.adminApiKey }),
      verifier: Object.assign(verifier, {
        marketplaceId: DEMO_MARKETPLACE_ID,
        apiKey: secrets.marketplaceApiKey,
      }),
      marketplace: { url: market.url, address, policies },
      partnerKey: secrets.partnerKey,
      wallets,
      urls: {
        rpc: rpcUrl,
        issuer: issuer.url,
        issuerOpenApi: `${issuer.url}/openapi.json`,
        verifier: verifier.url,
        verifierOpenApi: `${verifier.url}/openapi.json`,
        dashboard: `${verifier.url}/dashboard/`,
        marketplace: market.url,
        wallets: Object.fromEntries(wallets.map((w) => [w.name, w.consentUrl])),
      },
      close,
    };
    return stack;
  } catch (e) {
    await close();
    throw e;
  }
}
