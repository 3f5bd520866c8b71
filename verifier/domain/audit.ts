/**
 * The verifier's audit log in its database (SECURITY-CASES R01, R02; docs/compliance.md): every
 * verification event, verified or failed, is appended to the hash chain of audit-chain.ts in the
 * SAME transaction that writes its verification record (verification.ts `complete`), so a crash
 * never leaves one without the other.
 *
 * Appending: the head row (`verifier_audit_head`, id 1) is updated first — `seq = seq + 1` — which
 * takes its row lock on PostgreSQL (a concurrent append waits for this transaction to commit or
 * roll back, then sees the new head: READ COMMITTED re-reads the updated row) and SQLite's one
 * writer lock. The entry is then inserted at the new seq and the head's hash set to its hash. So
 * any number of nodes on one PostgreSQL append one contiguous chain, and a rolled-back
 * transaction takes its entry and its head change with it.
 *
 * Checkpoints (`auditCheckpointer`): the head is signed by the verifier's DID (audit-checkpoint.ts)
 * and anchored in `AuditAnchor` with the relayer key, on a schedule (when the head moved since the
 * last checkpoint) and on demand. One checkpoint per seq (its primary key): two nodes making the
 * same checkpoint store it once. AuditAnchor wants a strictly increasing index per sender: a node
 * whose anchor lost the race to a later one (`stale`) re-reads the chain's latest anchor, checks
 * it against its own log, and reports it (`superseded`). Without a relayer key checkpoints are
 * signed and stored, not anchored.
 *
 * Entry bodies hold no personal data: no account, no attribute value (only the policy's own
 * predicates), no holder DID. See `verificationAuditBody`.
 */
import { insertIfAbsent, withTransaction, type ConsentReceipt } from '#platform';
import { ZkrepError, decodeProofTime, readLock, type ErrorCode, type PublicSignals } from '#zk';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { VerifierError } from '../errors.js';
import {
  AuditCheckpointEntity,
  AuditEntryEntity,
  AuditHeadEntity,
  type AuditCheckpointRow,
  type AuditEntryRow,
  type VerificationOutcome,
} from '../store/schema.js';
import {
  auditBodyHash,
  sealAuditEntry,
  type AuditEntry,
  type AuditEntryKind,
  type AuditHead,
} from './audit-chain.js';
import type { CheckpointClaims } from './audit-checkpoint.js';
import type { StoredPolicy } from './requests.js';
import { every } from './schedule.js';
import { open, readDataKeys, seal, type DataKey } from './shred.js';

// ---- appending ----

/**
 * Appends an entry inside `tx` (the caller's transaction: the entry commits or rolls back with
 * it) and returns the new head. See the module comment for how concurrent appends serialise.
 */
export async function appendAuditEntry(
  tx: EntityManager,
  p: {
    kind: AuditEntryKind;
    at: number;
    body: Record<string, unknown>;
    /** Seal the body under this data key (shred.ts): erasable later; absent: stored plain. */
    dataKey?: DataKey | undefined;
  },
): Promise<AuditHead> {
  const heads = tx.getRepository(AuditHeadEntity);
  const locked = await heads
    .createQueryBuilder()
    .update()
    .set({ seq: () => 'seq + 1' })
    .where('id = 1')
    .execute();
  if (locked.affected !== 1) throw new VerifierError('internal', 'the audit log has no head');
  const head = await heads.findOneByOrFail({ id: 1 });
  const entry = sealAuditEntry({
    prev: { seq: head.seq - 1, hash: head.hash as AuditHead['hash'] },
    kind: p.kind,
    at: p.at,
    body: p.body,
  });
  await tx.getRepository(AuditEntryEntity).insert({
    seq: entry.seq,
    kind: entry.kind,
    at: entry.at,
    body: p.dataKey ? seal(p.dataKey, entry.body!) : entry.body,
    bodyHash: entry.bodyHash!,
    dataKey: p.dataKey?.id ?? null,
    prevHash: entry.prevHash,
    hash: entry.hash,
  });
  await heads.update({ id: 1 }, { hash: entry.hash });
  return { seq: entry.seq, hash: entry.hash as AuditHead['hash'] };
}

/**
 * Stored rows as chain entries: bodies opened with their data keys (read in `tx`); an erased
 * body (null, or its key shredded) becomes a stub with the stored body hash.
 */
export async function auditEntriesOf(
  tx: EntityManager,
  rows: readonly AuditEntryRow[],
): Promise<AuditEntry[]> {
  const keys = await readDataKeys(
    tx,
    rows.flatMap((r) => (r.dataKey ? [r.dataKey] : [])),
  );
  return rows.map((r): AuditEntry => {
    const key = r.dataKey ? keys.get(r.dataKey) : undefined;
    const erased = r.body === null || (r.dataKey !== null && !key);
    const body = erased ? null : open(key, r.body!);
    const bodyHash = r.bodyHash ?? (body === null ? null : auditBodyHash(body));
    if (bodyHash === null) {
      throw new VerifierError('storage_corrupt', `audit entry ${r.seq} has neither body nor hash`);
    }
    return {
      seq: Number(r.seq),
      kind: r.kind,
      at: Number(r.at),
      body,
      bodyHash,
      prevHash: r.prevHash,
      hash: r.hash,
    };
  });
}

/** The head (seq 0 and the genesis hash while the log is empty). */
export async function readAuditHead(db: DataSource | EntityManager): Promise<AuditHead> {
  const read = async (tx: EntityManager) => {
    const row = await tx.getRepository(AuditHeadEntity).findOneByOrFail({ id: 1 });
    return { seq: row.seq, hash: row.hash as AuditHead['hash'] };
  };
  return db instanceof DataSource ? withTransaction(db, read) : read(db);
}

/** Entries after `afterSeq` (default 0), by seq, at most `limit` (default 1000), bodies opened. */
export async function readAuditEntries(
  ds: DataSource,
  p: { afterSeq?: number; limit?: number } = {},
): Promise<AuditEntry[]> {
  return withTransaction(ds, async (tx) =>
    auditEntriesOf(
      tx,
      await tx
        .getRepository(AuditEntryEntity)
        .createQueryBuilder('e')
        .where('e.seq > :after', { after: p.afterSeq ?? 0 })
        .orderBy('e.seq', 'ASC')
        .limit(p.limit ?? 1_000)
        .getMany(),
    ),
  );
}

// ---- the verification event ----

/** The circuit of the proofs: its source and its verification key's sha256 (the artifact lock). */
let circuit: { name: string; vkHash: string } | undefined;
export function auditCircuit(): { name: string; vkHash: string } {
  if (!circuit) {
    const lock = readLock();
    circuit = { name: lock.circuit, vkHash: lock.sha256.vkey };
  }
  return circuit;
}

/** What a verification entry is built from (what the verifier had, except the account). */
export interface VerificationAuditEvent {
  requestId: string;
  policy: StoredPolicy;
  /** The scope the verifier expected (decimal). */
  scope: string;
  consentReceiptHash: string;
  /** The receipt (no personal data), when the submission came with one. */
  consentReceipt: ConsentReceipt | null;
  /** `requestDigest(challenge, account)` of an off-chain binding; null for a gate binding. */
  requestDigest: string | null;
  outcome: VerificationOutcome;
  code: ErrorCode | null;
  /** The submission's proof and public signals, when they were well formed (normalised). */
  evidence: { proof: unknown; publicSignals: readonly string[]; signals: PublicSignals } | null;
}

/**
 * The body of a verification entry. No personal data: ids, the policy's readable predicates and
 * terms, hashes, the per-scope nullifier, the outcome and, so that the proof can be checked again
 * later, the Groth16 proof and its public signals (the signal hash commits to the account only
 * under the request's secret challenge), the consent receipt, and for an off-chain binding the
 * request digest, from which a regulator recomputes the signal hash:
 * `requestSignalHashOf(consentReceiptHash, requestDigest)` (`#zk`). For a failed submission the signal-derived fields are
 * what it claimed; null when it could not be parsed.
 */
export function verificationAuditBody(e: VerificationAuditEvent): Record<string, unknown> {
  const p = e.policy;
  const s = e.evidence?.signals;
  return {
    version: 1,
    requestId: e.requestId,
    policyId: p.id,
    marketplaceId: p.marketplaceId,
    credential: { type: p.schema, schema: p.query.schema.toString() },
    queryHash: p.queryHash.toString(),
    predicates: p.predicates,
    purpose: p.purpose,
    legalBasis: p.legalBasis,
    retentionDays: p.retentionDays,
    chainPolicyId: p.chainPolicyId ?? null,
    scope: e.scope,
    circuit: auditCircuit(),
    issuerKeyHash: s ? s.issuerKeyHash.toString() : null,
    revocationRoot: s ? s.revocationRoot.toString() : null,
    nullifier: s ? s.nullifier.toString() : null,
    consentReceiptHash: e.consentReceiptHash,
    consentReceipt: e.consentReceipt,
    requestDigest: e.requestDigest,
    outcome: e.outcome,
    reasonCode: e.outcome === 'verified' ? null : e.code,
    proofTime: s ? proofUnixTime(s.time) : null,
    proof: e.evidence?.proof ?? null,
    publicSignals: e.evidence ? [...e.evidence.publicSignals] : null,
  };
}

/** The unix seconds of a time signal, or null when it is not a valid proof time. */
function proofUnixTime(time: bigint): number | null {
  try {
    return Number(decodeProofTime(time).unix);
  } catch {
    return null;
  }
}

/** Appends a verification event inside `tx` (the transaction of its verification record). */
export function appendVerificationEntry(
  tx: EntityManager,
  e: VerificationAuditEvent & { at: number; dataKey: DataKey },
): Promise<AuditHead> {
  return appendAuditEntry(tx, {
    kind: 'verification',
    at: e.at,
    body: verificationAuditBody(e),
    dataKey: e.dataKey,
  });
}

// ---- checkpoints ----

/** AuditAnchor through `#contracts` (verifier/chain.ts `auditAnchorer`), from one account. */
export interface AuditAnchorer {
  /** The account that sends the anchors. */
  sender: `0x${string}`;
  /** Anchors `head` at `index`; `stale` when this sender already anchored an index ≥ it. */
  anchorHead(
    index: number,
    head: `0x${string}`,
  ): Promise<{ ok: true; transactionHash: `0x${string}` } | { ok: false; reason: 'stale' }>;
  /** This sender's latest anchor, or null. */
  latest(): Promise<{ index: number; head: string; anchoredAt: number } | null>;
}

export interface AuditCheckpointDeps {
  dataSource: DataSource;
  /** Signs checkpoint claims as the verifier DID (`signCheckpoint`). */
  sign: (claims: Omit<CheckpointClaims, 'iss'>) => Promise<string>;
  chainId: number;
  /** The AuditAnchor contract. */
  anchor: `0x${string}`;
  /** Absent: checkpoints are signed, not anchored (no relayer key). */
  anchorer?: AuditAnchorer | undefined;
  /** Unix seconds. */
  now: () => number;
  logger: Logger;
}

/** A checkpoint as the API shows it. */
export interface CheckpointView {
  seq: number;
  head: string;
  at: number;
  chainId: number;
  anchor: string;
  /** The signed checkpoint (JWT). */
  jwt: string;
}

/**
 * What became of anchoring a checkpoint: `anchored` (its transaction, if this node knows it),
 * `superseded` (a later head of this sender is anchored: `latest`), `pending` (not anchored yet;
 * retried by the schedule), `failed` (this attempt; retried), `disabled` (no relayer key).
 */
export type Anchoring =
  | { status: 'anchored'; transactionHash: string | null; anchoredBy: string | null }
  | { status: 'superseded'; latest: { index: number; head: string; anchoredAt: number } }
  | { status: 'pending' }
  | { status: 'failed'; code: ErrorCode }
  | { status: 'disabled' };

export interface CheckpointOutcome {
  /** False when the head had not moved since the last checkpoint (that one is returned). */
  created: boolean;
  checkpoint: CheckpointView;
  anchoring: Anchoring;
}

export interface AuditCheckpointer {
  /**
   * Checkpoints the head: a new signed checkpoint if the head moved since the last one (else the
   * last one), anchored unless it already is. `not_found` while the log is empty.
   */
  checkpoint(): Promise<CheckpointOutcome>;
  /** The latest checkpoint and its stored anchoring state, or null. */
  latest(): Promise<{ checkpoint: CheckpointView; anchoring: Anchoring } | null>;
  /** The schedule's step: a checkpoint when the log is not empty, else nothing. */
  tick(): Promise<CheckpointOutcome | null>;
  /** Anchors a stored checkpoint (exported for the anchoring race; `checkpoint` calls it). */
  anchor(row: AuditCheckpointRow): Promise<Anchoring>;
}

const view = (row: AuditCheckpointRow, anchor: string): CheckpointView => ({
  seq: row.seq,
  head: row.hash,
  at: row.at,
  chainId: row.chainId,
  anchor,
  jwt: row.jws,
});

export function auditCheckpointer(deps: AuditCheckpointDeps): AuditCheckpointer {
  const ds = deps.dataSource;
  const repo = (tx: EntityManager) => tx.getRepository(AuditCheckpointEntity);
  const latestRow = (tx: EntityManager) =>
    repo(tx).createQueryBuilder('c').orderBy('c.seq', 'DESC').limit(1).getOne();
  const storedAnchoring = (row: AuditCheckpointRow): Anchoring => {
    if (row.anchorTx) {
      return { status: 'anchored', transactionHash: row.anchorTx, anchoredBy: row.anchoredBy };
    }
    return deps.anchorer ? { status: 'pending' } : { status: 'disabled' };
  };

  const anchor = async (row: AuditCheckpointRow): Promise<Anchoring> => {
    if (row.anchorTx) return storedAnchoring(row);
    const anchorer = deps.anchorer;
    if (!anchorer) return { status: 'disabled' };
    const failed = (e: unknown): Anchoring => {
      const code: ErrorCode = e instanceof ZkrepError ? e.code : 'internal';
      deps.logger.error({ seq: row.seq, code }, 'audit checkpoint not anchored');
      return { status: 'failed', code };
    };
    let sent: Awaited<ReturnType<AuditAnchorer['anchorHead']>>;
    try {
      sent = await anchorer.anchorHead(row.seq, row.hash as `0x${string}`);
    } catch (e) {
      return failed(e);
    }
    if (sent.ok) {
      await withTransaction(ds, (tx) =>
        repo(tx).update(
          { seq: row.seq },
          { anchorTx: sent.transactionHash, anchoredBy: anchorer.sender },
        ),
      );
      deps.logger.info({ seq: row.seq }, 'audit checkpoint anchored');
      return {
        status: 'anchored',
        transactionHash: sent.transactionHash,
        anchoredBy: anchorer.sender,
      };
    }
    // Lost the race: this sender's anchor is already at this index or beyond (another node).
    let read: Awaited<ReturnType<AuditAnchorer['latest']>>;
    try {
      read = await anchorer.latest();
    } catch (e) {
      return failed(e);
    }
    if (!read) {
      deps.logger.error({ seq: row.seq }, 'audit anchor refused, yet nothing is anchored');
      return { status: 'failed', code: 'tx_failed' };
    }
    const latest = read;
    const ours = await withTransaction(ds, (tx) =>
      tx.getRepository(AuditEntryEntity).findOneBy({ seq: latest.index }),
    );
    if (latest.index === row.seq && ours?.hash === latest.head) {
      // Another node anchored this very checkpoint first.
      const stored = await withTransaction(ds, (tx) => repo(tx).findOneByOrFail({ seq: row.seq }));
      deps.logger.info({ seq: row.seq }, 'audit checkpoint already anchored by another node');
      return { status: 'anchored', transactionHash: stored.anchorTx, anchoredBy: anchorer.sender };
    }
    if (!ours) {
      deps.logger.error(
        { seq: row.seq, anchoredIndex: latest.index },
        'the anchored audit head is beyond this audit log',
      );
    } else if (ours.hash !== latest.head) {
      deps.logger.error(
        { seq: row.seq, anchoredIndex: latest.index },
        'the anchored audit head differs from this audit log',
      );
    } else {
      deps.logger.warn(
        { seq: row.seq, anchoredIndex: latest.index },
        'audit checkpoint superseded: a later head is already anchored',
      );
    }
    return { status: 'superseded', latest };
  };

  const checkpoint = async (): Promise<CheckpointOutcome> => {
    // One read transaction: on SQLite (one connection) never the open state of another writer.
    const { head, last } = await withTransaction(ds, async (tx) => ({
      head: await readAuditHead(tx),
      last: await latestRow(tx),
    }));
    if (last && (last.seq > head.seq || (last.seq === head.seq && last.hash !== head.hash))) {
      // The verifier's own log is behind, or differs from, what it signed: refuse to go on.
      deps.logger.error(
        { seq: head.seq, checkpoint: last.seq },
        'the audit log contradicts its checkpoint',
      );
      throw new VerifierError('storage_corrupt', 'the audit log contradicts its latest checkpoint');
    }
    if (head.seq === 0) throw new VerifierError('not_found', 'the audit log is empty');
    let row = last;
    let created = false;
    if (!row || row.seq < head.seq) {
      const at = deps.now();
      const jws = await deps.sign({
        seq: head.seq,
        head: head.hash,
        at,
        chainId: deps.chainId,
        anchor: deps.anchor,
        anchoredBy: deps.anchorer?.sender ?? null,
      });
      const fresh: AuditCheckpointRow = {
        seq: head.seq,
        hash: head.hash,
        at,
        jws,
        anchorTx: null,
        anchoredBy: null,
        chainId: deps.chainId,
      };
      // Another node may have made the checkpoint of this seq meanwhile: one row, theirs.
      created = await withTransaction(ds, (tx) => insertIfAbsent(tx, AuditCheckpointEntity, fresh));
      row = created
        ? fresh
        : await withTransaction(ds, (tx) => repo(tx).findOneByOrFail({ seq: head.seq }));
      if (created) deps.logger.info({ seq: head.seq }, 'audit checkpoint signed');
    }
    return { created, checkpoint: view(row, deps.anchor), anchoring: await anchor(row) };
  };

  return {
    checkpoint,
    anchor,
    async latest() {
      const row = await withTransaction(ds, latestRow);
      return row ? { checkpoint: view(row, deps.anchor), anchoring: storedAnchoring(row) } : null;
    },
    async tick() {
      const head = await readAuditHead(ds);
      return head.seq === 0 ? null : checkpoint();
    },
  };
}

/**
 * Runs `checkpointer.tick()` every `intervalMs` (after each run ends; unref'ed timers): a new
 * checkpoint, signed and anchored, whenever the head moved; nothing when it did not (a checkpoint
 * left unanchored is retried). Failures are logged by code, never with data. `stop()` waits for a
 * run in flight.
 */
export function scheduleCheckpoints(
  checkpointer: Pick<AuditCheckpointer, 'tick'>,
  p: { intervalMs: number; logger: Logger },
): { stop(): Promise<void> } {
  return every(() => checkpointer.tick(), { ...p, what: 'scheduled audit checkpoint' });
}
