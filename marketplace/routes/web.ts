/**
 * The page: static files under `marketplace/web/`, served under a strict CSP (no inline script or
 * style, everything from 'self', no framing). The page holds no secrets: it calls the JSON API
 * with its session cookie and listens to its action's Server-Sent Events.
 */
import { Router, type Response } from 'express';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));

export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/** Security headers of every answer (pages and API alike). */
export function securityHeaders(res: Response): Response {
  return res.set({
    'content-security-policy': PAGE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
}

export function webRouter(): Router {
  const r = Router();
  for (const [path, { file, type }] of Object.entries(FILES)) {
    r.get(path, (_req, res, next) => {
      securityHeaders(res)
        .type(type)
        .sendFile(join(WEB_DIR, file), { dotfiles: 'deny' }, (err) => {
          if (err) next(err);
        });
    });
  }
  return r;
}
