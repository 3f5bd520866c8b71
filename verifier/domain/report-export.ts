/**
 * A compliance report's other forms (docs/compliance.md §5.4), made from the signed report:
 *   csv   one row per event (RFC 4180, formula-injection guarded), for a spreadsheet;
 *   html  a printable, self-contained page (no script, inline CSS with `@media print`, every
 *         value escaped): who signed it, the period, counts, checkpoints, circuits, issuers,
 *         events, and how to verify it;
 *   pdf   that page printed by headless Chromium (`PdfPrinter`);
 *   vc    a W3C Verifiable Credential of the report (report-credential.ts).
 * Only the JWT and the VC are evidence; CSV, HTML and PDF are readable copies of them.
 *
 * The report is read generically: entries with a body are the events, fields that a later
 * report version adds are ignored here, never refused. No express.
 */
import type { Browser } from 'playwright-core';
import { VerifierError } from '../errors.js';
import type { ComplianceReport } from './report.js';

export const REPORT_EXPORT_FORMATS = ['jwt', 'vc', 'csv', 'html', 'pdf'] as const;
export type ReportExportFormat = (typeof REPORT_EXPORT_FORMATS)[number];

/** One event of a report, flattened for a table. */
export interface ReportEventRow {
  seq: number;
  /** ISO 8601 (UTC) of the entry's `at`. */
  at: string;
  kind: string;
  requestId: string;
  marketplaceId: string;
  policyId: string;
  outcome: string;
  reason: string;
  circuit: string;
  vkHash: string;
  issuerKeyHash: string;
  revocationRoot: string;
  nullifier: string;
  receiptHash: string;
  purpose: string;
  legalBasis: string;
  retentionDays: string;
}

const str = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const iso = (unix: unknown): string =>
  typeof unix === 'number' && Number.isFinite(unix) ? new Date(unix * 1000).toISOString() : '';

/** The disclosed entries (with a body) of a report, as rows. */
export function reportEvents(report: ComplianceReport): ReportEventRow[] {
  const entries = Array.isArray(report.log?.entries) ? report.log.entries : [];
  const rows: ReportEventRow[] = [];
  for (const e of entries) {
    if (typeof e.body !== 'string') continue;
    let b: Record<string, unknown>;
    try {
      b = obj(JSON.parse(e.body));
    } catch {
      continue;
    }
    const receipt = obj(b['consentReceipt']);
    const circuit = obj(b['circuit']);
    rows.push({
      seq: e.seq,
      at: iso(e.at),
      kind: str(e.kind),
      requestId: str(b['requestId']),
      marketplaceId: str(b['marketplaceId']),
      policyId: str(b['policyId']),
      outcome: str(b['outcome']),
      reason: str(b['reasonCode']),
      circuit: str(circuit['name']),
      vkHash: str(circuit['vkHash']),
      issuerKeyHash: str(b['issuerKeyHash']),
      revocationRoot: str(b['revocationRoot']),
      nullifier: str(b['nullifier']),
      receiptHash: str(b['consentReceiptHash']),
      // The receipt is what the holder consented to; the body repeats the policy's terms.
      purpose: str(receipt['purpose'] ?? b['purpose']),
      legalBasis: str(receipt['legalBasis'] ?? b['legalBasis']),
      retentionDays: str(receipt['retentionDays'] ?? b['retentionDays']),
    });
  }
  return rows;
}

/** The CSV columns, in order: [header, field]. */
export const REPORT_CSV_COLUMNS: readonly (readonly [string, keyof ReportEventRow])[] = [
  ['seq', 'seq'],
  ['at', 'at'],
  ['kind', 'kind'],
  ['request_id', 'requestId'],
  ['marketplace_id', 'marketplaceId'],
  ['policy_id', 'policyId'],
  ['outcome', 'outcome'],
  ['reason', 'reason'],
  ['circuit', 'circuit'],
  ['vk_hash', 'vkHash'],
  ['issuer_key_hash', 'issuerKeyHash'],
  ['revocation_root', 'revocationRoot'],
  ['nullifier', 'nullifier'],
  ['consent_receipt_hash', 'receiptHash'],
  ['purpose', 'purpose'],
  ['legal_basis', 'legalBasis'],
  ['retention_days', 'retentionDays'],
];

/**
 * One CSV cell: a value a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
 * a tab or a carriage return; OWASP "CSV injection") gets a leading `'`; then RFC 4180 quoting.
 * Numbers are written as they are (a negative number is data, not a formula).
 */
export function csvCell(v: string | number): string {
  if (typeof v === 'number') return String(v);
  const guarded = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

/** The report's events as CSV (RFC 4180: CRLF line ends, a header row, one row per event). */
export function reportCsv(report: ComplianceReport): string {
  const lines = [REPORT_CSV_COLUMNS.map(([h]) => h).join(',')];
  for (const row of reportEvents(report)) {
    lines.push(REPORT_CSV_COLUMNS.map(([, k]) => csvCell(row[k])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** HTML-escapes text for an element's content or a quoted attribute. */
export function escapeHtml(v: unknown): string {
  return str(v)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const CSS = `
  :root { color-scheme: light; }
  body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; margin: 24px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 15px; margin: 22px 0 6px; border-bottom: 1px solid #ccc; padding-bottom: 2px; }
  table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
  th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
  th { background: #f2f2f2; }
  td.mono, .mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11px; word-break: break-all; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
  dt { font-weight: 600; } dd { margin: 0; word-break: break-all; }
  .note { background: #f7f7f7; border-left: 3px solid #888; padding: 6px 10px; }
  .verified { color: #106010; } .failed { color: #a01010; }
  @media print {
    body { margin: 0; font-size: 10px; }
    h2 { break-after: avoid; }
    tr { break-inside: avoid; }
    th { background: #eee; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  }
  @page { size: A4 landscape; margin: 12mm; }
`;

const countTable = (title: string, counts: Record<string, number> | undefined): string => {
  const rows = Object.entries(counts ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (rows.length === 0) return `<h3>${escapeHtml(title)}</h3><p>none</p>`;
  return `<h3>${escapeHtml(title)}</h3><table><thead><tr><th>${escapeHtml(title)}</th><th>events</th></tr></thead><tbody>${rows
    .map(([k, n]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(n)}</td></tr>`)
    .join('')}</tbody></table>`;
};

/** Every other number the report counts (in `counts` or at its top level), whatever its version. */
function totals(r: ComplianceReport): string {
  const skip = new Set(['events', 'version', 'generatedAt']);
  const numbers = [
    ...Object.entries(obj(r.counts)),
    ...Object.entries(r as unknown as Record<string, unknown>),
  ].filter(([k, v]) => typeof v === 'number' && !skip.has(k));
  if (numbers.length === 0) return '';
  return `<table id="totals"><tbody>${numbers
    .map(([k, n]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(n)}</td></tr>`)
    .join('')}</tbody></table>`;
}

/**
 * The report as a printable, self-contained HTML page: no script, no external resource (the
 * stylesheet is inline), every value escaped.
 */
export function reportHtml(report: ComplianceReport): string {
  const events = reportEvents(report);
  const r = report;
  const checkpoints = Array.isArray(r.checkpoints) ? r.checkpoints : [];
  const circuits = Array.isArray(r.circuits) ? r.circuits : [];
  const issuers = Array.isArray(r.issuerKeyHashes) ? r.issuerKeyHashes : [];
  const period = `${iso(r.period?.from)} – ${iso(r.period?.to)}`;
  const title = `Compliance report ${period}`;
  const eventColumns: [string, keyof ReportEventRow, boolean][] = [
    ['seq', 'seq', false],
    ['time (UTC)', 'at', false],
    ['marketplace', 'marketplaceId', false],
    ['policy', 'policyId', false],
    ['outcome', 'outcome', false],
    ['reason', 'reason', false],
    ['purpose', 'purpose', false],
    ['legal basis', 'legalBasis', false],
    ['retention (days)', 'retentionDays', false],
    ['issuer key hash', 'issuerKeyHash', true],
    ['revocation root', 'revocationRoot', true],
    ['nullifier', 'nullifier', true],
    ['consent receipt hash', 'receiptHash', true],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<dl>
  <dt>Verifier (signer)</dt><dd class="mono">${escapeHtml(r.verifier)}</dd>
  <dt>Period</dt><dd>${escapeHtml(period)}</dd>
  <dt>Generated at</dt><dd>${escapeHtml(iso(r.generatedAt))}</dd>
  <dt>Marketplace</dt><dd>${escapeHtml(r.marketplaceId ?? 'every marketplace')}</dd>
  <dt>Policy</dt><dd>${escapeHtml(r.policyId ?? 'every policy')}</dd>
  <dt>Report version</dt><dd>${escapeHtml(r.version)}</dd>
</dl>

<h2>Counts</h2>
<p>Events: <strong id="count-events">${escapeHtml(r.counts?.events ?? events.length)}</strong></p>
${totals(r)}
${countTable('policy', r.counts?.byPolicy)}
${countTable('outcome', r.counts?.byOutcome)}
${countTable('reason', r.counts?.byReason)}

<h2>Checkpoints</h2>
<table><thead><tr><th>seq</th><th>head</th><th>chain id</th><th>AuditAnchor</th><th>anchored by</th><th>transaction</th></tr></thead><tbody>
${checkpoints
  .map(
    (c) =>
      `<tr><td>${escapeHtml(c.seq)}</td><td class="mono">${escapeHtml(c.head)}</td><td>${escapeHtml(c.chainId)}</td><td class="mono">${escapeHtml(c.anchor)}</td><td class="mono">${escapeHtml(c.anchoredBy ?? 'not anchored')}</td><td class="mono">${escapeHtml(c.transactionHash ?? '')}</td></tr>`,
  )
  .join('\n')}
</tbody></table>

<h2>Circuits and verification keys</h2>
<table><thead><tr><th>circuit</th><th>verification key sha256</th></tr></thead><tbody>
${circuits.map((c) => `<tr><td>${escapeHtml(c.name)}</td><td class="mono">${escapeHtml(c.vkHash)}</td></tr>`).join('\n')}
</tbody></table>

<h2>Issuers</h2>
<table><thead><tr><th>issuer key hash</th></tr></thead><tbody>
${issuers.map((h) => `<tr><td class="mono">${escapeHtml(h)}</td></tr>`).join('\n')}
</tbody></table>

<h2>Events (${escapeHtml(events.length)})</h2>
<table id="events"><thead><tr>${eventColumns.map(([h]) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>
${events
  .map(
    (e) =>
      `<tr class="${e.outcome === 'verified' ? 'verified' : 'failed'}">${eventColumns
        .map(([, k, mono]) => `<td${mono ? ' class="mono"' : ''}>${escapeHtml(e[k])}</td>`)
        .join('')}</tr>`,
  )
  .join('\n')}
</tbody></table>

<h2>How to verify</h2>
<p class="note">This page is a readable copy. The evidence is the signed report (JWT, or the
ComplianceReportCredential VC): check it with nothing but it and the chain —
<code>zkrep report verify report.jwt --rpc-url &lt;RPC URL&gt;</code> — which checks the verifier
DID's signature, the hash chain of the log, the checkpoints anchored in AuditAnchor, every proof
again, and these counts (docs/compliance.md §5.2).</p>
</body>
</html>
`;
}

/** A file name for a report export: `zkrep-report-<from>-<to>[-<policy>].<ext>`. */
export function reportFileName(
  report: Pick<ComplianceReport, 'period' | 'policyId'>,
  format: ReportExportFormat,
): string {
  const date = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);
  const policy = report.policyId ? `-${report.policyId.replace(/[^A-Za-z0-9_-]/g, '_')}` : '';
  const ext = format === 'vc' ? 'vc.jwt' : format;
  return `zkrep-report-${date(report.period.from)}-${date(report.period.to)}${policy}.${ext}`;
}

/** Prints HTML to PDF with one headless Chromium per process. */
export interface PdfPrinter {
  /** The PDF of `html` (A4, backgrounds printed). `busy` when it takes longer than the timeout. */
  print(html: string): Promise<Buffer>;
  /** Whether the browser has been launched (it is launched by the first print only). */
  readonly launched: boolean;
  /** Closes the browser, if launched; a print after it launches a new one. */
  close(): Promise<void>;
}

export interface PdfPrinterOptions {
  /** Launches the browser (default: `@sparticuz/chromium` through playwright-core). */
  launch?: () => Promise<Browser>;
  /** The longest a print may take, launch included (default 30 s). */
  timeoutMs?: number;
  /** Prints at once; more wait their turn (default 2). */
  concurrency?: number;
}

/**
 * Flags of `@sparticuz/chromium` a long-lived server must not use: `--single-process` (made for
 * one-shot lambdas: closing a browser context there can take the whole browser down with it)
 * and the ones that lower web security (the page is ours, but nothing needs them).
 */
const UNWANTED_FLAGS = new Set([
  '--single-process',
  '--disable-web-security',
  '--allow-running-insecure-content',
]);

/** `@sparticuz/chromium` through playwright-core, both loaded on the first launch only. */
async function launchChromium(): Promise<Browser> {
  const [{ default: chromium }, { chromium: playwright }] = await Promise.all([
    import('@sparticuz/chromium'),
    import('playwright-core'),
  ]);
  return playwright.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args.filter((a) => !UNWANTED_FLAGS.has(a)),
    headless: true,
  });
}

/**
 * A PDF printer that launches its browser lazily, on the first print (a verifier nobody asks a
 * PDF of never starts one), reuses it, runs at most `concurrency` prints at once, and gives up
 * after `timeoutMs` with `busy`. The page gets the HTML with JavaScript disabled and no network:
 * it is the self-contained page of `reportHtml`.
 */
export function pdfPrinter(options: PdfPrinterOptions = {}): PdfPrinter {
  const launch = options.launch ?? launchChromium;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const concurrency = options.concurrency ?? 2;
  let browser: Promise<Browser> | undefined;
  let running = 0;
  const waiting: (() => void)[] = [];

  const browserNow = (): Promise<Browser> => {
    if (!browser) {
      const launched = launch().then((b) => {
        b.on('disconnected', () => {
          if (browser === launched) browser = undefined;
        });
        return b;
      });
      launched.catch(() => {
        if (browser === launched) browser = undefined;
      });
      browser = launched;
    }
    return browser;
  };

  const slot = async (): Promise<void> => {
    if (running < concurrency) {
      running++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };

  const printOnce = async (html: string, cancelled: { value: boolean }): Promise<Buffer> => {
    const current = browserNow();
    const b = await current;
    let context;
    try {
      context = await b.newContext({ javaScriptEnabled: false, offline: true });
    } catch (e) {
      // A browser that went away without telling: the next print launches a new one.
      if (browser === current && !b.isConnected()) browser = undefined;
      throw e;
    }
    try {
      if (cancelled.value) throw new VerifierError('busy', 'printing the PDF timed out; retry');
      const page = await context.newPage();
      await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
      return await page.pdf({ format: 'A4', landscape: true, printBackground: true });
    } finally {
      await context.close().catch(() => undefined);
    }
  };

  return {
    get launched() {
      return browser !== undefined;
    },
    async print(html) {
      await slot();
      const cancelled = { value: false };
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          printOnce(html, cancelled).catch((e: unknown) => {
            if (e instanceof VerifierError) throw e;
            throw new VerifierError('internal', 'printing the PDF failed', { cause: e });
          }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              cancelled.value = true;
              reject(new VerifierError('busy', 'printing the PDF timed out; retry'));
            }, timeoutMs);
            timer.unref();
          }),
        ]);
      } finally {
        clearTimeout(timer);
        release();
      }
    },
    async close() {
      const b = browser;
      browser = undefined;
      if (b) await (await b.catch(() => undefined))?.close().catch(() => undefined);
    },
  };
}
