/**
 * ZkGate: policy registry (with the precomputed verification point per issuer), every check of
 * `verify` failing alone with its custom error, the packed time signal (its date, the exact time
 * boundaries, dead-on-arrival passes), the relayer path `verifyFor`, passes (grant, renewal,
 * expiry, binding, `passOf`/`hasValidPass`), and SECURITY-CASES K01-K16.
 *
 * Runs on the TEST-ONLY fixture circuit: `setupTestEnv` deploys, with the real deploy code, a gate
 * compiled with the FIXTURE's verification key (and the fixture's snarkjs verifier), so any public
 * values are provable in ~0.1 s and every check can be failed alone. The same flows on the real
 * circuit and key: zk-gate.real.test.ts.
 */
import {
  createPublicClient,
  decodeErrorResult,
  encodeFunctionData,
  getAddress,
  http,
  parseEventLogs,
  type Address,
  type Hex,
} from 'viem';
import { encodeProofTime, utcDateOf } from '#zk';
import { zkGateAbi } from '../ts/abi.js';
import { compileContracts } from '../ts/compile.js';
import {
  createPolicy,
  getNullifierBinding,
  getPass,
  hasValidPass,
  verifyOnChain,
  type PolicyInput,
} from '../ts/gate.js';
import { FIELD_SIZE, PublicSignalIndex, computeScope, computeSignalHash } from '../ts/signals.js';
import { parseVerificationKey, type VerificationKey } from '../ts/verifier-key.js';
import { Q, g1Add, g1Mul } from './bn254.js';
import { trustIssuer } from './world.js';
import type { GateProof } from './fixture/proof-source.js';
import {
  DAY,
  expectRevert,
  expectSuccess,
  latestTime,
  noonAfter,
  proveFor,
  scopeFor,
  sendTx,
  setupTestEnv,
  isolateTests,
  verifyArgs,
  verifyForArgs,
  withSignal,
  type PolicyFixture,
  type TestEnv,
  withCoordinate,
} from './helpers.js';

const HOUR = 3600;
const MAX_PROOF_AGE = 600;
const PASS_LIFETIME = 86_400;
const MAX_ROOT_AGE = HOUR;
const SKEW = 300n;
const ZERO_ADDRESS: Address = '0x0000000000000000000000000000000000000000';

let env: TestEnv;
let owner: Address;
let alice: Address;
let bob: Address;
/** Policy trusting issuer A only, schema 0, query 0. */
let policy: PolicyFixture;
/** Another policy with the same terms (for cross-policy scope tests). */
let otherPolicy: PolicyFixture;
let issuerA: bigint;
let issuerB: bigint;

async function makePolicy(overrides: Partial<PolicyInput> = {}): Promise<PolicyFixture> {
  const input: PolicyInput = {
    queryHash: env.proofs.world.queries[0],
    schema: env.proofs.world.schemas[0],
    issuers: [issuerA],
    maxRootAge: MAX_ROOT_AGE,
    maxProofAge: MAX_PROOF_AGE,
    passLifetime: PASS_LIFETIME,
    ...overrides,
  };
  const created = await createPolicy({
    publicClient: env.publicClient,
    walletClient: env.wallet(0),
    gate: env.gate,
    policy: input,
  });
  return { policyId: created.policyId, scope: created.scope, policy: input };
}

/**
 * Sends `verify` from `from` (default: alice's wallet) in a block at `at`; with `for`, sends
 * `verifyFor(for, ...)` instead (from `from`, the relayer).
 */
async function submit(
  proof: GateProof,
  options: {
    at: bigint;
    from?: number;
    for?: Address;
    policyId?: bigint;
    context?: Hex;
    gas?: bigint;
  },
) {
  const policyId = options.policyId ?? policy.policyId;
  return sendTx(
    env,
    env.wallet(options.from ?? 3),
    options.for === undefined
      ? {
          address: env.gate,
          abi: zkGateAbi,
          functionName: 'verify',
          args: verifyArgs(policyId, proof, options.context),
          gas: options.gas,
        }
      : {
          address: env.gate,
          abi: zkGateAbi,
          functionName: 'verifyFor',
          args: verifyForArgs(options.for, policyId, proof, options.context),
          gas: options.gas,
        },
    { timestamp: options.at },
  );
}

/** The pass of `account` under a policy (default: `policy`), as `passOf` reports it. */
const passOf = (account: Address, policyId = policy.policyId) =>
  getPass(env.publicClient, { gate: env.gate, policyId, account });
/** `hasValidPass(policyId, account)` (default policy: `policy`). */
const holds = (account: Address, policyId = policy.policyId) =>
  hasValidPass(env.publicClient, { gate: env.gate, policyId, account });

/** A valid proof by alice for `policy`, dated `at`. */
type ProofOverrides = Partial<
  Omit<Parameters<typeof proveFor>[1], 'holder' | 'account' | 'policy' | 'time'>
>;
async function aliceProof(at: bigint, overrides: ProofOverrides = {}) {
  return proveFor(env, { holder: 'alice', account: alice, policy, time: at, ...overrides });
}

/** P = IC0 + ik·IC2 + qh·IC3 + scope·IC6, computed off-chain (test-only bigint arithmetic). */
function precomputedPoint(
  vk: VerificationKey,
  issuerKeyHash: bigint,
  queryHash: bigint,
  scope: bigint,
): readonly [bigint, bigint] {
  const ic = vk.ic;
  return [ic[2]!, ic[3]!, ic[6]!].reduce(
    (acc, point, i) => g1Add(acc, g1Mul(point, [issuerKeyHash, queryHash, scope][i]!)),
    ic[0]!,
  );
}

beforeAll(async () => {
  env = await setupTestEnv();
  owner = env.accounts[0] as Address;
  alice = env.accounts[3] as Address;
  bob = env.accounts[4] as Address;
  [issuerA, issuerB] = env.proofs.world.issuers;
  await trustIssuer(env, 0);
  await trustIssuer(env, 1);
  policy = await makePolicy();
  otherPolicy = await makePolicy();
  expect(owner).toBe(env.deployment.deployer);
});

isolateTests(() => env);

describe('policy registry', () => {
  const valid = (): PolicyInput => ({
    queryHash: 5n,
    schema: 6n,
    issuers: [7n],
    maxRootAge: 0,
    maxProofAge: 60,
    passLifetime: 60,
  });
  const create = (p: PolicyInput) =>
    sendTx(env, env.wallet(5), {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'createPolicy',
      args: [{ ...p, issuers: [...p.issuers] }],
    });

  it('assigns sequential ids itself, makes the creator admin, and emits the on-chain scope', async () => {
    const before = await env.publicClient.readContract({
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'policyCount',
    });
    const first = await create(valid());
    const second = await create(valid());
    expectSuccess(first);
    expectSuccess(second);
    const events = [first, second].map(
      (o) =>
        parseEventLogs({ abi: zkGateAbi, eventName: 'PolicyCreated', logs: o.receipt.logs })[0]!,
    );
    expect(events.map((e) => e.args.policyId)).toEqual([before + 1n, before + 2n]);
    for (const e of events) {
      expect(e.args.admin).toBe(env.accounts[5]);
      expect(e.args.scope).toBe(scopeFor(env, e.args.policyId));
    }
    const stored = await env.publicClient.readContract({
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'getPolicy',
      args: [before + 1n],
    });
    expect(stored).toMatchObject({
      queryHash: 5n,
      schema: 6n,
      scope: scopeFor(env, before + 1n),
      admin: env.accounts[5],
      maxRootAge: 0,
      maxProofAge: 60,
      passLifetime: 60,
      disabled: false,
      issuers: [7n],
    });
  });

  it('scope is keccak256(abi.encode(chainid, gate, policyId)) >> 8, below r, same in TS and Solidity', async () => {
    for (const id of [0n, 1n, 2n ** 32n - 1n]) {
      const onChain = await env.publicClient.readContract({
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'scopeOf',
        args: [id],
      });
      expect(onChain).toBe(
        computeScope({ chainId: env.chain.chainId, gate: env.gate, policyId: id }),
      );
      expect(onChain < FIELD_SIZE).toBe(true);
    }
  });

  it.each([
    ['queryHash 0', { queryHash: 0n }, 'PolicyRegistry__InvalidQueryHash'],
    ['queryHash = r', { queryHash: FIELD_SIZE }, 'PolicyRegistry__InvalidQueryHash'],
    ['queryHash = 2^256 - 1', { queryHash: 2n ** 256n - 1n }, 'PolicyRegistry__InvalidQueryHash'],
    ['schema 0', { schema: 0n }, 'PolicyRegistry__InvalidSchema'],
    ['schema = r', { schema: FIELD_SIZE }, 'PolicyRegistry__InvalidSchema'],
    ['no issuers', { issuers: [] }, 'PolicyRegistry__InvalidIssuerCount'],
    [
      '17 issuers',
      { issuers: Array.from({ length: 17 }, (_, i) => BigInt(i + 1)) },
      'PolicyRegistry__InvalidIssuerCount',
    ],
    ['issuer 0', { issuers: [1n, 0n] }, 'PolicyRegistry__InvalidIssuer'],
    ['issuer = r', { issuers: [FIELD_SIZE] }, 'PolicyRegistry__InvalidIssuer'],
    ['duplicate issuer', { issuers: [3n, 3n] }, 'PolicyRegistry__InvalidIssuer'],
    ['pass lifetime 0', { passLifetime: 0 }, 'PolicyRegistry__InvalidPassLifetime'],
  ] as const)('rejects at creation: %s (K11)', async (_label, override, error) => {
    expectRevert(await create({ ...valid(), ...override }), error);
  });

  it('accepts the largest values: r - 1 and 16 issuers, and precomputes P = IC0 + ik·IC2 + qh·IC3 + scope·IC6 for each', async () => {
    const issuers = Array.from({ length: 16 }, (_, i) => FIELD_SIZE - 1n - BigInt(i));
    const outcome = await create({
      ...valid(),
      queryHash: FIELD_SIZE - 1n,
      schema: FIELD_SIZE - 1n,
      issuers,
    });
    expectSuccess(outcome);
    const [created] = parseEventLogs({
      abi: zkGateAbi,
      eventName: 'PolicyCreated',
      logs: outcome.receipt.logs,
    });
    const policyId = created!.args.policyId;
    const vk = parseVerificationKey(env.proofs.verificationKey);
    for (const ik of issuers) {
      const onChain = await env.publicClient.readContract({
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'issuerPoint',
        args: [policyId, ik],
      });
      expect(onChain).toEqual(precomputedPoint(vk, ik, FIELD_SIZE - 1n, scopeFor(env, policyId)));
    }
    // An issuer that is not listed has no point.
    const read = (functionName: 'issuerPoint' | 'isPolicyIssuer', ik: bigint) =>
      env.publicClient.readContract({
        address: env.gate,
        abi: zkGateAbi,
        functionName,
        args: [policyId, ik],
      });
    expect(await read('issuerPoint', 7n)).toEqual([0n, 0n]);
    expect(await read('isPolicyIssuer', 7n)).toBe(false);
    expect(await read('isPolicyIssuer', issuers[15]!)).toBe(true);
  });

  describe('a gate whose key makes a precomputed point the identity', () => {
    /** Deploys ZkGate compiled with `verificationKey` (undefined = the ABI-only placeholder). */
    async function deployGate(verificationKey: unknown): Promise<Address> {
      const build = await compileContracts({ verificationKey, includeTestContracts: true });
      const artifact = build.contracts['ZkGate']!;
      const hash = await env.wallet(0).deployContract({
        abi: artifact.abi,
        bytecode: artifact.bytecode,
        args: [owner],
      });
      const receipt = await env.publicClient.waitForTransactionReceipt({ hash });
      return getAddress(receipt.contractAddress!);
    }
    const createOn = (gate: Address, p: PolicyInput) =>
      sendTx(env, env.wallet(5), {
        address: gate,
        abi: zkGateAbi,
        functionName: 'createPolicy',
        args: [{ ...p, issuers: [...p.issuers] }],
      });

    it('refuses it (PolicyRegistry__DegenerateIssuer): (0, 0) would read as "not listed"', async () => {
      // The fixture key with IC0 = IC2 = IC3 = IC6 = G1 generator: P = (1 + ik + qh + scope)·G.
      const key = structuredClone(env.proofs.verificationKey) as { IC: string[][] };
      for (const i of [0, 2, 3, 6]) key.IC[i] = ['1', '2', '1'];
      const gate = await deployGate(key);
      const scope = computeScope({ chainId: env.chain.chainId, gate, policyId: 1n });
      const qh = 5n;
      const degenerate = (((-1n - qh - scope) % FIELD_SIZE) + FIELD_SIZE) % FIELD_SIZE;
      expectRevert(
        await createOn(gate, { ...valid(), queryHash: qh, issuers: [degenerate] }),
        'PolicyRegistry__DegenerateIssuer',
      );
      // One more, and P is the generator itself.
      expectSuccess(
        await createOn(gate, { ...valid(), queryHash: qh, issuers: [degenerate + 1n] }),
      );
      expect(
        await env.publicClient.readContract({
          address: gate,
          abi: zkGateAbi,
          functionName: 'issuerPoint',
          args: [1n, degenerate + 1n],
        }),
      ).toEqual([1n, 2n]);
    });

    it('so a gate built without a key (the ABI-only placeholder) cannot create any policy', async () => {
      const gate = await deployGate(undefined);
      expectRevert(await createOn(gate, valid()), 'PolicyRegistry__DegenerateIssuer');
    });
  });

  it('only the admin disables, once; getPolicy of an unknown id reverts', async () => {
    const disable = (from: number, id = policy.policyId) =>
      sendTx(env, env.wallet(from), {
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'disablePolicy',
        args: [id],
      });
    expectRevert(await disable(3), 'PolicyRegistry__NotPolicyAdmin');
    expectRevert(await disable(0, 999n), 'PolicyRegistry__PolicyNotFound');
    const ok = await disable(0);
    expectSuccess(ok);
    expect(
      parseEventLogs({ abi: zkGateAbi, eventName: 'PolicyDisabled', logs: ok.receipt.logs }),
    ).toHaveLength(1);
    expectRevert(await disable(0), 'PolicyRegistry__AlreadyDisabled');
    await expect(
      env.publicClient.readContract({
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'getPolicy',
        args: [999n],
      }),
    ).rejects.toThrow(/PolicyRegistry__PolicyNotFound/);
  });
});

describe('verify: the happy path', () => {
  it('grants alice a pass; the event carries only policy, nullifier, account and expiry', async () => {
    const at = (await latestTime(env)) + 10n;
    const proof = await aliceProof(at);
    expect(await passOf(alice)).toEqual({ valid: false, expiresAt: 0n, nullifier: 0n });
    const outcome = await submit(proof, { at });
    expectSuccess(outcome);
    const nullifier = proof.publicSignals[PublicSignalIndex.nullifier];
    const events = parseEventLogs({ abi: zkGateAbi, logs: outcome.receipt.logs });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventName: 'PassGranted',
      args: {
        policyId: policy.policyId,
        nullifier,
        account: alice,
        expiresAt: at + BigInt(PASS_LIFETIME),
      },
    });
    expect(await holds(alice)).toBe(true);
    // passOf finds the pass from (policy, account) alone, with the whole nullifier (its top bits
    // come from the binding record: the fixture's nullifiers use all 248 bits).
    expect(nullifier >> 192n).not.toBe(0n);
    expect(await passOf(alice)).toEqual({
      valid: true,
      expiresAt: at + BigInt(PASS_LIFETIME),
      nullifier,
    });
    expect(await getNullifierBinding(env.publicClient, { gate: env.gate, nullifier })).toEqual({
      account: alice,
      policyId: policy.policyId,
    });
  });

  it('the library helper returns a result object for success and for a failed check', async () => {
    const at = (await latestTime(env)) + 1n;
    const proof = await aliceProof(at + 5n);
    await env.testClient.setNextBlockTimestamp({ timestamp: at + 5n });
    const ok = await verifyOnChain({
      publicClient: env.publicClient,
      walletClient: env.wallet(3),
      gate: env.gate,
      policyId: policy.policyId,
      proof: proof.proof,
      publicSignals: proof.publicSignals,
    });
    expect(ok).toMatchObject({
      verified: true,
      account: alice,
      nullifier: proof.publicSignals[PublicSignalIndex.nullifier],
    });
    // Bob replays alice's proof: the simulation fails and no transaction is sent.
    const nonce = await env.publicClient.getTransactionCount({ address: bob });
    const failed = await verifyOnChain({
      publicClient: env.publicClient,
      walletClient: env.wallet(4),
      gate: env.gate,
      policyId: policy.policyId,
      proof: proof.proof,
      publicSignals: proof.publicSignals,
    });
    expect(failed).toEqual({
      verified: false,
      code: 'signal_mismatch',
      errorName: 'ZkGate__SignalHashMismatch',
      message: 'The proof is not bound to this account and context.',
    });
    expect(await env.publicClient.getTransactionCount({ address: bob })).toBe(nonce);
  });

  it('a proof bound to an action context verifies only with that context', async () => {
    const at = (await latestTime(env)) + 10n;
    const context: Hex = `0x${'ab'.repeat(32)}`;
    const proof = await aliceProof(at, { context });
    expectRevert(await submit(proof, { at }), 'ZkGate__SignalHashMismatch');
    expectSuccess(await submit(proof, { at: at + 1n, context }));
  });
});

describe('verify: each check failing alone', () => {
  it("PolicyNotFound: unknown policy id (proof otherwise made for it); the registry's one error", async () => {
    const at = (await latestTime(env)) + 10n;
    const ghost = { ...policy, policyId: 999n, scope: scopeFor(env, 999n) };
    const proof = await proveFor(env, { holder: 'alice', account: alice, policy: ghost, time: at });
    expectRevert(await submit(proof, { at, policyId: 999n }), 'PolicyRegistry__PolicyNotFound');
    const zero = { ...policy, policyId: 0n, scope: scopeFor(env, 0n) };
    const proof0 = await proveFor(env, {
      holder: 'alice',
      account: alice,
      policy: zero,
      time: at + 1n,
    });
    expectRevert(
      await submit(proof0, { at: at + 1n, policyId: 0n }),
      'PolicyRegistry__PolicyNotFound',
    );
  });

  it('PolicyDisabled', async () => {
    await sendTx(env, env.wallet(0), {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'disablePolicy',
      args: [policy.policyId],
    });
    const at = (await latestTime(env)) + 10n;
    expectRevert(await submit(await aliceProof(at), { at }), 'ZkGate__PolicyDisabled');
  });

  it.each(Object.entries(PublicSignalIndex))(
    'SignalNotInField: %s + r is rejected before anything else (K01/K02)',
    async (_name, index) => {
      const at = (await latestTime(env)) + 10n;
      const proof = await aliceProof(at);
      const tampered = withSignal(proof, index, proof.publicSignals[index]! + FIELD_SIZE);
      expectRevert(await submit(tampered, { at }), 'ZkGate__SignalNotInField', [BigInt(index)]);
    },
  );

  it('SignalNotInField: 2^256 - 1 in the last position', async () => {
    const at = (await latestTime(env)) + 10n;
    const tampered = withSignal(await aliceProof(at), 6, 2n ** 256n - 1n);
    expectRevert(await submit(tampered, { at }), 'ZkGate__SignalNotInField', [6n]);
  });

  it('NullifierZero (C17)', async () => {
    const at = (await latestTime(env)) + 10n;
    const tampered = withSignal(await aliceProof(at), PublicSignalIndex.nullifier, 0n);
    expectRevert(await submit(tampered, { at }), 'ZkGate__NullifierZero');
  });

  it('ScopeMismatch: proof made for another policy of this gate (K06)', async () => {
    const at = (await latestTime(env)) + 10n;
    const proof = await aliceProof(at, { scope: otherPolicy.scope });
    expectRevert(await submit(proof, { at }), 'ZkGate__ScopeMismatch');
  });

  it('ScopeMismatch: proof made for the same policy id on another chain or another gate (K06)', async () => {
    const at = (await latestTime(env)) + 10n;
    const otherChain = computeScope({ chainId: 1, gate: env.gate, policyId: policy.policyId });
    const otherGate = computeScope({
      chainId: env.chain.chainId,
      gate: env.deployment.contracts.auditAnchor.address,
      policyId: policy.policyId,
    });
    expectRevert(
      await submit(await aliceProof(at, { scope: otherChain }), { at }),
      'ZkGate__ScopeMismatch',
    );
    expectRevert(
      await submit(await aliceProof(at + 1n, { scope: otherGate }), { at: at + 1n }),
      'ZkGate__ScopeMismatch',
    );
  });

  it('ScopeMismatch: after a fork changes the chain id, a policy created before verifies nothing (K06)', async () => {
    const at = await latestTime(env);
    const proof = await aliceProof(at);
    const newScope = computeScope({ chainId: 1, gate: env.gate, policyId: policy.policyId });
    const client = createPublicClient({ transport: http(env.chain.rpcUrl, { retryCount: 0 }) });
    const call = async (p: GateProof): Promise<string> => {
      try {
        await client.call({
          account: alice,
          to: env.gate,
          data: encodeFunctionData({
            abi: zkGateAbi,
            functionName: 'verify',
            args: verifyArgs(policy.policyId, p) as never,
          }),
        });
        return 'success';
      } catch (error) {
        const revert = (error as { walk(): unknown }).walk() as { data?: Hex };
        return decodeErrorResult({ abi: zkGateAbi, data: revert.data ?? '0x' }).errorName;
      }
    };
    expect(await call(proof)).toBe('success');
    await client.request({ method: 'anvil_setChainId', params: [1] } as never);
    try {
      // The proof for the old chain, its scope signal relabelled to the new chain's scope: its
      // pairing would hold (the policy's points carry the old scope), so the chain id check is
      // what refuses it.
      expect(await call(withSignal(proof, PublicSignalIndex.scope, newScope))).toBe(
        'ZkGate__ScopeMismatch',
      );
      expect(await call(proof)).toBe('ZkGate__ScopeMismatch');
    } finally {
      await client.request({ method: 'anvil_setChainId', params: [env.chain.chainId] } as never);
    }
    expect(await call(proof)).toBe('success');
  });

  it('QueryHashMismatch: a proof of another predicate (K16)', async () => {
    const at = (await latestTime(env)) + 10n;
    const proof = await aliceProof(at, { queryHash: env.proofs.world.queries[1] });
    expectRevert(await submit(proof, { at }), 'ZkGate__QueryHashMismatch');
  });

  it("SignalHashMismatch: bob front-runs with a copy of alice's proof (K05)", async () => {
    const at = (await latestTime(env)) + 10n;
    const proof = await aliceProof(at);
    expectRevert(await submit(proof, { at, from: 4 }), 'ZkGate__SignalHashMismatch');
    // The nullifier was not consumed: alice can still use her proof.
    expectSuccess(await submit(proof, { at: at + 1n }));
  });

  it('ProofFromFuture: time = block time + 301; + 300 is accepted (K15)', async () => {
    const at = await noonAfter(env);
    expectRevert(await submit(await aliceProof(at + SKEW + 1n), { at }), 'ZkGate__ProofFromFuture');
    const ok = await submit(await aliceProof(at + 1n + SKEW), { at: at + 1n });
    expectSuccess(ok);
    // A proof dated ahead does not buy a longer pass: it starts at the block time.
    const [event] = parseEventLogs({
      abi: zkGateAbi,
      eventName: 'PassGranted',
      logs: ok.receipt.logs,
    });
    expect(event?.args.expiresAt).toBe(at + 1n + BigInt(PASS_LIFETIME));
  });

  it('ProofFromFuture: a proof dated on the next UTC day is refused even within the clock skew', async () => {
    // "age >= 18" compares the birth date with the proof's date: a proof dated 00:00:00 of the
    // birthday must not pass while the chain is still on the day before.
    const midnight = ((await latestTime(env)) / DAY + 2n) * DAY;
    const tomorrow = await aliceProof(midnight);
    expect(tomorrow.publicSignals[PublicSignalIndex.time] >> 40n).toBe(BigInt(utcDateOf(midnight)));
    // Within the 300 s skew of the block, but past midnight: refused.
    expectRevert(
      await submit(await aliceProof(midnight + SKEW - 101n), { at: midnight - 100n }),
      'ZkGate__ProofFromFuture',
    );
    // One second before midnight, the same UTC day as the block: accepted 98 s ahead.
    expectSuccess(await submit(await aliceProof(midnight - 1n), { at: midnight - 99n }));
    // 00:00:00 of the next day from the block at 23:59:59: refused; from midnight on, fine.
    expectRevert(await submit(tomorrow, { at: midnight - 1n }), 'ZkGate__ProofFromFuture');
    expectSuccess(await submit(tomorrow, { at: midnight }));
  });

  it('ProofDateMismatch: the packed date must be the UTC date of the seconds', async () => {
    const at = await noonAfter(env);
    const unix = at - 1n;
    const today = BigInt(utcDateOf(unix));
    const packed = (date: bigint) => (date << 40n) | unix;
    expect(packed(today)).toBe(encodeProofTime(unix));
    const wrong: [string, bigint][] = [
      ['the next day', packed(BigInt(utcDateOf(unix + DAY)))],
      ['the previous day', packed(BigInt(utcDateOf(unix - DAY)))],
      ['no date (the unpacked time of the old format)', unix],
      ['days since 1970 instead of YYYYMMDD', packed(unix / DAY)],
      ['the date plus 2^27 (bits above the circuit range)', packed(today + (1n << 27n))],
    ];
    let block = at;
    for (const [label, timeSignal] of wrong) {
      const proof = await aliceProof(unix, { timeSignal });
      const outcome = await submit(proof, { at: block++ });
      expect([label, outcome.error?.name]).toEqual([label, 'ZkGate__ProofDateMismatch']);
    }
    expectSuccess(
      await submit(await aliceProof(unix, { timeSignal: packed(today) }), { at: block }),
    );
  });

  it('ProofDateMismatch: at midnight, the date switches exactly with the second', async () => {
    const midnight = ((await latestTime(env)) / DAY + 2n) * DAY;
    const before = BigInt(utcDateOf(midnight - 1n));
    const after = BigInt(utcDateOf(midnight));
    expect(after).not.toBe(before);
    // 23:59:59 carrying the new date, and 00:00:00 carrying the old one: both refused.
    const early = await aliceProof(midnight - 1n, { timeSignal: (after << 40n) | (midnight - 1n) });
    const late = await aliceProof(midnight, { timeSignal: (before << 40n) | midnight });
    expectRevert(await submit(early, { at: midnight + 10n }), 'ZkGate__ProofDateMismatch');
    expectRevert(await submit(late, { at: midnight + 11n }), 'ZkGate__ProofDateMismatch');
  });

  it('ProofTooOld: time = block time - maxProofAge - 1; - maxProofAge is accepted (K15)', async () => {
    const at = (await latestTime(env)) + 10n;
    const age = BigInt(MAX_PROOF_AGE);
    expectRevert(await submit(await aliceProof(at - age - 1n), { at }), 'ZkGate__ProofTooOld');
    const ok = await submit(await aliceProof(at + 1n - age), { at: at + 1n });
    expectSuccess(ok);
    // The pass runs from the proof's time.
    const [event] = parseEventLogs({
      abi: zkGateAbi,
      eventName: 'PassGranted',
      logs: ok.receipt.logs,
    });
    expect(event?.args.expiresAt).toBe(at + 1n - age + BigInt(PASS_LIFETIME));
  });

  it('PassAlreadyExpired: proof time + pass lifetime = block time is refused (cheaply); one second later is a 1-second pass', async () => {
    // A policy whose proofs may be older than its passes last.
    const lifetime = 600n;
    const loose = await makePolicy({ maxProofAge: 3_600, passLifetime: Number(lifetime) });
    const prove = (time: bigint) =>
      proveFor(env, { holder: 'alice', account: alice, policy: loose, time });
    const at = (await latestTime(env)) + 10n;
    const dead = await submit(await prove(at - lifetime), { at, policyId: loose.policyId });
    expectRevert(dead, 'ZkGate__PassAlreadyExpired');
    // It fails before the pairing and the pass write, not after them.
    expect(dead.receipt.gasUsed).toBeLessThan(60_000n);
    expect(await holds(alice, loose.policyId)).toBe(false);

    // The next block, one second later, with a proof one second younger than that limit.
    const ok = await submit(await prove(at + 2n - lifetime), {
      at: at + 1n,
      policyId: loose.policyId,
    });
    expectSuccess(ok);
    expect((await passOf(alice, loose.policyId)).expiresAt).toBe(at + 2n);
    expect(await holds(alice, loose.policyId)).toBe(true);
    await env.testClient.setNextBlockTimestamp({ timestamp: at + 2n });
    await env.testClient.mine({ blocks: 1 });
    expect(await holds(alice, loose.policyId)).toBe(false);
    // Older than maxProofAge is still ProofTooOld (that check comes first).
    expectRevert(
      await submit(await prove(at + 2n - 3_601n), { at: at + 3n, policyId: loose.policyId }),
      'ZkGate__ProofTooOld',
    );
  });

  it('IssuerNotInPolicy: issuer B is registered, active and fresh, but not on the policy (C12)', async () => {
    const at = (await latestTime(env)) + 10n;
    expectRevert(
      await submit(await aliceProof(at, { issuerKeyHash: issuerB }), { at }),
      'ZkGate__IssuerNotInPolicy',
    );
  });

  it('IssuerNotActive: suspended, removed, or never registered (K09)', async () => {
    const setStatus = (status: number) =>
      sendTx(env, env.wallet(0), {
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'setIssuerStatus',
        args: [issuerA, status],
      });
    let at = (await latestTime(env)) + 10n;
    expectSuccess(await setStatus(2));
    expectRevert(await submit(await aliceProof(at), { at }), 'ZkGate__IssuerNotActive');
    expectSuccess(await setStatus(1));
    at = (await latestTime(env)) + 1n;
    expectSuccess(await submit(await aliceProof(at), { at }));
    expectSuccess(await setStatus(3));
    at = (await latestTime(env)) + 1n;
    expectRevert(await submit(await aliceProof(at), { at }), 'ZkGate__IssuerNotActive');

    const unknownIssuer = 0xdeadn;
    const p = await makePolicy({ issuers: [unknownIssuer] });
    at = (await latestTime(env)) + 1n;
    const proof = await proveFor(env, {
      holder: 'alice',
      account: alice,
      policy: p,
      time: at,
      issuerKeyHash: unknownIssuer,
    });
    expectRevert(await submit(proof, { at, policyId: p.policyId }), 'ZkGate__IssuerNotActive');
  });

  it('IssuerSchemaNotAllowed: schema removed from the allow-list, and an empty allow-list (K09)', async () => {
    const at = (await latestTime(env)) + 10n;
    expectSuccess(
      await sendTx(env, env.wallet(0), {
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'setIssuerSchema',
        args: [issuerA, env.proofs.world.schemas[0], false],
      }),
    );
    expectRevert(await submit(await aliceProof(at), { at }), 'ZkGate__IssuerSchemaNotAllowed');

    // An issuer registered with an empty allow-list is trusted for nothing.
    const bare = 0xba9en;
    await sendTx(env, env.wallet(0), {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'registerIssuer',
      args: [bare, 'did:ethr:0x7a69:0x02cc', env.accounts[6], []],
    });
    await sendTx(env, env.wallet(6), {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'publishRoot',
      args: [bare, env.proofs.world.roots[0]],
    });
    const p = await makePolicy({ issuers: [bare] });
    const t = (await latestTime(env)) + 1n;
    const proof = await proveFor(env, {
      holder: 'alice',
      account: alice,
      policy: p,
      time: t,
      issuerKeyHash: bare,
    });
    expectRevert(
      await submit(proof, { at: t, policyId: p.policyId }),
      'ZkGate__IssuerSchemaNotAllowed',
    );
  });

  it('IssuerSchemaNotAllowed: also for a schema id above INLINE_SCHEMA_IDS (allow-list in a mapping)', async () => {
    const inline = await env.publicClient.readContract({
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'INLINE_SCHEMA_IDS',
    });
    // Issuer C gets inline + 2 fresh schemas (the world's 2 schemas already have ids 1 and 2),
    // so its last schema's id is above the inline range.
    const issuerC = 0xc0c0n;
    const schemas = Array.from({ length: inline + 2 }, (_, i) => 0x5c000n + BigInt(i));
    const high = schemas[schemas.length - 1]!;
    expectSuccess(
      await sendTx(env, env.wallet(0), {
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'registerIssuer',
        args: [issuerC, 'did:ethr:0x7a69:0x02cc', env.accounts[6], schemas],
        gas: 20_000_000n,
      }),
    );
    const allowed = (schema: bigint) =>
      env.publicClient.readContract({
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'isSchemaAllowed',
        args: [issuerC, schema],
      });
    expect([await allowed(schemas[0]!), await allowed(high), await allowed(0x5bfffn)]).toEqual([
      true,
      true,
      false,
    ]);
    await sendTx(env, env.wallet(6), {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'publishRoot',
      args: [issuerC, env.proofs.world.roots[0]],
    });
    const p = await makePolicy({ issuers: [issuerC], schema: high });
    const prove = async (t: bigint) =>
      proveFor(env, {
        holder: 'alice',
        account: alice,
        policy: p,
        time: t,
        issuerKeyHash: issuerC,
      });
    let t = (await latestTime(env)) + 1n;
    expectSuccess(await submit(await prove(t), { at: t, policyId: p.policyId }));
    await sendTx(env, env.wallet(0), {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'setIssuerSchema',
      args: [issuerC, high, false],
    });
    expect(await allowed(high)).toBe(false);
    expect(await allowed(schemas[0]!)).toBe(true);
    t = (await latestTime(env)) + 1n;
    expectRevert(
      await submit(await prove(t), { at: t, policyId: p.policyId }),
      'ZkGate__IssuerSchemaNotAllowed',
    );
  });

  it('RootUnknown: a root the issuer never published (C13/K07)', async () => {
    const at = (await latestTime(env)) + 10n;
    expectRevert(
      await submit(await aliceProof(at, { revocationRoot: env.proofs.world.roots[2] }), { at }),
      'ZkGate__RootUnknown',
    );
    // A root published by ANOTHER issuer does not count for this one.
    await sendTx(env, env.wallet(2), {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'publishRoot',
      args: [issuerB, env.proofs.world.roots[1]],
    });
    expectRevert(
      await submit(await aliceProof(at + 1n, { revocationRoot: env.proofs.world.roots[1] }), {
        at: at + 1n,
      }),
      'ZkGate__RootUnknown',
    );
  });

  it('NullifierReused: the same credential from a second account (one person, one account)', async () => {
    const at = (await latestTime(env)) + 10n;
    expectSuccess(await submit(await aliceProof(at), { at }));
    // A fresh, different proof of the same credential (same holder => same nullifier), bound to bob.
    const second = await proveFor(env, { holder: 'alice', account: bob, policy, time: at + 1n });
    expectRevert(await submit(second, { at: at + 1n, from: 4 }), 'ZkGate__NullifierReused');
  });

  it('InvalidProof: valid signals with the points of another proof', async () => {
    const at = (await latestTime(env)) + 10n;
    const good = await aliceProof(at);
    const other = await aliceProof(at - 1n);
    expectRevert(
      await submit({ proof: other.proof, publicSignals: good.publicSignals }, { at }),
      'ZkGate__InvalidProof',
    );
  });

  it.each([
    ['A.x', 0],
    ['A.y', 1],
    ['B[0][0]', 2],
    ['B[0][1]', 3],
    ['B[1][0]', 4],
    ['B[1][1]', 5],
    ['C.x', 6],
    ['C.y', 7],
  ])('ProofNotInField: %s + q (a non-canonical encoding) (K04)', async (_name, index) => {
    const at = (await latestTime(env)) + 10n;
    const good = await aliceProof(at);
    const words = [...good.proof.a, ...good.proof.b.flat(), ...good.proof.c];
    const tampered = withCoordinate(good, index, words[index]! + Q);
    expectRevert(await submit(tampered, { at }), 'ZkGate__ProofNotInField', [BigInt(index)]);
    expectSuccess(await submit(good, { at: at + 1n }));
  });

  it.each([
    ['not on the curve', (a: readonly [bigint, bigint]) => [a[0], a[1] + 1n] as const],
    [
      'with y = 0 (not on the curve; its negation is itself)',
      (a: readonly [bigint, bigint]) => [a[0], 0n] as const,
    ],
    ['the point at infinity (0, 0)', () => [0n, 0n] as const],
    ['negated (x, q - y)', (a: readonly [bigint, bigint]) => [a[0], Q - a[1]] as const],
  ])('InvalidProof: A %s', async (_label, change) => {
    const at = (await latestTime(env)) + 10n;
    const good = await aliceProof(at);
    const tampered: GateProof = { ...good, proof: { ...good.proof, a: change(good.proof.a) } };
    expectRevert(await submit(tampered, { at }), 'ZkGate__InvalidProof');
    expectSuccess(await submit(good, { at: at + 1n }));
  });

  it('starved of gas: no gas limit yields a pass unless the whole pairing is paid for', async () => {
    const at = await latestTime(env);
    const proof = await aliceProof(at);
    const data = encodeFunctionData({
      abi: zkGateAbi,
      functionName: 'verify',
      args: verifyArgs(policy.policyId, proof) as never,
    });
    // No retries: viem would retry an out-of-gas call (no revert data) with back-off.
    const client = createPublicClient({ transport: http(env.chain.rpcUrl, { retryCount: 0 }) });
    const outcome = async (gas: bigint): Promise<string> => {
      try {
        await client.call({ account: alice, to: env.gate, data, gas });
        return 'success';
      } catch (error) {
        const revert = (error as { walk(): unknown }).walk() as { data?: Hex };
        if (!revert.data || revert.data === '0x') return '(no revert data)';
        return decodeErrorResult({ abi: zkGateAbi, data: revert.data }).errorName;
      }
    };
    // The smallest gas limit that succeeds (binary search over [40k, 400k]).
    let [low, high] = [40_000n, 400_000n];
    expect(await outcome(low)).not.toBe('success');
    expect(await outcome(high)).toBe('success');
    while (high - low > 1n) {
      const mid = (low + high) / 2n;
      if ((await outcome(mid)) === 'success') high = mid;
      else low = mid;
    }
    // The threshold covers the 4 ecMul and the pairing: nothing is skipped to save gas.
    expect(high).toBeGreaterThan(21_000n + 181_000n + 4n * 6_000n);
    // Below it, every limit fails, with one of these outcomes only.
    const failures = new Map<string, bigint[]>();
    for (let gas = high - 1n; gas > 40_000n; gas -= 7_919n) {
      const result = await outcome(gas);
      failures.set(result, [...(failures.get(result) ?? []), gas]);
    }
    expect(failures.has('success')).toBe(false);
    expect(failures.get('ZkGate__InvalidProof')?.length).toBeGreaterThan(0);
    for (const name of failures.keys()) {
      expect(['(no revert data)', 'ZkGate__InvalidProof', 'ZkGate__PrecompileFailed']).toContain(
        name,
      );
    }
    // The pairing starved, as a mined transaction: reverted, and no pass was written.
    const starvedGas = failures.get('ZkGate__InvalidProof')![0]!;
    expectRevert(await submit(proof, { at, gas: starvedGas }), 'ZkGate__InvalidProof');
    const nullifier = proof.publicSignals[PublicSignalIndex.nullifier];
    expect(await getNullifierBinding(env.publicClient, { gate: env.gate, nullifier })).toEqual({
      account: ZERO_ADDRESS,
      policyId: 0n,
    });
    expect(await passOf(alice)).toEqual({ valid: false, expiresAt: 0n, nullifier: 0n });
  });
});

describe('verify: revocation root freshness (K07/K08)', () => {
  /** Publishes root[1] at `t` (superseding root[0]); returns t. */
  async function supersedeAt(t: bigint): Promise<void> {
    expectSuccess(
      await sendTx(
        env,
        env.wallet(1),
        {
          address: env.gate,
          abi: zkGateAbi,
          functionName: 'publishRoot',
          args: [issuerA, env.proofs.world.roots[1]],
        },
        { timestamp: t },
      ),
    );
  }
  const age = BigInt(MAX_ROOT_AGE);

  it('the current root is accepted however old it is', async () => {
    const at = (await latestTime(env)) + 10n * age;
    expectSuccess(await submit(await aliceProof(at), { at }));
  });

  it('a superseded root is accepted maxRootAge - 1 seconds after supersession', async () => {
    const t = (await latestTime(env)) + 10n;
    await supersedeAt(t);
    expectSuccess(await submit(await aliceProof(t + age - 1n), { at: t + age - 1n }));
  });

  it('a superseded root is rejected at exactly supersededAt + maxRootAge', async () => {
    const t = (await latestTime(env)) + 10n;
    await supersedeAt(t);
    expectRevert(await submit(await aliceProof(t + age), { at: t + age }), 'ZkGate__RootExpired');
  });

  it('a superseded root is rejected one second past the limit', async () => {
    const t = (await latestTime(env)) + 10n;
    await supersedeAt(t);
    expectRevert(
      await submit(await aliceProof(t + age + 1n), { at: t + age + 1n }),
      'ZkGate__RootExpired',
    );
  });

  it('the new root is accepted right away', async () => {
    const t = (await latestTime(env)) + 10n;
    await supersedeAt(t);
    expectSuccess(
      await submit(await aliceProof(t + 1n, { revocationRoot: env.proofs.world.roots[1] }), {
        at: t + 1n,
      }),
    );
  });

  it('maxRootAge = 0: only the current root, even in the block right after supersession', async () => {
    const strict = await makePolicy({ maxRootAge: 0 });
    const t = (await latestTime(env)) + 10n;
    await supersedeAt(t);
    const stale = await proveFor(env, {
      holder: 'alice',
      account: alice,
      policy: strict,
      time: t + 1n,
    });
    expectRevert(
      await submit(stale, { at: t + 1n, policyId: strict.policyId }),
      'ZkGate__RootExpired',
    );
  });

  it('re-publishing an earlier root makes it current again', async () => {
    const t = (await latestTime(env)) + 10n;
    await supersedeAt(t);
    await sendTx(
      env,
      env.wallet(1),
      {
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'publishRoot',
        args: [issuerA, env.proofs.world.roots[0]],
      },
      { timestamp: t + 1n },
    );
    const late = t + 10n * age;
    expectSuccess(await submit(await aliceProof(late), { at: late }));
  });
});

describe('passes', () => {
  async function grant(at: bigint) {
    const proof = await aliceProof(at);
    expectSuccess(await submit(proof, { at }));
    return proof.publicSignals[PublicSignalIndex.nullifier];
  }
  const disablePolicy = (policyId = policy.policyId) =>
    sendTx(env, env.wallet(0), {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'disablePolicy',
      args: [policyId],
    });

  it('is valid until expiresAt (exclusive), for hasValidPass and passOf alike', async () => {
    const at = (await latestTime(env)) + 10n;
    const nullifier = await grant(at);
    const expiresAt = at + BigInt(PASS_LIFETIME);
    await env.testClient.setNextBlockTimestamp({ timestamp: expiresAt - 1n });
    await env.testClient.mine({ blocks: 1 });
    expect(await holds(alice)).toBe(true);
    expect(await passOf(alice)).toEqual({ valid: true, expiresAt, nullifier });
    await env.testClient.setNextBlockTimestamp({ timestamp: expiresAt });
    await env.testClient.mine({ blocks: 1 });
    expect(await holds(alice)).toBe(false);
    // Still reported, as expired.
    expect(await passOf(alice)).toEqual({ valid: false, expiresAt, nullifier });
  });

  it('belongs to one account and one policy, and dies with its policy', async () => {
    const at = (await latestTime(env)) + 10n;
    const nullifier = await grant(at);
    expect(await holds(bob)).toBe(false);
    expect(await holds(alice, otherPolicy.policyId)).toBe(false);
    expect(await holds(alice, 999n)).toBe(false);
    expect(await holds(ZERO_ADDRESS)).toBe(false);
    expect(await holds(ZERO_ADDRESS, 0n)).toBe(false);
    expect(await passOf(bob)).toEqual({ valid: false, expiresAt: 0n, nullifier: 0n });
    // Another policy of the same admin (created right after: same word of the disabled bitmap)
    // is not affected by disabling this one.
    const other = await proveFor(env, {
      holder: 'alice',
      account: alice,
      policy: otherPolicy,
      time: at + 1n,
    });
    expectSuccess(await submit(other, { at: at + 1n, policyId: otherPolicy.policyId }));
    expectSuccess(await disablePolicy());
    expect(await holds(alice)).toBe(false);
    expect(await passOf(alice)).toEqual({
      valid: false,
      expiresAt: at + BigInt(PASS_LIFETIME),
      nullifier,
    });
    expect(await holds(alice, otherPolicy.policyId)).toBe(true);
    expect((await passOf(alice, otherPolicy.policyId)).valid).toBe(true);
  });

  it('its holder renews it with a newer proof; an older proof or a replay never shortens or extends it', async () => {
    const at = (await latestTime(env)) + 10n;
    const first = await aliceProof(at);
    expectSuccess(await submit(first, { at }));
    const expiry = async () => (await passOf(alice)).expiresAt;
    expect(await expiry()).toBe(at + BigInt(PASS_LIFETIME));

    // Replaying the very same proof later: accepted (same account), expiry unchanged.
    expectSuccess(await submit(first, { at: at + 100n }));
    expect(await expiry()).toBe(at + BigInt(PASS_LIFETIME));

    // A newer proof extends it.
    const renewed = await aliceProof(at + 200n);
    expectSuccess(await submit(renewed, { at: at + 200n }));
    expect(await expiry()).toBe(at + 200n + BigInt(PASS_LIFETIME));

    // An older (still acceptable) proof does not shorten it.
    expectSuccess(await submit(await aliceProof(at + 150n), { at: at + 210n }));
    expect(await expiry()).toBe(at + 200n + BigInt(PASS_LIFETIME));
  });

  it('a second credential (another nullifier) on the same account: passOf reports the latest nullifier, never a shorter expiry', async () => {
    const at = (await latestTime(env)) + 10n;
    const first = await grant(at + 100n);
    const second = await proveFor(env, {
      holder: 'alice-second-wallet',
      account: alice,
      policy,
      time: at + 50n,
    });
    const nullifier2 = second.publicSignals[PublicSignalIndex.nullifier];
    expect(nullifier2).not.toBe(first);
    expectSuccess(await submit(second, { at: at + 101n }));
    expect(await passOf(alice)).toEqual({
      valid: true,
      expiresAt: at + 100n + BigInt(PASS_LIFETIME),
      nullifier: nullifier2,
    });
    // Both nullifiers stay bound to alice.
    for (const nullifier of [first, nullifier2]) {
      expect(await getNullifierBinding(env.publicClient, { gate: env.gate, nullifier })).toEqual({
        account: alice,
        policyId: policy.policyId,
      });
    }
  });

  it('a nullifier of one policy cannot be re-bound under another policy', async () => {
    // Only possible if Poseidon(secret, scope) collided across scopes; forced here with the fixture.
    const at = (await latestTime(env)) + 10n;
    const nullifier = await grant(at);
    const proof = await proveFor(env, {
      holder: 'alice',
      account: alice,
      policy: otherPolicy,
      time: at + 1n,
    });
    const forced = withSignal(proof, PublicSignalIndex.nullifier, nullifier);
    // The forced signals no longer match the proof, but the nullifier check comes first.
    expectRevert(
      await submit(forced, { at: at + 1n, policyId: otherPolicy.policyId }),
      'ZkGate__NullifierReused',
    );
  });

  it("the binding is keyed by the nullifier's low 192 bits but compares all of them", async () => {
    const at = (await latestTime(env)) + 10n;
    const nullifier = await grant(at);
    // Same low 192 bits, other top bits: another nullifier (forced with the fixture).
    const twin = nullifier ^ (1n << 200n);
    expect(twin < FIELD_SIZE).toBe(true);
    expect(
      await getNullifierBinding(env.publicClient, { gate: env.gate, nullifier: twin }),
    ).toEqual({ account: ZERO_ADDRESS, policyId: 0n });
    // Even for alice herself under the same policy it is not "her" nullifier: refused by the
    // binding check (were the top bits ignored, it would get through to the pairing).
    const forced = withSignal(await aliceProof(at + 1n), PublicSignalIndex.nullifier, twin);
    expectRevert(await submit(forced, { at: at + 1n }), 'ZkGate__NullifierReused');
  });
});

describe('verifyFor: a relayer submits, the account the proof names gets the pass', () => {
  const RELAYER = 5;
  let relayer: Address;
  beforeAll(() => {
    relayer = env.accounts[RELAYER] as Address;
  });

  it("a relayer submits alice's proof: alice has the pass, the relayer none", async () => {
    const at = (await latestTime(env)) + 10n;
    const proof = await aliceProof(at);
    const outcome = await submit(proof, { at, from: RELAYER, for: alice });
    expectSuccess(outcome);
    const nullifier = proof.publicSignals[PublicSignalIndex.nullifier];
    expect(
      parseEventLogs({ abi: zkGateAbi, eventName: 'PassGranted', logs: outcome.receipt.logs }),
    ).toMatchObject([{ args: { policyId: policy.policyId, nullifier, account: alice } }]);
    expect(outcome.receipt.from.toLowerCase()).toBe(relayer.toLowerCase());
    expect(await holds(alice)).toBe(true);
    expect(await passOf(alice)).toEqual({
      valid: true,
      expiresAt: at + BigInt(PASS_LIFETIME),
      nullifier,
    });
    expect(await holds(relayer)).toBe(false);
    expect(await passOf(relayer)).toEqual({ valid: false, expiresAt: 0n, nullifier: 0n });
    expect(await getNullifierBinding(env.publicClient, { gate: env.gate, nullifier })).toEqual({
      account: alice,
      policyId: policy.policyId,
    });
    // Alice herself can later renew it with verify, and a relayer with verifyFor.
    expectSuccess(await submit(await aliceProof(at + 5n), { at: at + 5n }));
    expectSuccess(await submit(await aliceProof(at + 6n), { at: at + 6n, from: 4, for: alice }));
    expect((await passOf(alice)).expiresAt).toBe(at + 6n + BigInt(PASS_LIFETIME));
  });

  it("a front-runner copying alice's verify calldata into verifyFor only gives alice her pass (K05)", async () => {
    const at = (await latestTime(env)) + 10n;
    const proof = await aliceProof(at);
    // The copy into verify from bob's account fails; into verifyFor it can only name alice.
    expectRevert(await submit(proof, { at, from: 4 }), 'ZkGate__SignalHashMismatch');
    expectRevert(
      await submit(proof, { at: at + 1n, from: 4, for: bob }),
      'ZkGate__SignalHashMismatch',
    );
    expectSuccess(await submit(proof, { at: at + 2n, from: 4, for: alice }));
    expect(await holds(bob)).toBe(false);
    expect(await holds(alice)).toBe(true);
    // Alice's own transaction, arriving later, is a replay of the same statement: harmless.
    expectSuccess(await submit(proof, { at: at + 3n }));
    expect((await passOf(alice)).expiresAt).toBe(at + BigInt(PASS_LIFETIME));
  });

  it('SignalHashMismatch: a proof bound to X submitted with verifyFor(Y), also with a context', async () => {
    const at = (await latestTime(env)) + 10n;
    expectRevert(
      await submit(await aliceProof(at), { at, from: RELAYER, for: bob }),
      'ZkGate__SignalHashMismatch',
    );
    // The relayer itself is not X either.
    expectRevert(
      await submit(await aliceProof(at + 1n), { at: at + 1n, from: RELAYER, for: relayer }),
      'ZkGate__SignalHashMismatch',
    );
    const context: Hex = `0x${'ab'.repeat(32)}`;
    const bound = await aliceProof(at + 2n, { context });
    expectRevert(
      await submit(bound, { at: at + 2n, from: RELAYER, for: alice }),
      'ZkGate__SignalHashMismatch',
    );
    expectSuccess(await submit(bound, { at: at + 3n, from: RELAYER, for: alice, context }));
    expect(await holds(bob)).toBe(false);
    expect(await holds(relayer)).toBe(false);
  });

  it('ZeroAccount: verifyFor(0) is refused even with a proof made for the zero address', async () => {
    const at = (await latestTime(env)) + 10n;
    const forZero = await proveFor(env, {
      holder: 'nobody',
      account: ZERO_ADDRESS,
      policy,
      time: at,
    });
    expect(forZero.publicSignals[PublicSignalIndex.signalHash]).toBe(
      computeSignalHash({ account: ZERO_ADDRESS }),
    );
    expectRevert(
      await submit(forZero, { at, from: RELAYER, for: ZERO_ADDRESS }),
      'ZkGate__ZeroAccount',
    );
    expect(await holds(ZERO_ADDRESS)).toBe(false);
  });

  it("NullifierReused: a relayer cannot bind alice's credential to a second account", async () => {
    const at = (await latestTime(env)) + 10n;
    expectSuccess(await submit(await aliceProof(at), { at, from: RELAYER, for: alice }));
    const second = await proveFor(env, { holder: 'alice', account: bob, policy, time: at + 1n });
    expectRevert(
      await submit(second, { at: at + 1n, from: RELAYER, for: bob }),
      'ZkGate__NullifierReused',
    );
  });

  it('the library helper sends verifyFor when given the account', async () => {
    const at = (await latestTime(env)) + 1n;
    const proof = await aliceProof(at + 5n);
    await env.testClient.setNextBlockTimestamp({ timestamp: at + 5n });
    const args = {
      publicClient: env.publicClient,
      walletClient: env.wallet(RELAYER),
      gate: env.gate,
      policyId: policy.policyId,
      proof: proof.proof,
      publicSignals: proof.publicSignals,
    };
    expect(await verifyOnChain({ ...args, account: bob })).toMatchObject({
      verified: false,
      code: 'signal_mismatch',
    });
    expect(await verifyOnChain({ ...args, account: ZERO_ADDRESS })).toMatchObject({
      verified: false,
      code: 'bad_input',
      errorName: 'ZkGate__ZeroAccount',
    });
    expect(await verifyOnChain({ ...args, account: alice })).toMatchObject({
      verified: true,
      account: alice,
      nullifier: proof.publicSignals[PublicSignalIndex.nullifier],
    });
    expect(await holds(relayer)).toBe(false);
  });
});

describe('calldata shape (K14)', () => {
  it('rejects calldata one word short (6 public signals)', async () => {
    const at = (await latestTime(env)) + 10n;
    const proof = await aliceProof(at);
    const data = encodeFunctionData({
      abi: zkGateAbi,
      functionName: 'verify',
      args: verifyArgs(policy.policyId, proof) as never,
    });
    const short = data.slice(0, data.length - 64) as Hex;
    await env.testClient.setNextBlockTimestamp({ timestamp: at });
    const hash = await env
      .wallet(3)
      .sendTransaction({ to: env.gate, data: short, gas: 1_000_000n });
    const receipt = await env.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('reverted');
    // The full calldata works, so the revert above is due to the length alone.
    const full = await env.wallet(3).sendTransaction({ to: env.gate, data, gas: 1_000_000n });
    expect((await env.publicClient.waitForTransactionReceipt({ hash: full })).status).toBe(
      'success',
    );
  });
});
