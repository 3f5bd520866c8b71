/**
 * Revocation and root publication on SQLite and PostgreSQL, with a scripted chain that loses,
 * drops and reverts transactions (SECURITY-CASES I05): a revocation is never lost, retries are
 * idempotent, a restart resumes, and the published snapshot always matches the chain's root.
 * The real-chain path is covered by the issuer's end-to-end test.
 */
import { EMPTY_REVOCATION_ROOT, RevocationTree } from '#zk';
import type { DataSource } from 'typeorm';
import { databaseEngines } from '../../test/helpers/databases.js';
import { ISSUER_ENTITIES, ISSUER_MIGRATIONS, CredentialEntity } from '../store/schema.js';
import {
  ensureInitialRoot,
  publishStep,
  publishedSnapshot,
  revocationTree,
  revokeCredential,
  type RootPublisher,
} from './revocation.js';

const engines = databaseEngines({ entities: ISSUER_ENTITIES, migrations: ISSUER_MIGRATIONS });
const KEY = 1234567n;
const NOW = 1_790_000_000;

/** A chain whose behaviour the test scripts: each send consumes the next fault, if any. */
class ScriptedChain implements RootPublisher {
  roots = new Map<bigint, bigint>();
  sent: { tx: string; root: bigint; outcome: 'success' | 'reverted' | 'dropped' | 'pending' }[] =
    [];
  faults: ('throw' | 'reverted' | 'dropped' | 'pending')[] = [];

  async currentRoot(keyHash: bigint) {
    return this.roots.get(keyHash);
  }
  async send(keyHash: bigint, root: bigint) {
    const fault = this.faults.shift();
    if (fault === 'throw') throw new Error('RPC down');
    const tx = `0x${(this.sent.length + 1).toString(16).padStart(64, '0')}`;
    const outcome = fault ?? 'success';
    this.sent.push({ tx, root, outcome });
    if (outcome === 'success') this.roots.set(keyHash, root);
    return tx;
  }
  async status(tx: string) {
    const s = this.sent.find((x) => x.tx === tx);
    if (!s || s.outcome === 'dropped') return 'unknown' as const;
    return s.outcome;
  }
  /** A pending transaction gets mined. */
  mine(tx: string, keyHash: bigint) {
    const s = this.sent.find((x) => x.tx === tx)!;
    s.outcome = 'success';
    this.roots.set(keyHash, s.root);
  }
}

async function withCredentials(ds: DataSource, ids: number[]): Promise<void> {
  for (const id of ids) {
    await ds.getRepository(CredentialEntity).insert({
      id,
      type: 'AgeCredential',
      holderDid: `did:ethr:dev:0x${String(id).padStart(40, '0')}`,
      keyHash: KEY.toString(),
      issuedAt: NOW - 100,
      expiresAt: NOW + 1000,
      status: 'active',
      revokedAt: null,
    });
  }
}

const treeOf = (ids: number[]): RevocationTree => {
  const t = new RevocationTree();
  for (const id of ids) t.revoke(BigInt(id));
  return t;
};

describe.each(engines.list)('revocation on %s', (engine) => {
  it('publishes the empty root first, then each revocation; the snapshot follows the chain', async () => {
    const ds = await engines.open(engine);
    const chain = new ScriptedChain();
    await withCredentials(ds, [0, 1, 2]);
    await expect(publishedSnapshot(ds, KEY)).rejects.toMatchObject({ code: 'not_found' });
    await ensureInitialRoot(ds, KEY, NOW);
    expect(await publishStep(ds, chain, KEY, NOW)).toMatchObject({ state: 'sent' });
    expect(chain.roots.get(KEY)).toBe(EMPTY_REVOCATION_ROOT);
    expect(await publishStep(ds, chain, KEY, NOW)).toMatchObject({ state: 'confirmed' });
    expect((await publishedSnapshot(ds, KEY)).root).toBe(EMPTY_REVOCATION_ROOT.toString());

    const r = await revokeCredential(ds, { credentialId: 1, now: NOW + 1 });
    expect(r).toEqual({ credentialId: 1, changed: true, root: treeOf([1]).root.toString() });
    // Not yet published: wallets still get the published (empty) tree.
    expect((await publishedSnapshot(ds, KEY)).revoked).toEqual([]);
    await publishStep(ds, chain, KEY, NOW + 2);
    expect(chain.roots.get(KEY)).toBe(treeOf([1]).root);
    await publishStep(ds, chain, KEY, NOW + 3);
    const snap = await publishedSnapshot(ds, KEY);
    expect(snap.revoked).toEqual(['1']);
    expect(snap.root).toBe(treeOf([1]).root.toString());
    expect(RevocationTree.deserialize(snap).isRevoked(1n)).toBe(true);
  });

  it('a retried revocation changes nothing; an unknown id is not_found', async () => {
    const ds = await engines.open(engine);
    await withCredentials(ds, [5]);
    const first = await revokeCredential(ds, { credentialId: 5, now: NOW });
    const again = await revokeCredential(ds, { credentialId: 5, now: NOW + 10 });
    expect(again).toEqual({ ...first, changed: false });
    expect((await revocationTree(ds, KEY)).revokedIds()).toEqual([5n]);
    await expect(revokeCredential(ds, { credentialId: 6, now: NOW })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(revokeCredential(ds, { credentialId: -1, now: NOW })).rejects.toMatchObject({
      code: 'bad_input',
    });
  });

  it('never loses a revocation: RPC errors, dropped and reverted transactions are retried', async () => {
    const ds = await engines.open(engine);
    const chain = new ScriptedChain();
    await withCredentials(ds, [0, 1, 2, 3]);
    await ensureInitialRoot(ds, KEY, NOW);
    await revokeCredential(ds, { credentialId: 2, now: NOW });
    chain.faults = ['throw', 'dropped', 'reverted'];
    await expect(publishStep(ds, chain, KEY, NOW)).rejects.toMatchObject({ code: 'tx_failed' });
    expect(await publishStep(ds, chain, KEY, NOW)).toMatchObject({ state: 'sent' }); // dropped
    expect(await publishStep(ds, chain, KEY, NOW)).toMatchObject({ state: 'sent' }); // reverted
    expect(chain.roots.get(KEY)).toBeUndefined();
    expect(await publishStep(ds, chain, KEY, NOW)).toMatchObject({ state: 'sent' }); // mined
    expect(await publishStep(ds, chain, KEY, NOW)).toMatchObject({ state: 'confirmed' });
    // The newest root (with revocation 2) went out directly; the empty root was superseded.
    expect(chain.roots.get(KEY)).toBe(treeOf([2]).root);
    expect((await publishedSnapshot(ds, KEY)).revoked).toEqual(['2']);
  });

  it('a crash between sending and confirming resumes after a restart (pending tx mined later)', async () => {
    let ds = await engines.open(engine);
    const chain = new ScriptedChain();
    await withCredentials(ds, [0, 1]);
    await ensureInitialRoot(ds, KEY, NOW);
    await revokeCredential(ds, { credentialId: 0, now: NOW });
    chain.faults = ['pending'];
    const sent = await publishStep(ds, chain, KEY, NOW);
    expect(sent.state).toBe('sent');
    // "crash": the process dies; the database is reopened by a new process
    ds = await engines.reopen(ds);
    expect(await publishStep(ds, chain, KEY, NOW + 5)).toMatchObject({ state: 'waiting' });
    chain.mine((sent as { txHash: string }).txHash, KEY);
    // A revocation arrives meanwhile: it is recorded, then published on top.
    await revokeCredential(ds, { credentialId: 1, now: NOW + 6 });
    await publishStep(ds, chain, KEY, NOW + 7);
    await publishStep(ds, chain, KEY, NOW + 8);
    expect(chain.roots.get(KEY)).toBe(treeOf([0, 1]).root);
    expect((await publishedSnapshot(ds, KEY)).revoked).toEqual(['0', '1']);
    expect(chain.sent.length).toBe(2); // the pending one was not sent twice
  });

  it('concurrent revocations of different credentials are all recorded, in one order', async () => {
    const ds = await engines.open(engine);
    const ids = Array.from({ length: 12 }, (_, i) => i);
    await withCredentials(ds, ids);
    const results = await Promise.allSettled(
      ids.map((id) => revokeCredential(ds, { credentialId: id, now: NOW })),
    );
    // On SQLite every transaction serialises; on PostgreSQL a racing writer may lose on the
    // revocation order's primary key: a clean error, and a retry succeeds.
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') await revokeCredential(ds, { credentialId: ids[i]!, now: NOW });
    }
    expect((await revocationTree(ds, KEY)).revokedIds()).toEqual(ids.map(BigInt));
  });
});
