/**
 * Checks a signed compliance report (report.ts) with nothing but the report and the chain
 * (`zkrep report verify`; docs/compliance.md §5.2). The checks run in order and stop at the
 * first that fails:
 *   signature    the report JWT is signed by a key of the verifier's did:ethr document, resolved
 *                on the chain with the checker's own registry address (not the report's);
 *   chain        the log verifies from the report's start (`verifyAuditLog`), against its
 *                checkpoints' heads, naming the first bad entry;
 *   checkpoints  each checkpoint is signed by the same DID, and AuditAnchor (the checker's own
 *                deployment, not the report's address) holds its head at its seq, anchored by
 *                the account it names;
 *   proofs       every event's proof verifies again (a verified event's must, a `proof_invalid`
 *                one's must not), under the circuit the checker has; for an off-chain binding,
 *                the consent receipt hashes to the entry's hash and, with the request digest,
 *                to the proof's signal hash;
 *   erasures     every entry a withdrawal (`erasure`) or retention purge (`purge`) says it erased
 *                is an earlier stub with the body hash it names; a purged entry's retention
 *                (its time + the policy's retention days) had ended by the purge;
 *   counts       the log shown starts before the period (its first entry is older, or it starts
 *                at the genesis), the events are exactly the disclosed entries of the period,
 *                marketplace and policy, and the counts recomputed from them are the report's.
 * No database, no express, no process: the CLI injects the resolver, the chain read and the
 * proof verifier.
 */
import type { Resolvable } from 'did-resolver';
import { consentReceiptHash, type ConsentReceipt } from '#platform';
import { ZkrepError, parsePublicSignals, requestSignalHashOf, type VerifyResult } from '#zk';
import type { Hex } from 'viem';
import { verifyAuditLog, type AuditEntry } from './audit-chain.js';
import { verifyCheckpoint } from './audit-checkpoint.js';
import {
  isReportEvent,
  reportCounts,
  verifyReportSignature,
  type ComplianceReport,
} from './report.js';
import { verifyReportCredential } from './report-credential.js';

export type ReportCheckName =
  'signature' | 'chain' | 'checkpoints' | 'proofs' | 'erasures' | 'counts';
export const REPORT_CHECKS: readonly ReportCheckName[] = [
  'signature',
  'chain',
  'checkpoints',
  'proofs',
  'erasures',
  'counts',
];

export interface ReportCheck {
  check: ReportCheckName;
  ok: boolean;
  /** One line, no personal data (the report holds none). */
  message: string;
  /** chain: the first bad entry. */
  firstBad?: number;
}

export interface ReportCheckResult {
  ok: boolean;
  /** The checks run, in order; the last one failed when `ok` is false. */
  checks: ReportCheck[];
}

export interface ReportCheckDeps {
  /** did:ethr on the checker's chain, with the registry address of its own deployment record. */
  resolver: Resolvable;
  /** The checker's chain and its AuditAnchor (from its own deployment record). */
  chainId: number;
  auditAnchor: string;
  /** AuditAnchor `anchorAt(sender, index)`: the head, or null when nothing is anchored there. */
  anchorAt: (sender: `0x${string}`, index: number) => Promise<{ head: string } | null>;
  /** `#zk` `verify` with the checker's verification key. */
  verifyProof: (proof: unknown, publicSignals: unknown) => Promise<VerifyResult>;
  /** The sha256 of the checker's verification key (`#zk` `readLock().sha256.vkey`). */
  vkHash: string;
}

class CheckFailed extends Error {
  constructor(
    readonly check: ReportCheckName,
    message: string,
    readonly firstBad?: number,
  ) {
    super(message);
  }
}

const lower = (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s);

/** Runs the checks on a report JWT (see the module comment). Never throws for a bad report. */
export async function checkReport(jwt: string, deps: ReportCheckDeps): Promise<ReportCheckResult> {
  const checks: ReportCheck[] = [];
  const pass = (check: ReportCheckName, message: string) =>
    checks.push({ check, ok: true, message });
  try {
    // (a) signature
    let report: ComplianceReport;
    try {
      ({ report } = await verifyReportSignature(jwt, { resolver: deps.resolver }));
    } catch (e) {
      throw new CheckFailed('signature', reason(e, 'the report signature does not verify'));
    }
    pass('signature', `signed by ${report.verifier}`);

    // (b) chain
    const log = report.log;
    const cps = Array.isArray(report.checkpoints) ? report.checkpoints : [];
    if (!log || !Array.isArray(log.entries) || !log.start || cps.length === 0) {
      throw new CheckFailed('chain', 'the report has no log or no checkpoint');
    }
    const last = cps.reduce((a, b) => (b.seq > a.seq ? b : a));
    let verdict;
    try {
      verdict = verifyAuditLog(log.entries, {
        start: log.start,
        checkpoints: cps.map((c) => ({ seq: c.seq, head: c.head })),
      });
    } catch (e) {
      throw new CheckFailed('chain', reason(e, 'the log start or a checkpoint is malformed'));
    }
    if (!verdict.ok) {
      throw new CheckFailed(
        'chain',
        `entry ${verdict.firstBad}: ${verdict.reason} (${verdict.message})`,
        verdict.firstBad,
      );
    }
    if (verdict.head.seq !== last.seq) {
      throw new CheckFailed(
        'chain',
        `the log ends at entry ${verdict.head.seq}, not at its checkpoint ${last.seq}`,
        verdict.head.seq + 1,
      );
    }
    pass('chain', `entries ${log.start.seq + 1}–${verdict.head.seq} verify (${verdict.count})`);

    // (c) checkpoints: signed by the same DID, anchored on the checker's AuditAnchor
    for (const c of cps) {
      let claims;
      try {
        claims = await verifyCheckpoint(c.jwt, {
          resolver: deps.resolver,
          issuer: report.verifier,
        });
      } catch (e) {
        throw new CheckFailed('checkpoints', `checkpoint ${c.seq}: ${reason(e, 'bad signature')}`);
      }
      if (claims.seq !== c.seq || claims.head !== c.head) {
        throw new CheckFailed('checkpoints', `checkpoint ${c.seq}: its JWT names another head`);
      }
      if (claims.chainId !== deps.chainId || lower(claims.anchor) !== lower(deps.auditAnchor)) {
        throw new CheckFailed(
          'checkpoints',
          `checkpoint ${c.seq}: anchored on another chain or contract than this checker's`,
        );
      }
      if (claims.anchoredBy === null) {
        throw new CheckFailed('checkpoints', `checkpoint ${c.seq}: not anchored on chain`);
      }
      let anchored;
      try {
        anchored = await deps.anchorAt(claims.anchoredBy as `0x${string}`, claims.seq);
      } catch {
        throw new CheckFailed('checkpoints', `checkpoint ${c.seq}: the chain cannot be read`);
      }
      if (!anchored) {
        throw new CheckFailed('checkpoints', `checkpoint ${c.seq}: not anchored on chain`);
      }
      if (lower(anchored.head) !== c.head) {
        throw new CheckFailed('checkpoints', `checkpoint ${c.seq}: the chain anchors another head`);
      }
    }
    pass('checkpoints', `${cps.length} signed and anchored (up to entry ${last.seq})`);

    // (d) proofs and consent bindings
    const filter = {
      period: report.period,
      marketplaceId: report.marketplaceId,
      policyId: report.policyId,
    };
    const events = disclosed(log.entries);
    let proofs = 0;
    for (const { entry, body } of events) {
      if (entry.kind !== 'verification') continue;
      const at = `event ${entry.seq}`;
      if (body['proof'] === null || body['publicSignals'] === null) {
        if (body['outcome'] === 'verified') throw new CheckFailed('proofs', `${at}: no proof`);
        continue;
      }
      const circuit = body['circuit'] as { vkHash?: unknown } | null;
      if (circuit?.vkHash !== deps.vkHash) {
        throw new CheckFailed('proofs', `${at}: a verification key this checker does not have`);
      }
      const result = await deps.verifyProof(body['proof'], body['publicSignals']);
      proofs++;
      if (body['outcome'] === 'verified' && !result.verified) {
        throw new CheckFailed('proofs', `${at}: its proof does not verify`);
      }
      if (body['reasonCode'] === 'proof_invalid' && result.verified) {
        throw new CheckFailed('proofs', `${at}: recorded proof_invalid, but its proof verifies`);
      }
      if (body['outcome'] !== 'verified') continue;
      const receipt = body['consentReceipt'] as ConsentReceipt | null;
      const receiptHash = body['consentReceiptHash'];
      if (receipt === null || consentReceiptHash(receipt) !== receiptHash) {
        throw new CheckFailed('proofs', `${at}: the consent receipt does not hash to its hash`);
      }
      const digest = body['requestDigest'];
      if (digest !== null) {
        const signals = parsePublicSignals(body['publicSignals']);
        if (requestSignalHashOf(receiptHash as Hex, digest as Hex) !== signals.signalHash) {
          throw new CheckFailed('proofs', `${at}: the proof is not bound to its consent receipt`);
        }
      }
    }
    pass('proofs', `${proofs} proofs checked again; consent bindings hold`);

    // (e) erasures: what each withdrawal or purge says it erased is a stub with that body hash,
    // before it; a purge removed only entries whose retention had ended by then (R05, R06)
    const bySeq = new Map(log.entries.map((e) => [e.seq, e]));
    const retention = new Map<string, number>();
    for (const { entry, body } of events) {
      if (entry.kind === 'verification' && typeof body['retentionDays'] === 'number') {
        retention.set(String(body['policyId']), body['retentionDays']);
      }
    }
    let erased = 0;
    for (const { entry, body } of events) {
      if (entry.kind !== 'erasure' && entry.kind !== 'purge') continue;
      const items = body['erased'];
      if (!Array.isArray(items) || items.length === 0) {
        throw new CheckFailed('erasures', `entry ${entry.seq}: it names nothing erased`, entry.seq);
      }
      for (const item of items as Record<string, unknown>[]) {
        const seq = item['seq'];
        if (typeof seq !== 'number' || seq >= entry.seq) {
          throw new CheckFailed('erasures', `entry ${entry.seq}: erases a later entry`, entry.seq);
        }
        const target = bySeq.get(seq);
        if (target === undefined) continue; // before the log shown
        if (target.body !== null || target.bodyHash !== item['bodyHash']) {
          throw new CheckFailed(
            'erasures',
            `entry ${entry.seq}: entry ${seq} is not the erased stub it names`,
            entry.seq,
          );
        }
        if (entry.kind === 'purge') {
          const until = item['retainUntil'];
          const days = item['retentionDays'];
          const policyDays = retention.get(String(item['policyId']));
          if (
            typeof until !== 'number' ||
            typeof days !== 'number' ||
            until !== target.at + days * 86_400 ||
            until > entry.at ||
            (policyDays !== undefined && policyDays !== days)
          ) {
            throw new CheckFailed(
              'erasures',
              `entry ${entry.seq}: purged entry ${seq} before its retention ended`,
              entry.seq,
            );
          }
        }
        erased++;
      }
    }
    pass('erasures', `${erased} erased entries accounted for`);

    // (f) counts: the log starts before the period, the events are the disclosed entries in
    // scope, and their counts the report's
    const firstEntry = log.entries[0];
    if (log.start.seq > 0 && (!firstEntry || firstEntry.at >= report.period.from)) {
      throw new CheckFailed(
        'counts',
        'the log shown may start after the period: entries may be left out',
      );
    }
    for (const { entry, body } of events) {
      if (!isReportEvent(entry, body, filter)) {
        throw new CheckFailed('counts', `entry ${entry.seq} is disclosed but not in the report`);
      }
    }
    const counts = reportCounts(events.map((e) => ({ kind: e.entry.kind, body: e.body })));
    if (JSON.stringify(sorted(counts)) !== JSON.stringify(sorted(report.counts))) {
      throw new CheckFailed('counts', 'the counts are not those of the events');
    }
    pass('counts', `${counts.events} events; counts match`);
    return { ok: true, checks };
  } catch (e) {
    if (!(e instanceof CheckFailed)) {
      const message = reason(e, 'the report is malformed');
      const check = REPORT_CHECKS[checks.length] ?? 'counts';
      checks.push({ check, ok: false, message });
      return { ok: false, checks };
    }
    const failed: ReportCheck = { check: e.check, ok: false, message: e.message };
    if (e.firstBad !== undefined) failed.firstBad = e.firstBad;
    checks.push(failed);
    return { ok: false, checks };
  }
}

/** The entries with a body, parsed (the chain check has made sure they parse). */
function disclosed(entries: readonly AuditEntry[]) {
  return entries
    .filter((e) => e.body !== null)
    .map((entry) => ({ entry, body: JSON.parse(entry.body!) as Record<string, unknown> }));
}

/** An object with its keys sorted, recursively (counts compared whatever the key order). */
function sorted(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
  );
}

const reason = (e: unknown, fallback: string) =>
  e instanceof ZkrepError ? `${e.code}: ${e.message}` : fallback;

// ---------------------------------------------------------------------------------------------
// The report as a W3C credential (report-credential.ts): the credential's signature, then every
// check above on the signed report it carries.

/**
 * Checks a ComplianceReportCredential (JWT-VC): its signature by a key of the verifier's did:ethr
 * document (the checker's resolver, as for the report JWT), its issuer and subject the verifier
 * the report names, the report it shows the very report of the signed report inside; then
 * `checkReport` on that signed report. A credential that fails before `checkReport` fails the
 * `signature` check. Never throws for a bad credential.
 */
export async function checkReportCredential(
  vcJwt: string,
  deps: ReportCheckDeps,
): Promise<ReportCheckResult> {
  const refused = (message: string): ReportCheckResult => ({
    ok: false,
    checks: [{ check: 'signature', ok: false, message }],
  });
  let vc: Awaited<ReturnType<typeof verifyReportCredential>>;
  try {
    vc = await verifyReportCredential(vcJwt, { resolver: deps.resolver });
  } catch (e) {
    return refused(reason(e, 'the report credential signature does not verify'));
  }
  let inner: unknown;
  try {
    const [, part, sig] = vc.signedReport.split('.');
    if (!part || !sig) throw new Error('not a compact JWS');
    // Unverified here: checkReport verifies the signed report itself below.
    inner = (JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { report?: unknown })
      .report;
  } catch {
    return refused('bad_input: the signed report inside the credential cannot be decoded');
  }
  if (JSON.stringify(sorted(inner)) !== JSON.stringify(sorted(vc.report))) {
    return refused('bad_input: the report the credential shows is not its signed report');
  }
  const result = await checkReport(vc.signedReport, deps);
  const first = result.checks[0];
  if (first?.check === 'signature' && first.ok) {
    first.message = `${first.message} (the credential and the report inside)`;
  }
  return result;
}
