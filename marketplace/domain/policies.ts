/**
 * The two demo policies, defined once: what the verifier is asked to check (readable predicates,
 * mirrored into ZkGate), and what the page says a passing proof revealed. Their ids are fixed, so
 * a restart finds them at the verifier and creates nothing twice.
 */
import type { PolicyBody, VerifierApi } from './verifier-api.js';
import { MarketplaceError } from '../errors.js';

export type PolicyName = 'reputation' | 'age';

export interface DemoPolicy {
  id: string;
  schema: string;
  predicates: PolicyBody['predicates'];
  purpose: string;
  /** What a passing proof revealed, in words: the predicate and nothing else. */
  revealed: string;
  /** What it did not reveal (said plainly on the page). */
  withheld: string;
}

export const DEMO_POLICIES: Readonly<Record<PolicyName, DemoPolicy>> = {
  reputation: {
    id: 'demo-seller-reputation',
    schema: 'MarketplaceReputationCredential',
    predicates: [
      { attribute: 'score', op: 'gte', value: 80 },
      { attribute: 'trades', op: 'gte', value: 10 },
    ],
    purpose:
      'Only sellers with a reputation score of at least 80 over at least 10 trades may list.',
    revealed: 'reputation score ≥ 80 and ≥ 10 trades — nothing else',
    withheld: 'no exact score, no trade count, no name, no DID',
  },
  age: {
    id: 'demo-buyer-age',
    schema: 'AgeCredential',
    predicates: [{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }],
    purpose: 'Age-restricted items may only be sold to adults.',
    revealed: 'age ≥ 18 — nothing else',
    withheld: 'no birth date, no name, no country, no DID',
  },
};

/** The verifier policy body of a demo policy, trusting `trustedIssuers`, mirrored on-chain. */
export function policyBody(p: DemoPolicy, trustedIssuers: readonly string[]): PolicyBody {
  return {
    id: p.id,
    schema: p.schema,
    trustedIssuers: [...trustedIssuers],
    predicates: p.predicates,
    purpose: p.purpose,
    retentionDays: 30,
    legalBasis: 'consent',
    passLifetimeSeconds: 86_400,
    maxProofAgeSeconds: 600,
    maxRootAgeSeconds: 3_600,
    onChain: true,
  };
}

export interface EnsuredPolicy {
  id: string;
  /** The ZkGate policy id the verifier mirrored it to (decimal). */
  chainPolicyId: string;
}

/**
 * Makes sure both demo policies exist at the verifier, active and on-chain: reads each first and
 * creates it only when the verifier has none with its id (idempotent across restarts). A policy
 * that exists but is disabled, off-chain or trusts other issuers is a configuration problem.
 */
export async function ensurePolicies(
  verifier: VerifierApi,
  trustedIssuers: readonly string[],
): Promise<Record<PolicyName, EnsuredPolicy>> {
  const out = {} as Record<PolicyName, EnsuredPolicy>;
  for (const name of ['reputation', 'age'] as const) {
    const def = DEMO_POLICIES[name];
    const view =
      (await verifier.getPolicy(def.id)) ??
      (await verifier.createPolicy(policyBody(def, trustedIssuers)));
    const problem =
      view.status !== 'active'
        ? 'is disabled'
        : !view.chainPolicyId
          ? 'is not mirrored on-chain'
          : view.trustedIssuers && !sameSet(view.trustedIssuers, trustedIssuers)
            ? 'trusts other issuers than MARKETPLACE_TRUSTED_ISSUERS'
            : null;
    if (problem || !view.chainPolicyId) {
      throw new MarketplaceError(
        'config_invalid',
        `the verifier's policy ${def.id} ${problem ?? 'is not mirrored on-chain'}`,
      );
    }
    out[name] = { id: view.id, chainPolicyId: view.chainPolicyId };
  }
  return out;
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));
