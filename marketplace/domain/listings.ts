/**
 * The listings the page shows: those made through this app (their titles live here, not on the
 * chain), each with what the chain says now (listed, sold, cancelled; the buyer).
 */
import type { DataSource } from 'typeorm';
import type { Address } from 'viem';
import { ListingEntity } from '../store/schema.js';
import type { MarketChain } from './actions.js';

export interface ListingView {
  id: string;
  title: string;
  priceWei: string;
  ageRestricted: boolean;
  state: 'listed' | 'sold' | 'cancelled' | 'none';
  /** Whether the viewer's demo account is its seller / its buyer. */
  mine: boolean;
  boughtByMe: boolean;
  listTx: string;
}

export async function listListings(
  deps: { dataSource: DataSource; chain: Pick<MarketChain, 'contract' | 'getListings'> },
  viewer: Address | null,
): Promise<ListingView[]> {
  const [rows, onChain] = await Promise.all([
    deps.dataSource
      .getRepository(ListingEntity)
      .find({ where: { contract: deps.chain.contract }, order: { createdAt: 'DESC' } }),
    deps.chain.getListings(),
  ]);
  const byId = new Map(onChain.map((l) => [l.listingId.toString(), l]));
  return rows.map((r) => {
    const l = byId.get(r.id);
    return {
      id: r.id,
      title: r.title,
      priceWei: r.priceWei,
      ageRestricted: r.ageRestricted,
      state: l?.state ?? 'none',
      mine: viewer !== null && r.seller === viewer,
      boughtByMe: viewer !== null && l?.buyer === viewer,
      listTx: r.listTx,
    };
  });
}
