// The demo marketplace page: its demo account, listing and buying through proof requests, live
// updates over Server-Sent Events. No inline script (strict CSP); text is set with textContent.
'use strict';

const $ = (id) => document.getElementById(id);
const STATE_WORDS = {
  waiting: 'waiting for your wallet',
  verified: 'proof verified',
  pass: 'pass granted on-chain',
  done: 'done',
  failed: 'failed',
};
let events = null;

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(json.message || `HTTP ${res.status}`);
    err.code = json.code || 'internal';
    throw err;
  }
  return json;
}

function showProblem(e) {
  const p = $('problem');
  p.textContent = e ? `${e.code}: ${e.message}` : '';
  p.hidden = !e;
}

/** Decimal ETH → wei (a decimal string), or null. */
function toWei(eth) {
  const m = /^\s*(\d{1,12})(?:\.(\d{1,18}))?\s*$/.exec(eth);
  if (!m) return null;
  const wei = BigInt(m[1]) * 10n ** 18n + BigInt((m[2] || '').padEnd(18, '0'));
  return wei > 0n ? wei.toString() : null;
}

function toEth(wei) {
  const w = BigInt(wei);
  const whole = w / 10n ** 18n;
  const frac = (w % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return `${whole}${frac ? `.${frac}` : ''} ETH`;
}

function render(v) {
  $('action').hidden = false;
  $('action-title').textContent =
    v.kind === 'list'
      ? `Listing “${v.title}”`
      : `Buying ${v.title ? `“${v.title}”` : `listing #${v.listingId}`}`;
  $('state').textContent = STATE_WORDS[v.state] || v.state;
  $('state').dataset.state = v.state;
  $('asks').textContent = v.proof
    ? `This needs a proof that reveals: ${v.proof.reveals}.`
    : 'This needs no proof.';
  const waiting = v.state === 'waiting' && v.link;
  $('request').hidden = !waiting;
  if (waiting) {
    if ($('qr').getAttribute('src') !== v.qr) $('qr').setAttribute('src', v.qr);
    $('link').setAttribute('href', v.link);
    $('link').textContent = v.link;
    $('cli').textContent = `zkrep wallet respond '${v.link}'`;
  }
  $('revealed').textContent = v.revealed || '—';
  $('nothing-else').textContent =
    v.revealed && v.proof ? `revealed: nothing else (${v.proof.withheld})` : '—';
  $('relay-tx').textContent = v.relayTx || '—';
  $('action-tx').textContent = v.actionTx || '—';
  const err = $('action-error');
  err.hidden = !v.error;
  err.textContent = v.error ? `Failed (${v.error.code}): ${v.error.message}` : '';
}

function watch(view) {
  if (events) events.close();
  render(view);
  if (view.state === 'done' || view.state === 'failed') return;
  events = new EventSource(`/api/actions/${view.id}/events`);
  events.addEventListener('state', (e) => {
    const v = JSON.parse(e.data);
    render(v);
    if (v.state === 'done' || v.state === 'failed') {
      events.close();
      events = null;
      loadListings().catch(showProblem);
    }
  });
}

async function start(body) {
  showProblem(null);
  try {
    watch(await api('POST', '/api/actions', body));
  } catch (e) {
    showProblem(e);
  }
}

async function loadListings() {
  const listings = await api('GET', '/api/listings');
  const body = $('listings').querySelector('tbody');
  body.replaceChildren();
  $('no-listings').hidden = listings.length > 0;
  for (const l of listings) {
    const tr = document.createElement('tr');
    tr.dataset.listingId = l.id;
    const cells = [
      l.id,
      l.title,
      toEth(l.priceWei),
      l.ageRestricted ? '18+ (age proof)' : 'none',
      l.boughtByMe ? 'bought by you' : l.mine ? `${l.state} (yours)` : l.state,
    ];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    const td = document.createElement('td');
    if (l.state === 'listed' && !l.mine) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'buy';
      b.textContent = l.ageRestricted ? 'Buy (prove age ≥ 18)' : 'Buy';
      b.addEventListener('click', () => start({ kind: 'buy', listingId: l.id }));
      td.append(b);
    }
    tr.append(td);
    body.append(tr);
  }
}

async function init() {
  try {
    const s = await api('POST', '/api/session');
    $('account').textContent = s.account;
    await loadListings();
  } catch (e) {
    showProblem(e);
  }
  $('list-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const priceWei = toWei($('price').value);
    if (!priceWei) {
      showProblem({ code: 'bad_input', message: 'the price must be a positive amount of ETH' });
      return;
    }
    start({
      kind: 'list',
      title: $('title').value,
      priceWei,
      ageRestricted: $('age-restricted').checked,
    });
  });
}

document.addEventListener('DOMContentLoaded', init);
