/**
 * Policies at rest: a marketplace's policy is compiled (checked, query hash computed) before it is
 * stored, stored once under its id, read back by the marketplace that owns it only, and disabled
 * rather than deleted (its records and their audit trail keep pointing at it). A read re-compiles
 * the stored definition and refuses it if its query hash no longer matches: a policy can never
 * drift from the hash its proofs answer.
 */
import { insertIfAbsent, withTransaction } from '#platform';
import type { DataSource } from 'typeorm';
import { VerifierError } from '../errors.js';
import { PolicyEntity } from '../store/schema.js';
import { compilePolicy, type CompiledPolicy } from './policies.js';

/** Compiles and stores a new policy; an id already taken is `bad_input`. */
export async function createPolicy(
  ds: DataSource,
  input: unknown,
  now: number,
): Promise<CompiledPolicy> {
  const policy = compilePolicy(input);
  const { query: _query, queryHash, ...definition } = policy;
  const inserted = await withTransaction(ds, (tx) =>
    insertIfAbsent(tx, PolicyEntity, {
      id: policy.id,
      marketplaceId: policy.marketplaceId,
      schema: policy.schema,
      queryHash: queryHash.toString(),
      definition: JSON.stringify(definition),
      status: 'active',
      createdAt: now,
    }),
  );
  if (!inserted) throw new VerifierError('bad_input', 'a policy with this id already exists');
  return policy;
}

/**
 * A marketplace's policy: `policy_unknown` when there is none with this id for this marketplace
 * (another marketplace's policy is indistinguishable from a missing one), `policy_disabled` when
 * it is disabled and `activeOnly` is set.
 */
export async function loadPolicy(
  ds: DataSource,
  params: { id: string; marketplaceId: string; activeOnly?: boolean },
): Promise<CompiledPolicy & { status: 'active' | 'disabled' }> {
  const row = await ds.getRepository(PolicyEntity).findOne({ where: { id: params.id } });
  if (!row || row.marketplaceId !== params.marketplaceId) {
    throw new VerifierError('policy_unknown', 'no policy has this id');
  }
  if (params.activeOnly && row.status !== 'active') {
    throw new VerifierError('policy_disabled', 'the policy is disabled');
  }
  const policy = compilePolicy(JSON.parse(row.definition));
  if (policy.queryHash.toString() !== row.queryHash) {
    throw new VerifierError('internal', 'the stored policy does not match its query hash');
  }
  return { ...policy, status: row.status };
}

/** Disables a marketplace's policy (idempotent): no new requests or verifications under it. */
export async function disablePolicy(
  ds: DataSource,
  params: { id: string; marketplaceId: string },
): Promise<void> {
  await loadPolicy(ds, params);
  await withTransaction(ds, (tx) =>
    tx.getRepository(PolicyEntity).update({ id: params.id }, { status: 'disabled' }),
  );
}
