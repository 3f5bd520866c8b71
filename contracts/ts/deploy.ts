/**
 * Idempotent deployment of the zkrep contracts, recorded as data in
 * `contracts/deployments/<chainId>.json`.
 *
 * `deploy()` reuses the recorded deployment when it was made from the same build and options and
 * every recorded address still holds the expected code; otherwise it deploys afresh and rewrites
 * the file. On the embedded anvil every start is a new chain, so the file is rewritten each time
 * (and `31337.json` is kept out of git by contracts/.gitignore).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getAddress, keccak256, stringToHex, type Abi, type Address, type Hex } from 'viem';
import { marketplaceAbi, zkGateAbi } from './abi.js';
import type { ReadClient, WriteClient } from './clients.js';
import { writeAndWait } from './clients.js';
import {
  CONTRACTS_DIR,
  TEST_VERIFIER_MARKER,
  compileContracts,
  readVerifierSource,
  type ContractArtifact,
} from './compile.js';
import { ethereumDidRegistryArtifact, knownDidRegistryAddress } from './did-registry.js';
import { ContractsError, ContractsErrorCode } from './errors.js';
import { createPolicy, type PolicyInput } from './gate.js';
import {
  parseVerificationKey,
  readVerificationKeyFromSolidity,
  verificationKeyHash,
  verificationKeysEqual,
  type VerificationKey,
} from './verifier-key.js';

/** Default folder of deployment records. */
export const DEFAULT_DEPLOYMENTS_DIR = join(CONTRACTS_DIR, 'deployments');

export type DeployParameters = {
  publicClient: ReadClient;
  /** The deployer; it becomes the gate's first owner and the admin of the marketplace policies. */
  walletClient: WriteClient;
  /** Path of the snarkjs-generated Groth16Verifier source (from the zk core's build). */
  verifierSourcePath: string;
  /**
   * The snarkjs verification key JSON compiled into ZkGate (the zk core's `loadVerificationKey()`).
   * It must be the key of the verifier at `verifierSourcePath`, constant for constant.
   */
  verificationKey: unknown;
  /** Final owner of the gate's issuer registry; if it differs from the deployer, a two-step
   *  transfer is started and this address must call `acceptOwnership()`. */
  owner?: Address | undefined;
  /** Use this existing ERC-1056 registry. Default: the canonical one listed by ethr-did-registry
   *  for this chain id if it has code there, else a fresh deployment. */
  didRegistry?: Address | undefined;
  /** Also create the two demo policies and deploy the demo Marketplace. */
  marketplace?: { reputationPolicy: PolicyInput; agePolicy: PolicyInput } | undefined;
  /** Where to read/write `<chainId>.json`; `null` = neither read nor write a record. */
  deploymentsDir?: string | null | undefined;
  /** Allow the TEST-ONLY fixture verifier and its key (tests only). */
  allowTestVerifier?: boolean | undefined;
};

export type DeployedContract = {
  readonly address: Address;
  /** keccak256 of the runtime code at `address` right after deployment. */
  readonly codeHash: Hex;
  /** Undefined for a pre-existing contract (an external DID registry). */
  readonly transactionHash: Hex | undefined;
};

export type Deployment = {
  readonly version: 1;
  readonly chainId: number;
  readonly deployer: Address;
  readonly owner: Address;
  /** Identifies build + options; a change triggers a fresh deployment. */
  readonly configHash: Hex;
  readonly compilerVersion: string;
  readonly inputHash: Hex;
  readonly verifierSourceSha256: Hex;
  /** `verificationKeyHash()` of the key compiled into ZkGate (= the verifier's key). */
  readonly verificationKeyHash: Hex;
  readonly testVerifier: boolean;
  readonly contracts: {
    readonly groth16Verifier: DeployedContract;
    readonly zkGate: DeployedContract;
    readonly auditAnchor: DeployedContract;
    readonly didRegistry: DeployedContract;
    readonly marketplace?: DeployedContract | undefined;
  };
  /** Policy ids (decimal strings) of the demo marketplace. */
  readonly policies?: { readonly reputation: string; readonly age: string } | undefined;
};

export type DeployReturnType = {
  readonly deployment: Deployment;
  /** True if an existing, live deployment was returned unchanged. */
  readonly reused: boolean;
  /** The record file, or null when records are disabled. */
  readonly file: string | null;
};

/**
 * Whether on-chain runtime `code` is `artifact`'s runtime code, with immutable slots masked
 * (SECURITY-CASES K17: the deployed bytecode is what we compiled).
 */
export function codeMatchesArtifact(code: Hex, artifact: ContractArtifact): boolean {
  const expected = artifact.deployedBytecode.slice(2).toLowerCase();
  const actual = code.slice(2).toLowerCase().split('');
  if (actual.length !== expected.length) return false;
  for (const ranges of Object.values(artifact.immutableReferences)) {
    for (const { start, length } of ranges) {
      for (let i = start * 2; i < (start + length) * 2; i++) actual[i] = '0';
    }
  }
  return actual.join('') === expected;
}

const jsonBigint = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? value.toString() : value;

/** Reads `<dir>/<chainId>.json`, or null if absent. */
export async function readDeployment(
  chainId: number,
  deploymentsDir: string = DEFAULT_DEPLOYMENTS_DIR,
): Promise<Deployment | null> {
  let text: string;
  try {
    text = await readFile(join(deploymentsDir, `${chainId}.json`), 'utf8');
  } catch {
    return null;
  }
  const parsed = JSON.parse(text) as Deployment;
  if (parsed.version !== 1 || parsed.chainId !== chainId) {
    throw new ContractsError(ContractsErrorCode.deploymentInvalid, 'Bad deployment record.', {
      details: `${deploymentsDir}/${chainId}.json`,
    });
  }
  return parsed;
}

/** Whether every contract of a deployment still has its recorded code on the chain. */
export async function isDeploymentLive(
  publicClient: ReadClient,
  params: { deployment: Deployment },
): Promise<boolean> {
  for (const contract of Object.values(params.deployment.contracts)) {
    if (!contract) continue;
    const code = await publicClient.getCode({ address: contract.address });
    if (!code || code === '0x' || keccak256(code) !== contract.codeHash) return false;
  }
  return true;
}

/**
 * Deploys one contract and waits for it: its address, the hash of its runtime code and the
 * transaction. Throws a plain `Error` (callers wrap it) when the deployment fails.
 */
export async function deployContractCode(
  clients: { publicClient: ReadClient; walletClient: WriteClient },
  p: { name: string; abi: Abi; bytecode: Hex; args: readonly unknown[] },
): Promise<DeployedContract> {
  const { publicClient, walletClient } = clients;
  const transactionHash = await walletClient.deployContract({
    abi: p.abi,
    bytecode: p.bytecode,
    args: p.args,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: transactionHash });
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new Error(`deployment of ${p.name} failed`);
  }
  const address = getAddress(receipt.contractAddress);
  const code = await publicClient.getCode({ address });
  if (!code) throw new Error(`no code at ${p.name}`);
  return { address, codeHash: keccak256(code), transactionHash };
}

/**
 * Parses the key and checks it against the constants of the snarkjs verifier source; throws
 * `verifier_invalid` on any difference.
 */
function keyMatchingVerifier(json: unknown, verifierSource: string): VerificationKey {
  let key: VerificationKey;
  let verifierKey: VerificationKey;
  try {
    key = parseVerificationKey(json);
    verifierKey = readVerificationKeyFromSolidity(verifierSource, 'snarkjs');
  } catch (cause) {
    throw new ContractsError(ContractsErrorCode.verifierInvalid, 'Unusable verification key.', {
      details: cause instanceof Error ? cause.message : undefined,
      cause,
    });
  }
  if (!verificationKeysEqual(key, verifierKey)) {
    throw new ContractsError(
      ContractsErrorCode.verifierInvalid,
      "The verification key is not the verifier's key.",
      { details: 'Pass the verification_key.json and Groth16Verifier.sol of the same setup.' },
    );
  }
  return key;
}

/** Deploys (or reuses) the verifier, ZkGate, AuditAnchor, the DID registry and, optionally, the
 *  demo Marketplace with its two policies. */
export async function deploy(params: DeployParameters): Promise<DeployReturnType> {
  const { publicClient, walletClient } = params;
  const chainId = await publicClient.getChainId();
  const deployer = getAddress(walletClient.account.address);
  const owner = getAddress(params.owner ?? deployer);

  const verifierSource = await readVerifierSource(params.verifierSourcePath);
  const testVerifier = verifierSource.includes(TEST_VERIFIER_MARKER);
  if (testVerifier && !params.allowTestVerifier) {
    throw new ContractsError(
      ContractsErrorCode.testVerifierRefused,
      'Refusing to deploy the TEST-ONLY fixture verifier.',
      { details: 'Pass the verifier generated from the real circuit (circuits/build).' },
    );
  }
  // The gate verifies inline with the key compiled in: it must be the verifier's key, so that a
  // test key can only come with the (refused) test verifier, and the two contracts agree.
  const verificationKey = keyMatchingVerifier(params.verificationKey, verifierSource);
  const build = await compileContracts({
    verifierSourcePath: params.verifierSourcePath,
    verificationKey: params.verificationKey,
  });
  const artifact = (name: string): ContractArtifact => {
    const found = build.contracts[name];
    if (!found) throw new ContractsError(ContractsErrorCode.compileFailed, `No ${name}.`);
    return found;
  };

  const configHash = keccak256(
    stringToHex(
      JSON.stringify(
        {
          inputHash: build.inputHash,
          owner,
          didRegistry: params.didRegistry ?? null,
          marketplace: params.marketplace ?? null,
        },
        jsonBigint,
      ),
    ),
  );

  const dir = params.deploymentsDir === undefined ? DEFAULT_DEPLOYMENTS_DIR : params.deploymentsDir;
  const file = dir === null ? null : join(dir, `${chainId}.json`);
  if (dir !== null) {
    const existing = await readDeployment(chainId, dir);
    if (
      existing &&
      existing.configHash === configHash &&
      (await isDeploymentLive(publicClient, { deployment: existing }))
    ) {
      return { deployment: existing, reused: true, file };
    }
  }

  try {
    const deployOne = (name: string, abi: Abi, bytecode: Hex, args: readonly unknown[]) =>
      deployContractCode({ publicClient, walletClient }, { name, abi, bytecode, args });

    const verifier = artifact('Groth16Verifier');
    const groth16Verifier = await deployOne('Groth16Verifier', verifier.abi, verifier.bytecode, []);
    const gate = artifact('ZkGate');
    const zkGate = await deployOne('ZkGate', gate.abi, gate.bytecode, [deployer]);
    const [alpha, beta, gamma, delta, ic] = await publicClient.readContract({
      address: zkGate.address,
      abi: zkGateAbi,
      functionName: 'verificationKey',
    });
    const onChainKey: VerificationKey = { alpha, beta, gamma, delta, ic };
    if (!verificationKeysEqual(onChainKey, verificationKey)) {
      throw new Error('the deployed ZkGate does not carry the verification key');
    }
    const anchor = artifact('AuditAnchor');
    const auditAnchor = await deployOne('AuditAnchor', anchor.abi, anchor.bytecode, []);

    // An explicit registry must exist; the canonical one of a public chain is used if present.
    let didRegistry: DeployedContract | undefined;
    const existingRegistry = params.didRegistry ?? knownDidRegistryAddress(chainId);
    if (existingRegistry) {
      const code = await publicClient.getCode({ address: existingRegistry });
      if (code && code !== '0x') {
        didRegistry = {
          address: getAddress(existingRegistry),
          codeHash: keccak256(code),
          transactionHash: undefined,
        };
      } else if (params.didRegistry) {
        throw new Error('no contract at the given didRegistry address');
      }
    }
    if (!didRegistry) {
      const did = ethereumDidRegistryArtifact();
      didRegistry = await deployOne('EthereumDIDRegistry', did.abi, did.bytecode, []);
    }

    // K17: what runs on-chain is exactly what we compiled.
    for (const [name, deployed] of [
      ['Groth16Verifier', groth16Verifier],
      ['ZkGate', zkGate],
      ['AuditAnchor', auditAnchor],
    ] as const) {
      const code = await publicClient.getCode({ address: deployed.address });
      if (!code || !codeMatchesArtifact(code, artifact(name))) {
        throw new Error(`runtime code of ${name} does not match the build`);
      }
    }

    let marketplace: DeployedContract | undefined;
    let policies: Deployment['policies'];
    if (params.marketplace) {
      const ids: bigint[] = [];
      for (const policy of [params.marketplace.reputationPolicy, params.marketplace.agePolicy]) {
        const created = await createPolicy({
          publicClient,
          walletClient,
          gate: zkGate.address,
          policy,
        });
        ids.push(created.policyId);
      }
      const [reputation, age] = ids as [bigint, bigint];
      const market = artifact('Marketplace');
      marketplace = await deployOne('Marketplace', marketplaceAbi, market.bytecode, [
        zkGate.address,
        reputation,
        age,
      ]);
      policies = { reputation: reputation.toString(), age: age.toString() };
    }

    if (owner !== deployer) {
      await writeAndWait({
        publicClient,
        walletClient,
        address: zkGate.address,
        abi: zkGateAbi,
        functionName: 'transferOwnership',
        args: [owner],
      });
    }

    const deployment: Deployment = {
      version: 1,
      chainId,
      deployer,
      owner,
      configHash,
      compilerVersion: build.compilerVersion,
      inputHash: build.inputHash,
      verifierSourceSha256: build.verifierSourceSha256 ?? '0x',
      verificationKeyHash: verificationKeyHash(verificationKey),
      testVerifier,
      contracts: { groth16Verifier, zkGate, auditAnchor, didRegistry, marketplace },
      policies,
    };
    if (file !== null && dir !== null) {
      await mkdir(dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(deployment, jsonBigint, 2)}\n`);
      await rename(tmp, file);
    }
    return { deployment, reused: false, file };
  } catch (cause) {
    if (cause instanceof ContractsError) throw cause;
    throw new ContractsError(ContractsErrorCode.deployFailed, 'Deployment failed.', {
      details: cause instanceof Error ? cause.message : undefined,
      cause,
    });
  }
}
