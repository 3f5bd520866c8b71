/**
 * The demo policies at the verifier: created once with fixed ids (on-chain, trusting the
 * configured issuers), found again on a restart (nothing created twice), and a policy that
 * exists but cannot serve (disabled, off-chain, other issuers) is a configuration error.
 */
import { DEMO_POLICIES, ensurePolicies, policyBody } from './policies.js';
import type { PolicyBody, PolicyView, VerifierApi } from './verifier-api.js';

/** A verifier keeping its policies in a map. */
function verifierWith(policies: Map<string, PolicyView>) {
  const created: PolicyBody[] = [];
  let next = 1;
  const api: VerifierApi = {
    getPolicy: async (id) => policies.get(id) ?? null,
    createPolicy: async (body) => {
      created.push(body);
      const view = {
        id: body.id,
        status: 'active' as const,
        chainPolicyId: String(next++),
        trustedIssuers: body.trustedIssuers,
      };
      policies.set(body.id, view);
      return view;
    },
    createRequest: async () => {
      throw new Error('unused');
    },
    getRequest: async () => {
      throw new Error('unused');
    },
  };
  return { api, created };
}

describe('ensurePolicies', () => {
  it('creates both once, on-chain, then finds them again', async () => {
    const store = new Map<string, PolicyView>();
    const v = verifierWith(store);
    const first = await ensurePolicies(v.api, ['42']);
    expect(first).toEqual({
      reputation: { id: 'demo-seller-reputation', chainPolicyId: '1' },
      age: { id: 'demo-buyer-age', chainPolicyId: '2' },
    });
    expect(v.created).toEqual([
      policyBody(DEMO_POLICIES.reputation, ['42']),
      policyBody(DEMO_POLICIES.age, ['42']),
    ]);
    expect(v.created[0]).toMatchObject({
      schema: 'MarketplaceReputationCredential',
      onChain: true,
      trustedIssuers: ['42'],
      predicates: [
        { attribute: 'score', op: 'gte', value: 80 },
        { attribute: 'trades', op: 'gte', value: 10 },
      ],
    });
    expect(v.created[1]?.predicates).toEqual([
      { attribute: 'birthDate', op: 'ageAtLeast', value: 18 },
    ]);
    // A restart: the same ids, nothing created.
    expect(await ensurePolicies(v.api, ['42'])).toEqual(first);
    expect(v.created).toHaveLength(2);
  });

  it.each([
    ['is disabled', { status: 'disabled' as const }],
    ['is not mirrored on-chain', { chainPolicyId: null }],
    ['trusts other issuers', { trustedIssuers: ['7'] }],
  ])('refuses a policy that %s', async (problem, over) => {
    const store = new Map<string, PolicyView>([
      [
        'demo-seller-reputation',
        {
          id: 'demo-seller-reputation',
          status: 'active',
          chainPolicyId: '9',
          trustedIssuers: ['42'],
          ...over,
        },
      ],
    ]);
    await expect(ensurePolicies(verifierWith(store).api, ['42'])).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining(problem),
    });
  });
});
