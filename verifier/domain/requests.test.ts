/** Proof requests: pending, a fresh 32-byte challenge each, bounded lifetime. */
import { databaseEngines } from '../../test/helpers/databases.js';
import { VerifierError } from '../errors.js';
import { ProofRequestEntity, VERIFIER_ENTITIES, VERIFIER_MIGRATIONS } from '../store/schema.js';
import { createProofRequest } from './requests.js';

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
