/**
 * Policies at rest on SQLite and PostgreSQL: stored compiled, read back only by their
 * marketplace, disabled not deleted, never drifting from their query hash.
 */
import { agePolicyInput } from '../../test/fixtures/policies.js';
import { databaseEngines } from '../../test/helpers/databases.js';
import { PolicyEntity, VERIFIER_ENTITIES, VERIFIER_MIGRATIONS } from '../store/schema.js';
import type { PolicyInput } from '#platform';
import { createPolicy, disablePolicy, loadPolicy } from './policy-store.js';

const engines = databaseEngines({ entities: VERIFIER_ENTITIES, migrations: VERIFIER_MIGRATIONS });
const NOW = 1_796_140_800;
const policy = (over: Partial<PolicyInput> = {}): PolicyInput =>
  agePolicyInput({ id: 'adults-only', marketplaceId: 'shop-1', ...over });

describe.each(engines.list)('policy store on %s', (engine) => {
  it('stores a compiled policy and reads it back for its marketplace only', async () => {
    const ds = await engines.open(engine);
    const created = await createPolicy(ds, policy(), NOW);
    const loaded = await loadPolicy(ds, { id: 'adults-only', marketplaceId: 'shop-1' });
    expect(loaded.queryHash).toBe(created.queryHash);
    expect(loaded).toMatchObject({ status: 'active', purpose: policy().purpose });
    await expect(
      loadPolicy(ds, { id: 'adults-only', marketplaceId: 'shop-2' }),
    ).rejects.toMatchObject({
      code: 'policy_unknown',
    });
    await expect(loadPolicy(ds, { id: 'nope', marketplaceId: 'shop-1' })).rejects.toMatchObject({
      code: 'policy_unknown',
    });
  });

  it('refuses an invalid policy before storing it, and a taken id', async () => {
    const ds = await engines.open(engine);
    await expect(
      createPolicy(
        ds,
        policy({ predicates: [{ attribute: 'birthDate', op: 'ageAtLeast', value: 200 }] }),
        NOW,
      ),
    ).rejects.toMatchObject({ code: 'out_of_range' });
    expect(await ds.getRepository(PolicyEntity).count()).toBe(0);
    await createPolicy(ds, policy(), NOW);
    await expect(createPolicy(ds, policy({ marketplaceId: 'shop-2' }), NOW)).rejects.toMatchObject({
      code: 'bad_input',
    });
  });

  it('disables (idempotently) instead of deleting; active-only reads refuse it', async () => {
    const ds = await engines.open(engine);
    await createPolicy(ds, policy(), NOW);
    await disablePolicy(ds, { id: 'adults-only', marketplaceId: 'shop-1' });
    await disablePolicy(ds, { id: 'adults-only', marketplaceId: 'shop-1' });
    await expect(
      loadPolicy(ds, { id: 'adults-only', marketplaceId: 'shop-1', activeOnly: true }),
    ).rejects.toMatchObject({ code: 'policy_disabled' });
    expect((await loadPolicy(ds, { id: 'adults-only', marketplaceId: 'shop-1' })).status).toBe(
      'disabled',
    );
    await expect(
      disablePolicy(ds, { id: 'adults-only', marketplaceId: 'shop-2' }),
    ).rejects.toMatchObject({
      code: 'policy_unknown',
    });
  });

  it('refuses a stored policy whose definition no longer matches its query hash', async () => {
    const ds = await engines.open(engine);
    await createPolicy(ds, policy(), NOW);
    const row = await ds.getRepository(PolicyEntity).findOneByOrFail({ id: 'adults-only' });
    const tampered = JSON.parse(row.definition) as PolicyInput;
    tampered.predicates = [{ attribute: 'birthDate', op: 'ageAtLeast', value: 16 }];
    await ds
      .getRepository(PolicyEntity)
      .update({ id: 'adults-only' }, { definition: JSON.stringify(tampered) });
    await expect(
      loadPolicy(ds, { id: 'adults-only', marketplaceId: 'shop-1' }),
    ).rejects.toMatchObject({
      code: 'internal',
    });
  });
});
