/**
 * Gas from real transaction receipts on the embedded chain (BENCH.md "gas"), written to
 * contracts/build/gas.json for the bench. Targets (docs/contracts.md "Gas"):
 * - a marketplace call with an existing pass costs <= 10,000 gas more than without the gate;
 * - a gated verification <= 280,000 gas is NOT reachable with an external snarkjs verifier and a
 *   fresh storage slot per nullifier (floor ~282k before any check); the measured cost is pinned
 *   here as a regression bound instead, with the breakdown in the docs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEther, parseEventLogs, type Address } from 'viem';
import { groth16VerifierAbi, marketplaceAbi, zkGateAbi } from '../ts/abi.js';
import { DEFAULT_BUILD_DIR } from '../ts/compile.js';
import {
  expectSuccess,
  latestTime,
  proveFor,
  sendTx,
  setupTestEnv,
  verifyArgs,
  type PolicyFixture,
  type TestEnv,
} from './helpers.js';
import { createZkCoreProofSource } from './fixture/zk-core-source.js';
import { deployedPolicies, marketplacePolicies, trustIssuerA } from './world.js';

/** Regression bounds: measured (real proofs) + ~0.35 %. Raise only with a reason in docs/contracts.md. */
const BOUND = {
  gatedActionTx: 304_000n,
  gatedRenewalTx: 287_000n,
  marketplaceGateOverhead: 10_000n,
};

let env: TestEnv;
let policies: { age: PolicyFixture; reputation: PolicyFixture };
let market: Address;
const gas: Record<string, number> = {};

beforeAll(async () => {
  // Real proofs and the real verifier: gas depends on calldata bytes too.
  env = await setupTestEnv({ source: createZkCoreProofSource, marketplace: marketplacePolicies });
  policies = deployedPolicies(env);
  market = env.deployment.contracts.marketplace!.address;
  await trustIssuerA(env);
});
afterAll(async () => {
  if (Object.keys(gas).length > 0) {
    await mkdir(DEFAULT_BUILD_DIR, { recursive: true });
    await writeFile(join(DEFAULT_BUILD_DIR, 'gas.json'), `${JSON.stringify(gas, null, 2)}\n`);
    console.log(`gas (${env.proofs.name}):\n${JSON.stringify(gas, null, 2)}`);
  }
  await env?.close();
});

async function verifyTx(holder: string, from: number, policy: PolicyFixture, at: bigint) {
  const account = env.accounts[from] as Address;
  const proof = await proveFor(env, { holder, account, policy, time: at });
  const outcome = await sendTx(
    env,
    env.wallet(from),
    {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'verify',
      args: verifyArgs(policy.policyId, proof),
    },
    { timestamp: at },
  );
  expectSuccess(outcome);
  return { proof, gasUsed: outcome.receipt.gasUsed };
}

it('verification: raw verifier tx, first pass, renewal', async () => {
  const at = (await latestTime(env)) + 10n;
  const account = env.accounts[3] as Address;
  const proof = await proveFor(env, { holder: 'gas-a', account, policy: policies.age, time: at });
  const raw = await sendTx(env, env.wallet(3), {
    address: env.deployment.contracts.groth16Verifier.address,
    abi: groth16VerifierAbi,
    functionName: 'verifyProof',
    args: [proof.proof.a, proof.proof.b, proof.proof.c, proof.publicSignals],
  });
  expectSuccess(raw);
  // The call succeeded; make sure the proof was actually accepted (the verifier returns false
  // instead of reverting).
  expect(
    await env.publicClient.readContract({
      address: env.deployment.contracts.groth16Verifier.address,
      abi: groth16VerifierAbi,
      functionName: 'verifyProof',
      args: [proof.proof.a, proof.proof.b, proof.proof.c, proof.publicSignals],
    }),
  ).toBe(true);
  gas['verifierExecTx'] = Number(raw.receipt.gasUsed);

  const first = await verifyTx('gas-a', 3, policies.age, at + 1n);
  const renewal = await verifyTx('gas-a', 3, policies.age, at + 2n);
  gas['gatedActionTx'] = Number(first.gasUsed);
  gas['gatedRenewalTx'] = Number(renewal.gasUsed);
  expect(first.gasUsed).toBeLessThanOrEqual(BOUND.gatedActionTx);
  expect(renewal.gasUsed).toBeLessThanOrEqual(BOUND.gatedRenewalTx);
  // The gate adds: cold call to the verifier, 7 checks' cold reads, one fresh slot, one event.
  expect(first.gasUsed - raw.receipt.gasUsed).toBeGreaterThan(22_100n);
});

it(`marketplace: a call with an existing pass costs <= ${BOUND.marketplaceGateOverhead} gas more than without the gate`, async () => {
  const seller = 5;
  const buyer = 6;
  const sellerPass = (
    await verifyTx('gas-seller', seller, policies.reputation, (await latestTime(env)) + 1n)
  ).proof.publicSignals[0];
  const agePass = (await verifyTx('gas-buyer', buyer, policies.age, (await latestTime(env)) + 1n))
    .proof.publicSignals[0];
  const price = parseEther('0.1');
  const listTx = (restricted: boolean) =>
    sendTx(env, env.wallet(seller), {
      address: market,
      abi: marketplaceAbi,
      functionName: 'list',
      args: [price, restricted, sellerPass],
    });
  const idOf = (logs: Parameters<typeof parseEventLogs>[0]['logs']) =>
    parseEventLogs({ abi: marketplaceAbi, eventName: 'Listed', logs })[0]!.args.listingId;

  const plainListing = await listTx(false);
  const restrictedListing = await listTx(true);
  // Warm-up purchase so the buyer's and seller's accounts are in the same state for both buys.
  const warmup = idOf((await listTx(false)).receipt.logs);
  await sendTx(env, env.wallet(buyer), {
    address: market,
    abi: marketplaceAbi,
    functionName: 'buy',
    args: [warmup, agePass],
    value: price,
  });

  // Same function, same calldata size, same pass argument: the only difference is the gate check.
  const plain = await sendTx(env, env.wallet(buyer), {
    address: market,
    abi: marketplaceAbi,
    functionName: 'buy',
    args: [idOf(plainListing.receipt.logs), agePass],
    value: price,
  });
  const gated = await sendTx(env, env.wallet(buyer), {
    address: market,
    abi: marketplaceAbi,
    functionName: 'buy',
    args: [idOf(restrictedListing.receipt.logs), agePass],
    value: price,
  });
  expectSuccess(plain);
  expectSuccess(gated);
  gas['marketplaceListWithPassTx'] = Number(plainListing.receipt.gasUsed);
  gas['marketplaceBuyWithoutGateTx'] = Number(plain.receipt.gasUsed);
  gas['marketplaceActionWithPassTx'] = Number(gated.receipt.gasUsed);
  gas['marketplaceGateOverhead'] = Number(gated.receipt.gasUsed - plain.receipt.gasUsed);
  expect(gated.receipt.gasUsed - plain.receipt.gasUsed).toBeLessThanOrEqual(
    BOUND.marketplaceGateOverhead,
  );
  expect(gated.receipt.gasUsed).toBeGreaterThan(plain.receipt.gasUsed);
});

it('deployment gas', async () => {
  for (const [name, key] of [
    ['ZkGate', 'zkGate'],
    ['Groth16Verifier', 'groth16Verifier'],
    ['AuditAnchor', 'auditAnchor'],
    ['Marketplace', 'marketplace'],
    ['EthereumDIDRegistry', 'didRegistry'],
  ] as const) {
    const hash = env.deployment.contracts[key]?.transactionHash;
    if (!hash) throw new Error(`no deployment transaction for ${name}`);
    const receipt = await env.publicClient.getTransactionReceipt({ hash });
    gas[`deploy${name}`] = Number(receipt.gasUsed);
  }
  expect(gas['deployZkGate']).toBeLessThan(6_000_000);
});
