/**
 * The audit hash chain as data (SECURITY-CASES R01, R02): the hash is pinned against a canonical
 * string written out by hand; a clean log verifies (whole, and continued from a trusted start);
 * then each tampering — modify, delete, insert, reorder (R01), truncate, fork (R02) — applied
 * alone to a copy of the clean log, with the exact first bad seq and reason it must be named by;
 * redaction: entries shown as stubs (body null, body hash kept) verify, and a stub's body hash
 * changed, or a body changed under a kept stub, is named.
 */
import canonicalize from 'canonicalize';
import { keccak256, stringToBytes } from 'viem';
import {
  AUDIT_GENESIS_HASH,
  auditBodyHash,
  auditEntryHash,
  redactAuditEntry,
  sealAuditEntry,
  verifyAuditLog,
  type AuditEntry,
  type AuditHead,
} from './audit-chain.js';

const AT = 1_790_000_000;
const head = (e: AuditEntry): AuditHead => ({ seq: e.seq, hash: e.hash as AuditHead['hash'] });

/** A clean log of `n` entries, each with a different body, as the database exports it (no body hash). */
function cleanLog(n = 6): AuditEntry[] {
  const log: AuditEntry[] = [];
  let prev: AuditHead = { seq: 0, hash: AUDIT_GENESIS_HASH };
  for (let i = 1; i <= n; i++) {
    const entry = sealAuditEntry({
      prev,
      kind: 'verification',
      at: AT + i,
      body: { requestId: `req-${i}`, outcome: i % 2 ? 'verified' : 'failed', n: i },
    });
    const { bodyHash: _stored, ...exported } = entry;
    log.push(exported);
    prev = head(entry);
  }
  return log;
}

/** The log with entry `seq` replaced by `change(entry)`. */
const withEntry = (log: AuditEntry[], seq: number, change: (e: AuditEntry) => AuditEntry) =>
  log.map((e) => (e.seq === seq ? change(e) : e));

/** An entry re-sealed (its hash recomputed) over `prevHash`, as an attacker would. */
const resealed = (e: AuditEntry, prevHash = e.prevHash): AuditEntry => ({
  ...e,
  prevHash,
  hash: auditEntryHash({
    prev: prevHash,
    seq: e.seq,
    kind: e.kind,
    at: e.at,
    bodyHash: auditBodyHash(e.body!),
  }),
});

/** `log` from entry `from` on re-sealed in order, so its own links are all consistent. */
function rechained(log: AuditEntry[], from: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const e of log) {
    const prev = out.at(-1);
    out.push(e.seq >= from ? resealed(e, prev ? prev.hash : AUDIT_GENESIS_HASH) : e);
  }
  return out;
}

const bad = (firstBad: number, reason: string) => ({
  ok: false,
  firstBad,
  reason,
  message: expect.any(String),
});

describe('auditEntryHash', () => {
  it('is keccak256 of the RFC 8785 JSON of { prev, seq, kind, at, bodyHash } (written out here)', () => {
    const bodyText = '{"a":[1,"x"],"b":null,"z":"é"}';
    const bodyHash = keccak256(stringToBytes(bodyText));
    const canonical =
      `{"at":${AT},"bodyHash":"${bodyHash}","kind":"verification",` +
      `"prev":"${AUDIT_GENESIS_HASH}","seq":1}`;
    expect(auditBodyHash(bodyText)).toBe(bodyHash);
    expect(
      auditEntryHash({ prev: AUDIT_GENESIS_HASH, seq: 1, kind: 'verification', at: AT, bodyHash }),
    ).toBe(keccak256(stringToBytes(canonical)));
    // The sealed entry of that body (given in another key order) has that very hash.
    expect(
      sealAuditEntry({
        prev: { seq: 0, hash: AUDIT_GENESIS_HASH },
        kind: 'verification',
        at: AT,
        body: { z: 'é', b: null, a: [1, 'x'] },
      }).hash,
    ).toBe(keccak256(stringToBytes(canonical)));
  });

  it('seals the body as its canonical JSON text, linked to the previous head', () => {
    const e = sealAuditEntry({
      prev: { seq: 0, hash: AUDIT_GENESIS_HASH },
      kind: 'verification',
      at: AT,
      body: { b: 2, a: 1 },
    });
    expect(e).toEqual({
      seq: 1,
      kind: 'verification',
      at: AT,
      body: '{"a":1,"b":2}',
      bodyHash: auditBodyHash('{"a":1,"b":2}'),
      prevHash: AUDIT_GENESIS_HASH,
      hash: auditEntryHash({
        prev: AUDIT_GENESIS_HASH,
        seq: 1,
        kind: 'verification',
        at: AT,
        bodyHash: auditBodyHash('{"a":1,"b":2}'),
      }),
    });
  });
});

describe('verifyAuditLog: a clean log', () => {
  const log = cleanLog();

  it('verifies from the genesis, giving the head', () => {
    expect(verifyAuditLog(log)).toEqual({ ok: true, head: head(log[5]!), count: 6 });
  });

  it('verifies against checkpoints it matches', () => {
    const checkpoints = [log[2]!, log[5]!].map((e) => ({ seq: e.seq, head: e.hash }));
    expect(verifyAuditLog(log, { checkpoints })).toMatchObject({ ok: true });
  });

  it('verifies a continuation from a trusted start, and the empty log', () => {
    expect(verifyAuditLog(log.slice(3), { start: head(log[2]!) })).toEqual({
      ok: true,
      head: head(log[5]!),
      count: 3,
    });
    expect(verifyAuditLog([])).toEqual({
      ok: true,
      head: { seq: 0, hash: AUDIT_GENESIS_HASH },
      count: 0,
    });
  });

  it('refuses malformed options rather than guessing', () => {
    expect(() => verifyAuditLog(log, { start: { seq: -1, hash: AUDIT_GENESIS_HASH } })).toThrow(
      /start/,
    );
    expect(() => verifyAuditLog(log, { checkpoints: [{ seq: 0, head: log[0]!.hash }] })).toThrow(
      /checkpoint/,
    );
    expect(() =>
      verifyAuditLog(log, { checkpoints: [{ seq: 1, head: log[0]!.hash.toUpperCase() }] }),
    ).toThrow(/checkpoint/);
  });
});

describe('verifyAuditLog: R01 — one entry modified, deleted, inserted or reordered', () => {
  const log = cleanLog();
  /** `e` with fields of its body changed (still canonical JSON). */
  const body = (e: AuditEntry, over: Record<string, unknown>): AuditEntry => ({
    ...e,
    body: canonicalize({ ...(JSON.parse(e.body!) as object), ...over })!,
  });

  it.each([
    ['its body (an outcome flipped)', 3, (e: AuditEntry) => body(e, { outcome: 'failed' })],
    ['its time', 4, (e: AuditEntry) => ({ ...e, at: e.at + 1 })],
    ['its kind', 2, (e: AuditEntry) => ({ ...e, kind: 'erasure' })],
    ['its prev hash', 5, (e: AuditEntry) => ({ ...e, prevHash: log[0]!.prevHash })],
    ['its stored hash (the last entry)', 6, (e: AuditEntry) => ({ ...e, hash: log[0]!.hash })],
    ['the first entry', 1, (e: AuditEntry) => body(e, { requestId: 'req-x' })],
  ])('modified %s: hash_mismatch at that entry', (_what, seq, change) => {
    const tampered = withEntry(log, seq, change);
    expect(tampered).not.toEqual(log); // the change is real
    expect(verifyAuditLog(tampered)).toEqual(bad(seq, 'hash_mismatch'));
  });

  it('modified and re-hashed: the next entry still commits to the original, so the modified one is named', () => {
    const tampered = withEntry(log, 3, (e) => resealed(body(e, { outcome: 'failed' })));
    expect(tampered[2]!.hash).not.toBe(log[2]!.hash);
    expect(verifyAuditLog(tampered)).toEqual(bad(3, 'hash_mismatch'));
  });

  it.each([1, 4, 6])(
    'deleted entry %i: seq_gap at that seq (the last one only with a checkpoint)',
    (seq) => {
      const deleted = log.filter((e) => e.seq !== seq);
      if (seq === 6) {
        expect(verifyAuditLog(deleted)).toMatchObject({ ok: true, head: head(log[4]!) });
        const checkpoints = [{ seq: 6, head: log[5]!.hash }];
        expect(verifyAuditLog(deleted, { checkpoints })).toEqual(bad(6, 'truncated'));
      } else {
        expect(verifyAuditLog(deleted)).toEqual(bad(seq, 'seq_gap'));
      }
    },
  );

  it('deleted and the rest renumbered: hash_mismatch where the deletion happened', () => {
    const renumbered = log
      .filter((e) => e.seq !== 4)
      .map((e) => (e.seq > 4 ? { ...e, seq: e.seq - 1 } : e));
    expect(verifyAuditLog(renumbered)).toEqual(bad(4, 'hash_mismatch'));
  });

  it('inserted with a seq already used: seq_repeat at that seq, before or after the original', () => {
    const forged = resealed({ ...body(log[3]!, { outcome: 'verified', n: 99 }) }, log[2]!.hash);
    const before = [...log.slice(0, 3), forged, ...log.slice(3)];
    const after = [...log.slice(0, 4), forged, ...log.slice(4)];
    expect(verifyAuditLog(before)).toEqual(bad(4, 'seq_repeat'));
    expect(verifyAuditLog(after)).toEqual(bad(4, 'seq_repeat'));
  });

  it('inserted and the rest renumbered: the inserted entry is named', () => {
    const forged = resealed({ ...body(log[3]!, { n: 99 }) }, log[2]!.hash);
    const shifted = log.slice(3).map((e) => ({ ...e, seq: e.seq + 1 }));
    expect(verifyAuditLog([...log.slice(0, 3), forged, ...shifted])).toEqual(bad(4, 'inserted'));
    // The renumbered entries re-hashed over their original links: still the inserted one.
    const rehashed = shifted.map((e) => resealed(e));
    expect(verifyAuditLog([...log.slice(0, 3), forged, ...rehashed])).toEqual(bad(4, 'inserted'));
  });

  it('inserted before the first entry and the rest renumbered: entry 1 is named', () => {
    const forged = resealed({ ...body(log[0]!, { n: 99 }) }, AUDIT_GENESIS_HASH);
    const shifted = log.map((e) => ({ ...e, seq: e.seq + 1 }));
    expect(verifyAuditLog([forged, ...shifted])).toEqual(bad(1, 'inserted'));
  });

  it('reordered (3 and 4 swapped): out_of_order at the first seq not in its place', () => {
    const swapped = [log[0]!, log[1]!, log[3]!, log[2]!, log[4]!, log[5]!];
    expect(verifyAuditLog(swapped)).toEqual(bad(3, 'out_of_order'));
  });

  it('reordered contents under the original seqs: hash_mismatch at the first moved entry', () => {
    const swapped = log.map((e, i) =>
      i === 2 ? { ...log[3]!, seq: 3 } : i === 3 ? { ...log[2]!, seq: 4 } : e,
    );
    expect(verifyAuditLog(swapped)).toEqual(bad(3, 'hash_mismatch'));
  });

  it.each([
    [
      'a body that is not canonical JSON',
      (e: AuditEntry) => ({ ...e, body: e.body!.replace(':', ': ') }),
    ],
    ['a body that is not JSON', (e: AuditEntry) => ({ ...e, body: '{' })],
    ['a body that is an array', (e: AuditEntry) => ({ ...e, body: '[1]' })],
    [
      'an upper-case hash',
      (e: AuditEntry) => ({ ...e, hash: e.hash.toUpperCase().replace('0X', '0x') }),
    ],
    ['a negative time', (e: AuditEntry) => ({ ...e, at: -1 })],
    ['a kind that is not a word', (e: AuditEntry) => ({ ...e, kind: 'Verification!' })],
  ])('malformed entry (%s): malformed at that entry', (_what, change) => {
    expect(verifyAuditLog(withEntry(log, 2, change))).toEqual(bad(2, 'malformed'));
  });

  it('an entry without a usable seq: malformed at the expected seq', () => {
    expect(verifyAuditLog(withEntry(log, 3, (e) => ({ ...e, seq: 2.5 })))).toEqual(
      bad(3, 'malformed'),
    );
  });

  it('a continuation that does not follow its trusted start: hash_mismatch at its first entry', () => {
    expect(verifyAuditLog(log.slice(3), { start: head(log[1]!) })).toEqual(bad(3, 'seq_gap'));
    expect(
      verifyAuditLog(log.slice(3), { start: { seq: 3, hash: log[1]!.hash as AuditHead['hash'] } }),
    ).toEqual(bad(4, 'hash_mismatch'));
  });
});

describe('verifyAuditLog: R02 — truncation and forks against checkpoints', () => {
  const log = cleanLog();
  const at = (seq: number, hash = log[seq - 1]!.hash) => ({ seq, head: hash });

  it('truncated: a checkpoint beyond the end names the first missing entry', () => {
    expect(verifyAuditLog(log.slice(0, 4), { checkpoints: [at(2), at(6)] })).toEqual(
      bad(5, 'truncated'),
    );
    expect(verifyAuditLog([], { checkpoints: [at(1)] })).toEqual(bad(1, 'truncated'));
  });

  it('forked: a consistently rewritten tail verifies alone, the checkpoint catches it', () => {
    // Entry 4 (a failure) rewritten as verified, and every hash from it on recomputed.
    const rewritten = rechained(
      withEntry(log, 4, (e) => ({ ...e, body: e.body!.replace('"failed"', '"verified"') })),
      4,
    );
    expect(rewritten[3]!.body).toContain('"verified"');
    expect(verifyAuditLog(rewritten)).toMatchObject({ ok: true });
    expect(verifyAuditLog(rewritten, { checkpoints: [at(3), at(6)] })).toEqual(bad(6, 'fork'));
    expect(verifyAuditLog(rewritten, { checkpoints: [at(4)] })).toEqual(bad(4, 'fork'));
    // A checkpoint before the rewrite still matches.
    expect(verifyAuditLog(rewritten, { checkpoints: [at(3)] })).toMatchObject({ ok: true });
  });

  it('two checkpoints naming different heads for one seq (equivocation): fork at that seq', () => {
    expect(verifyAuditLog(log, { checkpoints: [at(4), at(4, log[0]!.hash)] })).toEqual(
      bad(4, 'fork'),
    );
  });

  it('a chain break before a checkpoint is named first; a fork before a break is named first', () => {
    const broken = withEntry(log, 3, (e) => ({ ...e, at: e.at + 1 }));
    expect(verifyAuditLog(broken, { checkpoints: [at(6)] })).toEqual(bad(3, 'hash_mismatch'));
    const brokenLater = withEntry(log, 5, (e) => ({ ...e, at: e.at + 1 }));
    expect(verifyAuditLog(brokenLater, { checkpoints: [at(2, log[0]!.hash)] })).toEqual(
      bad(2, 'fork'),
    );
  });

  it('a checkpoint at the trusted start is checked against it', () => {
    expect(
      verifyAuditLog(log.slice(3), { start: head(log[2]!), checkpoints: [at(3, log[0]!.hash)] }),
    ).toEqual(bad(3, 'fork'));
  });
});

describe('verifyAuditLog: redacted entries (a stub keeps the body hash, not the body)', () => {
  const log = cleanLog();
  /** The log with entries `seqs` redacted. */
  const redacted = (...seqs: number[]) =>
    log.map((e) => (seqs.includes(e.seq) ? redactAuditEntry(e) : e));

  it('a log with redacted entries verifies, with the same head, against its checkpoints', () => {
    const shown = redacted(1, 3, 6);
    expect(shown[2]).toEqual({ ...log[2]!, body: null, bodyHash: auditBodyHash(log[2]!.body!) });
    expect(verifyAuditLog(shown, { checkpoints: [{ seq: 6, head: log[5]!.hash }] })).toEqual({
      ok: true,
      head: head(log[5]!),
      count: 6,
    });
    // Bodies given with their body hashes (as a report shows them) verify too.
    const withHashes = log.map((e) => ({ ...e, bodyHash: auditBodyHash(e.body!) }));
    expect(verifyAuditLog(withHashes)).toMatchObject({ ok: true, head: head(log[5]!) });
  });

  it('a redacted entry whose body hash was changed: hash_mismatch at that entry', () => {
    const shown = redacted(3);
    const tampered = withEntry(shown, 3, (e) => ({ ...e, bodyHash: auditBodyHash('{"n":99}') }));
    expect(verifyAuditLog(shown)).toMatchObject({ ok: true });
    expect(verifyAuditLog(tampered)).toEqual(bad(3, 'hash_mismatch'));
  });

  it('a body changed while its stub (body hash, hash) was kept: body_mismatch at that entry', () => {
    const shown = log.map((e) => ({ ...e, bodyHash: auditBodyHash(e.body!) }));
    const tampered = withEntry(shown, 4, (e) => ({
      ...e,
      body: e.body!.replace('"failed"', '"verified"'),
    }));
    expect(tampered[3]!.body).not.toBe(log[3]!.body);
    expect(verifyAuditLog(tampered)).toEqual(bad(4, 'body_mismatch'));
    // The same change without a body hash given breaks the chain itself.
    const { bodyHash: _dropped, ...bare } = tampered[3]!;
    expect(verifyAuditLog(withEntry(tampered, 4, () => bare))).toEqual(bad(4, 'hash_mismatch'));
  });

  it('a stub with neither body nor body hash, or a malformed body hash: malformed', () => {
    const { bodyHash: _dropped, ...noHash } = redactAuditEntry(log[1]!);
    expect(verifyAuditLog(withEntry(log, 2, () => noHash))).toEqual(bad(2, 'malformed'));
    const upper = withEntry(redacted(2), 2, (e) => ({ ...e, bodyHash: e.bodyHash!.toUpperCase() }));
    expect(verifyAuditLog(upper)).toEqual(bad(2, 'malformed'));
  });
});
