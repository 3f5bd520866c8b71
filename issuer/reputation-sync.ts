/**
 * Reads the Marketplace's `TradeCompleted` and `Rated` events into the trade log, from the
 * checkpointed block on, in bounded batches, each batch stored atomically with its checkpoint
 * (restart-safe, never double-counted: `domain/trade-log.ts`). Blocks younger than
 * `confirmations` are left for the next sync, so a short reorg cannot plant an event.
 */
import { getMarketplaceEvents, type MarketplaceEvent, type ReadClient } from '#contracts';
import type { DataSource } from 'typeorm';
import type { ReputationSource } from './app.js';
import { appendTradeEvents, readCheckpoint, reputationOf } from './domain/trade-log.js';
import type { ReputationEvent, ReputationParams } from './domain/reputation.js';

type Address = `0x${string}`;

export interface MarketplaceReaderOptions {
  dataSource: DataSource;
  publicClient: ReadClient;
  marketplace: Address;
  /** First block to read when there is no checkpoint (the marketplace's deployment block). */
  startBlock?: bigint;
  /** Blocks to leave unread at the head (default 0 on a local chain). */
  confirmations?: bigint;
  /** Blocks per batch (default 2,000). */
  batchBlocks?: bigint;
}

export function toReputationEvent(marketplace: Address, e: MarketplaceEvent): ReputationEvent {
  const ref = { txHash: e.transactionHash.toLowerCase(), logIndex: e.logIndex };
  if (e.type === 'TradeCompleted') {
    return {
      ...ref,
      type: 'TradeCompleted',
      marketplace: marketplace.toLowerCase(),
      listingId: e.listingId,
      seller: e.seller.toLowerCase(),
      buyer: e.buyer.toLowerCase(),
      priceWei: e.price,
      blockTime: e.blockTime,
    };
  }
  return {
    ...ref,
    type: 'Rated',
    marketplace: marketplace.toLowerCase(),
    listingId: e.listingId,
    seller: e.seller.toLowerCase(),
    score: e.score,
    blockTime: e.blockTime,
  };
}

/** Reads every new event up to the confirmed head; returns how many were new. */
export async function syncMarketplace(
  o: MarketplaceReaderOptions,
): Promise<{ added: number; toBlock: bigint }> {
  const name = `marketplace:${o.marketplace.toLowerCase()}`;
  const saved = await readCheckpoint(o.dataSource, name);
  let from = saved === undefined ? (o.startBlock ?? 0n) : BigInt(saved) + 1n;
  const head = (await o.publicClient.getBlockNumber({ cacheTime: 0 })) - (o.confirmations ?? 0n);
  const batch = o.batchBlocks ?? 2_000n;
  let added = 0;
  while (from <= head) {
    const to = from + batch - 1n < head ? from + batch - 1n : head;
    const events = await getMarketplaceEvents(o.publicClient, {
      marketplace: o.marketplace,
      fromBlock: from,
      toBlock: to,
    });
    const res = await appendTradeEvents(o.dataSource, {
      checkpoint: { name, position: to },
      events: events.map((e) => toReputationEvent(o.marketplace, e)),
    });
    added += res.added;
    from = to + 1n;
  }
  return { added, toBlock: head };
}

/** The reputation source the API issues from: sync, then compute over the stored events. */
export function chainReputationSource(
  o: MarketplaceReaderOptions & {
    hasKycPass: (account: string) => boolean | Promise<boolean>;
    now: () => number;
    params?: Partial<ReputationParams>;
  },
): ReputationSource {
  return {
    async attributesOf(account, role) {
      await syncMarketplace(o);
      return reputationOf(o.dataSource, {
        account,
        role,
        now: o.now(),
        hasKycPass: o.hasKycPass,
        params: o.params,
      });
    },
  };
}
