/**
 * Signed compliance reports (docs/compliance.md §5; SECURITY-CASES R04, R07): what the verifier
 * verified in a period — for one marketplace (its own report) or all (a regulator's), and
 * optionally one policy — as a JSON object a
 * regulator checks with nothing but the report and the chain (`zkrep report verify`,
 * report-check.ts). No database types leak out, no express.
 *
 * A report is cut at a checkpoint: the head is checkpointed first (a new signed checkpoint when it
 * moved; anchored in AuditAnchor when the verifier has a relayer key — else the report is
 * refused, so it never ends at an unanchored head of a verifier that anchors). It carries the
 * log from the entry before the period's first entry up to that checkpoint, so the chain verifies
 * from its `start`; the events (verification entries in the period, of the marketplace and
 * policy) with their bodies, every other entry as a redacted stub (audit-chain.ts). The stub
 * before the period shows (by its `at`) that the report starts no later than the period; a
 * period with no entries shows the checkpoint's entry alone (its `at` is before the period).
 *
 * The report is signed as a JWT (ES256K by the verifier DID's key, like checkpoints):
 *   header  { alg: 'ES256K', typ: 'zkrep-report+jwt', kid: '<did>#controller' }
 *   payload { iss: verifier DID, iat, report }
 *
 * Bodies hold no personal data (audit.ts `verificationAuditBody`), so neither does the report.
 */
import { createJWT, decodeJWT, type JWTHeader, type Signer } from 'did-jwt';
import type { Resolvable } from 'did-resolver';
import { PlatformError, verifyDidJwtSignature, withTransaction } from '#platform';
import { ZkrepError } from '#zk';
import type { DataSource } from 'typeorm';
import { VerifierError } from '../errors.js';
import { AuditEntryEntity } from '../store/schema.js';
import { redactAuditEntry, type AuditEntry, type AuditHead } from './audit-chain.js';
import { auditEntriesOf, type AuditCheckpointer } from './audit.js';

/** The JOSE `typ` of a signed report. */
export const REPORT_TYP = 'zkrep-report+jwt';
/** A report JWT is refused beyond this length (16 MB: some 8,000 events with their proofs). */
export const MAX_REPORT_LENGTH = 16 * 1024 * 1024;
/** At most this many entries in one report: ask for a shorter period beyond it. */
export const MAX_REPORT_ENTRIES = 20_000;

/** What a report covers: unix seconds, inclusive. */
export interface ReportQuery {
  from: number;
  to: number;
  /** Only this marketplace's events (a marketplace's own report); null: every marketplace's. */
  marketplaceId: string | null;
  /** Only this policy's events (null: all the marketplace's). */
  policyId?: string | null | undefined;
  /**
   * The legal bases whose events the requester may read (a regulator's, from
   * VERIFIER_REGULATORS); null or absent: every basis (a marketplace reading its own).
   */
  legalBases?: readonly string[] | null | undefined;
}

/** A checkpoint as a report carries it: the signed JWT and where its anchor is. */
export interface ReportCheckpoint {
  /** The checkpoint signed by the verifier DID (audit-checkpoint.ts). */
  jwt: string;
  seq: number;
  head: string;
  chainId: number;
  /** The AuditAnchor contract. */
  anchor: string;
  /** The account that anchored it (null: not anchored; a checker refuses that). */
  anchoredBy: string | null;
  /** The anchoring transaction, when this verifier knows it. */
  transactionHash: string | null;
}

/**
 * Counts over the disclosed entries: verification events (their number, by policy, outcome and
 * reason code), withdrawals (erasure entries) and entries purged at the end of their retention.
 * `withheld` (not recomputable by a checker: those entries are stubs) counts the verification
 * events in scope whose body the requester may not read: no consent receipt, consent withdrawn
 * or expired, or a legal basis not theirs (SECURITY-CASES R03).
 */
export interface ReportCounts {
  events: number;
  byPolicy: Record<string, number>;
  byOutcome: Record<string, number>;
  byReason: Record<string, number>;
  withdrawals: number;
  purged: number;
}

/** A compliance report (version 1). */
export interface ComplianceReport {
  version: 1;
  /** The verifier's DID: the report's and the checkpoints' signer. */
  verifier: string;
  /** When the report was made (unix seconds). */
  generatedAt: number;
  period: { from: number; to: number };
  /** null: every marketplace's events (a regulator's report). */
  marketplaceId: string | null;
  policyId: string | null;
  counts: ReportCounts;
  /** Verification events in scope shown as stubs only (R03; see `ReportCounts`). */
  withheld: number;
  /** The log from `start` (the hash before its first entry) to the last checkpoint's seq. */
  log: { start: AuditHead; entries: AuditEntry[] };
  checkpoints: ReportCheckpoint[];
  /** The circuits and verification-key hashes of the events' proofs. */
  circuits: { name: string; vkHash: string }[];
  /** The issuer key hashes the events' proofs name. */
  issuerKeyHashes: string[];
}

/** The body fields a report reads (audit.ts `verificationAuditBody`, erasure.ts). */
interface EventBody {
  policyId?: unknown;
  marketplaceId?: unknown;
  outcome?: unknown;
  reasonCode?: unknown;
  circuit?: { name?: unknown; vkHash?: unknown } | null;
  issuerKeyHash?: unknown;
  /** Erasure and purge entries: what they erased. */
  erased?: unknown;
  consentReceipt?: unknown;
  retentionDays?: unknown;
  legalBasis?: unknown;
}

/** The kinds of entry a report shows as events. */
const EVENT_KINDS = new Set(['verification', 'erasure', 'purge']);

/** Whether an entry (with its body) is an event of the report's period, marketplace and policy. */
export function isReportEvent(
  e: Pick<AuditEntry, 'kind' | 'at'>,
  body: EventBody,
  q: {
    period: { from: number; to: number };
    marketplaceId: string | null;
    policyId: string | null;
  },
): boolean {
  return (
    EVENT_KINDS.has(e.kind) &&
    e.at >= q.period.from &&
    e.at <= q.period.to &&
    (q.marketplaceId === null || body.marketplaceId === q.marketplaceId) &&
    (q.policyId === null || body.policyId === q.policyId)
  );
}

/** The counts of a list of events (the builder and the checker use this one function). */
export function reportCounts(events: readonly { kind: string; body: EventBody }[]): ReportCounts {
  const counts: ReportCounts = {
    events: 0,
    byPolicy: {},
    byOutcome: {},
    byReason: {},
    withdrawals: 0,
    purged: 0,
  };
  const add = (m: Record<string, number>, k: string) => {
    m[k] = (m[k] ?? 0) + 1;
  };
  for (const { kind, body: b } of events) {
    if (kind === 'erasure') counts.withdrawals++;
    if (kind === 'purge') counts.purged += Array.isArray(b.erased) ? b.erased.length : 0;
    if (kind !== 'verification') continue;
    counts.events++;
    add(counts.byPolicy, String(b.policyId));
    add(counts.byOutcome, String(b.outcome));
    if (b.reasonCode !== null && b.reasonCode !== undefined)
      add(counts.byReason, String(b.reasonCode));
  }
  return counts;
}

export interface ReportDeps {
  dataSource: DataSource;
  checkpointer: Pick<AuditCheckpointer, 'checkpoint'>;
  /** The verifier's DID. */
  verifier: string;
  /** True when the verifier anchors its checkpoints (a relayer key): the report's must be. */
  anchors: boolean;
}

/**
 * Why a verification body in scope is withheld from a requester (R03), or null if it may be
 * read: no consent receipt, consent past its retention (not yet purged), or a legal basis the
 * requester may not see. (Withdrawn events have no body left.)
 */
export function withheldReason(
  e: { at: number },
  body: { consentReceipt?: unknown; retentionDays?: unknown; legalBasis?: unknown },
  q: { now: number; legalBases?: readonly string[] | null | undefined },
): 'no_consent' | 'consent_expired' | 'legal_basis' | null {
  if (body.consentReceipt === null || typeof body.consentReceipt !== 'object') return 'no_consent';
  const days = typeof body.retentionDays === 'number' ? body.retentionDays : 0;
  if (e.at + days * 86_400 <= q.now) return 'consent_expired';
  if (q.legalBases && !q.legalBases.includes(String(body.legalBasis))) return 'legal_basis';
  return null;
}

const badInput = (message: string) => new VerifierError('bad_input', message);

/**
 * Builds a report of `q` at `now` (see the module comment). `bad_input` for a bad period,
 * `not_found` while the log is empty, `busy` / the anchoring's code when the checkpoint could not
 * be anchored (retry), `bad_input` when the period holds more than `MAX_REPORT_ENTRIES` entries.
 */
export async function buildReport(
  deps: ReportDeps,
  q: ReportQuery & { now: number },
): Promise<ComplianceReport> {
  const unix = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if (!unix(q.from) || !unix(q.to) || q.from > q.to) {
    throw badInput('the period must be unix seconds with from ≤ to');
  }
  const policyId = q.policyId ?? null;
  const outcome = await deps.checkpointer.checkpoint();
  const a = outcome.anchoring;
  if (deps.anchors && a.status !== 'anchored') {
    throw new VerifierError(
      a.status === 'failed' ? a.code : 'busy',
      'the audit checkpoint could not be anchored yet; retry',
    );
  }
  const cp = outcome.checkpoint;
  const checkpoint: ReportCheckpoint = {
    jwt: cp.jwt,
    seq: cp.seq,
    head: cp.head,
    chainId: cp.chainId,
    anchor: cp.anchor,
    anchoredBy: a.status === 'anchored' ? a.anchoredBy : null,
    transactionHash: a.status === 'anchored' ? a.transactionHash : null,
  };

  const rows = await withTransaction(deps.dataSource, async (tx) => {
    const repo = tx.getRepository(AuditEntryEntity);
    const first = await repo
      .createQueryBuilder('e')
      .where('e.at >= :from AND e.seq <= :last', { from: q.from, last: cp.seq })
      .orderBy('e.seq', 'ASC')
      .limit(1)
      .getOne();
    // From the entry before the period (its `at` shows the report starts no later than the
    // period) to the checkpoint; with nothing in the period, the checkpoint's entry alone.
    const lo = first ? Math.max(1, Number(first.seq) - 1) : cp.seq;
    if (cp.seq - lo + 1 > MAX_REPORT_ENTRIES) {
      throw badInput(`the report would hold more than ${MAX_REPORT_ENTRIES} entries: shorten it`);
    }
    return auditEntriesOf(
      tx,
      await repo
        .createQueryBuilder('e')
        .where('e.seq >= :lo AND e.seq <= :hi', { lo, hi: cp.seq })
        .orderBy('e.seq', 'ASC')
        .getMany(),
    );
  });

  const filter = { period: { from: q.from, to: q.to }, marketplaceId: q.marketplaceId, policyId };
  const shown: { kind: string; body: EventBody }[] = [];
  let withheld = 0;
  const entries = rows.map((entry): AuditEntry => {
    if (entry.body === null) return entry; // erased: a stub already
    const body = JSON.parse(entry.body) as EventBody;
    if (!isReportEvent(entry, body, filter)) return redactAuditEntry(entry);
    if (entry.kind === 'verification' && withheldReason(entry, body, q) !== null) {
      withheld++;
      return redactAuditEntry(entry);
    }
    shown.push({ kind: entry.kind, body });
    return entry;
  });
  const bodies = shown.filter((e) => e.kind === 'verification').map((e) => e.body);
  const start: AuditHead = {
    seq: entries[0]!.seq - 1,
    hash: entries[0]!.prevHash as AuditHead['hash'],
  };

  const circuits = new Map<string, { name: string; vkHash: string }>();
  const issuers = new Set<string>();
  for (const b of bodies) {
    const c = b.circuit;
    if (c && typeof c.name === 'string' && typeof c.vkHash === 'string') {
      circuits.set(`${c.name}\n${c.vkHash}`, { name: c.name, vkHash: c.vkHash });
    }
    if (typeof b.issuerKeyHash === 'string') issuers.add(b.issuerKeyHash);
  }
  return {
    version: 1,
    verifier: deps.verifier,
    generatedAt: q.now,
    period: { from: q.from, to: q.to },
    marketplaceId: q.marketplaceId,
    policyId,
    counts: reportCounts(shown),
    withheld,
    log: { start, entries },
    checkpoints: [checkpoint],
    circuits: [...circuits.values()],
    issuerKeyHashes: [...issuers].sort(),
  };
}

/** Signs a report as `did` (`signer`: the DID's key, e.g. `agentJwtSigner`). */
export async function signReport(p: {
  did: string;
  signer: Signer;
  report: ComplianceReport;
  iat: number;
}): Promise<string> {
  // did-jwt types `typ` as 'JWT' only; any `typ` is written as given.
  const header = { alg: 'ES256K', typ: REPORT_TYP, kid: `${p.did}#controller` };
  try {
    return await createJWT(
      { iat: p.iat, report: p.report },
      { issuer: p.did, signer: p.signer, alg: 'ES256K' },
      header as unknown as Partial<JWTHeader>,
    );
  } catch (cause) {
    throw new VerifierError('internal', 'signing the report failed', { cause });
  }
}

const JWS_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Verifies a report JWT's header and its signature by a key of its `iss` DID (resolved with
 * `resolver`), and that the report names that DID as its verifier. Returns the report, not yet
 * checked otherwise (report-check.ts does that). `bad_input` (not a report JWT),
 * `bad_signature`, `chain_unreachable`.
 */
export async function verifyReportSignature(
  jwt: string,
  options: { resolver: Resolvable },
): Promise<{ iss: string; iat: number; report: ComplianceReport }> {
  if (jwt.length > MAX_REPORT_LENGTH || !JWS_RE.test(jwt)) {
    throw badInput('a report must be a compact JWS');
  }
  let decoded: { header: { typ?: unknown; alg?: unknown }; payload: Record<string, unknown> };
  try {
    decoded = decodeJWT(jwt, false) as typeof decoded;
  } catch {
    throw badInput('the report cannot be decoded');
  }
  const { header, payload } = decoded;
  if (header.alg !== 'ES256K' || header.typ !== REPORT_TYP) throw badInput('not a report JWT');
  const iss = payload['iss'];
  const iat = payload['iat'];
  const report = payload['report'] as ComplianceReport | undefined;
  if (typeof iss !== 'string' || typeof iat !== 'number' || typeof report !== 'object' || !report) {
    throw badInput('the report JWT lacks iss, iat or report');
  }
  if (report.verifier !== iss) throw badInput('the report names another verifier than its signer');
  await verifyVerifierSignature(jwt, { resolver: options.resolver, now: iat, what: 'the report' });
  return { iss, iat, report };
}

/**
 * Verifies that `jwt` (a report, or its credential) is signed by a key of its `iss` DID,
 * resolved with `resolver` at `now`: `bad_signature`, `chain_unreachable`, else `internal`.
 */
export async function verifyVerifierSignature(
  jwt: string,
  p: { resolver: Resolvable; now: number; what: string },
): Promise<void> {
  try {
    await verifyDidJwtSignature(jwt, {
      resolver: p.resolver,
      now: p.now,
      what: p.what,
      signer: "the verifier's DID",
    });
  } catch (e) {
    if (e instanceof PlatformError) throw new VerifierError(e.code, e.message, { cause: e });
    if (e instanceof ZkrepError) throw e;
    throw new VerifierError('internal', `${p.what} could not be verified`, { cause: e });
  }
}
