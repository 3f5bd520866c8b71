/**
 * Shared setup of the contract tests: one embedded anvil per test file, the real deploy code,
 * the injectable proof source, snapshots for isolation, and a transaction helper that reports
 * the decoded custom error of a MINED transaction (so time checks run at exact block times).
 */
import {
  BaseError,
  createTestClient,
  decodeErrorResult,
  getAddress,
  http,
  type Abi,
  type Address,
  type Hex,
  type TestClient,
  type TransactionReceipt,
} from 'viem';
import { auditAnchorAbi, marketplaceAbi, zkGateAbi } from '../ts/abi.js';
import { startAnvil, type AnvilChain } from '../ts/chain.js';
import { createClients, type ReadClient, type WriteClient } from '../ts/clients.js';
import { deploy, type Deployment } from '../ts/deploy.js';
import type { PolicyInput } from '../ts/gate.js';
import { computeScope, computeSignalHash, NO_CONTEXT } from '../ts/signals.js';
import { civilDateHarnessAbi, reentrantSellerAbi } from './abi.js';
import { createFixtureProofSource } from './fixture/fixture-source.js';
import type { GateProof, ProofSource, ProofWorld } from './fixture/proof-source.js';

/**
 * The proof source of the tests. Swap point: return a source over the real zk core here.
 */
export async function createProofSource(): Promise<ProofSource> {
  return createFixtureProofSource();
}

/** Every ABI the tests decode reverts with (custom errors are looked up by selector). */
const ERROR_ABI = [
  ...zkGateAbi,
  ...marketplaceAbi,
  ...auditAnchorAbi,
  ...reentrantSellerAbi,
  ...civilDateHarnessAbi,
] as Abi;

export type TestEnv = {
  chain: AnvilChain;
  publicClient: ReadClient;
  testClient: TestClient;
  accounts: readonly Address[];
  wallet(index: number): WriteClient;
  proofs: ProofSource;
  deployment: Deployment;
  gate: Address;
  extraAbis: Abi[];
  close(): Promise<void>;
};

/** Starts anvil, builds the proof source, deploys with the real deploy code. */
export async function setupTestEnv(
  options: {
    /** The proof source; default `createProofSource`. */
    source?: () => Promise<ProofSource>;
    /** Deploy the demo marketplace with these policies (built from the source's world). */
    marketplace?: (world: ProofWorld) => { reputationPolicy: PolicyInput; agePolicy: PolicyInput };
  } = {},
): Promise<TestEnv> {
  const chain = await startAnvil();
  const proofs = await (options.source ?? createProofSource)();
  try {
    const { publicClient } = createClients({ rpcUrl: chain.rpcUrl, chainId: chain.chainId });
    const accounts = (
      (await publicClient.request({ method: 'eth_accounts' } as never)) as Address[]
    ).map((a) => getAddress(a));
    const wallets = new Map<number, WriteClient>();
    const wallet = (index: number): WriteClient => {
      const account = accounts[index];
      if (!account) throw new Error(`no dev account ${index}`);
      let client = wallets.get(index);
      if (!client) {
        client = createClients({
          rpcUrl: chain.rpcUrl,
          chainId: chain.chainId,
          account,
        }).walletClient;
        wallets.set(index, client);
      }
      return client;
    };
    const testClient = createTestClient({ mode: 'anvil', transport: http(chain.rpcUrl) });
    const { deployment } = await deploy({
      publicClient,
      walletClient: wallet(0),
      verifierSourcePath: proofs.verifierSourcePath,
      verificationKey: proofs.verificationKey,
      allowTestVerifier: proofs.isTestVerifier,
      deploymentsDir: null,
      marketplace: options.marketplace?.(proofs.world),
    });
    return {
      chain,
      publicClient,
      testClient,
      accounts,
      wallet,
      proofs,
      deployment,
      gate: deployment.contracts.zkGate.address,
      extraAbis: [],
      async close() {
        await proofs.close();
        await chain.stop();
      },
    };
  } catch (error) {
    await proofs.close();
    await chain.stop();
    throw error;
  }
}

/** Takes an EVM snapshot; the returned function reverts to it. */
export async function snapshot(env: TestEnv): Promise<() => Promise<void>> {
  const id = await env.testClient.snapshot();
  return async () => {
    await env.testClient.revert({ id });
  };
}

/**
 * Registers the per-file lifecycle of a chain test: close the environment after all tests, and
 * run every test on a snapshot that is reverted afterwards (so tests cannot leak state).
 */
export function isolateTests(getEnv: () => TestEnv | undefined): void {
  let restore: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await getEnv()?.close();
  });
  beforeEach(async () => {
    restore = await snapshot(getEnv()!);
  });
  afterEach(async () => {
    await restore?.();
    restore = undefined;
  });
}

/** Block time of the latest block. */
export async function latestTime(env: TestEnv): Promise<bigint> {
  return (await env.publicClient.getBlock()).timestamp;
}

export const DAY = 86_400n;

/**
 * The first UTC noon after the latest block (at least an hour ahead): a block time from which
 * tests can step minutes forward or back without crossing a UTC midnight, whatever the wall clock.
 */
export async function noonAfter(env: TestEnv): Promise<bigint> {
  const now = (await latestTime(env)) + 3_600n;
  const noon = (now / DAY) * DAY + DAY / 2n;
  return noon >= now ? noon : noon + DAY;
}

export type TxOutcome = {
  receipt: TransactionReceipt;
  /** Decoded custom error when the transaction reverted. */
  error: { name: string; args: readonly unknown[] } | undefined;
};

/**
 * Sends a transaction with a fixed gas limit (no estimation, so it is mined even if it reverts),
 * optionally in a block with an exact timestamp, and decodes the revert from a trace.
 */
export async function sendTx(
  env: TestEnv,
  from: WriteClient,
  call: {
    address: Address;
    abi: Abi;
    functionName: string;
    args: readonly unknown[];
    value?: bigint;
    gas?: bigint;
  },
  options: { timestamp?: bigint } = {},
): Promise<TxOutcome> {
  if (options.timestamp !== undefined) {
    await env.testClient.setNextBlockTimestamp({ timestamp: options.timestamp });
  }
  const hash = await from.writeContract({
    address: call.address,
    abi: call.abi,
    functionName: call.functionName,
    args: call.args,
    value: call.value,
    gas: call.gas ?? 3_000_000n,
  } as never);
  const receipt = await env.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status === 'success') return { receipt, error: undefined };
  const trace = (await env.publicClient.request({
    method: 'debug_traceTransaction',
    params: [hash, { tracer: 'callTracer' }],
  } as never)) as { output?: Hex };
  const data = trace.output;
  if (!data || data === '0x') return { receipt, error: { name: '(no revert data)', args: [] } };
  try {
    const decoded = decodeErrorResult({ abi: [...ERROR_ABI, ...env.extraAbis], data });
    return { receipt, error: { name: decoded.errorName, args: decoded.args ?? [] } };
  } catch (error) {
    if (error instanceof BaseError)
      return { receipt, error: { name: `(undecoded ${data})`, args: [] } };
    throw error;
  }
}

/** Asserts that a mined transaction reverted with exactly `errorName` (and `args`, if given). */
export function expectRevert(
  outcome: TxOutcome,
  errorName: string,
  args?: readonly unknown[],
): void {
  expect(outcome.receipt.status).toBe('reverted');
  expect(outcome.error?.name).toBe(errorName);
  if (args) expect(outcome.error?.args).toEqual(args);
}

/** Asserts success (showing the decoded error if not). */
export function expectSuccess(outcome: TxOutcome): void {
  expect(outcome.error?.name).toBeUndefined();
  expect(outcome.receipt.status).toBe('success');
}

/** Everything a gate test needs about one policy. */
export type PolicyFixture = {
  policyId: bigint;
  scope: bigint;
  policy: PolicyInput;
};

/** Builds the proof request for `account` under a policy, with the given overrides. */
export async function proveFor(
  env: TestEnv,
  params: {
    holder: string;
    account: Address;
    policy: PolicyFixture;
    time: bigint;
    issuerKeyHash?: bigint;
    revocationRoot?: bigint;
    queryHash?: bigint;
    scope?: bigint;
    context?: Hex;
    /** TEST-ONLY: the whole packed time signal (fixture source only). */
    timeSignal?: bigint;
  },
): Promise<GateProof> {
  const world = env.proofs.world;
  return env.proofs.prove({
    holder: params.holder,
    issuerKeyHash: params.issuerKeyHash ?? world.issuers[0],
    queryHash: params.queryHash ?? params.policy.policy.queryHash,
    revocationRoot: params.revocationRoot ?? world.roots[0],
    time: params.time,
    timeSignal: params.timeSignal,
    scope: params.scope ?? params.policy.scope,
    signalHash: computeSignalHash({
      account: params.account,
      context: params.context ?? NO_CONTEXT,
    }),
  });
}

/** The args of `ZkGate.verify` for a proof. */
export function verifyArgs(
  policyId: bigint,
  proof: GateProof,
  context: Hex = NO_CONTEXT,
): readonly unknown[] {
  return [policyId, proof.proof.a, proof.proof.b, proof.proof.c, proof.publicSignals, context];
}

/** The args of `ZkGate.verifyFor(account, ...)` for a proof. */
export function verifyForArgs(
  account: Address,
  policyId: bigint,
  proof: GateProof,
  context: Hex = NO_CONTEXT,
): readonly unknown[] {
  return [account, ...verifyArgs(policyId, proof, context)];
}

/** Scope of a policy id on this gate (computed off-chain, as wallets do). */
export function scopeFor(env: TestEnv, policyId: bigint): bigint {
  return computeScope({ chainId: env.chain.chainId, gate: env.gate, policyId });
}

/** Replaces one public signal of a proof (for tampering tests). */
export function withSignal(proof: GateProof, index: number, value: bigint): GateProof {
  const signals = [...proof.publicSignals];
  signals[index] = value;
  return { ...proof, publicSignals: signals as unknown as GateProof['publicSignals'] };
}

export { reentrantSellerAbi, zkGateAbi };

/** The proof with coordinate `index` (A.x, A.y, B00, B01, B10, B11, C.x, C.y) replaced. */
export function withCoordinate(proof: GateProof, index: number, value: bigint): GateProof {
  const w = [...proof.proof.a, ...proof.proof.b.flat(), ...proof.proof.c];
  w[index] = value;
  return {
    ...proof,
    proof: {
      a: [w[0]!, w[1]!],
      b: [
        [w[2]!, w[3]!],
        [w[4]!, w[5]!],
      ],
      c: [w[6]!, w[7]!],
    },
  };
}
