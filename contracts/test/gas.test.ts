/**
 * Gas from real transaction receipts on the embedded chain (BENCH.md "gas"), written to
 * contracts/build/gas.json for the bench, with real proofs of the real circuit and the gate
 * compiled with the real (locked) verification key. Targets (docs/contracts.md, section 6):
 * - a gated verification transaction (first pass) costs <= 280,000 gas, on both paths (`verify`
 *   and the relayer's `verifyFor`). NOT MET, by the one fresh storage slot that `passOf(policy,
 *   account)` needs in addition to the nullifier's binding (~298,400; section 6 explains why no
 *   layout avoids it). Asserted: the measured cost minus that one slot is within the target, and
 *   the regression bound below;
 * - a marketplace purchase that checks two passes (buyer's age pass, seller's reputation pass)
 *   costs <= 10,000 gas more than the same purchase without the gate (met).
 * The measured costs are also pinned as regression bounds (see BOUND).
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
  verifyForArgs,
  type PolicyFixture,
  type TestEnv,
} from './helpers.js';
import { createZkCoreProofSource } from './fixture/zk-core-source.js';
import { deployedPolicies, marketplacePolicies, trustIssuerA } from './world.js';

/** The targets. */
const TARGET = {
  gatedActionTx: 280_000n,
  marketplaceGateOverhead: 10_000n,
};
/**
 * Regression bounds: measured with real proofs (verify 298,368 / verifyFor 298,784; renewals
 * 261,225 / 261,665) + ~0.2-0.4 %. Raise only with a reason in docs/contracts.md.
 */
const BOUND = {
  gatedActionTx: 299_400n,
  gatedRenewalTx: 262_300n,
};
/**
 * What no correct verification can go below: intrinsic gas, the 4-pair pairing, the 4 scalar
 * multiplications of the signals that vary per proof. A gate under this skipped work.
 */
const VERIFICATION_FLOOR = 21_000n + 45_000n + 4n * 34_000n + 4n * 6_000n;

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

/** Proves for `holder` bound to dev account `account` and submits: `verify` from that account, or
 *  `verifyFor(account, ...)` from dev account `relayer`. */
async function verifyTx(
  holder: string,
  account: number,
  policy: PolicyFixture,
  at: bigint,
  relayer?: number,
) {
  const holderAccount = env.accounts[account] as Address;
  const proof = await proveFor(env, { holder, account: holderAccount, policy, time: at });
  const outcome = await sendTx(
    env,
    env.wallet(relayer ?? account),
    relayer === undefined
      ? {
          address: env.gate,
          abi: zkGateAbi,
          functionName: 'verify',
          args: verifyArgs(policy.policyId, proof),
        }
      : {
          address: env.gate,
          abi: zkGateAbi,
          functionName: 'verifyFor',
          args: verifyForArgs(holderAccount, policy.policyId, proof),
        },
    { timestamp: at },
  );
  expectSuccess(outcome);
  const [granted] = parseEventLogs({
    abi: zkGateAbi,
    eventName: 'PassGranted',
    logs: outcome.receipt.logs,
  });
  expect(granted?.args.account).toBe(holderAccount);
  return { proof, gasUsed: outcome.receipt.gasUsed };
}

it('verification: raw verifier tx; first pass and renewal, by the holder (verify) and by a relayer (verifyFor)', async () => {
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
  // The relayer path: dev account 9 submits for account 4 (a fresh account and nullifier).
  const relayedFirst = await verifyTx('gas-b', 4, policies.age, at + 3n, 9);
  const relayedRenewal = await verifyTx('gas-b', 4, policies.age, at + 4n, 9);
  // A second credential (a new nullifier) for an account that already holds a pass under the
  // policy: the pass record is rewritten, only the nullifier's binding is a fresh slot.
  const secondNullifier = await verifyTx('gas-a-second', 3, policies.age, at + 5n);
  gas['gatedActionTx'] = Number(first.gasUsed);
  gas['gatedRenewalTx'] = Number(renewal.gasUsed);
  gas['gatedActionViaRelayerTx'] = Number(relayedFirst.gasUsed);
  gas['gatedRenewalViaRelayerTx'] = Number(relayedRenewal.gasUsed);
  gas['gatedNewNullifierExistingPassTx'] = Number(secondNullifier.gasUsed);

  // The 280,000 target is not met by a first pass (docs/contracts.md §6.1: the second fresh slot
  // that `passOf(policy, account)` needs); the bench reports it. Here: no regression beyond it.
  for (const tx of [first, relayedFirst]) {
    expect(tx.gasUsed).toBeLessThanOrEqual(BOUND.gatedActionTx);
  }
  for (const tx of [renewal, relayedRenewal]) {
    expect(tx.gasUsed).toBeLessThanOrEqual(BOUND.gatedRenewalTx);
    expect(tx.gasUsed).toBeLessThanOrEqual(TARGET.gatedActionTx);
  }
  // The pairing and the 4 multiplications really ran, and a first pass writes two fresh slots
  // (the pass and the nullifier's binding, 2 x 20,000 more than a renewal, which rewrites one
  // slot it already holds).
  expect(first.gasUsed).toBeGreaterThan(VERIFICATION_FLOOR + 2n * 20_000n);
  expect(renewal.gasUsed).toBeGreaterThan(VERIFICATION_FLOOR);
  expect(first.gasUsed - renewal.gasUsed).toBeGreaterThan(2n * 17_000n);
  expect(first.gasUsed - secondNullifier.gasUsed).toBeGreaterThan(15_000n);
  // The relayer path costs the same work plus the 32-byte account argument (calldata, decoding).
  expect(relayedFirst.gasUsed - first.gasUsed).toBeGreaterThan(0n);
  expect(relayedFirst.gasUsed - first.gasUsed).toBeLessThan(1_000n);
});

it(`marketplace: an age-restricted purchase (buyer's age pass + seller's reputation pass) costs <= ${TARGET.marketplaceGateOverhead} gas more than the same purchase without the gate`, async () => {
  const seller = 5;
  const buyer = 6;
  await verifyTx('gas-seller', seller, policies.reputation, (await latestTime(env)) + 1n);
  await verifyTx('gas-buyer', buyer, policies.age, (await latestTime(env)) + 1n);
  const price = parseEther('0.1');
  const listTx = (restricted: boolean) =>
    sendTx(env, env.wallet(seller), {
      address: market,
      abi: marketplaceAbi,
      functionName: 'list',
      args: [price, restricted],
    });
  const idOf = (logs: Parameters<typeof parseEventLogs>[0]['logs']) =>
    parseEventLogs({ abi: marketplaceAbi, eventName: 'Listed', logs })[0]!.args.listingId;
  const buyTx = (listingId: bigint) =>
    sendTx(env, env.wallet(buyer), {
      address: market,
      abi: marketplaceAbi,
      functionName: 'buy',
      args: [listingId],
      value: price,
    });

  const plainListing = await listTx(false);
  const restrictedListing = await listTx(true);
  // Warm-up purchase so the buyer's and seller's accounts are in the same state for both buys.
  await buyTx(idOf((await listTx(false)).receipt.logs));

  // Same function, same calldata (one listing id, no pass argument): the only difference is the
  // gate check (two passes: the buyer's age pass and the seller's reputation pass).
  const plain = await buyTx(idOf(plainListing.receipt.logs));
  const gated = await buyTx(idOf(restrictedListing.receipt.logs));
  expectSuccess(plain);
  expectSuccess(gated);
  gas['marketplaceListWithPassTx'] = Number(plainListing.receipt.gasUsed);
  gas['marketplaceBuyWithoutGateTx'] = Number(plain.receipt.gasUsed);
  gas['marketplaceActionWithPassTx'] = Number(gated.receipt.gasUsed);
  gas['marketplaceGateOverhead'] = Number(gated.receipt.gasUsed - plain.receipt.gasUsed);
  expect(gated.receipt.gasUsed - plain.receipt.gasUsed).toBeLessThanOrEqual(
    TARGET.marketplaceGateOverhead,
  );
  // Two cold pass records, one cold bitmap word and a cold call to the gate at least.
  expect(gated.receipt.gasUsed - plain.receipt.gasUsed).toBeGreaterThan(2_600n + 3n * 2_100n);
});

it('policy creation: the one-off precomputation of P per issuer', async () => {
  const world = env.proofs.world;
  for (const [key, issuers] of [
    ['createPolicy1IssuerTx', [world.issuers[0]]],
    ['createPolicy16IssuersTx', Array.from({ length: 16 }, (_, i) => world.issuers[0] + BigInt(i))],
  ] as const) {
    const outcome = await sendTx(env, env.wallet(0), {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'createPolicy',
      args: [
        {
          ...marketplacePolicies(world).agePolicy,
          issuers: [...issuers],
        },
      ],
    });
    expectSuccess(outcome);
    gas[key] = Number(outcome.receipt.gasUsed);
  }
  // Per extra issuer: one ecMul + ecAdd, two fresh slots for P, one for the issuer list.
  const perIssuer =
    ((gas['createPolicy16IssuersTx'] ?? 0) - (gas['createPolicy1IssuerTx'] ?? 0)) / 15;
  expect(perIssuer).toBeGreaterThan(6_150 + 3 * 22_100);
  expect(perIssuer).toBeLessThan(80_000);
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
