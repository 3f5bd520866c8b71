/**
 * Marketplace routes: a trusted marketplace posts signed trade events (docs/reputation.md §2),
 * counted by the reputation engine under the same rules as on-chain events.
 */
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { errorResponse, jsonBody, jsonContent, parseInput, z } from '#platform';
import type { IssuerDeps } from '../app.js';
import { acceptSignedEvents } from '../domain/signed-events.js';
import { addTradeEvents } from '../domain/trade-log.js';

const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const Uint = z.string().regex(/^(0|[1-9][0-9]{0,77})$/);
const PostedEvent = z
  .object({
    type: z.enum(['TradeCompleted', 'Rated']),
    listingId: Uint,
    seller: Address,
    buyer: Address.optional(),
    priceWei: Uint.optional(),
    score: z.number().int().min(0).max(255).optional(),
    blockTime: z
      .number()
      .int()
      .min(0)
      .max(2 ** 40 - 1),
  })
  .strict();
export const TradeBatch = z
  .object({
    marketplace: Address,
    events: z.array(PostedEvent).min(1).max(500),
    signature: z
      .string()
      .regex(/^0x[0-9a-fA-F]{130}$/)
      .openapi({
        description:
          'EIP-191 personal_sign by the marketplace key over keccak256 of the canonical JSON of { marketplace, events } (see docs/reputation.md)',
      }),
  })
  .strict()
  .openapi('TradeEventBatch');
const Accepted = z.object({ added: z.number().int() }).openapi('TradeEventsAccepted');

export function marketplaceRouter(deps: IssuerDeps, openapi: OpenAPIRegistry): Router {
  const r = Router();
  openapi.registerPath({
    method: 'post',
    path: '/trades',
    summary: 'A trusted marketplace posts signed trade events (stored once each)',
    request: { body: jsonContent(TradeBatch) },
    responses: {
      200: { description: 'stored', ...jsonContent(Accepted) },
      400: errorResponse('malformed batch'),
      401: errorResponse('untrusted marketplace or bad signature'),
    },
  });
  r.post('/trades', jsonBody('256kb'), async (req, res) => {
    const body = parseInput(TradeBatch, req.body);
    const events = await acceptSignedEvents({ ...body, trusted: deps.trustedMarketplaces ?? [] });
    res.json(await addTradeEvents(deps.dataSource, events));
  });
  return r;
}
