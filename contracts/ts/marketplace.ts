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
