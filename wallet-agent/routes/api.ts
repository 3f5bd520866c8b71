/**
 * The agent API (bearer token): the CLI hands `respond` to a running wallet, whose prover is
 * warm. `GET /api/status`: the wallet's DID; `POST /api/review { link }`: the request in plain words
 * (`Disclosure`, with the `account` the proof would be for), for the CLI to ask its question; `POST /api/respond { link, account?, yes,
 * allowWarnings? }`: the `RespondResult`, or `{ code, message }`. Consent must be given in the
 * request (`yes: true`, what `zkrep wallet respond --yes` or the CLI's own question gives).
 */
import { Router } from 'express';
import { jsonBody } from '#platform';
import { WalletError } from '../errors.js';
import type { WalletAppDeps } from '../app.js';
import { accountFor, openRequest, respond } from '../domain/respond.js';

export function apiRoutes(deps: WalletAppDeps): Router {
  const r = Router();
  r.get('/status', (_req, res) => {
    res.json({ did: deps.wallet.did });
  });
  r.post('/review', jsonBody('8kb'), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body['link'] !== 'string') throw new WalletError('bad_input', 'link is required');
    const opened = await openRequest(deps.wallet, body['link']);
    res.json({ ...opened.disclosure, account: accountFor(deps.wallet, opened) });
  });
  r.post('/respond', jsonBody('8kb'), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body['link'] !== 'string') throw new WalletError('bad_input', 'link is required');
    if (body['account'] !== undefined && typeof body['account'] !== 'string') {
      throw new WalletError('bad_input', 'account must be an address');
    }
    const result = await respond(deps.wallet, body['link'], {
      ...(typeof body['account'] === 'string' ? { account: body['account'] } : {}),
      yes: body['yes'] === true,
      allowWarnings: body['allowWarnings'] === true,
    });
    res.json(result);
  });
  return r;
}
