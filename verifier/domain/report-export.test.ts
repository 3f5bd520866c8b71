/**
 * A report's other forms (report-export.ts, report-credential.ts), without a chain: the CSV (one
 * row per disclosed event, RFC 4180 quoting, formula-injection guard), the printable HTML
 * (self-contained, no script, every value escaped), file names, the ComplianceReportCredential
 * (signed and checked against a DID document, each refusal alone, and the checker's credential
 * entry point refusing a VC whose report is not its signed report), and the PdfPrinter's
 * lifecycle with a fake browser (lazy launch, reuse, the concurrency limit, the timeout, close,
 * relaunch). Real Chromium and the real chain: test/e2e/dashboard.e2e.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { ES256KSigner, decodeJWT } from 'did-jwt';
import type { Browser } from 'playwright-core';
import { parseCsv } from '../../test/helpers/csv.js';
import { localDid } from '../../test/helpers/local-did.js';
import { VerifierError } from '../errors.js';
import { auditBodyHash, type AuditEntry } from './audit-chain.js';
import { checkReportCredential } from './report-check.js';
import {
  isReportCredential,
  REPORT_CREDENTIAL_TYPE,
  signReportCredential,
  verifyReportCredential,
} from './report-credential.js';
import {
  csvCell,
  escapeHtml,
  pdfPrinter,
  REPORT_CSV_COLUMNS,
  reportCsv,
  reportEvents,
  reportFileName,
  reportHtml,
} from './report-export.js';
import { signReport, type ComplianceReport } from './report.js';

const { did: DID, signer, resolver } = localDid();
const T = 1_790_000_000;

const HOSTILE_PURPOSE = '=HYPERLINK("http://evil.example","x"), "quoted"\nnext line';
const HOSTILE_POLICY = '<script>alert(1)</script>';

const entry = (seq: number, at: number, body: Record<string, unknown> | null): AuditEntry => {
  const text = body === null ? null : JSON.stringify(body);
  return {
    seq,
    kind: 'verification',
    at,
    body: text,
    bodyHash: text === null ? `0x${'ab'.repeat(32)}` : auditBodyHash(text),
    prevHash: `0x${'00'.repeat(32)}`,
    hash: `0x${seq.toString(16).padStart(64, '0')}`,
  };
};

const verifiedBody = {
  version: 1,
  requestId: 'req-1',
  policyId: 'adults',
  marketplaceId: 'm1',
  predicates: [{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }],
  purpose: 'policy purpose',
  legalBasis: 'consent',
  retentionDays: 30,
  circuit: { name: 'age_v1', vkHash: 'cd'.repeat(32) },
  issuerKeyHash: '123',
  revocationRoot: '456',
  nullifier: '789',
  consentReceiptHash: `0x${'ef'.repeat(32)}`,
  consentReceipt: { purpose: 'receipt purpose', legalBasis: 'contract', retentionDays: 7 },
  outcome: 'verified',
  reasonCode: null,
};
const failedBody = {
  ...verifiedBody,
  requestId: 'req-2',
  policyId: HOSTILE_POLICY,
  purpose: HOSTILE_PURPOSE,
  legalBasis: '@SUM(A1)',
  consentReceipt: null,
  consentReceiptHash: null,
  issuerKeyHash: '-1+1',
  outcome: 'failed',
  reasonCode: 'proof_invalid',
};

const report: ComplianceReport = {
  version: 1,
  verifier: DID,
  generatedAt: T + 100,
  period: { from: T, to: T + 86_400 },
  marketplaceId: 'm1',
  policyId: null,
  counts: {
    events: 2,
    byPolicy: { adults: 1, [HOSTILE_POLICY]: 1 },
    byOutcome: { verified: 1, failed: 1 },
    byReason: { proof_invalid: 1 },
    withdrawals: 0,
    purged: 0,
  },
  withheld: 0,
  log: {
    start: { seq: 0, hash: `0x${'00'.repeat(32)}` },
    entries: [
      entry(1, T - 5, null),
      entry(2, T + 10, verifiedBody),
      entry(3, T + 20, null),
      entry(4, T + 3_600, failedBody),
    ],
  },
  checkpoints: [
    {
      jwt: 'a.b.c',
      seq: 4,
      head: `0x${'04'.repeat(32)}`,
      chainId: 31337,
      anchor: '0x00000000000000000000000000000000000000bb',
      anchoredBy: '0x00000000000000000000000000000000000000cc',
      transactionHash: `0x${'77'.repeat(32)}`,
    },
  ],
  circuits: [{ name: 'age_v1', vkHash: 'cd'.repeat(32) }],
  issuerKeyHashes: ['123', '-1+1'],
};

describe('report CSV', () => {
  it('has a header and one row per disclosed event (stubs skipped), values as in the bodies', () => {
    const rows = parseCsv(reportCsv(report));
    expect(rows[0]).toEqual(REPORT_CSV_COLUMNS.map(([h]) => h));
    expect(rows).toHaveLength(3);
    const col = (row: string[], name: string) => row[rows[0]!.indexOf(name)];
    const [, verified, failed] = rows as [string[], string[], string[]];
    expect(col(verified, 'seq')).toBe('2');
    expect(col(verified, 'at')).toBe(new Date((T + 10) * 1000).toISOString());
    expect(col(verified, 'outcome')).toBe('verified');
    expect(col(verified, 'vk_hash')).toBe('cd'.repeat(32));
    expect(col(verified, 'nullifier')).toBe('789');
    // Purpose, legal basis and retention from the receipt when there is one …
    expect(col(verified, 'purpose')).toBe('receipt purpose');
    expect(col(verified, 'legal_basis')).toBe('contract');
    expect(col(verified, 'retention_days')).toBe('7');
    // … else the body's.
    expect(col(failed, 'seq')).toBe('4');
    expect(col(failed, 'reason')).toBe('proof_invalid');
    expect(col(failed, 'policy_id')).toBe(HOSTILE_POLICY);
  });

  it('guards cells a spreadsheet would run as formulas (= + - @ tab CR) with a leading quote', () => {
    for (const v of ['=1+1', '+1', '-1+1', '@SUM(A1)', '\tx', '\rx']) {
      expect(csvCell(v).replace(/^"|"$/g, '').startsWith(`'${v[0]}`)).toBe(true);
    }
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a=b')).toBe('a=b');
    // Numbers are data, written as they are.
    expect(csvCell(-3)).toBe('-3');
    const rows = parseCsv(reportCsv(report));
    const failed = rows[2]!;
    expect(failed[rows[0]!.indexOf('purpose')]).toBe(`'${HOSTILE_PURPOSE}`);
    expect(failed[rows[0]!.indexOf('legal_basis')]).toBe("'@SUM(A1)");
    expect(failed[rows[0]!.indexOf('issuer_key_hash')]).toBe("'-1+1");
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@]/);
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(reportCsv(report).endsWith('\r\n')).toBe(true);
  });

  it('reads the report generically: unknown entry fields and bodies that are not JSON are skipped', () => {
    const r = structuredClone(report);
    (r.log.entries[0] as unknown as Record<string, unknown>)['erased'] = true;
    r.log.entries.push({ ...entry(5, T + 30, null), body: 'not json' });
    expect(reportEvents(r).map((e) => e.seq)).toEqual([2, 4]);
  });
});

describe('report HTML', () => {
  const html = reportHtml(report);

  it('is self-contained and printable: no script, no external resource, print CSS', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\s(src|href)=/i);
    expect(html).toContain('@media print');
  });

  it('escapes every value from the report', () => {
    expect(html).not.toContain(HOSTILE_POLICY);
    expect(html).toContain(escapeHtml(HOSTILE_POLICY));
    expect(escapeHtml(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
  });

  it('shows the verifier, period, counts, checkpoints, circuits, issuers, events and how to verify', () => {
    expect(html).toContain(DID);
    expect(html).toContain(new Date(T * 1000).toISOString());
    expect(html).toContain('<strong id="count-events">2</strong>');
    expect(html).toContain('proof_invalid');
    expect(html).toContain(`0x${'77'.repeat(32)}`);
    expect(html).toContain('cd'.repeat(32));
    expect(html).toContain('-1+1');
    expect(html).toContain('receipt purpose');
    expect(html).toContain('zkrep report verify');
    // Other numbers the report counts, whatever its version.
    expect(html).toContain('<tr><th>withdrawals</th><td>0</td></tr>');
    expect(html).toContain('<tr><th>withheld</th><td>0</td></tr>');
    expect(html.match(/<tr class="(verified|failed)">/g)).toHaveLength(2);
  });

  it('names its files by period and policy', () => {
    expect(reportFileName(report, 'pdf')).toBe('zkrep-report-2026-09-21-2026-09-22.pdf');
    expect(reportFileName({ ...report, policyId: 'a/b c' }, 'vc')).toBe(
      'zkrep-report-2026-09-21-2026-09-22-a_b_c.vc.jwt',
    );
  });
});

describe('report credential (JWT-VC)', () => {
  const signed = () => signReport({ did: DID, signer, report, iat: T + 100 });
  const vcOf = async (over: { report?: ComplianceReport; jwt?: string; by?: typeof signer } = {}) =>
    signReportCredential({
      did: DID,
      signer: over.by ?? signer,
      jwt: over.jwt ?? (await signed()),
      report: over.report ?? report,
      iat: T + 100,
    });

  it('is a W3C VC of type ComplianceReportCredential, issued by and about the verifier DID', async () => {
    const vc = await vcOf();
    const { header, payload } = decodeJWT(vc);
    expect(header).toMatchObject({ alg: 'ES256K', kid: `${DID}#controller` });
    expect(payload).toMatchObject({
      iss: DID,
      sub: DID,
      vc: {
        type: ['VerifiableCredential', REPORT_CREDENTIAL_TYPE],
        credentialSubject: { id: DID, report, signedReport: await signed() },
      },
    });
    expect(isReportCredential(vc)).toBe(true);
    expect(isReportCredential(await signed())).toBe(false);
    await expect(verifyReportCredential(vc, { resolver })).resolves.toMatchObject({
      iss: DID,
      report,
    });
  });

  it('refuses a credential signed by another key (bad_signature)', async () => {
    const vc = await vcOf({ by: ES256KSigner(randomBytes(32)) });
    await expect(verifyReportCredential(vc, { resolver })).rejects.toMatchObject({
      code: 'bad_signature',
    });
  });

  it('refuses a plain report JWT and a credential about another verifier (bad_input)', async () => {
    await expect(verifyReportCredential(await signed(), { resolver })).rejects.toMatchObject({
      code: 'bad_input',
    });
    const other = {
      ...report,
      verifier: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa',
    };
    await expect(
      verifyReportCredential(await vcOf({ report: other }), { resolver }),
    ).rejects.toMatchObject({ code: 'bad_input', message: /not issued by and about/ });
  });

  it('the checker refuses, at its signature check, a credential whose report is not its signed report, or signed by another key', async () => {
    const deps = {
      resolver,
      chainId: 31337,
      auditAnchor: '0x00000000000000000000000000000000000000bb',
      anchorAt: async () => null,
      // Never reached: a credential that fails stops at the signature; one that holds goes on
      // to the report's chain check, which fails on this hand-made log first.
      verifyProof: async () => ({
        verified: false as const,
        code: 'proof_invalid' as const,
        message: 'x',
      }),
      vkHash: 'cd'.repeat(32),
    };
    const changed = structuredClone(report);
    changed.counts.byOutcome['verified'] = 2;
    const mismatch = await checkReportCredential(await vcOf({ report: changed }), deps);
    expect(mismatch).toEqual({
      ok: false,
      checks: [
        {
          check: 'signature',
          ok: false,
          message: 'bad_input: the report the credential shows is not its signed report',
        },
      ],
    });
    const forged = await checkReportCredential(
      await vcOf({ by: ES256KSigner(randomBytes(32)) }),
      deps,
    );
    expect(forged.ok).toBe(false);
    expect(forged.checks).toEqual([
      expect.objectContaining({
        check: 'signature',
        ok: false,
        message: expect.stringMatching(/^bad_signature: /),
      }),
    ]);
    // A credential that holds: the report inside goes on to the report's own checks.
    const held = await checkReportCredential(await vcOf(), deps);
    expect(held.checks[0]).toMatchObject({
      check: 'signature',
      ok: true,
      message: `signed by ${DID} (the credential and the report inside)`,
    });
  });
});

describe('PdfPrinter (a fake browser)', () => {
  /** A browser double: counts launches and prints, and lets a test hold prints open. */
  function fakeBrowser(p: { hold?: Promise<void> } = {}) {
    const state = { launches: 0, closed: 0, active: 0, maxActive: 0, prints: 0 };
    let onDisconnect: (() => void) | undefined;
    const launch = async (): Promise<Browser> => {
      state.launches++;
      return {
        on: (_event: string, f: () => void) => {
          onDisconnect = f;
        },
        close: async () => {
          state.closed++;
        },
        isConnected: () => true,
        newContext: async () => ({
          close: async () => undefined,
          newPage: async () => ({
            setContent: async () => undefined,
            pdf: async () => {
              state.active++;
              state.maxActive = Math.max(state.maxActive, state.active);
              await p.hold;
              state.active--;
              state.prints++;
              return Buffer.from('%PDF-1.4 fake');
            },
          }),
        }),
      } as unknown as Browser;
    };
    return { state, launch, disconnect: () => onDisconnect?.() };
  }

  it('launches nothing until the first print, then one browser for every print', async () => {
    const fake = fakeBrowser();
    const printer = pdfPrinter({ launch: fake.launch });
    expect(printer.launched).toBe(false);
    expect(fake.state.launches).toBe(0);
    const pdfs = await Promise.all([1, 2, 3].map(() => printer.print('<p>x</p>')));
    expect(pdfs.map((b) => b.subarray(0, 4).toString())).toEqual(['%PDF', '%PDF', '%PDF']);
    expect(printer.launched).toBe(true);
    expect(fake.state.launches).toBe(1);
    await printer.close();
    expect(fake.state.closed).toBe(1);
    expect(printer.launched).toBe(false);
    // A print after close launches a new browser.
    await printer.print('<p>y</p>');
    expect(fake.state.launches).toBe(2);
    await printer.close();
  });

  it('runs at most `concurrency` prints at once', async () => {
    let open!: () => void;
    const hold = new Promise<void>((r) => (open = r));
    const fake = fakeBrowser({ hold });
    const printer = pdfPrinter({ launch: fake.launch, concurrency: 2 });
    const all = Promise.all([1, 2, 3, 4, 5].map(() => printer.print('<p>x</p>')));
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.state.active).toBe(2);
    open();
    await all;
    expect(fake.state.maxActive).toBe(2);
    expect(fake.state.prints).toBe(5);
    await printer.close();
  });

  it('gives up after the timeout with busy, and the next print still runs', async () => {
    let open!: () => void;
    const fake = fakeBrowser({ hold: new Promise<void>((r) => (open = r)) });
    const printer = pdfPrinter({ launch: fake.launch, timeoutMs: 100, concurrency: 1 });
    const slow = printer.print('<p>x</p>');
    await expect(slow).rejects.toBeInstanceOf(VerifierError);
    await expect(slow).rejects.toMatchObject({ code: 'busy', message: /timed out/ });
    open();
    await expect(printer.print('<p>y</p>')).resolves.toBeInstanceOf(Buffer);
    await printer.close();
  });

  it('relaunches after the browser went away, and reports a failed launch as internal', async () => {
    const fake = fakeBrowser();
    const printer = pdfPrinter({ launch: fake.launch });
    await printer.print('<p>x</p>');
    fake.disconnect();
    expect(printer.launched).toBe(false);
    await printer.print('<p>x</p>');
    expect(fake.state.launches).toBe(2);
    await printer.close();

    let attempts = 0;
    const failing = pdfPrinter({
      launch: async () => {
        attempts++;
        throw new Error('no browser');
      },
    });
    await expect(failing.print('<p>x</p>')).rejects.toMatchObject({
      code: 'internal',
      message: 'printing the PDF failed',
    });
    // Not cached: the next print tries again.
    await expect(failing.print('<p>x</p>')).rejects.toMatchObject({ code: 'internal' });
    expect(attempts).toBe(2);
  });
});
