/**
 * Webhooks: the verifier tells a marketplace that a proof request completed, signed, retried and
 * idempotent (the outbox pattern).
 *
 *   complete the request ─┐ ONE transaction   dispatcher (every API node, in the background)
 *   enqueueWebhook(tx) ───┘                   claim due rows → POST → record the outcome
 *
 * - Outbox: `enqueueWebhook` writes the event into `verifier_webhook_delivery` inside the
 *   transaction that completes the request, so an event exists iff the completion committed (no
 *   webhook for a rolled-back completion, none lost after a committed one). One event per request:
 *   the insert is `insertIfAbsent` on the unique `request_id`, a second call inserts nothing and
 *   returns the first event's id.
 * - At-least-once, idempotent by event id: the body (`{ id, type, createdAt, data }`) is stored as
 *   the exact string sent on every attempt, with header `zkrep-event-id`. A receiver that answered
 *   2xx after all but whose answer was lost (timeout, crash before the row was updated) gets the
 *   same event again, and must dedupe on its id.
 * - Signed: `zkrep-signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` with the
 *   marketplace's secret, fresh for each attempt; `verifyWebhookSignature` is the receiver's side
 *   (constant-time, refuses timestamps more than 5 minutes off, so a captured delivery cannot be
 *   replayed later).
 * - Retries: any answer but a 2xx (a 3xx included: redirects are not followed), a network error or
 *   a timeout is a failed attempt; the next is due after `min(maxDelay, base·2^(attempts−1))`
 *   seconds — 2, 4, 8, … capped at an hour by default — and after `maxAttempts` (8) the event is
 *   `failed`. An event whose marketplace has no secret fails at once (nothing unsigned is sent).
 * - Several nodes on one PostgreSQL: a due row is claimed with a conditional UPDATE (a lease until
 *   now + `leaseSeconds`, only if it is still pending and its lease is free or expired); only the
 *   dispatcher whose UPDATE changed the row sends the attempt, so two nodes never send the same
 *   attempt twice. A node that dies mid-attempt leaves a lease that expires, and the attempt is
 *   made again by anyone. The outcome is recorded only while the claim is still ours (same lease,
 *   same attempt count). On SQLite (one connection) every read and write goes through
 *   `withTransaction`, so the dispatcher never sees, nor joins, another caller's open transaction.
 *
 * Logs carry the event id, the attempt and the HTTP status, never the body or the URL.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { insertIfAbsent, withTransaction } from '#platform';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { VerifierError } from '../errors.js';
import {
  WEBHOOK_URL_MAX_LENGTH,
  WebhookDeliveryEntity,
  type WebhookDeliveryRow,
} from '../store/webhook-schema.js';

export type WebhookEventType = 'proof_request.completed';

/** The JSON body of a webhook. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  /** Unix seconds. */
  createdAt: number;
  data: Record<string, unknown>;
}

export const WEBHOOK_EVENT_HEADER = 'zkrep-event-id';
export const WEBHOOK_SIGNATURE_HEADER = 'zkrep-signature';
/** How far a signature's timestamp may be from the receiver's clock by default (seconds). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const EVENT_TYPES: readonly string[] = ['proof_request.completed'];
const ID_MAX_LENGTH = 64;
const HEX64 = /^[0-9a-fA-F]{64}$/;
const UNIX = /^\d{1,15}$/;

const isUnix = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** The URL a webhook may be sent to: http(s), at most 2048 characters, no credentials in it. */
export function checkWebhookUrl(url: unknown): string {
  if (typeof url !== 'string' || url === '' || url.length > WEBHOOK_URL_MAX_LENGTH) {
    throw new VerifierError(
      'bad_input',
      `the webhook URL must be a string of 1 to ${WEBHOOK_URL_MAX_LENGTH} characters`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new VerifierError('bad_input', 'the webhook URL is not a valid URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new VerifierError('bad_input', 'the webhook URL must be http or https');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new VerifierError('bad_input', 'the webhook URL must not hold a username or password');
  }
  if (parsed.hostname === '' || parsed.href.length > WEBHOOK_URL_MAX_LENGTH) {
    throw new VerifierError('bad_input', 'the webhook URL is not a valid URL');
  }
  return parsed.href;
}

export interface EnqueueWebhook {
  requestId: string;
  marketplaceId: string;
  /** Checked with `checkWebhookUrl`. */
  url: string;
  type: WebhookEventType;
  /** The event's data (JSON): ids and outcomes, never personal data. */
  data: Record<string, unknown>;
  /** Unix seconds: the event's `createdAt`, and when its first attempt is due. */
  now: number;
}

/**
 * Writes the completion event of a request into the outbox, inside `tx` (the transaction that
 * completes the request). Idempotent per request: a second call inserts nothing and returns the
 * first event's id with `inserted: false`.
 */
export async function enqueueWebhook(
  tx: EntityManager,
  p: EnqueueWebhook,
): Promise<{ eventId: string; inserted: boolean }> {
  for (const [name, value] of [
    ['requestId', p.requestId],
    ['marketplaceId', p.marketplaceId],
  ] as const) {
    if (typeof value !== 'string' || value === '' || value.length > ID_MAX_LENGTH) {
      throw new VerifierError('bad_input', `${name} must be a string of 1 to 64 characters`);
    }
  }
  if (!EVENT_TYPES.includes(p.type)) {
    throw new VerifierError('bad_input', 'unknown webhook event type');
  }
  if (!isUnix(p.now)) throw new VerifierError('bad_input', 'now must be unix seconds');
  if (typeof p.data !== 'object' || p.data === null || Array.isArray(p.data)) {
    throw new VerifierError('bad_input', 'the webhook data must be an object');
  }
  const url = checkWebhookUrl(p.url);

  const id = `evt_${randomBytes(16).toString('hex')}`;
  const event: WebhookEvent = { id, type: p.type, createdAt: p.now, data: p.data };
  let payload: string;
  try {
    payload = JSON.stringify(event);
  } catch (cause) {
    throw new VerifierError('bad_input', 'the webhook data must be JSON', { cause });
  }
  const inserted = await insertIfAbsent(tx, WebhookDeliveryEntity, {
    id,
    requestId: p.requestId,
    marketplaceId: p.marketplaceId,
    url,
    payload,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: p.now,
    leaseUntil: null,
    lastStatus: null,
    deliveredAt: null,
    createdAt: p.now,
  });
  if (inserted) return { eventId: id, inserted: true };
  const first = await tx
    .getRepository(WebhookDeliveryEntity)
    .findOne({ where: { requestId: p.requestId }, select: { id: true } });
  if (!first) throw new VerifierError('internal', 'the webhook event vanished');
  return { eventId: first.id, inserted: false };
}

const hmac = (secret: string, timestamp: number, body: string): Buffer =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest();

/** The `zkrep-signature` header: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  if (typeof secret !== 'string' || secret === '') {
    throw new VerifierError('bad_input', 'the webhook secret must be a non-empty string');
  }
  if (!isUnix(timestamp)) throw new VerifierError('bad_input', 'timestamp must be unix seconds');
  if (typeof body !== 'string') throw new VerifierError('bad_input', 'body must be a string');
  return `t=${timestamp},v1=${hmac(secret, timestamp, body).toString('hex')}`;
}

export interface VerifyWebhookSignature {
  secret: string;
  /** The `zkrep-signature` header as received. */
  header: unknown;
  /** The raw body as received (before any JSON parsing). */
  body: string;
  /** The receiver's clock, unix seconds. */
  now: number;
  /** How far `t` may be from `now`, either way (default 300 s). */
  toleranceSeconds?: number;
}

/**
 * Whether `header` signs `body` with `secret` at a time within `toleranceSeconds` of `now`.
 * Several `v1=` values are accepted (one of them must match: a secret rotation); keys other than
 * `t` and `v1` are ignored. Anything malformed is `false`; it never throws.
 */
export function verifyWebhookSignature(p: VerifyWebhookSignature): boolean {
  try {
    const { secret, header, body, now } = p;
    const tolerance = p.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
    if (typeof secret !== 'string' || secret === '' || typeof body !== 'string') return false;
    if (typeof header !== 'string' || header.length > 4096) return false;
    if (!Number.isFinite(now) || !Number.isFinite(tolerance) || tolerance < 0) return false;
    let timestamp: number | undefined;
    const signatures: Buffer[] = [];
    for (const part of header.split(',')) {
      const eq = part.indexOf('=');
      if (eq < 0) return false;
      const key = part.slice(0, eq).trim();
      const value = part.slice(eq + 1).trim();
      if (key === 't') {
        if (timestamp !== undefined || !UNIX.test(value)) return false;
        timestamp = Number(value);
      } else if (key === 'v1') {
        if (!HEX64.test(value)) return false;
        signatures.push(Buffer.from(value, 'hex'));
      }
    }
    if (timestamp === undefined || signatures.length === 0) return false;
    if (Math.abs(now - timestamp) > tolerance) return false;
    const expected = hmac(secret, timestamp, body);
    let ok = false;
    for (const s of signatures) ok = timingSafeEqual(s, expected) || ok; // no early exit
    return ok;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------

export interface WebhookDispatcherDeps {
  dataSource: DataSource;
  /** The marketplace's webhook secret (undefined: none, its events fail at once). */
  secretOf: (marketplaceId: string) => string | undefined;
  /** Unix seconds. */
  now: () => number;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  logger?: Logger;
  /** Attempts before an event is `failed` (default 8). */
  maxAttempts?: number;
  /** The first retry delay, doubled after each failure (default 2 s). */
  baseDelaySeconds?: number;
  /** The longest retry delay (default 3600 s). */
  maxDelaySeconds?: number;
  /** One attempt's time limit (default 5000 ms). */
  timeoutMs?: number;
  /** Rows claimed per run (default 20). */
  batchSize?: number;
  /** How long a claim holds a row (default 60 s; keep it well above `timeoutMs`). */
  leaseSeconds?: number;
}

export interface DispatchResult {
  /** Events delivered (a 2xx) in this run. */
  delivered: number;
  /** Failed attempts with attempts left. */
  retried: number;
  /** Events given up on (attempts exhausted, or no secret). */
  failed: number;
}

export interface WebhookDispatcher {
  /** Claims the due events (one batch) and makes one attempt each. */
  runOnce(): Promise<DispatchResult>;
  /** Runs `runOnce` now and then `intervalMs` after each run ends (unref'ed timers). */
  start(intervalMs: number): void;
  /** Stops the timer and waits for a run in flight. */
  stop(): Promise<void>;
}

type Outcome = keyof DispatchResult | 'lost';
type Attempt = { status: number | null; error?: 'timeout' | 'network' };

/** The delay before the attempt after `attempts` failed ones: min(max, base·2^(attempts−1)). */
export function webhookRetryDelay(
  attempts: number,
  baseDelaySeconds = 2,
  maxDelaySeconds = 3600,
): number {
  return Math.min(maxDelaySeconds, baseDelaySeconds * 2 ** Math.max(0, attempts - 1));
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new VerifierError('config_invalid', `${name} must be a positive integer`);
  }
  return v;
}

/** The background sender of the outbox (see the module comment). */
export function createWebhookDispatcher(deps: WebhookDispatcherDeps): WebhookDispatcher {
  const ds = deps.dataSource;
  const send = deps.fetch ?? globalThis.fetch;
  const log = deps.logger;
  const maxAttempts = positiveInteger('maxAttempts', deps.maxAttempts, 8);
  const baseDelay = positiveInteger('baseDelaySeconds', deps.baseDelaySeconds, 2);
  const maxDelay = positiveInteger('maxDelaySeconds', deps.maxDelaySeconds, 3600);
  const timeoutMs = positiveInteger('timeoutMs', deps.timeoutMs, 5000);
  const batchSize = positiveInteger('batchSize', deps.batchSize, 20);
  const leaseSeconds = positiveInteger('leaseSeconds', deps.leaseSeconds, 60);
  const clock = () => Math.floor(deps.now());
  const repo = (tx: EntityManager) => tx.getRepository(WebhookDeliveryEntity);

  const dueRows = (now: number) =>
    withTransaction(ds, (tx) =>
      repo(tx)
        .createQueryBuilder('w')
        .where('w.status = :pending AND w.nextAttemptAt <= :now', { pending: 'pending', now })
        .andWhere('(w.leaseUntil IS NULL OR w.leaseUntil <= :now)', { now })
        .orderBy('w.nextAttemptAt', 'ASC')
        .addOrderBy('w.id', 'ASC')
        .limit(batchSize)
        .getMany(),
    );

  /** The claim: true iff this UPDATE took the row (pending, lease free or expired). */
  const claim = async (id: string, now: number, leaseUntil: number): Promise<boolean> => {
    const res = await withTransaction(ds, (tx) =>
      repo(tx)
        .createQueryBuilder()
        .update()
        .set({ leaseUntil })
        .where('id = :id AND status = :pending', { id, pending: 'pending' })
        .andWhere('(lease_until IS NULL OR lease_until <= :now)', { now })
        .execute(),
    );
    return res.affected === 1;
  };

  /** Records an outcome while the claim is still ours; false when it was lost meanwhile. */
  const record = async (
    row: WebhookDeliveryRow,
    leaseUntil: number,
    values: Partial<WebhookDeliveryRow>,
  ): Promise<boolean> => {
    const res = await withTransaction(ds, (tx) =>
      repo(tx)
        .createQueryBuilder()
        .update()
        .set({ ...values, leaseUntil: null })
        .where('id = :id AND status = :pending', { id: row.id, pending: 'pending' })
        .andWhere('attempts = :attempts AND lease_until = :lease', {
          attempts: row.attempts,
          lease: leaseUntil,
        })
        .execute(),
    );
    return res.affected === 1;
  };

  const attempt = async (row: WebhookDeliveryRow, secret: string): Promise<Attempt> => {
    try {
      const response = await send(row.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WEBHOOK_EVENT_HEADER]: row.id,
          [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, clock(), row.payload),
        },
        body: row.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel().catch(() => {}); // the answer's body is not read
      return { status: response.status };
    } catch (error) {
      const name = (error as { name?: unknown })?.name;
      return { status: null, error: name === 'TimeoutError' ? 'timeout' : 'network' };
    }
  };

  const dispatch = async (row: WebhookDeliveryRow, now: number): Promise<Outcome | null> => {
    const leaseUntil = now + leaseSeconds;
    if (!(await claim(row.id, now, leaseUntil))) return null; // another dispatcher has it
    const eventId = row.id;
    const secret = deps.secretOf(row.marketplaceId);
    if (typeof secret !== 'string' || secret === '') {
      log?.warn({ eventId }, 'webhook failed: the marketplace has no webhook secret');
      return (await record(row, leaseUntil, { status: 'failed' })) ? 'failed' : 'lost';
    }

    const n = row.attempts + 1;
    const result = await attempt(row, secret);
    const at = clock();
    const fields = { eventId, attempt: n, status: result.status };
    let outcome: Outcome;
    let values: Partial<WebhookDeliveryRow>;
    if (result.status !== null && result.status >= 200 && result.status < 300) {
      outcome = 'delivered';
      values = { status: 'delivered', attempts: n, lastStatus: result.status, deliveredAt: at };
    } else if (n >= maxAttempts) {
      outcome = 'failed';
      values = { status: 'failed', attempts: n, lastStatus: result.status };
    } else {
      outcome = 'retried';
      values = {
        attempts: n,
        lastStatus: result.status,
        nextAttemptAt: at + webhookRetryDelay(n, baseDelay, maxDelay),
      };
    }
    if (!(await record(row, leaseUntil, values))) {
      log?.warn(fields, 'webhook attempt made after its claim was lost; outcome not recorded');
      return 'lost';
    }
    const error = result.error ? { error: result.error } : {};
    if (outcome === 'delivered') log?.info(fields, 'webhook delivered');
    else if (outcome === 'failed') log?.warn({ ...fields, ...error }, 'webhook failed: giving up');
    else log?.info({ ...fields, ...error }, 'webhook attempt failed; will retry');
    return outcome;
  };

  const run = async (): Promise<DispatchResult> => {
    const now = clock();
    const rows = await dueRows(now);
    const settled = await Promise.allSettled(rows.map((row) => dispatch(row, now)));
    const counts: DispatchResult = { delivered: 0, retried: 0, failed: 0 };
    for (const s of settled) {
      if (s.status === 'rejected') throw s.reason; // a database error (after the others finished)
      if (s.value && s.value !== 'lost') counts[s.value] += 1;
    }
    return counts;
  };

  const inFlight = new Set<Promise<unknown>>();
  const runOnce = (): Promise<DispatchResult> => {
    const p = run();
    const tracked = p.catch(() => {}).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    return p;
  };

  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let generation = 0; // a run outliving stop() + start() must not schedule a second loop
  const schedule = (delayMs: number, intervalMs: number, gen: number) => {
    timer = setTimeout(() => {
      timer = undefined;
      void runOnce()
        .catch((error: unknown) => {
          const e = error as { code?: unknown; name?: unknown };
          log?.error({ error: String(e?.code ?? e?.name ?? 'unknown') }, 'webhook dispatch failed');
        })
        .finally(() => {
          if (running && gen === generation) schedule(intervalMs, intervalMs, gen);
        });
    }, delayMs);
    timer.unref();
  };

  return {
    runOnce,
    start(intervalMs) {
      positiveInteger('intervalMs', intervalMs, 0);
      if (running) return;
      running = true;
      generation += 1;
      schedule(0, intervalMs, generation);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
