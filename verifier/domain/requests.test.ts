/**
 * Proof requests: pending, a fresh 32-byte challenge each, bounded lifetime, the signed request
 * object stored with them; and the two bindings (off-chain verifier, on-chain gate).
 */
import { databaseEngines } from '../../test/helpers/databases.js';
import { VerifierError } from '../errors.js';
import { ProofRequestEntity, VERIFIER_ENTITIES, VERIFIER_MIGRATIONS } from '../store/schema.js';
import { gateScope, gateSignalHash, requestContext, requestSignalHash, verifierScope } from '#zk';
import { agePolicyInput } from '../../test/fixtures/policies.js';
import { compilePolicy, expectedContext, expectedScope, expectedSignalHash } from '#platform';
import { createProofRequest, requestBinding, requestClaims } from './requests.js';

const engines = databaseEngines({ entities: VERIFIER_ENTITIES, migrations: VERIFIER_MIGRATIONS });
const NOW = 1_790_000_000;

describe('createProofRequest (sqlite)', () => {
  it('stores a pending request with a fresh challenge and its expiry', async () => {
    const ds = await engines.open('sqlite');
    const a = await createProofRequest(ds, { policyId: 'adult-buyers', now: NOW, ttlSeconds: 300 });
    const b = await createProofRequest(ds, { policyId: 'adult-buyers', now: NOW, ttlSeconds: 300 });
    expect(a).toMatchObject({
      policyId: 'adult-buyers',
      expiresAt: NOW + 300,
      status: 'pending',
      account: null,
      requestObject: '',
      webhookUrl: null,
      relayStatus: null,
      createdAt: NOW,
    });
    expect(a.challenge).toMatch(/^0x[0-9a-f]{64}$/);
    expect(b.challenge).not.toBe(a.challenge);
    expect(b.id).not.toBe(a.id);
    expect(await ds.getRepository(ProofRequestEntity).findOneByOrFail({ id: a.id })).toEqual(a);
  });

  it.each([
    [{ policyId: '', now: NOW, ttlSeconds: 300 }, 'bad_input'],
    [{ policyId: 'p', now: -1, ttlSeconds: 300 }, 'bad_input'],
    [{ policyId: 'p', now: NOW, ttlSeconds: 0 }, 'out_of_range'],
    [{ policyId: 'p', now: NOW, ttlSeconds: 3_601 }, 'out_of_range'],
    [{ policyId: 'p', now: NOW, ttlSeconds: 1.5 }, 'out_of_range'],
  ])('refuses %j with %s', async (params, code) => {
    const ds = await engines.open('sqlite');
    const e = await createProofRequest(ds, params).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(VerifierError);
    expect((e as VerifierError).code).toBe(code);
    expect(await ds.getRepository(ProofRequestEntity).count()).toBe(0);
  });
});

describe('createProofRequest: the signed request object and the options', () => {
  it('signs over the id, challenge and expiry it chose, and stores the result', async () => {
    const ds = await engines.open('sqlite');
    const seen: { id: string; challenge: string; expiresAt: number }[] = [];
    const row = await createProofRequest(ds, {
      policyId: 'adult-buyers',
      now: NOW,
      ttlSeconds: 60,
      webhookUrl: 'https://market.example/hook',
      relay: true,
      sign: async (r) => {
        seen.push(r);
        return `signed:${r.id}:${r.challenge}`;
      },
    });
    expect(seen).toEqual([{ id: row.id, challenge: row.challenge, expiresAt: NOW + 60 }]);
    const stored = await ds.getRepository(ProofRequestEntity).findOneByOrFail({ id: row.id });
    expect(stored).toMatchObject({
      requestObject: `signed:${row.id}:${row.challenge}`,
      webhookUrl: 'https://market.example/hook',
      relayStatus: 'requested',
    });
  });

  it('stores nothing when signing fails', async () => {
    const ds = await engines.open('sqlite');
    await expect(
      createProofRequest(ds, {
        policyId: 'p',
        now: NOW,
        ttlSeconds: 60,
        sign: async () => {
          throw new VerifierError('internal', 'kms down');
        },
      }),
    ).rejects.toMatchObject({ code: 'internal' });
    expect(await ds.getRepository(ProofRequestEntity).count()).toBe(0);
  });
});

describe('request bindings: what the holder proves against', () => {
  const VERIFIER = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa';
  const GATE = { chainId: 31337, address: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const };
  const policy = compilePolicy(agePolicyInput());
  const p = {
    challenge: `0x${'ab'.repeat(32)}` as const,
    consentReceiptHash: `0x${'cd'.repeat(32)}` as const,
    account: '0x1111111111111111111111111111111111111111' as const,
  };

  it('an off-chain policy: the verifier scope and the request signal hash', () => {
    const b = requestBinding(policy, VERIFIER, GATE);
    expect(b).toEqual({ kind: 'verifier', verifierId: VERIFIER });
    expect(expectedScope(b, policy.id)).toBe(verifierScope(VERIFIER, policy.id));
    expect(expectedSignalHash(b, p)).toBe(
      requestSignalHash(p.challenge, p.consentReceiptHash, p.account),
    );
    expect(expectedContext(b, p.challenge, p.consentReceiptHash)).toBeUndefined();
  });

  it("a mirrored policy: the gate's scope and signal hash over the request context", () => {
    const b = requestBinding({ ...policy, chainPolicyId: '7' }, VERIFIER, GATE);
    expect(b).toEqual({ kind: 'gate', chainId: 31337, gate: GATE.address, policyId: '7' });
    expect(expectedScope(b, policy.id)).toBe(gateScope(31337, GATE.address, 7n));
    const context = requestContext(p.challenge, p.consentReceiptHash);
    expect(expectedContext(b, p.challenge, p.consentReceiptHash)).toBe(context);
    expect(expectedSignalHash(b, p)).toBe(gateSignalHash(p.account, context));
    expect(expectedSignalHash(b, p)).not.toBe(
      requestSignalHash(p.challenge, p.consentReceiptHash, p.account),
    );
  });

  it('a mirrored policy without a configured gate is a configuration error', () => {
    expect(() => requestBinding({ ...policy, chainPolicyId: '7' }, VERIFIER, undefined)).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });

  it('the request claims carry the readable policy, its query hash, scope and binding', () => {
    const b = requestBinding(policy, VERIFIER, GATE);
    const claims = requestClaims(policy, { id: 'r1', challenge: p.challenge }, b);
    expect(claims).toEqual({
      version: 1,
      requestId: 'r1',
      challenge: p.challenge,
      policy: {
        id: policy.id,
        schema: 'AgeCredential',
        predicates: policy.predicates,
        purpose: policy.purpose,
        retentionDays: policy.retentionDays,
        legalBasis: policy.legalBasis,
        trustedIssuers: policy.trustedIssuers,
        queryHash: policy.queryHash.toString(),
        passLifetimeSeconds: policy.passLifetimeSeconds,
        maxProofAgeSeconds: policy.maxProofAgeSeconds,
      },
      scope: verifierScope(VERIFIER, policy.id).toString(),
      binding: b,
    });
  });
});
