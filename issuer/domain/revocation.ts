/**
 * Private revocation: the issuer's revocation tree (the zk core's sparse Merkle tree over
 * credential ids) and the publication of its root to `RevocationRegistry`.
 *
 * Never lose a revocation (SECURITY-CASES I05): a revocation is committed to the database —
 * the credential's status, its place in the revocation order and the new root to publish — in
 * one transaction BEFORE any transaction is sent. The publisher is a step function over that
 * record: it sends the newest unpublished root, records the transaction hash before waiting,
 * and on every step (and after a restart) reconciles with the chain: a root the chain already
 * has is confirmed, a dropped or reverted transaction is sent again. Publishing the newest root
 * supersedes every older pending one (its tree contains all earlier revocations).
 *
 * Wallets download the snapshot of the newest CONFIRMED root and build their non-membership
 * path locally, so the issuer never learns which credential a holder is about to prove.
 */
import { withTransaction } from '#platform';
import { EMPTY_REVOCATION_ROOT, RevocationTree, type SerializedRevocationTree } from '#zk';
import type { DataSource, EntityManager } from 'typeorm';
import { IssuerError } from '../errors.js';
import {
  CredentialEntity,
  RevocationEntity,
  RootPublicationEntity,
  type RootPublicationRow,
} from '../store/schema.js';

/** The chain side of publication (the real one is `#contracts`; tests inject failures). */
export interface RootPublisher {
  /** The issuer's current root on chain, or undefined if it never published. */
  currentRoot(keyHash: bigint): Promise<bigint | undefined>;
  /** Sends the publication transaction; resolves with its hash once it is sent (not mined). */
  send(keyHash: bigint, root: bigint): Promise<string>;
  /** What became of a sent transaction. */
  status(txHash: string): Promise<'success' | 'reverted' | 'pending' | 'unknown'>;
}

export interface RevokeResult {
  credentialId: number;
  /** False when the credential was already revoked (an idempotent retry). */
  changed: boolean;
  /** The root that includes this revocation (to be published, or already published). */
  root: string;
}

/** The tree of the first `count` revocations of a key (all of them when omitted). */
export async function revocationTree(
  db: DataSource | EntityManager,
  keyHash: bigint,
  count?: number,
): Promise<RevocationTree> {
  const rows = await db.getRepository(RevocationEntity).find({
    where: { keyHash: keyHash.toString() },
    order: { seq: 'ASC' },
    ...(count === undefined ? {} : { take: count }),
  });
  const tree = new RevocationTree();
  for (const r of rows) tree.revoke(BigInt(r.credentialId));
  return tree;
}

/**
 * Revokes a credential by id: idempotent (a second call changes nothing and returns the same
 * root), atomic (status, order and the root to publish commit together).
 */
export async function revokeCredential(
  ds: DataSource,
  params: { credentialId: number; now: number },
): Promise<RevokeResult> {
  if (!Number.isSafeInteger(params.credentialId) || params.credentialId < 0) {
    throw new IssuerError('bad_input', 'credentialId must be a non-negative integer');
  }
  return withTransaction(ds, async (tx) => {
    const creds = tx.getRepository(CredentialEntity);
    const cred = await creds.findOne({ where: { id: params.credentialId } });
    if (!cred) throw new IssuerError('not_found', 'no credential has this id');
    const keyHash = BigInt(cred.keyHash);
    if (cred.status === 'revoked') {
      const tree = await revocationTree(tx, keyHash);
      return { credentialId: cred.id, changed: false, root: tree.root.toString() };
    }
    await creds.update({ id: cred.id }, { status: 'revoked', revokedAt: params.now });
    const revocations = tx.getRepository(RevocationEntity);
    const last = await revocations.findOne({ where: {}, order: { seq: 'DESC' } });
    await revocations.insert({
      seq: (last?.seq ?? 0) + 1,
      credentialId: cred.id,
      keyHash: cred.keyHash,
      revokedAt: params.now,
    });
    const tree = await revocationTree(tx, keyHash);
    await recordRoot(tx, keyHash, tree, params.now);
    return { credentialId: cred.id, changed: true, root: tree.root.toString() };
  });
}

async function recordRoot(
  tx: EntityManager | DataSource,
  keyHash: bigint,
  tree: RevocationTree,
  now: number,
): Promise<void> {
  await tx
    .getRepository(RootPublicationEntity)
    .createQueryBuilder()
    .insert()
    .values({
      root: tree.root.toString(),
      keyHash: keyHash.toString(),
      revokedCount: tree.size,
      status: 'pending',
      txHash: null,
      updatedAt: now,
    })
    .orIgnore()
    .execute();
}

/** Ensures the empty tree's root is recorded for publication (a new issuer key's first root). */
export async function ensureInitialRoot(
  ds: DataSource,
  keyHash: bigint,
  now: number,
): Promise<void> {
  await withTransaction(ds, async (tx) =>
    recordRoot(tx, keyHash, await revocationTree(tx, keyHash), now),
  );
}

export type PublishState =
  | { state: 'idle'; root: string }
  | { state: 'sent'; root: string; txHash: string }
  | { state: 'waiting'; root: string; txHash: string }
  | { state: 'confirmed'; root: string };

/**
 * One publication step for a key: reconcile with the chain, then send the newest unconfirmed
 * root if nothing for it is in flight. Safe to call at any time, concurrently with revocations,
 * and after a crash at any point.
 */
export async function publishStep(
  ds: DataSource,
  publisher: RootPublisher,
  keyHash: bigint,
  now: number,
): Promise<PublishState> {
  const repo = ds.getRepository(RootPublicationEntity);
  const rows = await repo.find({
    where: { keyHash: keyHash.toString() },
    order: { revokedCount: 'DESC' },
  });
  const newest = rows[0];
  if (!newest) return { state: 'idle', root: EMPTY_REVOCATION_ROOT.toString() };
  const onChain = await publisher.currentRoot(keyHash);

  // Whatever the chain has is confirmed, and every older row with it.
  const current =
    onChain === undefined ? undefined : rows.find((r) => r.root === onChain.toString());
  if (current) await confirmUpTo(ds, rows, current, now);
  if (current && current.root === newest.root) return { state: 'confirmed', root: newest.root };

  if (newest.status === 'sent' && newest.txHash) {
    const st = await publisher.status(newest.txHash);
    if (st === 'pending') return { state: 'waiting', root: newest.root, txHash: newest.txHash };
    if (st === 'success') {
      await confirmUpTo(ds, rows, newest, now);
      return { state: 'confirmed', root: newest.root };
    }
    // reverted or dropped: fall through and send again
  }
  let txHash: string;
  try {
    txHash = await publisher.send(keyHash, BigInt(newest.root));
  } catch (cause) {
    // Nothing was recorded as sent: the next step retries.
    throw new IssuerError(
      'tx_failed',
      'publishing the revocation root failed; it will be retried',
      {
        cause,
      },
    );
  }
  await withTransaction(ds, (tx) =>
    tx
      .getRepository(RootPublicationEntity)
      .update({ root: newest.root }, { status: 'sent', txHash, updatedAt: now }),
  );
  return { state: 'sent', root: newest.root, txHash };
}

async function confirmUpTo(
  ds: DataSource,
  rows: RootPublicationRow[],
  upTo: RootPublicationRow,
  now: number,
): Promise<void> {
  await withTransaction(ds, async (tx) => {
    for (const r of rows) {
      if (r.revokedCount <= upTo.revokedCount && r.status !== 'confirmed') {
        await tx
          .getRepository(RootPublicationEntity)
          .update({ root: r.root }, { status: 'confirmed', updatedAt: now });
      }
    }
  });
}

/** The snapshot wallets download: the tree of the newest confirmed (published) root. */
export async function publishedSnapshot(
  ds: DataSource,
  keyHash: bigint,
): Promise<SerializedRevocationTree & { issuerKeyHash: string }> {
  const row = await ds.getRepository(RootPublicationEntity).findOne({
    where: { keyHash: keyHash.toString(), status: 'confirmed' },
    order: { revokedCount: 'DESC' },
  });
  if (!row)
    throw new IssuerError('not_found', 'this issuer has not published a revocation root yet');
  const tree = await revocationTree(ds, keyHash, row.revokedCount);
  if (tree.root.toString() !== row.root) {
    throw new IssuerError('internal', 'the revocation record does not match its published root');
  }
  return { ...tree.serialize(), issuerKeyHash: keyHash.toString() };
}
