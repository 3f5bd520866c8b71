/**
 * Stored reports, their exports, the regulators' CLI and the regulator dashboard end to end
 * (docs/compliance.md §5.3–§5.5): the REAL verifier on the embedded chain with the REAL issuer,
 * ONE real proof and two failed answers, its real AuditAnchor and did:ethr registry.
 * - The API: `POST /v1/reports` keeps the report (`{ id, jwt }`); `GET /v1/reports` lists the
 *   caller's own, `GET /v1/reports/{id}` returns it, `…/export` gives it as jwt, vc, csv, html
 *   and pdf with their content types and file names. Access: a marketplace never sees another
 *   marketplace's report nor a regulator's, a regulator never a marketplace's (404, like an
 *   unknown id); a bad id or format is a 400; no credentials a 401.
 * - Every export: the JWT and the VC pass `zkrep report verify` (child process, exit 0), a VC
 *   re-signed by another key is rejected at its signature (exit 1); the CSV has one row per
 *   event; the HTML holds the counts; the PDF is a PDF, printed by a Chromium the verifier
 *   launched on the first PDF only. No personal data (birth date, credential, holder DID,
 *   accounts) in any format.
 * - The CLI: `zkrep report token` makes a token the verifier accepts, `zkrep report request`
 *   saves a report in the format asked; usage errors exit 2, refusals 1, with one line.
 * - The dashboard in real headless Chromium: a strict CSP and no data in its HTML; sign-in with a
 *   token from `zkrep report token`; requesting a report; the charts (their data and a painted
 *   canvas); the drill-down into an event; every download button (the files checked as above);
 *   a refused token asks for a new one. No console errors. Screenshots:
 *   `test-artifacts/dashboard/`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AnvilChain } from '#contracts';
import type { RunningIssuer } from '#issuer';
import type { ComplianceReport, RunningVerifier } from '#verifier';
import { shutdownZk } from '#zk';
import { ES256KSigner, createJWT, decodeJWT } from 'did-jwt';
import type { Browser, Page } from 'playwright-core';
import { getAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { signReportCredential } from '../../verifier/domain/report-credential.js';
import { placeholderAnswer } from '../fixtures/policies.js';
import { artifactPath, launchBrowser } from '../helpers/browser.js';
import { parseCsv } from '../helpers/csv.js';
import { issueAge, newHolder, postJson, type Holder } from '../helpers/holder.js';
import {
  DEV_KEYS,
  TEST_ADMIN_KEY,
  chainResolver,
  startDeployedChain,
  startTestIssuer,
  startTestVerifier,
} from '../helpers/stack.js';
import {
  createAgePolicy,
  createProofRequest,
  madeUpAnswer,
  reportOf,
  submitAnswer,
  zkrepCli,
  type CreatedRequest,
} from '../helpers/market.js';
import { answerRequest } from '../helpers/wallet.js';

const run = promisify(execFile);
const MARKET_KEY = 'market-key-for-dashboard-tests-0123456789';
const OTHER_KEY = 'other-key-for-dashboard-tests-0123456789';
const BIRTH_DATE = '1990-02-28';
/** A regulator: a did:ethr of a fresh key (its DID document is the chain's default one). */
const REGULATOR_KEY = createHash('sha256').update('dashboard test regulator').digest();
const REGULATOR_DID = `did:ethr:0x7a69:${privateKeyToAccount(`0x${REGULATOR_KEY.toString('hex')}`).address}`;
/** Another key, whose DID is not a regulator of this verifier. */
const STRANGER_KEY = createHash('sha256').update('dashboard test stranger').digest();

let chain: AnvilChain;
let work: string;
let issuer: RunningIssuer;
let verifier: RunningVerifier;
let holder: Holder;
let credential: string;
let regulatorKeyFile: string;
let from: number;
const market = { authorization: `Bearer ${MARKET_KEY}` };
const other = { authorization: `Bearer ${OTHER_KEY}` };
const nowS = () => Math.floor(Date.now() / 1000);
const account = (n: number) => getAddress(`0x${n.toString(16).padStart(40, '0')}`);
const ALICE = account(0xa11ce);
const BAD_ACCOUNT = account(0xbad);

/** What must appear in no report, in no format (R04). */
const personalData = () => [
  BIRTH_DATE,
  BIRTH_DATE.replaceAll('-', ''),
  credential,
  holder.did,
  ALICE,
  ALICE.toLowerCase(),
  ALICE.slice(2).toLowerCase(),
  BAD_ACCOUNT,
  BAD_ACCOUNT.toLowerCase(),
  BAD_ACCOUNT.slice(2).toLowerCase(),
];
const expectNoPersonalData = (text: string) => {
  for (const secret of personalData()) expect(text).not.toContain(secret);
};

/** A regulator's bearer token for this verifier (did-jwt directly; the CLI's is tested too). */
const regulatorToken = (key: Buffer = REGULATOR_KEY, aud?: string) =>
  createJWT(
    { aud: aud ?? verifier.did, exp: nowS() + 120 },
    {
      issuer: `did:ethr:0x7a69:${privateKeyToAccount(`0x${key.toString('hex')}`).address}`,
      signer: ES256KSigner(key),
      alg: 'ES256K',
    },
  );
const bearer = async (key?: Buffer) => ({ authorization: `Bearer ${await regulatorToken(key)}` });

const api = () => ({ url: verifier.url, headers: market, issuer });
const createRequest = (policyId: string) => createProofRequest(api(), policyId);
const submit = (created: CreatedRequest, body: unknown) =>
  submitAnswer(verifier.url, created, body);
/** A wrong answer with a right consent receipt (made-up signals): a failed event, no proving. */
const wrongAnswer = (created: CreatedRequest, proof: unknown) =>
  madeUpAnswer({ chain, issuer, created, proof, account: BAD_ACCOUNT, now: nowS() });
/** `node bin/zkrep.mjs …` as a child process. */
const zkrep = (...args: string[]) => zkrepCli(work, ...args);
/** `zkrep report verify` on a file. */
const verifyFile = (file: string) => zkrep('report', 'verify', file, '--rpc-url', chain.rpcUrl);

/** The chromium processes this process started (the verifier runs in it). */
async function chromiumChildren(): Promise<number> {
  const { stdout } = await run('ps', ['-o', 'args=', '--ppid', String(process.pid)]).catch(() => ({
    stdout: '',
  }));
  return stdout.split('\n').filter((l) => /chrom/i.test(l)).length;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-dashboard-e2e-'));
  chain = await startDeployedChain(work);
  issuer = await startTestIssuer(chain, work);
  verifier = await startTestVerifier(chain, work, {
    marketplace: 'demo-market',
    apiKey: MARKET_KEY,
    over: {
      VERIFIER_MARKETPLACES: `demo-market:${MARKET_KEY},other-market:${OTHER_KEY}`,
      VERIFIER_RELAYER_KEY: DEV_KEYS.relayer,
      VERIFIER_AUDIT_ANCHOR_SECONDS: '0',
      VERIFIER_REGULATORS: REGULATOR_DID,
    },
  });
  regulatorKeyFile = join(work, 'regulator.key');
  await writeFile(regulatorKeyFile, `0x${REGULATOR_KEY.toString('hex')}\n`);
  holder = newHolder(`0x${chain.chainId.toString(16)}`);
  credential = await issueAge(issuer.url, TEST_ADMIN_KEY, holder, BIRTH_DATE);

  // Three events: a verified one (a real proof) and a failed one under `dash-adults`, an
  // unparsable answer under `dash-other`.
  from = nowS() - 1;
  for (const id of ['dash-adults', 'dash-other']) await createAgePolicy(api(), { id });
  const r1 = await createRequest('dash-adults');
  const honest = await answerRequest({
    requestUri: r1.requestUri,
    verifierDid: verifier.did,
    holder,
    credential,
    issuerUrl: issuer.url,
    account: ALICE,
    resolver: chainResolver(chain, issuer),
    chain: { chain, gate: issuer.deployment.contracts.zkGate.address },
  });
  expect((await submit(r1, honest)).status).toBe(200);
  const r2 = await createRequest('dash-adults');
  expect((await submit(r2, await wrongAnswer(r2, honest.proof))).status).toBe(422);
  const r3 = await createRequest('dash-other');
  const unparsable = { ...honest.proof, pi_a: [`${2n ** 254n}`, '2', '1'] };
  const refused = await submit(r3, await wrongAnswer(r3, unparsable));
  expect(await refused.json()).toMatchObject({ verified: false, code: 'bad_proof_encoding' });
}, 240_000);

afterAll(async () => {
  await verifier?.close();
  await issuer?.close();
  await chain?.stop();
  await shutdownZk();
  await rm(work, { recursive: true, force: true });
});

const reportsUrl = () => `${verifier.url}/v1/reports`;
const get = (path: string, headers: Record<string, string>) =>
  fetch(`${verifier.url}${path}`, { headers });

describe('stored reports and exports (API)', () => {
  let id: string;
  let jwt: string;

  beforeAll(async () => {
    const res = await postJson(reportsUrl(), { from, to: nowS() + 60 }, market);
    expect(res.status).toBe(200);
    ({ id, jwt } = (await res.json()) as { id: string; jwt: string });
  }, 60_000);

  it('POST keeps the report: the list and GET /v1/reports/{id} give it back', async () => {
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const report = reportOf(jwt);
    expect(report.counts).toMatchObject({ events: 3, byOutcome: { verified: 1, failed: 2 } });
    const one = await get(`/v1/reports/${id}`, market);
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual({ id, jwt, report });
    const list = await get(`/v1/reports?from=${from}&policyId=`, market);
    expect(list.status).toBe(400); // an empty policy id is not a filter
    const page = (await (await get(`/v1/reports?from=${from}`, market)).json()) as {
      items: { id: string; counts: unknown; period: unknown }[];
      next: string | null;
    };
    expect(page.items.map((i) => i.id)).toContain(id);
    expect(page.items.find((i) => i.id === id)).toEqual({
      id,
      generatedAt: report.generatedAt,
      period: report.period,
      policyId: null,
      marketplaceId: 'demo-market',
      counts: report.counts,
    });
  });

  it('the report routes are in the OpenAPI document, each behind the API key or a regulator token', async () => {
    const doc = (await (await fetch(`${verifier.url}/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { security?: unknown; parameters?: { name: string }[] }>
      >;
    };
    const op = (path: string, method: string) => doc.paths[path]?.[method];
    for (const [path, method] of [
      ['/v1/reports', 'post'],
      ['/v1/reports', 'get'],
      ['/v1/reports/{id}', 'get'],
      ['/v1/reports/{id}/export', 'get'],
    ] as const) {
      expect(op(path, method)?.security).toEqual([{ apiKey: [] }]);
    }
    expect(
      op('/v1/reports', 'get')
        ?.parameters?.map((p) => p.name)
        .sort(),
    ).toEqual(['cursor', 'from', 'limit', 'marketplaceId', 'policyId', 'to']);
    expect(
      op('/v1/reports/{id}/export', 'get')
        ?.parameters?.map((p) => p.name)
        .sort(),
    ).toEqual(['format', 'id']);
    expect(op('/dashboard/', 'get')).toBeDefined();
  });

  it('exports each format with its content type and file name', async () => {
    const exported = async (format: string) => {
      const res = await get(`/v1/reports/${id}/export?format=${format}`, market);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toMatch(
        new RegExp(
          `^attachment; filename="zkrep-report-\\d{4}-\\d{2}-\\d{2}-\\d{4}-\\d{2}-\\d{2}\\.${format === 'vc' ? 'vc\\.jwt' : format}"$`,
        ),
      );
      return res;
    };
    const asJwt = await exported('jwt');
    expect(asJwt.headers.get('content-type')).toMatch(/^application\/jwt/);
    expect(await asJwt.text()).toBe(jwt);
    const vc = await exported('vc');
    expect(vc.headers.get('content-type')).toMatch(/^application\/vc\+jwt/);
    const vcPayload = decodeJWT(await vc.text()).payload as {
      iss: string;
      vc: {
        type: string[];
        credentialSubject: { id: string; report: unknown; signedReport: string };
      };
    };
    expect(vcPayload.iss).toBe(verifier.did);
    expect(vcPayload.vc.type).toEqual(['VerifiableCredential', 'ComplianceReportCredential']);
    expect(vcPayload.vc.credentialSubject).toEqual({
      id: verifier.did,
      report: reportOf(jwt),
      signedReport: jwt,
    });
    const csv = await exported('csv');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(parseCsv(await csv.text())).toHaveLength(1 + 3);
    const html = await exported('html');
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'",
    );
    expect(await html.text()).toContain('<strong id="count-events">3</strong>');
  }, 60_000);

  it('the PDF: a Chromium launched by the first PDF asked for, not before', async () => {
    expect(await chromiumChildren()).toBe(0);
    const res = await get(`/v1/reports/${id}/export?format=pdf`, market);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(5_000);
    expect(await chromiumChildren()).toBeGreaterThan(0);
  }, 120_000);

  it('the JWT and the VC pass `zkrep report verify`; a VC re-signed by another key is rejected at its signature', async () => {
    const jwtFile = join(work, 'api.jwt');
    await writeFile(jwtFile, jwt);
    const ok = await verifyFile(jwtFile);
    expect(ok.stdout).toContain('report verified');
    expect(ok.code).toBe(0);
    const vc = await (await get(`/v1/reports/${id}/export?format=vc`, market)).text();
    const vcFile = join(work, 'api.vc.jwt');
    await writeFile(vcFile, vc);
    const vcOk = await verifyFile(vcFile);
    expect(vcOk.stderr).toBe('');
    expect(vcOk.stdout).toMatch(
      /^ok {3}signature: signed by did:ethr:.* \(the credential and the report inside\)$/m,
    );
    expect(vcOk.stdout).toContain('report verified');
    expect(vcOk.code).toBe(0);
    const forged = await signReportCredential({
      did: verifier.did,
      signer: ES256KSigner(Buffer.alloc(32, 7)),
      jwt,
      report: reportOf(jwt),
      iat: nowS(),
    });
    const forgedFile = join(work, 'forged.vc.jwt');
    await writeFile(forgedFile, forged);
    const bad = await verifyFile(forgedFile);
    expect(bad.code).toBe(1);
    expect(bad.stdout.trim().split('\n').at(-1)).toMatch(
      /^report rejected: signature: bad_signature/,
    );
  }, 120_000);

  it('R04: no personal data in any format', async () => {
    for (const format of ['jwt', 'vc', 'csv', 'html', 'pdf']) {
      const res = await get(`/v1/reports/${id}/export?format=${format}`, market);
      expect({ format, status: res.status }).toEqual({ format, status: 200 });
      const bytes = Buffer.from(await res.arrayBuffer());
      // The PDF's text is the HTML's (scanned too); its bytes are scanned as they are.
      let text = bytes.toString(format === 'pdf' ? 'latin1' : 'utf8');
      // The JWT and the VC: their decoded payloads too (base64url hides nothing from a reader).
      if (format === 'jwt' || format === 'vc') {
        const payload = decodeJWT(text).payload as {
          vc?: { credentialSubject: { signedReport: string } };
        };
        text += JSON.stringify(payload);
        if (payload.vc) {
          text += JSON.stringify(decodeJWT(payload.vc.credentialSubject.signedReport).payload);
        }
      }
      expect(text.length).toBeGreaterThan(1_000);
      expectNoPersonalData(text);
    }
    // What a report is for is there: the policy's own threshold.
    const csv = await (await get(`/v1/reports/${id}/export?format=csv`, market)).text();
    expect(csv).toContain('dash-adults');
  }, 120_000);

  it("access: a marketplace sees none of another's reports or a regulator's; a regulator none of a marketplace's (404); bad ids and formats 400; no credentials 401", async () => {
    // The other marketplace's own report, and a regulator's report about demo-market.
    const theirs = await postJson(reportsUrl(), { from, to: nowS() + 60 }, other);
    expect(theirs.status).toBe(200);
    const theirId = ((await theirs.json()) as { id: string }).id;
    const regulators = await postJson(
      reportsUrl(),
      { from, to: nowS() + 60, marketplaceId: 'demo-market' },
      await bearer(),
    );
    expect(regulators.status).toBe(200);
    const regId = ((await regulators.json()) as { id: string }).id;

    const notFound = async (path: string, headers: Record<string, string>) => {
      const res = await get(path, headers);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ code: 'not_found', message: expect.any(String) });
    };
    for (const path of ['', '/export?format=jwt']) {
      await notFound(`/v1/reports/${theirId}${path}`, market); // another marketplace's
      await notFound(`/v1/reports/${regId}${path}`, market); // a regulator's about demo-market
      await notFound(`/v1/reports/${id}${path}`, other); // demo-market's, asked by another
      await notFound(`/v1/reports/${id}${path}`, await bearer()); // a marketplace's, by a regulator
      await notFound(`/v1/reports/00000000-0000-4000-8000-000000000000${path}`, market);
    }
    const ids = async (headers: Record<string, string>) =>
      (
        (await (await get('/v1/reports?limit=100', headers)).json()) as { items: { id: string }[] }
      ).items.map((i) => i.id);
    expect(await ids(market)).not.toContain(theirId);
    expect(await ids(market)).not.toContain(regId);
    expect(await ids(other)).toEqual([theirId]);
    expect(await ids(await bearer())).toContain(regId);
    expect(await ids(await bearer())).not.toContain(id);
    // The regulator sees its own, in full.
    const mine = await get(`/v1/reports/${regId}`, await bearer());
    expect(mine.status).toBe(200);
    expect(reportOf(((await mine.json()) as { jwt: string }).jwt).marketplaceId).toBe(
      'demo-market',
    );

    const badInput = async (path: string) => {
      const res = await get(path, market);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'bad_input' });
    };
    await badInput(`/v1/reports/${id}/export?format=xml`);
    await badInput(`/v1/reports/${id}/export`);
    await badInput('/v1/reports/not-a-uuid');
    await badInput('/v1/reports?limit=0');
    await badInput('/v1/reports?cursor=nope');
    for (const path of [
      '/v1/reports',
      `/v1/reports/${id}`,
      `/v1/reports/${id}/export?format=csv`,
    ]) {
      const res = await get(path, {});
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'unauthorized' });
    }
    // A DID that is not a regulator here: 403, whatever the id.
    const stranger = await get(`/v1/reports/${regId}`, await bearer(STRANGER_KEY));
    expect(stranger.status).toBe(403);
  }, 120_000);
});

describe('the regulators’ CLI', () => {
  it('`zkrep report token` prints a token for the verifier, from the key file, that the verifier accepts', async () => {
    const out = await zkrep(
      'report',
      'token',
      '--key-file',
      regulatorKeyFile,
      '--verifier',
      verifier.did,
      '--life',
      '120',
    );
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const token = out.stdout.trim();
    const { payload } = decodeJWT(token);
    expect(payload).toMatchObject({ iss: REGULATOR_DID, aud: verifier.did });
    expect(payload.exp! - payload.iat!).toBe(120);
    const res = await get('/v1/reports', { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
  }, 60_000);

  it('`zkrep report request` saves the report in the format asked (csv, vc), and the VC verifies', async () => {
    const common = [
      'report',
      'request',
      '--url',
      verifier.url,
      '--verifier',
      verifier.did,
      '--key-file',
      regulatorKeyFile,
      '--from',
      String(from),
      '--to',
      new Date((nowS() + 60) * 1000).toISOString(),
    ];
    const csvFile = join(work, 'cli.csv');
    const csv = await zkrep(
      ...common,
      '--format',
      'csv',
      '--policy',
      'dash-adults',
      '--out',
      csvFile,
    );
    expect(csv.stderr).toBe('');
    expect(csv.code).toBe(0);
    expect(csv.stdout).toMatch(/^report [0-9a-f-]{36} saved to .*cli\.csv \(csv, \d+ bytes\)\n$/);
    const rows = parseCsv(await readFile(csvFile, 'utf8'));
    expect(rows).toHaveLength(1 + 2); // the two dash-adults events
    expect(new Set(rows.slice(1).map((r) => r[rows[0]!.indexOf('policy_id')]))).toEqual(
      new Set(['dash-adults']),
    );
    const vcFile = join(work, 'cli.vc.jwt');
    const vc = await zkrep(...common, '--format', 'vc', '--out', vcFile);
    expect(vc.code).toBe(0);
    const checked = await verifyFile(vcFile);
    expect(checked.stdout).toContain('report verified');
    expect(checked.code).toBe(0);
  }, 120_000);

  it('refusals exit 1 with one line; usage errors exit 2', async () => {
    const strangerFile = join(work, 'stranger.key');
    await writeFile(strangerFile, STRANGER_KEY.toString('hex'));
    const base = ['report', 'request', '--url', verifier.url, '--verifier', verifier.did];
    const period = ['--from', String(from), '--to', String(nowS()), '--out', join(work, 'x')];
    const refused = await zkrep(...base, '--key-file', strangerFile, ...period);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^zkrep: the verifier answered 403: forbidden: .+\n$/);
    const badKey = join(work, 'bad.key');
    await writeFile(badKey, 'not hex');
    const notAKey = await zkrep(
      'report',
      'token',
      '--key-file',
      badKey,
      '--verifier',
      verifier.did,
    );
    expect(notAKey).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^zkrep: bad_key: .+\n$/),
    });
    for (const args of [
      [
        'report',
        'token',
        '--key-file',
        regulatorKeyFile,
        '--verifier',
        verifier.did,
        '--life',
        '301',
      ],
      ['report', 'token', '--key-file', regulatorKeyFile, '--verifier', 'did:web:example.com'],
      ['report', 'token', '--verifier', verifier.did],
      [...base, '--key-file', regulatorKeyFile, ...period, '--format', 'xml'],
      [...base, '--key-file', regulatorKeyFile, '--from', 'yesterday', '--to', '1', '--out', 'x'],
      [
        'report',
        'request',
        '--url',
        'not a url',
        '--verifier',
        verifier.did,
        '--key-file',
        regulatorKeyFile,
        ...period,
      ],
    ]) {
      const out = await zkrep(...args);
      expect(out.code).toBe(2);
      expect(out.stderr.trim().split('\n')).toHaveLength(1);
      expect(out.stderr).toMatch(/^zkrep: /);
    }
  }, 120_000);
});

describe('the regulator dashboard (real Chromium)', () => {
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const shot = (name: string) =>
    page.screenshot({ path: artifactPath('dashboard', name), fullPage: true });

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({
      viewport: { width: 1280, height: 1000 },
      acceptDownloads: true,
    });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('is served with a strict CSP and holds no data', async () => {
    const res = await fetch(`${verifier.url}/dashboard/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script
    expect(html).not.toContain(verifier.did);
    expect(html).not.toContain('demo-market');
    const chart = await fetch(`${verifier.url}/dashboard/assets/chart.umd.min.js`);
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await chart.text()).toContain('Chart');
  });

  it('signs in with a token from `zkrep report token`, requests a report, and shows its counts and charts', async () => {
    const out = await zkrep(
      'report',
      'token',
      '--key-file',
      regulatorKeyFile,
      '--verifier',
      verifier.did,
    );
    expect(out.code).toBe(0);
    await page.goto(`${verifier.url}/dashboard/`);
    await shot('1-sign-in');
    await page.fill('#token', out.stdout.trim());
    await page.click('#signin-button');
    await page.waitForSelector('#main:not([hidden])');
    await page.click('#request-button');
    await page.waitForSelector('#detail:not([hidden]) #events tbody tr');
    expect(await page.textContent('#counts-outcome')).toMatch(/failed\s*2/);
    expect(await page.textContent('#counts-outcome')).toMatch(/verified\s*1/);
    expect(await page.textContent('#counts-reason')).toContain('bad_proof_encoding');
    expect(await page.locator('#events tbody tr').count()).toBe(3);
    expect(await page.locator('#reports tbody tr').count()).toBeGreaterThanOrEqual(1);

    const charts = (await page.evaluate(`(() => {
      const out = {};
      for (const id of ['chart-time', 'chart-outcome']) {
        const canvas = document.getElementById(id);
        const chart = Chart.getChart(canvas);
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
        out[id] = {
          type: chart.config.type,
          labels: chart.data.labels,
          datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })),
          painted,
          size: canvas.width * canvas.height,
        };
      }
      return out;
    })()`)) as Record<
      string,
      {
        type: string;
        labels: string[];
        datasets: { label: string; data: number[] }[];
        painted: number;
        size: number;
      }
    >;
    const time = charts['chart-time']!;
    expect(time.type).toBe('bar');
    expect(time.labels.length).toBeGreaterThanOrEqual(1);
    expect(time.labels[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00$/); // by hour: a one-day period
    const sum = (label: string) =>
      time.datasets.find((d) => d.label === label)!.data.reduce((a, b) => a + b, 0);
    expect(time.datasets.map((d) => d.label)).toEqual(['failed', 'verified']);
    expect([sum('failed'), sum('verified')]).toEqual([2, 1]);
    const outcome = charts['chart-outcome']!;
    expect(outcome).toMatchObject({
      type: 'doughnut',
      labels: ['failed', 'verified'],
      datasets: [{ label: 'events', data: [2, 1] }],
    });
    for (const c of [time, outcome]) {
      expect(c.size).toBeGreaterThan(0);
      expect(c.painted / c.size).toBeGreaterThan(0.01);
    }
    await shot('2-report');
  }, 120_000);

  it('drills down into an event', async () => {
    const id = await page.getAttribute('#reports tbody tr.selected', 'data-id');
    const stored = (await (await get(`/v1/reports/${id}`, await bearer())).json()) as {
      report: ComplianceReport;
    };
    const verified = stored.report.log.entries.find(
      (e) => e.body && (JSON.parse(e.body) as { outcome: string }).outcome === 'verified',
    )!;
    const body = JSON.parse(verified.body!) as Record<string, unknown> & {
      circuit: { vkHash: string };
    };
    await page.click(`#events tbody tr[data-seq="${verified.seq}"]`);
    await page.waitForSelector('#event:not([hidden])');
    const field = (name: string) => page.textContent(`#event-fields dd[data-field="${name}"]`);
    expect(await field('policy')).toBe('dash-adults');
    expect(await field('outcome')).toBe('verified');
    expect(await field('nullifier')).toBe(body['nullifier']);
    expect(await field('issuer key hash')).toBe(body['issuerKeyHash']);
    expect(await field('revocation root')).toBe(body['revocationRoot']);
    expect(await field('verification key hash')).toBe(body.circuit.vkHash);
    expect(await field('consent receipt hash')).toBe(body['consentReceiptHash']);
    expect(await field('predicates')).toContain('ageAtLeast');
    expect(await field('purpose')).toBe(String(body['purpose']));
    expect(await field('proof')).toContain('pi_a');
    await shot('3-event');
  }, 60_000);

  it('every download button yields its file: JWT and VC verify, the CSV parses, the PDF is a PDF, the HTML holds the counts; no personal data', async () => {
    const files: Record<string, string> = {};
    for (const format of ['jwt', 'vc', 'csv', 'html', 'pdf']) {
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 60_000 }),
        page.click(`button[data-format="${format}"]`),
      ]);
      expect(download.suggestedFilename()).toMatch(
        new RegExp(`^zkrep-report-.*\\.${format === 'vc' ? 'vc\\.jwt' : format}$`),
      );
      files[format] = join(work, `download-${format}`);
      await download.saveAs(files[format]);
    }
    for (const format of ['jwt', 'vc']) {
      const out = await verifyFile(files[format]!);
      expect(out.stdout).toContain('report verified');
      expect(out.code).toBe(0);
    }
    const csv = parseCsv(await readFile(files['csv']!, 'utf8'));
    expect(csv).toHaveLength(1 + 3);
    const pdf = await readFile(files['pdf']!);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const html = await readFile(files['html']!, 'utf8');
    expect(html).toContain('<strong id="count-events">3</strong>');
    expect(html).toMatch(/<td>failed<\/td><td>2<\/td>/);
    for (const format of ['csv', 'html'])
      expectNoPersonalData(await readFile(files[format]!, 'utf8'));
    expectNoPersonalData(JSON.stringify(decodeJWT(await readFile(files['jwt']!, 'utf8')).payload));
    await shot('4-downloaded');
  }, 240_000);

  it('logged no console errors and no page errors', () => {
    expect(consoleErrors).toEqual([]);
  });

  it('a refused token (another audience) asks for a new one, and keeps nothing', async () => {
    const p = await browser.newPage();
    try {
      await p.goto(`${verifier.url}/dashboard/`);
      const wrong = await regulatorToken(
        REGULATOR_KEY,
        'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa',
      );
      await p.fill('#token', wrong);
      await p.click('#signin-button');
      await p.waitForSelector('#signin:not([hidden]) #signin-error:has-text("paste a new one")');
      expect(await p.isHidden('#main')).toBe(true);
      expect(await p.inputValue('#token')).toBe('');
      // Nothing kept anywhere the page could read it back later.
      const stored = await p.evaluate(
        '[localStorage.length, sessionStorage.length, document.cookie]',
      );
      expect(stored).toEqual([0, 0, '']);
      await p.screenshot({ path: artifactPath('dashboard', '5-refused'), fullPage: true });
    } finally {
      await p.close();
    }
  }, 60_000);
});

describe('hostile text from a marketplace (a policy purpose) in the exports', () => {
  const HOSTILE = '=HYPERLINK("http://evil.example","x") <script>alert(1)</script> "q", done';

  it('the CSV guards it against formula injection, the HTML escapes it', async () => {
    await createAgePolicy(api(), { id: 'dash-hostile', purpose: HOSTILE });
    const since = nowS();
    const created = await createRequest('dash-hostile');
    const { proof } = placeholderAnswer(created.id);
    const answered = await submit(created, await wrongAnswer(created, proof));
    expect(answered.status).toBe(422);
    const made = await postJson(
      reportsUrl(),
      { from: since, to: nowS() + 60, policyId: 'dash-hostile' },
      market,
    );
    expect(made.status).toBe(200);
    const { id } = (await made.json()) as { id: string };

    const csv = await (await get(`/v1/reports/${id}/export?format=csv`, market)).text();
    const rows = parseCsv(csv);
    expect(rows).toHaveLength(2);
    expect(rows[1]![rows[0]!.indexOf('purpose')]).toBe(`'${HOSTILE}`);
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@]/);

    const html = await (await get(`/v1/reports/${id}/export?format=html`, market)).text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain(
      '=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;) &lt;script&gt;alert(1)&lt;/script&gt;',
    );
    expect(html).not.toMatch(/<script/i);
  }, 120_000);
});
