/**
 * The regulator dashboard (docs/compliance.md §5.5): static files under `verifier/dashboard/`
 * and chart.js's UMD build from node_modules, served from this origin under a strict CSP (no
 * inline script, scripts from 'self' only, no framing). The page holds no data: it calls the
 * report API (routes/reports.ts) with the bearer token the regulator pastes, kept in memory only.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from '#platform';

const DASHBOARD_DIR = fileURLToPath(new URL('../dashboard/', import.meta.url));
/** chart.js exports no subpath: its UMD build sits beside its main file. */
const CHART_JS = join(
  dirname(createRequire(import.meta.url).resolve('chart.js')),
  'chart.umd.min.js',
);

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const FILES: Record<string, { path: string; type: string }> = {
  '/dashboard/': { path: join(DASHBOARD_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/dashboard/dashboard.js': {
    path: join(DASHBOARD_DIR, 'dashboard.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/dashboard/dashboard.css': {
    path: join(DASHBOARD_DIR, 'dashboard.css'),
    type: 'text/css; charset=utf-8',
  },
  '/dashboard/assets/chart.umd.min.js': { path: CHART_JS, type: 'text/javascript; charset=utf-8' },
};

export function dashboardRouter(openapi: OpenAPIRegistry): Router {
  const r = Router();
  const headers = (res: Response, type: string) =>
    res.set({
      'content-type': type,
      'content-security-policy': DASHBOARD_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });

  openapi.registerPath({
    method: 'get',
    path: '/dashboard/',
    summary:
      "The regulator dashboard (HTML; its script and chart.js are under /dashboard/): a regulator's token lists, requests, charts and downloads reports",
    responses: {
      200: { description: 'the page', content: { 'text/html': { schema: z.string() } } },
    },
  });
  // Express matches '/dashboard' with or without its trailing slash: redirect the bare one only.
  r.get('/dashboard', (req, res, next) => {
    if (req.path.endsWith('/')) return next();
    res.redirect(301, '/dashboard/');
  });
  for (const [path, file] of Object.entries(FILES)) {
    r.get(path, (_req, res, next) => {
      headers(res, file.type).sendFile(file.path, { dotfiles: 'deny' }, (err) => {
        if (err) next(err);
      });
    });
  }
  return r;
}
