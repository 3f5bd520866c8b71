/**
 * Compliance-report routes (docs/compliance.md §5): `POST /v1/reports` makes, signs and keeps a
 * report; `GET /v1/reports` lists the caller's reports; `GET /v1/reports/{id}` returns one;
 * `GET /v1/reports/{id}/export?format=jwt|vc|csv|html|pdf` downloads it in another form. Every
 * route takes a marketplace's API key (its own events, its own reports) or a regulator's bearer
 * token (domain/regulator.ts: any marketplace, its own reports), and is rate-limited per key or
 * regulator like the marketplace routes. A report the caller did not ask for is a 404, as an
 * unknown one is, so ids do not leak.
 */
import { Router, type RequestHandler, type Response } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { errorResponse, httpError, jsonBody, jsonContent, parseInput, z } from '#platform';
import type { VerifierDeps } from '../app.js';
import { looksLikeRegulatorToken } from '../domain/regulator.js';
import {
  REPORT_EXPORT_FORMATS,
  reportCsv,
  reportFileName,
  reportHtml,
  type ReportExportFormat,
} from '../domain/report-export.js';
import { REPORT_LIST_MAX } from '../domain/report-store.js';

const Unix = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const ReportBody = z
  .strictObject({
    from: Unix.openapi({ description: 'Start of the period (unix seconds, inclusive)' }),
    to: Unix.openapi({ description: 'End of the period (unix seconds, inclusive)' }),
    policyId: z.string().min(1).max(64).optional().openapi({ description: 'Only this policy' }),
    marketplaceId: z.string().min(1).max(64).optional().openapi({
      description: "Only this marketplace's events (a regulator; a marketplace gets its own)",
    }),
  })
  .refine((b) => b.from <= b.to, { message: 'from must not be after to', path: ['to'] })
  .openapi('ReportRequest');
const SignedReport = z
  .object({
    id: z.uuid().openapi({ description: 'The stored report (GET /v1/reports/{id})' }),
    jwt: z.string().openapi({
      description:
        'The report (typ zkrep-report+jwt, ES256K by the verifier DID; claim `report`): check it with `zkrep report verify`',
    }),
  })
  .openapi('SignedReport');
const Counts = z
  .object({
    events: z.number().int(),
    byPolicy: z.record(z.string(), z.number().int()),
    byOutcome: z.record(z.string(), z.number().int()),
    byReason: z.record(z.string(), z.number().int()),
  })
  .openapi('ReportCounts');
const ReportSummary = z
  .object({
    id: z.uuid(),
    generatedAt: z.number().int(),
    period: z.object({ from: z.number().int(), to: z.number().int() }),
    policyId: z.string().nullable(),
    marketplaceId: z.string().nullable().openapi({ description: 'null: every marketplace' }),
    counts: Counts,
  })
  .openapi('ReportSummary');
const ReportList = z
  .object({
    items: z.array(ReportSummary).openapi({ description: 'Newest first' }),
    next: z.string().nullable().openapi({ description: 'The cursor of the next page, or null' }),
  })
  .openapi('ReportList');
const StoredReport = z
  .object({
    id: z.uuid(),
    jwt: z.string(),
    report: z.record(z.string(), z.unknown()).openapi({
      description: 'The report the JWT carries (docs/compliance.md §5.1)',
    }),
  })
  .openapi('StoredReport');

const QueryUnix = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const ListQuery = z
  .strictObject({
    from: QueryUnix.optional().openapi({ description: 'Reports whose period ends at or after' }),
    to: QueryUnix.optional().openapi({ description: 'Reports whose period starts at or before' }),
    policyId: z.string().min(1).max(64).optional(),
    marketplaceId: z.string().min(1).max(64).optional(),
    limit: z.coerce.number().int().min(1).max(REPORT_LIST_MAX).optional(),
    cursor: z.string().min(1).max(200).optional(),
  })
  .openapi('ReportListQuery');
const PathId = z.object({ id: z.uuid() });
const ExportQuery = z.strictObject({ format: z.enum(REPORT_EXPORT_FORMATS) });

/** Content types of the export formats. */
const CONTENT_TYPES: Record<ReportExportFormat, string> = {
  jwt: 'application/jwt',
  vc: 'application/vc+jwt',
  csv: 'text/csv; charset=utf-8; header=present',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
};

/**
 * `marketplaceAuth`: the API-key guard and per-key limit the marketplace routes use. A marketplace
 * key first; a bearer value that is no key but has a JWT's shape: a regulator's token.
 */
export function reportsRouter(
  deps: VerifierDeps,
  openapi: OpenAPIRegistry,
  marketplaceAuth: RequestHandler[],
): Router {
  const r = Router();
  const [apiKeyAuth, ...afterAuth] = marketplaceAuth;
  const reportAuth: RequestHandler = (req, res, next) => {
    apiKeyAuth!(req, res, (err?: unknown) => {
      const header = req.get('authorization');
      const bearer = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
      if (!err || bearer === undefined || !looksLikeRegulatorToken(bearer)) {
        next(err);
        return;
      }
      deps.verifyRegulator(bearer).then((did) => {
        res.locals['principal'] = `regulator:${did}`;
        res.locals['regulator'] = did;
        next();
      }, next);
    });
  };
  const guard = [reportAuth, ...afterAuth];
  const principal = (res: Response) => String(res.locals['principal']);
  const security = [{ apiKey: [] }];
  const authErrors = {
    401: errorResponse('missing or unknown API key, or a regulator token that does not verify'),
    403: errorResponse('a DID that is not a regulator of this verifier'),
    429: errorResponse('rate limited (per IP and per API key or regulator)'),
  };

  openapi.registerPath({
    method: 'post',
    path: '/v1/reports',
    summary:
      "A signed compliance report of a period (docs/compliance.md §5), kept for GET /v1/reports: a marketplace's own events (its API key), or any marketplace's for a regulator (a bearer JWT signed by a DID in VERIFIER_REGULATORS, aud = the verifier DID, exp ≤ iat + 300 s)",
    security,
    request: { body: jsonContent(ReportBody) },
    responses: {
      200: { description: 'the signed report and its id', ...jsonContent(SignedReport) },
      400: errorResponse('a bad period, or too many entries in it'),
      ...authErrors,
      403: errorResponse(
        'a DID that is not a regulator of this verifier, or a marketplace asking for another',
      ),
      404: errorResponse('the audit log is empty'),
      503: errorResponse('the checkpoint could not be anchored yet: retry'),
    },
  });
  r.post('/v1/reports', ...guard, jsonBody('4kb'), async (req, res) => {
    const q = parseInput(ReportBody, req.body);
    const regulator = res.locals['regulator'] as string | undefined;
    const caller = principal(res);
    if (!regulator && q.marketplaceId !== undefined && q.marketplaceId !== caller) {
      httpError('forbidden', "a marketplace's key reports on that marketplace only");
    }
    const jwt = await deps.report({
      from: q.from,
      to: q.to,
      policyId: q.policyId ?? null,
      marketplaceId: regulator ? (q.marketplaceId ?? null) : caller,
      regulator: regulator ?? null,
    });
    const id = await deps.reports.save({ jwt, requestedBy: caller });
    res.set('cache-control', 'no-store').json({ id, jwt });
  });

  openapi.registerPath({
    method: 'get',
    path: '/v1/reports',
    summary:
      'The reports the caller requested, newest first: those whose period overlaps [from, to], of a policy or marketplace; paged with `next`',
    security,
    request: { query: ListQuery },
    responses: {
      200: { description: 'a page of reports', ...jsonContent(ReportList) },
      400: errorResponse('a bad filter, limit or cursor'),
      ...authErrors,
    },
  });
  r.get('/v1/reports', ...guard, async (req, res) => {
    const q = parseInput(ListQuery, req.query, 'query');
    const page = await deps.reports.list({ ...q, requestedBy: principal(res) });
    res.set('cache-control', 'no-store').json(page);
  });

  const stored = async (id: string, res: Response) => {
    const found = await deps.reports.get({ id, requestedBy: principal(res) });
    // Another caller's report is answered as an unknown one: ids do not leak.
    if (!found) return httpError('not_found', 'no report of yours has this id');
    return found;
  };

  openapi.registerPath({
    method: 'get',
    path: '/v1/reports/{id}',
    summary: 'One of the reports the caller requested: the signed JWT and the report it carries',
    security,
    request: { params: PathId },
    responses: {
      200: { description: 'the report', ...jsonContent(StoredReport) },
      400: errorResponse('the id is not a UUID'),
      ...authErrors,
      404: errorResponse('no report of the caller has this id'),
    },
  });
  r.get('/v1/reports/:id', ...guard, async (req, res) => {
    const { id } = parseInput(PathId, req.params, 'path');
    const found = await stored(id, res);
    res.set('cache-control', 'no-store').json({ id, jwt: found.jwt, report: found.report });
  });

  openapi.registerPath({
    method: 'get',
    path: '/v1/reports/{id}/export',
    summary:
      'A report as a file: jwt (the signed report), vc (a ComplianceReportCredential JWT-VC signed by the verifier DID), csv (its events), html (a printable page) or pdf (that page printed)',
    security,
    request: { params: PathId, query: ExportQuery },
    responses: {
      200: {
        description: 'the file (content-disposition: attachment, with its file name)',
        content: Object.fromEntries(
          Object.values(CONTENT_TYPES).map((t) => [t, { schema: z.string() }]),
        ),
      },
      400: errorResponse('the id is not a UUID, or an unknown format'),
      ...authErrors,
      404: errorResponse('no report of the caller has this id'),
      503: errorResponse('the PDF could not be printed in time: retry'),
    },
  });
  r.get('/v1/reports/:id/export', ...guard, async (req, res) => {
    const { id } = parseInput(PathId, req.params, 'path');
    const { format } = parseInput(ExportQuery, req.query, 'query');
    const found = await stored(id, res);
    const report = found.report;
    let file: string | Buffer;
    switch (format) {
      case 'jwt':
        file = found.jwt;
        break;
      case 'vc':
        file = await deps.reportCredential({ jwt: found.jwt, report });
        break;
      case 'csv':
        file = reportCsv(report);
        break;
      case 'html':
        file = reportHtml(report);
        // Shown in a browser, the page runs nothing and loads nothing.
        res.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
        break;
      case 'pdf':
        file = await deps.printPdf(reportHtml(report));
        break;
    }
    res
      .set({
        'cache-control': 'no-store',
        'content-type': CONTENT_TYPES[format],
        'content-disposition': `attachment; filename="${reportFileName(report, format)}"`,
        'x-content-type-options': 'nosniff',
      })
      .send(file);
  });
  return r;
}
