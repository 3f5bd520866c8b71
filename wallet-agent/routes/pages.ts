/**
 * The consent page's screens: home (credentials, a field for a proof-request link), the consent
 * screen for a request, the result of answering or declining it, and the history. Server-rendered
 * HTML (every value escaped), plain forms, no script.
 */
import { Router, urlencoded, type Request, type Response } from 'express';
import { ZkrepError } from '#zk';
import { WalletError } from '../errors.js';
import { csrfValue, sameSecret, type WalletAppDeps } from '../app.js';
import {
  listConsents,
  listPresentations,
  withdrawConsent,
  type ConsentView,
} from '../domain/consents.js';
import { listCredentials } from '../domain/credentials.js';
import type { Disclosure } from '../domain/disclosure.js';
import { accountFor, openRequest, respond } from '../domain/respond.js';
import { STYLE } from './style.js';

const esc = (s: unknown): string =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const when = (s: number | null): string =>
  s === null ? '—' : new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · zkrep wallet</title><link rel="stylesheet" href="/style.css"></head>
<body><header><a href="/" class="brand">zkrep wallet</a><nav><a href="/">Credentials</a><a href="/history">History</a></nav></header>
<main>${body}</main></body></html>`;
}

function problem(res: Response, e: unknown, title = 'Something went wrong'): void {
  const err = e instanceof ZkrepError ? e : new WalletError('internal', 'something went wrong');
  res
    .status(err.status)
    .type('html')
    .send(
      page(
        title,
        `<h1>${esc(title)}</h1><p class="error" id="error">${esc(err.message)} <code>${esc(err.code)}</code></p><p><a href="/">Back</a></p>`,
      ),
    );
}

/**
 * A consent's status cell: given (with Withdraw); withdrawn and what its verifier said, with its
 * deletion record; or not told yet, why, and a button that tells it.
 */
function consentStatus(c: ConsentView, csrf: string): string {
  const button = (label: string, cls: string) =>
    `<form method="post" action="/consents/${esc(c.receiptId)}/withdraw" class="inline"><input type="hidden" name="csrf" value="${esc(csrf)}"><button type="submit" class="${cls}">${label}</button></form>`;
  const n = c.verifierNotice;
  if (!n) return `given ${button('Withdraw', 'secondary')}`;
  const head = `withdrawn ${when(c.withdrawnAt)}`;
  if (n.state === 'erased') {
    return `<span class="told">${head}</span><br><small>The verifier recorded it (${when(
      n.withdrawnAt,
    )}) and erased its record.</small><details><summary>Deletion record (signed by the verifier)</summary><code class="record">${esc(
      n.record,
    )}</code></details>`;
  }
  if (n.state === 'no_record') {
    return `<span class="told">${head}</span><br><small>The verifier held no record of it any more (already erased).</small>`;
  }
  return `<span class="pending">${head} (verifier not told yet)</span>${
    n.error
      ? `<br><small class="error">${esc(n.error.message)} <code>${esc(n.error.code)}</code>, ${when(
          n.error.at,
        )}</small>`
      : ''
  }<br>${button('Tell the verifier', 'secondary')}`;
}

/** The consent screen: what will and will not be revealed, in plain words. */
export function consentScreen(d: Disclosure, link: string, csrf: string, account?: string): string {
  const refuse = d.warnings.filter((w) => w.severity === 'refuse');
  const warnings = d.warnings.length
    ? `<section class="warnings" id="warnings"><h2>Warnings</h2><ul>${d.warnings
        .map((w) => `<li class="${w.severity}">${esc(w.message)}</li>`)
        .join('')}</ul></section>`
    : '';
  const hidden = `<input type="hidden" name="link" value="${esc(link)}"><input type="hidden" name="csrf" value="${esc(csrf)}">`;
  const consent = refuse.length
    ? `<form method="post" action="/respond">${hidden}<label class="override"><input type="checkbox" name="allowWarnings" value="1" required> I understand that this request asks for more than it needs, and I want to answer anyway</label><button type="submit" class="danger">Answer anyway</button></form>`
    : `<form method="post" action="/respond">${hidden}<button type="submit" id="consent">Consent and prove</button></form>`;
  return `<h1>A proof request</h1>
<p class="asker"><strong>${esc(d.verifier)}</strong> asks you to prove that <strong id="statements">${d.statements
    .map(esc)
    .join('</strong> and that <strong>')}</strong>${
    account ? ` for account <code id="account">${esc(account)}</code>` : ''
  }.</p>
<dl class="terms"><dt>Why</dt><dd id="purpose">${esc(d.purpose)}</dd><dt>Legal basis</dt><dd>${esc(
    d.legalBasisWords,
  )}</dd><dt>Kept for</dt><dd>${esc(d.retentionDays)} days</dd><dt>Credential used</dt><dd>${esc(
    d.credentialType,
  )}</dd></dl>
<div class="columns"><section id="reveals"><h2>The shop learns</h2><ul>${d.reveals
    .map((r) => `<li>${esc(r)}</li>`)
    .join('')}</ul></section>
<section id="withholds"><h2>It does not learn</h2><ul>${d.withholds
    .map((r) => `<li>${esc(r)}</li>`)
    .join('')}</ul></section></div>
<p class="summary" id="summary">${esc(d.summary)}</p>
${warnings}
<div class="actions">${consent}<form method="post" action="/decline">${hidden}<button type="submit" id="decline" class="secondary">Decline</button></form></div>`;
}

export function pageRoutes(deps: WalletAppDeps): Router {
  const r = Router();
  const { wallet } = deps;
  const csrf = csrfValue(deps.token);
  const forms = urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 });

  /** A form post must carry the anti-forgery value and come from this origin. */
  const checkForm = (req: Request): void => {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) {
      throw new WalletError('forbidden', 'a form from another site');
    }
    if (!sameSecret((req.body as Record<string, unknown>)?.['csrf'], csrf)) {
      throw new WalletError('forbidden', 'this form is not from the wallet page');
    }
  };
  const linkOf = (x: unknown): string => {
    if (typeof x !== 'string' || x.length === 0 || x.length > 4096) {
      throw new WalletError('bad_input', 'paste the link of a proof request (openid4vp://…)');
    }
    return x.trim();
  };

  r.get('/style.css', (_req, res) => {
    res.type('text/css').send(STYLE);
  });

  r.get('/', async (_req, res) => {
    const credentials = await listCredentials(wallet);
    const rows = credentials.length
      ? `<table id="credentials"><thead><tr><th>Credential</th><th>Issuer</th><th>Issued</th><th>Expires</th></tr></thead><tbody>${credentials
          .map(
            (c) =>
              `<tr><td>${esc(c.type)}</td><td class="did">${esc(c.issuer)}</td><td>${when(c.issuedAt)}</td><td>${when(c.expiresAt)}</td></tr>`,
          )
          .join('')}</tbody></table>`
      : '<p id="credentials">No credentials yet: collect one with <code>zkrep wallet request-credential</code>.</p>';
    res.type('html').send(
      page(
        'Credentials',
        `<h1>Your wallet</h1><p class="did">Your DID: <code>${esc(wallet.did)}</code></p>
<section><h2>Answer a proof request</h2><form method="get" action="/request" class="inline"><input name="link" id="link" placeholder="openid4vp://…" required><button type="submit">Open</button></form></section>
<section><h2>Your credentials</h2><p class="note">Their contents never leave this device; a proof reveals only what a request's predicates say.</p>${rows}</section>`,
      ),
    );
  });

  r.get('/request', async (req, res) => {
    try {
      const link = linkOf(req.query['link']);
      const opened = await openRequest(wallet, link);
      res
        .type('html')
        .send(
          page(
            'Proof request',
            consentScreen(opened.disclosure, link, csrf, accountFor(wallet, opened)),
          ),
        );
    } catch (e) {
      problem(res, e, 'This request cannot be answered');
    }
  });

  r.post('/respond', forms, async (req, res) => {
    try {
      checkForm(req);
      const body = req.body as Record<string, unknown>;
      const result = await respond(wallet, linkOf(body['link']), {
        yes: true, // the holder clicked "Consent and prove" on the screen above
        allowWarnings: body['allowWarnings'] === '1',
      });
      res
        .type('html')
        .send(
          page(
            result.verified ? 'Verified' : 'Not accepted',
            result.verified
              ? `<h1 id="result" class="ok">Verified</h1><p>${esc(result.verifier)} accepted your proof. It learned that ${result.disclosure.statements
                  .map(esc)
                  .join(
                    ' and that ',
                  )}, and nothing else about you.</p><p>Consent receipt <code>${esc(result.receiptId)}</code>, for account <code>${esc(result.account)}</code>.</p><p><a href="/history">History</a></p>`
              : `<h1 id="result" class="error">Not accepted</h1><p>The verifier refused the proof: <code>${esc(result.code)}</code>.</p><p><a href="/history">History</a></p>`,
          ),
        );
    } catch (e) {
      problem(res, e, 'The proof was not sent');
    }
  });

  r.post('/decline', forms, async (req, res) => {
    try {
      checkForm(req);
      await respond(wallet, linkOf((req.body as Record<string, unknown>)['link']), {
        consent: async () => false,
      }).catch((e: unknown) => {
        if (!(e instanceof ZkrepError && e.code === 'consent_declined')) throw e;
      });
      res
        .type('html')
        .send(
          page(
            'Declined',
            '<h1 id="result">Declined</h1><p>Nothing was sent to the shop.</p><p><a href="/">Back</a></p>',
          ),
        );
    } catch (e) {
      problem(res, e);
    }
  });

  r.get('/history', async (_req, res) => {
    const presentations = await listPresentations(wallet);
    const consents = await listConsents(wallet);
    const log = presentations.length
      ? `<table id="presentations"><thead><tr><th>When</th><th>Who asked</th><th>What</th><th>Outcome</th></tr></thead><tbody>${presentations
          .map(
            (p) =>
              `<tr><td>${when(p.at)}</td><td class="did">${esc(p.verifier)}<br><small>${esc(p.policyId)}</small></td><td>${p.predicates
                .map((q) => esc(`${q.attribute} ${q.op} ${String(q.value)}`))
                .join('<br>')}</td><td class="${esc(p.outcome)}">${esc(p.outcome)}${
                p.reasonCode ? `<br><small>${esc(p.stage)}: ${esc(p.reasonCode)}</small>` : ''
              }</td></tr>`,
          )
          .join('')}</tbody></table>`
      : '<p id="presentations">Nothing presented yet.</p>';
    const consentRows = consents.length
      ? `<table id="consents"><thead><tr><th>Given</th><th>To</th><th>Purpose</th><th>Status</th></tr></thead><tbody>${consents
          .map(
            (c) =>
              `<tr><td>${when(c.givenAt)}</td><td class="did">${esc(c.receipt.verifier)}<br><small>for ${esc(c.account)}</small></td><td>${esc(c.receipt.purpose)}<br><small>kept ${esc(c.receipt.retentionDays)} days</small></td><td>${consentStatus(c, csrf)}</td></tr>`,
          )
          .join('')}</tbody></table>`
      : '<p id="consents">No consents given.</p>';
    res
      .type('html')
      .send(
        page(
          'History',
          `<h1>History</h1><section><h2>Presentations</h2><p class="note">Attribute names and the shops' thresholds only: never your values.</p>${log}</section><section><h2>Consents</h2>${consentRows}</section>`,
        ),
      );
  });

  r.post('/consents/:id/withdraw', forms, async (req, res) => {
    try {
      checkForm(req);
      await withdrawConsent(wallet, String(req.params['id']));
      res.redirect(303, '/history');
    } catch (e) {
      problem(res, e);
    }
  });

  return r;
}
