/**
 * The page's JSON API. A session cookie (HttpOnly, SameSite=Strict) names the browser's demo
 * custodial account; `POST /api/session` makes one (funded by the marketplace) or returns the
 * existing one. Actions: `POST /api/actions` starts one (list or buy), `GET /api/actions/{id}`
 * reads it, `…/qr.svg` is its wallet link's QR code, `…/events` streams each change
 * (Server-Sent Events). `GET /api/listings`: the listings with their chain state.
 * Posts must be JSON from this origin (no cross-site forms).
 */
import { Router, type Request } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import {
  errorResponse,
  httpError,
  jsonBody,
  jsonContent,
  parseInput,
  rateLimiter,
  z,
} from '#platform';
import type { Address } from 'viem';
import type { MarketplaceDeps } from '../app.js';
import { isTerminal, type ActionView } from '../domain/actions.js';
import { securityHeaders } from './web.js';

export const SESSION_COOKIE = 'zkrep_market';

const Wei = z.string().regex(/^[1-9][0-9]{0,28}$/);
const ActionBody = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('list'),
        title: z.string().min(1).max(80),
        priceWei: Wei,
        ageRestricted: z.boolean(),
      })
      .strict(),
    z
      .object({ kind: z.literal('buy'), listingId: z.string().regex(/^[1-9][0-9]{0,18}$/) })
      .strict(),
  ])
  .openapi('ActionInput');
const ActionViewSchema = z
  .object({ id: z.string(), state: z.string() })
  .passthrough()
  .openapi('Action');
const PathId = z.object({ id: z.uuid() });

function cookieOf(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return v.join('=');
  }
  return undefined;
}

export function apiRouter(deps: MarketplaceDeps, openapi: OpenAPIRegistry): Router {
  const r = Router();
  const body = jsonBody('4kb');

  /** A post from another origin is refused (the cookie is SameSite=Strict as well). */
  const sameOrigin = (req: Request): void => {
    const origin = req.headers.origin;
    if (
      origin !== undefined &&
      origin !== `http://${req.headers.host}` &&
      origin !== `https://${req.headers.host}`
    ) {
      httpError('forbidden', 'cross-origin requests are refused');
    }
  };
  const session = async (req: Request): Promise<Address> => {
    const found = await deps.accounts.find(cookieOf(req));
    if (!found) return httpError('unauthorized', 'no session: open the marketplace page first');
    return found.address;
  };
  const viewer = async (req: Request): Promise<Address | null> =>
    (await deps.accounts.find(cookieOf(req)))?.address ?? null;

  r.use((_req, res, next) => {
    securityHeaders(res);
    next();
  });

  openapi.registerPath({
    method: 'post',
    path: '/api/session',
    summary: "This browser's demo custodial account (made and funded on first call)",
    responses: {
      200: {
        description: 'the account',
        ...jsonContent(z.object({ account: z.string() }).passthrough()),
      },
      403: errorResponse('a post from another origin'),
      429: errorResponse(
        'too many new accounts from this client (MARKETPLACE_NEW_ACCOUNTS_PER_HOUR)',
      ),
    },
  });
  /** Every new account is funded: a client IP may make only so many (`429 rate_limited`). */
  const newAccounts = rateLimiter({
    windowMs: 3_600_000,
    limit: deps.newAccountsPerHour ?? 20,
  });
  const sessionBody = (account: { address: Address; fundTx: string | null }) => ({
    account: account.address,
    fundTx: account.fundTx,
    custodial: true,
    contract: deps.info.contract,
    policies: deps.info.policies,
  });
  r.post('/api/session', async (req, res, next) => {
    sameOrigin(req);
    const account = await deps.accounts.find(cookieOf(req));
    if (!account) return next(); // a new account: counted below
    res.json(sessionBody(account));
  });
  r.post('/api/session', newAccounts, async (_req, res) => {
    const made = await deps.accounts.create();
    res.set(
      'set-cookie',
      `${SESSION_COOKIE}=${made.token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=604800`,
    );
    res.json(sessionBody(made.account));
  });

  openapi.registerPath({
    method: 'get',
    path: '/api/listings',
    summary: 'The listings made here, with their chain state',
    responses: {
      200: {
        description: 'listings',
        ...jsonContent(z.array(z.object({ id: z.string() }).passthrough())),
      },
    },
  });
  r.get('/api/listings', async (req, res) => {
    res.json(await deps.listings(await viewer(req)));
  });

  openapi.registerPath({
    method: 'post',
    path: '/api/actions',
    summary:
      'Start a gated action: list an item (reputation proof) or buy one (age proof if restricted)',
    request: { body: jsonContent(ActionBody) },
    responses: {
      201: { description: 'started', ...jsonContent(ActionViewSchema) },
      400: errorResponse('invalid input'),
      401: errorResponse('no session'),
    },
  });
  r.post('/api/actions', body, async (req, res) => {
    sameOrigin(req);
    const account = await session(req);
    const input = parseInput(ActionBody, req.body);
    const view =
      input.kind === 'list'
        ? await deps.actions.start(account, {
            kind: 'list',
            title: input.title,
            priceWei: BigInt(input.priceWei),
            ageRestricted: input.ageRestricted,
          })
        : await deps.actions.start(account, { kind: 'buy', listingId: BigInt(input.listingId) });
    res.status(201).json(view);
  });

  openapi.registerPath({
    method: 'get',
    path: '/api/actions/{id}',
    summary: 'An action: its state, what was revealed, the transactions',
    request: { params: PathId },
    responses: {
      200: { description: 'the action', ...jsonContent(ActionViewSchema) },
      404: errorResponse('unknown action'),
    },
  });
  r.get('/api/actions/:id', async (req, res) => {
    const { id } = parseInput(PathId, req.params, 'path');
    res.json(await deps.actions.get(id, await session(req)));
  });

  openapi.registerPath({
    method: 'get',
    path: '/api/actions/{id}/qr.svg',
    summary: "The QR code of the action's wallet link (with the account hint)",
    request: { params: PathId },
    responses: {
      200: { description: 'SVG', content: { 'image/svg+xml': { schema: z.string() } } },
    },
  });
  r.get('/api/actions/:id/qr.svg', async (req, res) => {
    const { id } = parseInput(PathId, req.params, 'path');
    res.type('image/svg+xml').send(await deps.actions.qrSvg(id, await session(req)));
  });

  openapi.registerPath({
    method: 'get',
    path: '/api/actions/{id}/events',
    summary:
      'Server-Sent Events: `state` with the action on each change, until it is done or failed',
    request: { params: PathId },
    responses: {
      200: {
        description: 'event stream',
        content: { 'text/event-stream': { schema: z.string() } },
      },
    },
  });
  r.get('/api/actions/:id/events', async (req, res) => {
    const { id } = parseInput(PathId, req.params, 'path');
    const account = await session(req);
    // Subscribe first, send the snapshot, then what changed meanwhile: nothing is missed.
    const queued: ActionView[] = [];
    let open = false;
    const write = (v: ActionView): void => {
      res.write(`event: state\ndata: ${JSON.stringify(v)}\n\n`);
      if (isTerminal(v.state)) stop();
    };
    const unsubscribe = deps.actions.subscribe(id, (v) => (open ? write(v) : queued.push(v)));
    let first: ActionView;
    try {
      first = await deps.actions.get(id, account);
    } catch (e) {
      unsubscribe();
      throw e;
    }
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    const stop = (): void => {
      unsubscribe();
      clearInterval(ping);
      if (!res.writableEnded) res.end();
    };
    res.on('close', stop); // the client went away, or the stream ended
    res.status(200).set({ 'content-type': 'text/event-stream', connection: 'keep-alive' });
    res.flushHeaders();
    open = true;
    for (const v of [first, ...queued.splice(0)]) if (!res.writableEnded) write(v);
  });

  return r;
}
