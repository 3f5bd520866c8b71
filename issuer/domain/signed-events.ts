/**
 * Trade events a marketplace posts off-chain (a marketplace that settles elsewhere, or one that
 * wants its trades counted before the reader reaches them). The batch is signed by the
 * marketplace's Ethereum key (EIP-191 `personal_sign` over the keccak256 of the canonical JSON of
 * the events); only marketplaces the issuer's operator trusts are accepted, and each event's
 * `marketplace` must be the signer. Each event gets the id `keccak256(canonical event):0`, so a
 * batch posted twice, or an event in two batches, is stored once (docs/reputation.md §2).
 * The wash-trading rules apply to these events exactly as to on-chain ones.
 */
import { keccak256, stringToHex, verifyMessage, type Hex } from 'viem';
import { IssuerError } from '../errors.js';
import type { ReputationEvent } from './reputation.js';

export interface PostedTradeEvent {
  type: 'TradeCompleted' | 'Rated';
  listingId: string;
  seller: string;
  buyer?: string | undefined;
  priceWei?: string | undefined;
  score?: number | undefined;
  blockTime: number;
}

/** The canonical JSON of a batch: fixed key order, lower-case addresses, decimal strings. */
export function canonicalEvents(marketplace: string, events: readonly PostedTradeEvent[]): string {
  return JSON.stringify({
    marketplace: marketplace.toLowerCase(),
    events: events.map((e) => ({
      type: e.type,
      listingId: e.listingId,
      seller: e.seller.toLowerCase(),
      buyer: e.buyer?.toLowerCase() ?? null,
      priceWei: e.priceWei ?? null,
      score: e.score ?? null,
      blockTime: e.blockTime,
    })),
  });
}

/** What a marketplace signs for a batch. */
export function batchDigest(marketplace: string, events: readonly PostedTradeEvent[]): Hex {
  return keccak256(stringToHex(canonicalEvents(marketplace, events)));
}

/**
 * Verifies a posted batch and turns it into engine events; throws `unauthorized` for an
 * untrusted marketplace or a bad signature, `bad_input` for an inconsistent event.
 */
export async function acceptSignedEvents(params: {
  marketplace: string;
  events: readonly PostedTradeEvent[];
  signature: string;
  trusted: readonly string[];
}): Promise<ReputationEvent[]> {
  const marketplace = params.marketplace.toLowerCase();
  if (!params.trusted.some((t) => t.toLowerCase() === marketplace)) {
    throw new IssuerError('unauthorized', 'this marketplace is not trusted by the issuer');
  }
  let valid = false;
  try {
    valid = await verifyMessage({
      address: marketplace as Hex,
      message: { raw: batchDigest(marketplace, params.events) },
      signature: params.signature as Hex,
    });
  } catch {
    valid = false;
  }
  if (!valid) throw new IssuerError('unauthorized', 'the batch signature is not the marketplace’s');
  return params.events.map((e, i) => {
    const one = canonicalEvents(marketplace, [e]);
    const ref = { txHash: keccak256(stringToHex(one)), logIndex: 0 };
    if (e.type === 'TradeCompleted') {
      if (!e.buyer || e.priceWei === undefined) {
        throw new IssuerError('bad_input', `event ${i}: a trade needs buyer and priceWei`);
      }
      return {
        ...ref,
        type: 'TradeCompleted' as const,
        marketplace,
        listingId: BigInt(e.listingId),
        seller: e.seller.toLowerCase(),
        buyer: e.buyer.toLowerCase(),
        priceWei: BigInt(e.priceWei),
        blockTime: e.blockTime,
      };
    }
    if (e.score === undefined)
      throw new IssuerError('bad_input', `event ${i}: a rating needs a score`);
    return {
      ...ref,
      type: 'Rated' as const,
      marketplace,
      listingId: BigInt(e.listingId),
      seller: e.seller.toLowerCase(),
      ...(e.buyer ? { buyer: e.buyer.toLowerCase() } : {}),
      score: e.score,
      blockTime: e.blockTime,
    };
  });
}
