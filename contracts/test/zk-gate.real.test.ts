/**
 * ZkGate with REAL proofs from the zk core (production circuit, snarkjs-generated verifier from
 * circuits/build): the key flows of zk-gate.test.ts, plus the Groth16 binding of every public
 * signal on-chain and real gas. Proofs take seconds each, so this file keeps to a handful.
 */
import { parseEventLogs, type Address } from 'viem';
import { zkGateAbi } from '../ts/abi.js';
import { createPolicy, hasValidPass } from '../ts/gate.js';
import { publishRevocationRoot, registerIssuer } from '../ts/registry.js';
import { PublicSignalIndex } from '../ts/signals.js';
import type { GateProof } from './fixture/proof-source.js';
import { createZkCoreProofSource } from './fixture/zk-core-source.js';
import {
  expectRevert,
  expectSuccess,
  latestTime,
  proveFor,
  sendTx,
  setupTestEnv,
  snapshot,
  verifyArgs,
  withSignal,
  type PolicyFixture,
  type TestEnv,
} from './helpers.js';

let env: TestEnv;
let policy: PolicyFixture;
let alice: Address;
let bob: Address;
/** alice's first proof, dated `t0`. */
let first: GateProof;
let t0: bigint;
const MAX_ROOT_AGE = 3_600n;

const submit = (proof: GateProof, at: bigint, from = 3) =>
  sendTx(
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

beforeAll(async () => {
  env = await setupTestEnv({ source: createZkCoreProofSource });
  expect(env.deployment.testVerifier).toBe(false);
  alice = env.accounts[3] as Address;
  bob = env.accounts[4] as Address;
  const world = env.proofs.world;
  await registerIssuer({
    publicClient: env.publicClient,
    walletClient: env.wallet(0),
    gate: env.gate,
    keyHash: world.issuers[0],
    did: 'did:ethr:0x7a69:0x02aa',
    controller: env.accounts[1] as Address,
    schemas: [world.schemas[0]],
  });
  await publishRevocationRoot({
    publicClient: env.publicClient,
    walletClient: env.wallet(1),
    gate: env.gate,
    issuerKeyHash: world.issuers[0],
    root: world.roots[0],
  });
  const input = {
    queryHash: world.queries[0],
    schema: world.schemas[0],
    issuers: [world.issuers[0]],
    maxRootAge: Number(MAX_ROOT_AGE),
    maxProofAge: 3 * 86_400,
    passLifetime: 86_400,
  };
  const created = await createPolicy({
    publicClient: env.publicClient,
    walletClient: env.wallet(0),
    gate: env.gate,
    policy: input,
  });
  policy = { policyId: created.policyId, scope: created.scope, policy: input };
  t0 = (await latestTime(env)) + 10n;
  first = await proveFor(env, { holder: 'alice', account: alice, policy, time: t0 });
});
afterAll(async () => {
  await env?.close();
});

it('a real proof earns alice a pass; the nullifier is Poseidon(secret, scope)', async () => {
  const restore = await snapshot(env);
  const outcome = await submit(first, t0);
  expectSuccess(outcome);
  const nullifier = first.publicSignals[PublicSignalIndex.nullifier];
  expect(nullifier).toBe(env.proofs.nullifierFor('alice', policy.scope));
  expect(
    parseEventLogs({ abi: zkGateAbi, eventName: 'PassGranted', logs: outcome.receipt.logs }),
  ).toHaveLength(1);
  expect(
    await hasValidPass(env.publicClient, {
      gate: env.gate,
      policyId: policy.policyId,
      account: alice,
      nullifier,
    }),
  ).toBe(true);
  console.log(`real proof: gated verification ${outcome.receipt.gasUsed} gas`);
  await restore();
});

it("every public signal is bound by the real verifier: a change that passes the gate's checks fails the pairing", async () => {
  // time - 1 is still inside every window, so only the Groth16 check can catch it.
  const shifted = withSignal(
    first,
    PublicSignalIndex.time,
    first.publicSignals[PublicSignalIndex.time] - 1n,
  );
  expectRevert(await submit(shifted, t0), 'ZkGate__InvalidProof');
});

it("a copied real proof is useless to bob (K05), and bob cannot reuse alice's credential (one person, one account)", async () => {
  const restore = await snapshot(env);
  expectRevert(await submit(first, t0, 4), 'ZkGate__SignalHashMismatch');
  expectSuccess(await submit(first, t0));
  const bobs = await proveFor(env, { holder: 'alice', account: bob, policy, time: t0 + 1n });
  expectRevert(await submit(bobs, t0 + 1n, 4), 'ZkGate__NullifierReused');
  await restore();
});

it('a real proof against a superseded root: accepted before maxRootAge, rejected at it (K07)', async () => {
  const restore = await snapshot(env);
  const superseded = t0 + 5n;
  await sendTx(
    env,
    env.wallet(1),
    {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'publishRoot',
      args: [env.proofs.world.issuers[0], env.proofs.world.roots[1]],
    },
    { timestamp: superseded },
  );
  const inner = await snapshot(env);
  expectSuccess(await submit(first, superseded + MAX_ROOT_AGE - 1n));
  await inner();
  expectRevert(await submit(first, superseded + MAX_ROOT_AGE), 'ZkGate__RootExpired');
  await restore();
});
