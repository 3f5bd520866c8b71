/**
 * A ready-made trust setup for tests that need passes (marketplace, gas): issuer A registered for
 * both test schemas with its first root published, and the marketplace's two policies.
 */
import { parseEventLogs, type Address } from 'viem';
import { zkGateAbi } from '../ts/abi.js';
import type { PolicyInput } from '../ts/gate.js';
import { publishRevocationRoot, registerIssuer } from '../ts/registry.js';
import { PublicSignalIndex } from '../ts/signals.js';
import type { ProofWorld } from './fixture/proof-source.js';
import {
  expectSuccess,
  latestTime,
  proveFor,
  scopeFor,
  sendTx,
  verifyArgs,
  type PolicyFixture,
  type TestEnv,
} from './helpers.js';

export const PASS_LIFETIME = 86_400;

/** The two demo policies: age (query 0, schema 0) and reputation (query 1, schema 1). */
export function marketplacePolicies(world: ProofWorld): {
  agePolicy: PolicyInput;
  reputationPolicy: PolicyInput;
} {
  const terms = { maxRootAge: 3_600, maxProofAge: 600, passLifetime: PASS_LIFETIME };
  return {
    agePolicy: {
      queryHash: world.queries[0],
      schema: world.schemas[0],
      issuers: [world.issuers[0]],
      ...terms,
    },
    reputationPolicy: {
      queryHash: world.queries[1],
      schema: world.schemas[1],
      issuers: [world.issuers[0]],
      ...terms,
    },
  };
}

/**
 * Registers test issuer `index` of the proof world (A = 0, B = 1; controller: dev account
 * index + 1; owner: dev account 0) for `schemas` (default: all) and publishes root 0 for it.
 */
export async function trustIssuer(
  env: TestEnv,
  index: 0 | 1,
  opts: { schemas?: readonly bigint[] } = {},
): Promise<void> {
  const world = env.proofs.world;
  const keyHash = world.issuers[index];
  await registerIssuer({
    publicClient: env.publicClient,
    walletClient: env.wallet(0),
    gate: env.gate,
    keyHash,
    did: `did:ethr:0x7a69:0x02${index === 0 ? 'aa' : 'bb'}`,
    controller: env.accounts[index + 1] as Address,
    schemas: [...(opts.schemas ?? world.schemas)],
  });
  await publishRevocationRoot({
    publicClient: env.publicClient,
    walletClient: env.wallet(index + 1),
    gate: env.gate,
    issuerKeyHash: keyHash,
    root: world.roots[0],
  });
}

/** Registers issuer A for both test schemas and publishes its first root. */
export async function trustIssuerA(env: TestEnv): Promise<void> {
  await trustIssuer(env, 0);
}

/** The deployed marketplace policies as fixtures. */
export function deployedPolicies(env: TestEnv): { age: PolicyFixture; reputation: PolicyFixture } {
  const ids = env.deployment.policies;
  if (!ids) throw new Error('deployed without the marketplace');
  const inputs = marketplacePolicies(env.proofs.world);
  const fixture = (id: string, policy: PolicyInput): PolicyFixture => ({
    policyId: BigInt(id),
    scope: scopeFor(env, BigInt(id)),
    policy,
  });
  return {
    age: fixture(ids.age, inputs.agePolicy),
    reputation: fixture(ids.reputation, inputs.reputationPolicy),
  };
}

/** Proves and submits; returns the pass nullifier and the verification gas. */
export async function grantPass(
  env: TestEnv,
  params: { holder: string; from: number; policy: PolicyFixture },
): Promise<{ nullifier: bigint; gasUsed: bigint }> {
  const at = (await latestTime(env)) + 1n;
  const account = env.accounts[params.from] as Address;
  const proof = await proveFor(env, {
    holder: params.holder,
    account,
    policy: params.policy,
    time: at,
  });
  const outcome = await sendTx(
    env,
    env.wallet(params.from),
    {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'verify',
      args: verifyArgs(params.policy.policyId, proof),
    },
    { timestamp: at },
  );
  expectSuccess(outcome);
  const [granted] = parseEventLogs({
    abi: zkGateAbi,
    eventName: 'PassGranted',
    logs: outcome.receipt.logs,
  });
  expect(granted?.args.nullifier).toBe(proof.publicSignals[PublicSignalIndex.nullifier]);
  return {
    nullifier: proof.publicSignals[PublicSignalIndex.nullifier],
    gasUsed: outcome.receipt.gasUsed,
  };
}
