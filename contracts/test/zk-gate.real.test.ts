/**
 * ZkGate with REAL proofs from the zk core (production circuit, its locked verification key
 * compiled into the gate, the snarkjs-generated verifier from circuits/build): the key flows of
 * zk-gate.test.ts (including the packed time signal and the relayer path), the key and the
 * precomputed points against the zk core, the Groth16 binding of every public signal by the
 * inline verifier, non-canonical signals and coordinates, a re-randomised proof, and proofs for
 * another chain or gate. Proofs take about a second each, so this file keeps to a handful.
 */
import { decodeProofTime, loadVerificationKey, utcDateOf } from '#zk';
import { parseEventLogs, type Address, type Hex } from 'viem';
import { groth16VerifierAbi, zkGateAbi } from '../ts/abi.js';
import { createPolicy, getNullifierBinding, getPass, hasValidPass } from '../ts/gate.js';
import { FIELD_SIZE, PublicSignalIndex, computeScope, computeSignalHash } from '../ts/signals.js';
import { parseVerificationKey, verificationKeysEqual } from '../ts/verifier-key.js';
import { Q, R, g1Add, g1Mul, g2Add, g2Mul } from './bn254.js';
import type { GateProof } from './fixture/proof-source.js';
import { createZkCoreProofSource } from './fixture/zk-core-source.js';
import { trustIssuer } from './world.js';
import {
  expectRevert,
  expectSuccess,
  latestTime,
  proveFor,
  sendTx,
  setupTestEnv,
  snapshot,
  verifyArgs,
  verifyForArgs,
  withSignal,
  type PolicyFixture,
  type TestEnv,
  withCoordinate,
} from './helpers.js';

let env: TestEnv;
let policy: PolicyFixture;
let alice: Address;
let bob: Address;
/** alice's first proof, dated `t0`. */
let first: GateProof;
let t0: bigint;
const MAX_ROOT_AGE = 3_600n;

const submit = (
  proof: GateProof,
  at: bigint,
  from = 3,
  options: { policyId?: bigint; context?: Hex; for?: Address } = {},
) =>
  sendTx(
    env,
    env.wallet(from),
    options.for === undefined
      ? {
          address: env.gate,
          abi: zkGateAbi,
          functionName: 'verify',
          args: verifyArgs(options.policyId ?? policy.policyId, proof, options.context),
        }
      : {
          address: env.gate,
          abi: zkGateAbi,
          functionName: 'verifyFor',
          args: verifyForArgs(
            options.for,
            options.policyId ?? policy.policyId,
            proof,
            options.context,
          ),
        },
    { timestamp: at },
  );

beforeAll(async () => {
  env = await setupTestEnv({ source: createZkCoreProofSource });
  expect(env.deployment.testVerifier).toBe(false);
  alice = env.accounts[3] as Address;
  bob = env.accounts[4] as Address;
  const world = env.proofs.world;
  await trustIssuer(env, 0, { schemas: [world.schemas[0]] });
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
    }),
  ).toBe(true);
  expect(
    await getPass(env.publicClient, { gate: env.gate, policyId: policy.policyId, account: alice }),
  ).toEqual({ valid: true, expiresAt: t0 + 86_400n, nullifier });
  console.log(`real proof: gated verification ${outcome.receipt.gasUsed} gas`);
  await restore();
});

it("the real proof's time signal packs the UTC date of its seconds; the gate checks both halves", async () => {
  const { unix, date } = decodeProofTime(first.publicSignals[PublicSignalIndex.time]);
  expect(unix).toBe(t0);
  expect(date).toBe(utcDateOf(t0));
  // The circuit leaves "date = UTC date of the seconds" to the verifier (a prover with its own
  // witness code could pack any date; buildWitnessInput always packs the right one): the gate
  // refuses another date with the same seconds before the pairing.
  const nextDay = withSignal(
    first,
    PublicSignalIndex.time,
    (BigInt(utcDateOf(t0 + 86_400n)) << 40n) | t0,
  );
  expectRevert(await submit(nextDay, t0), 'ZkGate__ProofDateMismatch');
});

it("a relayer submits alice's real proof with verifyFor: alice gets the pass, the relayer none", async () => {
  const restore = await snapshot(env);
  const relayer = env.accounts[5] as Address;
  expectRevert(await submit(first, t0, 5, { for: bob }), 'ZkGate__SignalHashMismatch');
  const outcome = await submit(first, t0, 5, { for: alice });
  expectSuccess(outcome);
  const nullifier = first.publicSignals[PublicSignalIndex.nullifier];
  expect(await getNullifierBinding(env.publicClient, { gate: env.gate, nullifier })).toEqual({
    account: alice,
    policyId: policy.policyId,
  });
  for (const [account, holds] of [
    [alice, true],
    [relayer, false],
  ] as const) {
    expect(
      await hasValidPass(env.publicClient, { gate: env.gate, policyId: policy.policyId, account }),
    ).toBe(holds);
  }
  console.log(`real proof: gated verification via a relayer ${outcome.receipt.gasUsed} gas`);
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

describe('the inline verifier carries the zk core key', () => {
  it('the deployed gate reports exactly the locked verification key of #zk', async () => {
    const [alpha, beta, gamma, delta, ic] = await env.publicClient.readContract({
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'verificationKey',
    });
    const zkKey = parseVerificationKey(loadVerificationKey());
    expect(verificationKeysEqual({ alpha, beta, gamma, delta, ic }, zkKey)).toBe(true);
  });

  it('the precomputed point of (policy, issuer) is IC0 + ik·IC2 + qh·IC3 + scope·IC6 (computed off-chain)', async () => {
    const { ic } = parseVerificationKey(loadVerificationKey());
    const ik = env.proofs.world.issuers[0];
    const expected = g1Add(
      g1Add(g1Add(ic[0]!, g1Mul(ic[2]!, ik)), g1Mul(ic[3]!, policy.policy.queryHash)),
      g1Mul(ic[6]!, policy.scope),
    );
    expect(
      await env.publicClient.readContract({
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'issuerPoint',
        args: [policy.policyId, ik],
      }),
    ).toEqual(expected);
  });
});

describe('non-canonical encodings of a real proof (K01/K02/K04)', () => {
  it.each(Object.entries(PublicSignalIndex))(
    'signal %s + r: SignalNotInField, nothing recorded',
    async (_name, index) => {
      const tampered = withSignal(first, index, first.publicSignals[index]! + FIELD_SIZE);
      expectRevert(await submit(tampered, t0), 'ZkGate__SignalNotInField', [BigInt(index)]);
    },
  );

  it.each([0, 1, 2, 3, 4, 5, 6, 7])(
    'proof coordinate %i + q: ProofNotInField (the pairing precompile would also refuse it)',
    async (index) => {
      const coordinates = [...first.proof.a, ...first.proof.b.flat(), ...first.proof.c];
      const tampered = withCoordinate(first, index, coordinates[index]! + Q);
      expectRevert(await submit(tampered, t0), 'ZkGate__ProofNotInField', [BigInt(index)]);
    },
  );

  it('after all of them, the untampered proof still earns the pass (nothing was consumed)', async () => {
    const restore = await snapshot(env);
    expectSuccess(await submit(first, t0));
    await restore();
  });
});

describe('the Groth16 binding of every public signal (real circuit, inline verifier)', () => {
  it("the runtime signals: nullifier, root, signal hash (time: above) changed so the gate's checks pass, the pairing fails", async () => {
    const restore = await snapshot(env);
    const nullifier = first.publicSignals[PublicSignalIndex.nullifier];
    // A fresh nullifier passes every check; only the proof binds it.
    expectRevert(
      await submit(withSignal(first, PublicSignalIndex.nullifier, nullifier + 1n), t0),
      'ZkGate__InvalidProof',
    );
    // Another context: the signal hash matches H(alice, context'), but the proof is for H(alice, 0).
    const context: Hex = `0x${'5a'.repeat(32)}`;
    const rebound = withSignal(
      first,
      PublicSignalIndex.signalHash,
      computeSignalHash({ account: alice, context }),
    );
    expectRevert(await submit(rebound, t0, 3, { context }), 'ZkGate__InvalidProof');
    // The issuer's newer root is current (and the proof's root still fresh): claim the new one.
    await sendTx(
      env,
      env.wallet(1),
      {
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'publishRoot',
        args: [env.proofs.world.issuers[0], env.proofs.world.roots[1]],
      },
      { timestamp: t0 },
    );
    const rooted = withSignal(first, PublicSignalIndex.revocationRoot, env.proofs.world.roots[1]);
    expectRevert(await submit(rooted, t0 + 1n), 'ZkGate__InvalidProof');
    expectSuccess(await submit(first, t0 + 2n));
    await restore();
  });

  it('the precomputed signals: another trusted issuer (P of that issuer), another query hash (no P)', async () => {
    const restore = await snapshot(env);
    const world = env.proofs.world;
    await trustIssuer(env, 1, { schemas: [world.schemas[0]] });
    const input = { ...policy.policy, issuers: [world.issuers[0], world.issuers[1]] };
    const both = await createPolicy({
      publicClient: env.publicClient,
      walletClient: env.wallet(0),
      gate: env.gate,
      policy: input,
    });
    const at = (await latestTime(env)) + 5n;
    const fixture = { policyId: both.policyId, scope: both.scope, policy: input };
    const byA = await proveFor(env, { holder: 'alice', account: alice, policy: fixture, time: at });
    const claimsB = withSignal(byA, PublicSignalIndex.issuerKeyHash, world.issuers[1]);
    expectRevert(await submit(claimsB, at, 3, { policyId: both.policyId }), 'ZkGate__InvalidProof');
    const otherQuery = withSignal(byA, PublicSignalIndex.queryHash, world.queries[1]);
    expectRevert(
      await submit(otherQuery, at, 3, { policyId: both.policyId }),
      'ZkGate__QueryHashMismatch',
    );
    expectSuccess(await submit(byA, at + 1n, 3, { policyId: both.policyId }));
    await restore();
  });
});

describe('replays and transplants of real proofs', () => {
  it('a re-randomised proof (B + s·δ, C + s·A) is a valid, different proof: the nullifier still binds it to alice (K04)', async () => {
    const restore = await snapshot(env);
    expectSuccess(await submit(first, t0));
    const passOfAlice = () =>
      getPass(env.publicClient, { gate: env.gate, policyId: policy.policyId, account: alice });
    const before = await passOfAlice();

    const { delta } = parseVerificationKey(loadVerificationKey());
    const s = 0x1234567890abcdef1234567890abcdefn % R;
    const rerandomised: GateProof = {
      publicSignals: first.publicSignals,
      proof: {
        a: first.proof.a,
        b: g2Add(first.proof.b, g2Mul(delta, s)),
        c: g1Add(first.proof.c, g1Mul(first.proof.a, s)),
      },
    };
    expect(rerandomised.proof.b).not.toEqual(first.proof.b);
    expect(rerandomised.proof.c).not.toEqual(first.proof.c);
    // Valid for the snarkjs verifier too.
    expect(
      await env.publicClient.readContract({
        address: env.deployment.contracts.groth16Verifier.address,
        abi: groth16VerifierAbi,
        functionName: 'verifyProof',
        args: [
          rerandomised.proof.a,
          rerandomised.proof.b,
          rerandomised.proof.c,
          rerandomised.publicSignals,
        ],
      }),
    ).toBe(true);
    // Bob cannot use it (it is bound to alice's account) ...
    expectRevert(await submit(rerandomised, t0 + 1n, 4), 'ZkGate__SignalHashMismatch');
    // ... and for alice it is a replay of the same statement: accepted, the pass is unchanged.
    expectSuccess(await submit(rerandomised, t0 + 2n));
    expect(await passOfAlice()).toEqual(before);
    await restore();
  });

  it('a real proof made for this policy id on another chain, or on another gate: ScopeMismatch (K06)', async () => {
    const at = t0 + 3n;
    for (const scope of [
      computeScope({ chainId: 1, gate: env.gate, policyId: policy.policyId }),
      computeScope({
        chainId: env.chain.chainId,
        gate: env.deployment.contracts.auditAnchor.address,
        policyId: policy.policyId,
      }),
    ]) {
      const foreign = await proveFor(env, {
        holder: 'alice',
        account: alice,
        policy: { ...policy, scope },
        time: at,
      });
      expect(foreign.publicSignals[PublicSignalIndex.scope]).toBe(scope);
      expectRevert(await submit(foreign, at), 'ZkGate__ScopeMismatch');
      // With the scope signal replaced by this gate's, the scope check passes and the proof fails.
      const relabelled = withSignal(foreign, PublicSignalIndex.scope, policy.scope);
      expectRevert(await submit(relabelled, at), 'ZkGate__InvalidProof');
    }
  });
});
