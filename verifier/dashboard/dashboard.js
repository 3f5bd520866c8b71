/*
 * The regulator dashboard (docs/compliance.md §5.5). Plain browser script, served from the
 * verifier's own origin under a strict CSP; chart.js (UMD, `window.Chart`) is served beside it.
 *
 * The bearer token the regulator pastes is kept in this closure only (never in storage, a cookie
 * or the URL) and sent as `Authorization: Bearer …` to the report API; a 401 drops it and asks
 * for a new one. Every value from the API is written with `textContent`, never as HTML.
 */
(() => {
  'use strict';

  const $ = (id) => document.getElementById(id);
  let token = null;
  let reports = [];
  let nextCursor = null;
  let current = null;
  const charts = {};

  const OUTCOME_COLOURS = { verified: '#2e7d32', failed: '#c62828' };
  const colourOf = (outcome, i) =>
    OUTCOME_COLOURS[outcome] ?? ['#1565c0', '#6a1b9a', '#ef6c00', '#00838f'][i % 4];

  class Unauthorized extends Error {}

  function showSignIn(message) {
    token = null;
    $('main').hidden = true;
    $('signout').hidden = true;
    $('signin').hidden = false;
    $('signin-error').textContent = message ?? '';
    $('token').value = '';
    $('token').focus();
  }

  function setStatus(text, isError) {
    const s = $('status');
    s.textContent = text;
    s.className = isError ? 'error' : '';
  }

  /** A call to the report API with the token; a 401 asks for a new token. */
  async function api(path, init = {}) {
    if (!token) throw new Unauthorized('not signed in');
    const res = await fetch(path, {
      ...init,
      headers: { ...(init.headers ?? {}), authorization: `Bearer ${token}` },
      cache: 'no-store',
      credentials: 'omit',
    });
    if (res.status === 401) {
      showSignIn('The token expired or was refused: paste a new one.');
      throw new Unauthorized('unauthorized');
    }
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw new Error(`${body.code ?? res.status}: ${body.message ?? res.statusText}`);
    }
    return res;
  }

  const failed = (e) => {
    if (!(e instanceof Unauthorized)) setStatus(String(e.message ?? e), true);
  };

  const iso = (unix) => new Date(unix * 1000).toISOString().replace('.000Z', 'Z');
  const day = (unix) => iso(unix).slice(0, 10);
  /** A date input as unix seconds: its start (00:00:00 UTC) or its end (23:59:59 UTC). */
  const dateToUnix = (value, end) => {
    if (!value) return undefined;
    const ms = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000) + (end ? 86_399 : 0);
  };

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text ?? '';
    if (className) td.className = className;
    row.append(td);
    return td;
  }

  // ---- the list ----

  function listQuery() {
    const q = new URLSearchParams();
    const from = dateToUnix($('filter-from').value, false);
    const to = dateToUnix($('filter-to').value, true);
    if (from !== undefined) q.set('from', String(from));
    if (to !== undefined) q.set('to', String(to));
    if ($('filter-policy').value.trim()) q.set('policyId', $('filter-policy').value.trim());
    if ($('filter-marketplace').value.trim()) {
      q.set('marketplaceId', $('filter-marketplace').value.trim());
    }
    return q;
  }

  async function loadReports(more) {
    const q = listQuery();
    if (more && nextCursor) q.set('cursor', nextCursor);
    const page = await (await api(`/v1/reports?${q}`)).json();
    reports = more ? reports.concat(page.items) : page.items;
    nextCursor = page.next;
    renderReports();
  }

  function renderReports() {
    const body = $('reports').querySelector('tbody');
    body.replaceChildren();
    for (const r of reports) {
      const row = document.createElement('tr');
      row.dataset.id = r.id;
      cell(row, iso(r.generatedAt));
      cell(row, `${day(r.period.from)} – ${day(r.period.to)}`);
      cell(row, r.policyId ?? 'all');
      cell(row, r.marketplaceId ?? 'all');
      cell(row, String(r.counts.events));
      cell(row, String(r.counts.byOutcome.verified ?? 0));
      cell(row, String(r.counts.byOutcome.failed ?? 0));
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'open';
      open.textContent = 'Open';
      open.addEventListener('click', () => openReport(r.id).catch(failed));
      cell(row, '').append(open);
      if (current && current.id === r.id) row.className = 'selected';
      body.append(row);
    }
    $('more').hidden = !nextCursor;
    setStatus(reports.length ? `${reports.length} report(s)` : 'No report yet.', false);
  }

  async function requestReport(event) {
    event.preventDefault();
    const from = dateToUnix($('request-from').value, false);
    const to = dateToUnix($('request-to').value, true);
    if (from === undefined || to === undefined) {
      setStatus('Choose the period of the new report.', true);
      return;
    }
    const body = { from, to };
    if ($('request-policy').value.trim()) body.policyId = $('request-policy').value.trim();
    if ($('request-marketplace').value.trim()) {
      body.marketplaceId = $('request-marketplace').value.trim();
    }
    setStatus('Requesting a report…', false);
    const made = await (
      await api('/v1/reports', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json();
    await loadReports(false);
    await openReport(made.id);
  }

  // ---- one report ----

  /** The disclosed entries (those with a body), parsed. */
  function eventsOf(report) {
    const out = [];
    for (const e of report.log?.entries ?? []) {
      if (typeof e.body !== 'string') continue;
      try {
        out.push({ seq: e.seq, at: e.at, kind: e.kind, body: JSON.parse(e.body) });
      } catch {
        // not an event this page can show
      }
    }
    return out;
  }

  async function openReport(id) {
    const stored = await (await api(`/v1/reports/${encodeURIComponent(id)}`)).json();
    current = { id, report: stored.report, events: eventsOf(stored.report) };
    renderReports();
    renderReport();
  }

  function countTable(table, title, counts) {
    table.replaceChildren();
    const head = document.createElement('tr');
    for (const h of [title, 'events']) {
      const th = document.createElement('th');
      th.textContent = h;
      head.append(th);
    }
    table.append(head);
    const entries = Object.entries(counts ?? {}).sort(([a], [b]) => a.localeCompare(b));
    if (entries.length === 0) {
      const row = document.createElement('tr');
      cell(row, 'none');
      cell(row, '0');
      table.append(row);
    }
    for (const [k, n] of entries) {
      const row = document.createElement('tr');
      cell(row, k);
      cell(row, String(n));
      table.append(row);
    }
  }

  function renderReport() {
    const r = current.report;
    $('detail').hidden = false;
    $('event').hidden = true;
    $('detail-title').textContent = `Report ${day(r.period.from)} – ${day(r.period.to)}`;
    const summary = $('summary');
    summary.replaceChildren();
    const cp = (r.checkpoints ?? [])[0];
    for (const [k, v] of [
      ['verifier', r.verifier],
      ['period', `${iso(r.period.from)} – ${iso(r.period.to)}`],
      ['generated at', iso(r.generatedAt)],
      ['marketplace', r.marketplaceId ?? 'every marketplace'],
      ['policy', r.policyId ?? 'every policy'],
      ['events', String(r.counts?.events ?? 0)],
      // Every other number the report counts, whatever its version (withdrawals, purged …).
      ...[...Object.entries(r.counts ?? {}), ...Object.entries(r)]
        .filter(
          ([k, v]) => typeof v === 'number' && !['events', 'version', 'generatedAt'].includes(k),
        )
        .map(([k, v]) => [k, String(v)]),
      ['checkpoint', cp ? `entry ${cp.seq} on chain ${cp.chainId}, anchor ${cp.anchor}` : ''],
      ['anchoring tx', cp?.transactionHash ?? 'not anchored'],
      ['circuits', (r.circuits ?? []).map((c) => `${c.name} (vk ${c.vkHash})`).join(', ')],
      ['issuer key hashes', (r.issuerKeyHashes ?? []).join(', ')],
    ]) {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      summary.append(dt, dd);
    }
    countTable($('counts-policy'), 'policy', r.counts?.byPolicy);
    countTable($('counts-outcome'), 'outcome', r.counts?.byOutcome);
    countTable($('counts-reason'), 'reason', r.counts?.byReason);
    renderCharts();
    renderEvents();
  }

  /** Buckets by hour for a period of up to three days, else by day. */
  function buckets(report, all) {
    const events = all.filter((e) => e.kind === 'verification');
    const hourly = report.period.to - report.period.from <= 3 * 86_400;
    const key = (at) => (hourly ? `${iso(at).slice(0, 13)}:00` : day(at));
    const labels = [...new Set(events.map((e) => key(e.at)))].sort();
    const outcomes = [...new Set(events.map((e) => String(e.body.outcome)))].sort();
    const datasets = outcomes.map((o, i) => ({
      label: o,
      backgroundColor: colourOf(o, i),
      data: labels.map((l) => events.filter((e) => key(e.at) === l && e.body.outcome === o).length),
    }));
    return { labels, datasets };
  }

  function renderCharts() {
    for (const c of Object.values(charts)) c.destroy();
    const { report, events } = current;
    const Chart = window.Chart;
    charts.time = new Chart($('chart-time'), {
      type: 'bar',
      data: buckets(report, events),
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
    const byOutcome = Object.entries(report.counts?.byOutcome ?? {}).sort(([a], [b]) =>
      a.localeCompare(b),
    );
    charts.outcome = new Chart($('chart-outcome'), {
      type: 'doughnut',
      data: {
        labels: byOutcome.map(([o]) => o),
        datasets: [
          {
            label: 'events',
            data: byOutcome.map(([, n]) => n),
            backgroundColor: byOutcome.map(([o], i) => colourOf(o, i)),
          },
        ],
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false },
    });
  }

  function renderEvents() {
    const body = $('events').querySelector('tbody');
    body.replaceChildren();
    for (const e of current.events) {
      const row = document.createElement('tr');
      row.dataset.seq = String(e.seq);
      row.tabIndex = 0;
      row.className =
        e.body.outcome === 'verified' ? 'verified' : e.kind === 'verification' ? 'failed' : 'other';
      cell(row, String(e.seq));
      cell(row, iso(e.at));
      cell(row, e.body.marketplaceId);
      cell(row, e.body.policyId);
      // Withdrawals and purges (kinds other than verification) have no outcome: their kind.
      cell(row, e.body.outcome ?? e.kind);
      cell(row, e.body.reasonCode ?? '');
      const show = () => showEvent(e);
      row.addEventListener('click', show);
      row.addEventListener('keydown', (k) => {
        if (k.key === 'Enter') show();
      });
      body.append(row);
    }
  }

  const json = (v) => (v === null || v === undefined ? '' : JSON.stringify(v, null, 2));

  function showEvent(e) {
    const b = e.body;
    const receipt = b.consentReceipt ?? {};
    const fields = $('event-fields');
    fields.replaceChildren();
    for (const [k, v, pre] of [
      ['seq', String(e.seq)],
      ['kind', e.kind],
      ['time', iso(e.at)],
      ['request', b.requestId],
      ['marketplace', b.marketplaceId],
      ['policy', b.policyId],
      ['credential', b.credential ? `${b.credential.type} (schema ${b.credential.schema})` : ''],
      ['predicates', json(b.predicates), true],
      ['purpose', receipt.purpose ?? b.purpose],
      ['legal basis', receipt.legalBasis ?? b.legalBasis],
      ['retention (days)', String(receipt.retentionDays ?? b.retentionDays ?? '')],
      ['outcome', b.outcome],
      ['reason', b.reasonCode ?? '—'],
      ['circuit', b.circuit?.name],
      ['verification key hash', b.circuit?.vkHash],
      ['issuer key hash', b.issuerKeyHash],
      ['revocation root', b.revocationRoot],
      ['nullifier', b.nullifier],
      ['consent receipt hash', b.consentReceiptHash],
      ['consent receipt', json(b.consentReceipt), true],
      ['proof', json(b.proof), true],
      ['public signals', json(b.publicSignals), true],
    ]) {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      if (pre) {
        const p = document.createElement('pre');
        p.textContent = v ?? '';
        dd.append(p);
      } else {
        dd.textContent = v ?? '';
      }
      dd.dataset.field = k;
      fields.append(dt, dd);
    }
    $('event-title').textContent = `Event ${e.seq}`;
    $('event').hidden = false;
    for (const row of $('events').querySelectorAll('tbody tr')) {
      row.classList.toggle('selected', row.dataset.seq === String(e.seq));
    }
  }

  // ---- downloads ----

  async function download(format) {
    if (!current) return;
    const res = await api(`/v1/reports/${encodeURIComponent(current.id)}/export?format=${format}`);
    const disposition = res.headers.get('content-disposition') ?? '';
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `report.${format}`;
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setStatus(`Downloaded ${name}`, false);
  }

  // ---- sign-in ----

  async function signIn() {
    const pasted = $('token').value.trim();
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(pasted)) {
      $('signin-error').textContent = 'That is not a token (a JWT made by zkrep report token).';
      return;
    }
    token = pasted;
    $('token').value = '';
    $('signin').hidden = true;
    $('main').hidden = false;
    $('signout').hidden = false;
    $('signin-error').textContent = '';
    await loadReports(false);
  }

  document.addEventListener('DOMContentLoaded', () => {
    const today = new Date().toISOString().slice(0, 10);
    $('request-from').value = today;
    $('request-to').value = today;
    $('signin-button').addEventListener('click', () => signIn().catch(failed));
    $('signout').addEventListener('click', () => {
      current = null;
      reports = [];
      $('detail').hidden = true;
      showSignIn('Signed out.');
    });
    $('filters').addEventListener('submit', (e) => {
      e.preventDefault();
      loadReports(false).catch(failed);
    });
    $('more').addEventListener('click', () => loadReports(true).catch(failed));
    $('request').addEventListener('submit', (e) => requestReport(e).catch(failed));
    for (const b of document.querySelectorAll('[data-format]')) {
      b.addEventListener('click', () => download(b.dataset.format).catch(failed));
    }
  });
})();
