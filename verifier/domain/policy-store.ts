/**
 * Policies at rest: a marketplace's policy is compiled (checked, query hash computed) before it is
 * stored, stored once under its id, read back by the marketplace that owns it only, and disabled
 * rather than deleted (its records and their audit trail keep pointing at it). A read re-compiles
 * the stored definition and refuses it if its query hash no longer matches: a policy can never
 * drift from the hash its proofs answer.
 *
 * Mirroring into ZkGate (optional, `PolicyMirror`): the on-chain policy is created first, then the
 * row is written with its id, so a stored policy never points at a chain policy that does not
 * exist; if the row cannot be written (its id was taken meanwhile) the fresh chain policy is
 * disabled again. Disabling goes chain first, then the row: a failure leaves both as they were.
 * `checkMirror` compares a stored policy with the chain's (query hash, schema, issuers, terms,
 * disabled) for readiness and reconciliation.
 */
import { compilePolicy, insertIfAbsent, withTransaction, type CompiledPolicy } from '#platform';
import { IsNull, Not, type DataSource } from 'typeorm';
import { VerifierError } from '../errors.js';
import { PolicyEntity, type PolicyRow } from '../store/schema.js';
import type { StoredPolicy } from './requests.js';

/** The chain side of mirroring (the service wires it to `#contracts`). */
export interface PolicyMirror {
  /** Creates the policy on ZkGate; returns its id there (decimal). */
  create(policy: CompiledPolicy): Promise<string>;
  /** Disables the chain policy (idempotent). */
  disable(chainPolicyId: string): Promise<void>;
}

/**
 * Compiles and stores a new policy, mirrored into ZkGate first when `mirror` is given; an id
 * already taken is `bad_input`.
 */
export async function createPolicy(
  ds: DataSource,
  input: unknown,
  now: number,
  mirror?: PolicyMirror,
): Promise<StoredPolicy> {
  const policy = compilePolicy(input);
  const { query: _query, queryHash, ...definition } = policy;
  const taken = () => new VerifierError('bad_input', 'a policy with this id already exists');
  if (await ds.getRepository(PolicyEntity).exist({ where: { id: policy.id } })) throw taken();
  const chainPolicyId = mirror ? await mirror.create(policy) : null;
  const inserted = await withTransaction(ds, (tx) =>
    insertIfAbsent(tx, PolicyEntity, {
      id: policy.id,
      marketplaceId: policy.marketplaceId,
      schema: policy.schema,
      queryHash: queryHash.toString(),
      definition: JSON.stringify(definition),
      status: 'active',
      chainPolicyId,
      createdAt: now,
    }),
  );
  if (!inserted) {
    if (mirror && chainPolicyId) await mirror.disable(chainPolicyId).catch(() => undefined);
    throw taken();
  }
  return { ...policy, chainPolicyId };
}

/** Every policy of a marketplace, newest first. */
export async function listPolicies(
  ds: DataSource,
  marketplaceId: string,
): Promise<(StoredPolicy & { status: 'active' | 'disabled'; createdAt: number })[]> {
  const rows = await ds
    .getRepository(PolicyEntity)
    .find({ where: { marketplaceId }, order: { createdAt: 'DESC', id: 'ASC' }, take: 500 });
  return rows.map((row) => ({ ...fromRow(row), status: row.status, createdAt: row.createdAt }));
}

/**
 * A marketplace's policy: `policy_unknown` when there is none with this id for this marketplace
 * (another marketplace's policy is indistinguishable from a missing one), `policy_disabled` when
 * it is disabled and `activeOnly` is set.
 */
export async function loadPolicy(
  ds: DataSource,
  params: { id: string; marketplaceId: string; activeOnly?: boolean },
): Promise<StoredPolicy & { status: 'active' | 'disabled' }> {
  const row = await ds.getRepository(PolicyEntity).findOne({ where: { id: params.id } });
  if (!row || row.marketplaceId !== params.marketplaceId) {
    throw new VerifierError('policy_unknown', 'no policy has this id');
  }
  if (params.activeOnly && row.status !== 'active') {
    throw new VerifierError('policy_disabled', 'the policy is disabled');
  }
  return { ...fromRow(row), status: row.status };
}

/** Every policy mirrored into ZkGate, of any marketplace (for the reconciliation at start). */
export async function listMirroredPolicies(
  ds: DataSource,
): Promise<(StoredPolicy & { status: 'active' | 'disabled' })[]> {
  const rows = await ds
    .getRepository(PolicyEntity)
    .find({ where: { chainPolicyId: Not(IsNull()) }, order: { id: 'ASC' } });
  return rows.map((row) => ({ ...fromRow(row), status: row.status }));
}

/** Marks a policy disabled here only (its chain copy is already disabled). */
export async function markPolicyDisabled(ds: DataSource, id: string): Promise<void> {
  await withTransaction(ds, (tx) =>
    tx.getRepository(PolicyEntity).update({ id }, { status: 'disabled' }),
  );
}

/** A policy by id for the verifier itself (a request's policy): no owner check. */
export async function loadPolicyById(
  ds: DataSource,
  id: string,
): Promise<StoredPolicy & { status: 'active' | 'disabled'; marketplaceId: string }> {
  const row = await ds.getRepository(PolicyEntity).findOne({ where: { id } });
  if (!row) throw new VerifierError('policy_unknown', 'no policy has this id');
  return { ...fromRow(row), status: row.status, marketplaceId: row.marketplaceId };
}

/** A stored row back to its policy, refused if it drifted from its query hash. */
function fromRow(row: PolicyRow): StoredPolicy {
  const policy = compilePolicy(JSON.parse(row.definition));
  if (policy.queryHash.toString() !== row.queryHash) {
    throw new VerifierError('internal', 'the stored policy does not match its query hash');
  }
  return { ...policy, chainPolicyId: row.chainPolicyId };
}

/** Disables a marketplace's policy (idempotent): no new requests or verifications under it. */
export async function disablePolicy(
  ds: DataSource,
  params: { id: string; marketplaceId: string },
  mirror?: PolicyMirror,
): Promise<void> {
  const policy = await loadPolicy(ds, params);
  if (policy.chainPolicyId) {
    if (!mirror) {
      throw new VerifierError(
        'config_invalid',
        'the policy is mirrored on-chain but no gate is set',
      );
    }
    await mirror.disable(policy.chainPolicyId);
  }
  await withTransaction(ds, (tx) =>
    tx.getRepository(PolicyEntity).update({ id: params.id }, { status: 'disabled' }),
  );
}
