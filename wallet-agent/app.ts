/**
 * The wallet's local consent page and agent API (`createApp(deps)`, no side effects): an express
 * app for 127.0.0.1 only, protected by a token.
 *
 * - Pages (server-rendered HTML, no script, no outside resources): credentials and a field for a
 *   proof-request link (`/`), the consent screen for a pending request (`/request?link=…`), the
 *   result of answering it, and the history of presentations and consents (`/history`).
 * - The agent API for the CLI (`/api/…`, `Authorization: Bearer <token>`): `respond` in this
 *   long-running process, where the witness calculator and proving key stay warm.
 *
 * Protection:
 * - the token: `/?token=…` once (the link the server prints) sets it as an HttpOnly,
 *   SameSite=Strict cookie and redirects to drop it from the address; every other request needs
 *   the cookie or the bearer header (compared in constant time); otherwise 401;
 * - the Host header must name the loopback address and this port (no DNS rebinding): else 403;
 * - a form post must carry the page's anti-forgery field (an HMAC of the token) and, when the
 *   browser sends one, an Origin of this server: else 403;
 * - CSP `default-src 'none'` with the stylesheet from this server only; no framing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { ZkrepError } from '#zk';
import { WalletError } from './errors.js';
import type { Wallet } from './wallet.js';
import { pageRoutes } from './routes/pages.js';
import { apiRoutes } from './routes/api.js';

export interface WalletAppDeps {
  wallet: Wallet;
  /** The secret of this server's links and API (hex, at least 32 characters). */
  token: string;
}

export const TOKEN_COOKIE = 'zkrep_wallet';

/** The anti-forgery value of a token: what every form carries. */
export function csrfValue(token: string): string {
  return createHmac('sha256', token).update('zkrep-wallet-form').digest('hex');
}

export function sameSecret(a: unknown, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: Request): string | undefined {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return v.join('=');
  }
  return undefined;
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

export function createApp(deps: WalletAppDeps): Express {
  if (typeof deps.token !== 'string' || !/^[0-9a-f]{32,}$/.test(deps.token)) {
    throw new WalletError(
      'config_invalid',
      'the consent page needs a token of at least 32 hex digits',
    );
  }
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    res.set({
      'content-security-policy':
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'x-content-type-options': 'nosniff',
      // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on form posts.
      'referrer-policy': 'same-origin',
      'cache-control': 'no-store',
    });
    const port = req.socket.localPort;
    const allowed = LOOPBACK_HOSTS.map((h) => `${h}:${port}`);
    if (!allowed.includes(String(req.headers.host ?? '').toLowerCase())) {
      res
        .status(403)
        .json({ code: 'forbidden', message: 'this page answers on the loopback address only' });
      return;
    }
    next();
  });

  // The entry link: the token moves from the address into a cookie.
  app.get('/', (req, res, next) => {
    const t = req.query['token'];
    if (t === undefined) return next();
    if (!sameSecret(t, deps.token)) {
      res
        .status(401)
        .type('text/plain')
        .send('This link is not valid any more: open the one the wallet printed.');
      return;
    }
    res.cookie(TOKEN_COOKIE, deps.token, { httpOnly: true, sameSite: 'strict', path: '/' });
    res.redirect(303, '/');
  });

  app.use((req, res, next) => {
    const auth = req.headers.authorization;
    const bearer =
      typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
    if (sameSecret(bearer ?? cookieToken(req), deps.token)) return next();
    if (req.path.startsWith('/api/')) {
      res.status(401).json({ code: 'unauthorized', message: 'a bearer token is required' });
    } else {
      res
        .status(401)
        .type('text/plain')
        .send('Open the link the wallet printed when it started (it carries the access token).');
    }
  });

  app.use('/api', apiRoutes(deps));
  app.use(pageRoutes(deps));

  app.use((_req, res) => {
    res.status(404).json({ code: 'not_found', message: 'no such page' });
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e =
      err instanceof ZkrepError
        ? err
        : new WalletError('internal', 'something went wrong in the wallet');
    const status = e.status;
    if (req.path.startsWith('/api/')) res.status(status).json(e.toJSON());
    else res.status(status).type('text/plain').send(`${e.message} (${e.code})`);
  });
  return app;
}
