/**
 * The verifier's tamper-evident audit log as data: an append-only hash chain (Schneier–Kelsey;
 * SECURITY-CASES R01, R02). No database, no express: the verifier appends with it, and a checker
 * (`zkrep report verify`, a regulator's own script) imports the same two functions from
 * `#verifier` to verify an exported log.
 *
 *   hash_n   = keccak256(UTF-8(JCS({ prev: hash_{n-1}, seq: n, kind, at, bodyHash })))
 *   bodyHash = keccak256(UTF-8(canonical body text))
 *   hash_0   = AUDIT_GENESIS_HASH (0x + 64 zeros)
 *
 * JCS is RFC 8785 (`canonicalize`): sorted keys, no whitespace, ECMAScript number forms, so the
 * hash does not depend on how a body was serialised. keccak256, because the head is anchored as a
 * `bytes32` in `AuditAnchor`. `seq` runs 1, 2, 3… without gaps; `at` is unix seconds; `body` is
 * stored as its canonical JSON text, and a checker refuses a body whose text is not canonical.
 * The entry commits to its body through `bodyHash` only, so an entry can be REDACTED — shown as
 * `{ seq, kind, at, prevHash, hash, bodyHash, body: null }` — and the chain still verifies: a
 * report filtered to one policy shows other policies' entries so, and erasure can drop a body
 * and keep its hash. A redacted entry is checked by its `bodyHash`; an entry with a body must
 * have a body whose hash is its `bodyHash` (when the entry gives one: the database stores none,
 * it is recomputed from the body on export).
 *
 * `verifyAuditLog` recomputes every hash from the start and names the FIRST bad entry:
 * - `hash_mismatch`: an entry's content, prev hash or hash was changed (R01 modify). When an
 *   entry was changed and its own hash recomputed, the next entry — whose hash still commits to
 *   the original — exposes it, and the changed entry (not the next) is named.
 * - `seq_gap`: an entry is missing (R01 delete); the first missing seq is named.
 * - `seq_repeat`: a seq occurs twice (R01 insert); that seq is named. `inserted`: the entries
 *   after an insertion were renumbered, so an entry links to an earlier entry than the one before
 *   it; the first inserted seq is named.
 * - `out_of_order`: the expected seq comes later in the list (R01 reorder); it is named.
 * - `malformed`: an entry is not well formed (types, a body that is not canonical JSON of an
 *   object, neither a body nor a body hash).
 * - `body_mismatch`: an entry's body is not the body its `bodyHash` (which the chain commits to)
 *   was computed from: the body was changed and the stub kept.
 * - against checkpoints (signed by the verifier's DID and anchored on-chain, so the operator
 *   cannot take them back): `truncated`, a checkpoint names a seq beyond the log's end (the first
 *   missing seq is named); `fork`, the log's hash at a checkpoint's seq is not the checkpoint's
 *   head (that seq is named) (R02).
 */
import canonicalize from 'canonicalize';
import { keccak256, stringToBytes, type Hex } from 'viem';
import { VerifierError } from '../errors.js';

/** The prev hash of entry 1. */
export const AUDIT_GENESIS_HASH: Hex = `0x${'0'.repeat(64)}`;

/** What an entry records: a verification, a withdrawal's erasure, a retention purge. */
export type AuditEntryKind = 'verification' | 'erasure' | 'purge';

/** One entry as stored and exported. */
export interface AuditEntry {
  seq: number;
  kind: string;
  /** Unix seconds. */
  at: number;
  /** The event: RFC 8785 canonical JSON of an object; null when redacted (then `bodyHash`). */
  body: string | null;
  /** keccak256 of the body text; required when `body` is null, else checked when present. */
  bodyHash?: string;
  /** The hash of entry seq − 1 (`AUDIT_GENESIS_HASH` for entry 1). */
  prevHash: string;
  hash: string;
}

/** A position in the log: the last entry's seq and hash (seq 0: the empty log). */
export interface AuditHead {
  seq: number;
  hash: Hex;
}

/** A trusted checkpoint (its signature or on-chain anchor already checked): head hash at seq. */
export interface AuditCheckpointRef {
  seq: number;
  head: string;
}

export type AuditLogFailure =
  | 'malformed'
  | 'hash_mismatch'
  | 'body_mismatch'
  | 'seq_gap'
  | 'seq_repeat'
  | 'inserted'
  | 'out_of_order'
  | 'truncated'
  | 'fork';

export type AuditLogVerdict =
  | { ok: true; head: AuditHead; count: number }
  | { ok: false; firstBad: number; reason: AuditLogFailure; message: string };

const HASH_RE = /^0x[0-9a-f]{64}$/;
const KIND_RE = /^[a-z][a-z_]{0,31}$/;
const isSeq = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** keccak256 of a body's canonical JSON text (the entry's `bodyHash`). */
export function auditBodyHash(bodyText: string): Hex {
  return keccak256(stringToBytes(bodyText));
}

/** The hash of an entry (see the module comment), over its body's hash. */
export function auditEntryHash(p: {
  prev: string;
  seq: number;
  kind: string;
  at: number;
  bodyHash: string;
}): Hex {
  const json = canonicalize({
    prev: p.prev,
    seq: p.seq,
    kind: p.kind,
    at: p.at,
    bodyHash: p.bodyHash,
  });
  if (json === undefined) throw new VerifierError('internal', 'the audit entry has no JSON form');
  return keccak256(stringToBytes(json));
}

/** The entry without its body: what a report shows of an entry it does not disclose. */
export function redactAuditEntry(x: AuditEntry): AuditEntry {
  if (x.body === null) return { ...x };
  return { ...x, body: null, bodyHash: x.bodyHash ?? auditBodyHash(x.body) };
}

/** The entry that follows `prev` with `body`: its canonical body text, body hash and hash. */
export function sealAuditEntry(p: {
  prev: AuditHead;
  kind: AuditEntryKind;
  at: number;
  body: Record<string, unknown>;
}): AuditEntry {
  const body = canonicalize(p.body);
  if (
    body === undefined ||
    typeof p.body !== 'object' ||
    p.body === null ||
    Array.isArray(p.body)
  ) {
    throw new VerifierError('internal', 'the audit body must be a JSON object');
  }
  if (!isSeq(p.at)) throw new VerifierError('internal', 'the audit time must be unix seconds');
  const seq = p.prev.seq + 1;
  const bodyHash = auditBodyHash(body);
  const hash = auditEntryHash({ prev: p.prev.hash, seq, kind: p.kind, at: p.at, bodyHash });
  return { seq, kind: p.kind, at: p.at, body, bodyHash, prevHash: p.prev.hash, hash };
}

/**
 * The body hash of a well-formed entry (from its body, or its stub's `bodyHash`), whether its
 * body matches a given `bodyHash`, or a reason it is not well formed.
 */
function entryBodyHash(
  x: AuditEntry,
): { bodyHash: string; matches: boolean } | { problem: string } {
  if (typeof x !== 'object' || x === null) return { problem: 'is not an object' };
  if (typeof x.kind !== 'string' || !KIND_RE.test(x.kind)) return { problem: 'has a bad kind' };
  if (!isSeq(x.at)) return { problem: 'has a bad time' };
  if (typeof x.prevHash !== 'string' || !HASH_RE.test(x.prevHash)) {
    return { problem: 'has a bad prev hash' };
  }
  if (typeof x.hash !== 'string' || !HASH_RE.test(x.hash)) return { problem: 'has a bad hash' };
  const given = x.bodyHash;
  if (given !== undefined && (typeof given !== 'string' || !HASH_RE.test(given))) {
    return { problem: 'has a bad body hash' };
  }
  if (x.body === null) {
    return given === undefined
      ? { problem: 'has neither a body nor a body hash' }
      : { bodyHash: given, matches: true };
  }
  if (typeof x.body !== 'string') return { problem: 'has no body text' };
  let body: unknown;
  try {
    body = JSON.parse(x.body);
  } catch {
    return { problem: 'has a body that is not JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { problem: 'has a body that is not an object' };
  }
  if (canonicalize(body) !== x.body) return { problem: 'has a body that is not canonical JSON' };
  const own = auditBodyHash(x.body);
  // The chain commits to the stub's body hash: a body that is not its preimage was swapped in.
  return given === undefined
    ? { bodyHash: own, matches: true }
    : { bodyHash: given, matches: own === given };
}

type Failure = Extract<AuditLogVerdict, { ok: false }>;

/**
 * Names the entry that broke the chain at `entries[i]`: its seq is right, `head` is the intact log
 * before it, `computed` the hash of its content over `head`, `own` over its OWN prev hash. Its
 * stored hash was computed over its predecessor's hash when it was appended, so:
 * - its stored hash matches `computed`: only its prev-hash column was changed → it is named;
 * - its prev hash is the hash of an EARLIER intact entry k: entries k+1… were inserted (and the
 *   rest renumbered) → `inserted` at k+1;
 * - its stored hash matches `own`, but the predecessor's hash is now another: the predecessor
 *   was changed and re-hashed → `hash_mismatch` at seq − 1;
 * - else this entry itself was changed → `hash_mismatch` at its seq.
 */
function chainBreak(
  entries: readonly AuditEntry[],
  i: number,
  p: { start: AuditHead; head: AuditHead; computed: string; own: string },
): Failure {
  const { start, head, own } = p;
  const x = entries[i]!;
  const e = head.seq + 1;
  if (x.prevHash !== head.hash && p.computed !== x.hash) {
    let linked = x.prevHash === start.hash && e - 1 > start.seq ? start.seq : undefined;
    for (let j = i - 2; j >= 0 && linked === undefined; j--) {
      if (entries[j]!.hash === x.prevHash) linked = entries[j]!.seq;
    }
    if (linked !== undefined) {
      return failure(
        linked + 1,
        'inserted',
        `entry ${e} follows entry ${linked}: entries from ${linked + 1} were inserted`,
      );
    }
    if (e - 1 > start.seq && own === x.hash) {
      return failure(
        e - 1,
        'hash_mismatch',
        `entry ${e - 1} was changed after entry ${e} followed it`,
      );
    }
  }
  return failure(e, 'hash_mismatch', `entry ${e} does not match its hash or its predecessor`);
}
const failure = (firstBad: number, reason: AuditLogFailure, message: string): Failure => ({
  ok: false,
  firstBad,
  reason,
  message,
});

/**
 * Verifies `entries` (in the order given: an export, or rows read by seq) from `start` (default:
 * the genesis, seq 0) and against `checkpoints` (trusted: verify their signatures or read them
 * from AuditAnchor first). The head it returns is the last entry's seq and hash; a later run can
 * continue from it with `start`. See the module comment for the failures and what each names.
 */
export function verifyAuditLog(
  entries: readonly AuditEntry[],
  options: { start?: AuditHead; checkpoints?: readonly AuditCheckpointRef[] } = {},
): AuditLogVerdict {
  const start = options.start ?? { seq: 0, hash: AUDIT_GENESIS_HASH };
  if (!isSeq(start.seq) || typeof start.hash !== 'string' || !HASH_RE.test(start.hash)) {
    throw new VerifierError('bad_input', 'start must be a seq and a lowercase 0x hash');
  }
  const checkpoints = [...(options.checkpoints ?? [])];
  for (const c of checkpoints) {
    if (!isSeq(c.seq) || c.seq === 0 || typeof c.head !== 'string' || !HASH_RE.test(c.head)) {
      throw new VerifierError(
        'bad_input',
        'a checkpoint must be a seq ≥ 1 and a lowercase 0x hash',
      );
    }
  }
  checkpoints.sort((a, b) => a.seq - b.seq);
  const wanted = new Set(checkpoints.map((c) => c.seq));
  const seqs = new Set(entries.map((x) => x?.seq));

  // The hashes at the checkpoints' seqs, as the log computes them.
  const hashAt = new Map<number, string>([[start.seq, start.hash]]);
  let head: AuditHead = start;
  let broken: Failure | undefined;
  for (const [i, x] of entries.entries()) {
    const e = head.seq + 1;
    const seq = x?.seq;
    if (!isSeq(seq) || seq === 0) {
      broken = failure(e, 'malformed', `the entry at seq ${e} has no valid seq`);
      break;
    }
    if (seq < e) {
      broken = failure(seq, 'seq_repeat', `seq ${seq} occurs more than once`);
      break;
    }
    if (seq > e) {
      broken = seqs.has(e)
        ? failure(e, 'out_of_order', `entry ${e} is out of order (entry ${seq} comes before it)`)
        : failure(e, 'seq_gap', `entry ${e} is missing (the log jumps to ${seq})`);
      break;
    }
    const parsed = entryBodyHash(x);
    if ('problem' in parsed) {
      broken = failure(e, 'malformed', `entry ${e} ${parsed.problem}`);
      break;
    }
    const content = { seq, kind: x.kind, at: x.at, bodyHash: parsed.bodyHash };
    const computed = auditEntryHash({ prev: head.hash, ...content });
    if (computed !== x.hash || x.prevHash !== head.hash) {
      broken = chainBreak(entries, i, {
        start,
        head,
        computed,
        own: auditEntryHash({ prev: x.prevHash, ...content }),
      });
      break;
    }
    if (!parsed.matches) {
      broken = failure(e, 'body_mismatch', `entry ${e} has a body its body hash was not made from`);
      break;
    }
    head = { seq, hash: computed };
    if (wanted.has(seq)) hashAt.set(seq, computed);
  }

  // Entries up to here are intact; a checkpoint within them must match, beyond them is missing.
  const intactThrough = broken ? broken.firstBad - 1 : head.seq;
  const found: Failure[] = broken ? [broken] : [];
  for (const c of checkpoints) {
    if (c.seq < start.seq) continue; // before this verification's start: not checkable here
    if (c.seq <= intactThrough) {
      if (hashAt.get(c.seq) !== c.head) {
        found.push(failure(c.seq, 'fork', `the log differs from the checkpoint at seq ${c.seq}`));
      }
    } else if (!broken) {
      found.push(
        failure(
          head.seq + 1,
          'truncated',
          `a checkpoint covers seq ${c.seq} but the log ends at ${head.seq}`,
        ),
      );
    }
  }
  if (found.length > 0) return found.reduce((a, b) => (b.firstBad < a.firstBad ? b : a));
  return { ok: true, head, count: head.seq - start.seq };
}
