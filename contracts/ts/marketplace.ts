/** Read helpers for the demo Marketplace, e.g. for the issuer's reputation engine. */
import type { Address, Hex } from 'viem';
import { marketplaceAbi } from './abi.js';
import type { ReadClient } from './clients.js';

export type SellerTrade = {
  readonly listingId: bigint;
  readonly buyer: Address;
  readonly price: bigint;
  readonly transactionHash: Hex;
  readonly blockNumber: bigint;
  /** The buyer's rating (1..5), if given. */
  readonly score: number | undefined;
};

/** Completed trades of a seller, with their ratings, from the marketplace's events. */
export async function getSellerTrades(
  publicClient: ReadClient,
  params: { marketplace: Address; seller: Address; fromBlock?: bigint | undefined },
): Promise<SellerTrade[]> {
  const fromBlock = params.fromBlock ?? 0n;
  const [trades, ratings] = await Promise.all([
    publicClient.getContractEvents({
      address: params.marketplace,
      abi: marketplaceAbi,
      eventName: 'TradeCompleted',
      args: { seller: params.seller },
      fromBlock,
      strict: true,
    }),
    publicClient.getContractEvents({
      address: params.marketplace,
      abi: marketplaceAbi,
      eventName: 'Rated',
      args: { seller: params.seller },
      fromBlock,
      strict: true,
    }),
  ]);
  const scores = new Map(ratings.map((r) => [r.args.listingId, r.args.score]));
  return trades.map((t) => ({
    listingId: t.args.listingId,
    buyer: t.args.buyer,
    price: t.args.price,
    transactionHash: t.transactionHash,
    blockNumber: t.blockNumber,
    score: scores.get(t.args.listingId),
  }));
}

/** One marketplace event, with where it came from (for idempotent ingestion: txHash + logIndex). */
export type MarketplaceEvent =
  | {
      readonly type: 'TradeCompleted';
      readonly listingId: bigint;
      readonly seller: Address;
      readonly buyer: Address;
      readonly price: bigint;
      readonly transactionHash: Hex;
      readonly logIndex: number;
      readonly blockNumber: bigint;
      readonly blockTime: number;
    }
  | {
      readonly type: 'Rated';
      readonly listingId: bigint;
      readonly seller: Address;
      readonly score: number;
      readonly transactionHash: Hex;
      readonly logIndex: number;
      readonly blockNumber: bigint;
      readonly blockTime: number;
    };

/**
 * Every `TradeCompleted` and `Rated` event of a marketplace in `[fromBlock, toBlock]`, in chain
 * order, each with its block's timestamp. For a reader that checkpoints the last block it has
 * processed and resumes after it.
 */
export async function getMarketplaceEvents(
  publicClient: ReadClient,
  params: { marketplace: Address; fromBlock: bigint; toBlock: bigint },
): Promise<MarketplaceEvent[]> {
  if (params.toBlock < params.fromBlock) return [];
  const range = {
    address: params.marketplace,
    fromBlock: params.fromBlock,
    toBlock: params.toBlock,
  };
  const [trades, ratings] = await Promise.all([
    publicClient.getContractEvents({
      ...range,
      abi: marketplaceAbi,
      eventName: 'TradeCompleted',
      strict: true,
    }),
    publicClient.getContractEvents({
      ...range,
      abi: marketplaceAbi,
      eventName: 'Rated',
      strict: true,
    }),
  ]);
  const times = new Map<bigint, number>();
  const timeOf = async (n: bigint): Promise<number> => {
    let t = times.get(n);
    if (t === undefined) {
      t = Number((await publicClient.getBlock({ blockNumber: n })).timestamp);
      times.set(n, t);
    }
    return t;
  };
  const out: MarketplaceEvent[] = [];
  for (const e of trades) {
    out.push({
      type: 'TradeCompleted',
      listingId: e.args.listingId,
      seller: e.args.seller,
      buyer: e.args.buyer,
      price: e.args.price,
      transactionHash: e.transactionHash,
      logIndex: e.logIndex,
      blockNumber: e.blockNumber,
      blockTime: await timeOf(e.blockNumber),
    });
  }
  for (const e of ratings) {
    out.push({
      type: 'Rated',
      listingId: e.args.listingId,
      seller: e.args.seller,
      score: Number(e.args.score),
      transactionHash: e.transactionHash,
      logIndex: e.logIndex,
      blockNumber: e.blockNumber,
      blockTime: await timeOf(e.blockNumber),
    });
  }
  return out.sort((a, b) =>
    a.blockNumber === b.blockNumber
      ? a.logIndex - b.logIndex
      : a.blockNumber < b.blockNumber
        ? -1
        : 1,
  );
}
