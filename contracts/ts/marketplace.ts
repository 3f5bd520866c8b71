/**
 * The demo Marketplace on the chain: deploy an instance bound to a gate and two of its policies,
 * read its binding (to reuse a live one), list and buy as an account, read listings, and the read
 * helpers for the issuer's reputation engine (trades and ratings from its events).
 */
import { getAddress, parseEventLogs, type Address, type Hex } from 'viem';
import { marketplaceAbi } from './abi.js';
import { writeAndWait, type ReadClient, type WriteClient } from './clients.js';
import { compileContracts, type CompileParameters } from './compile.js';
import { deployContractCode, type DeployedContract } from './deploy.js';
import { ContractsError, ContractsErrorCode } from './errors.js';

export type DeployMarketplaceParameters = {
  publicClient: ReadClient;
  walletClient: WriteClient;
  /** The ZkGate whose passes it accepts. */
  gate: Address;
  /** Gate policy ids: the seller's reputation policy and the buyer's age policy (non-zero). */
  reputationPolicyId: bigint;
  agePolicyId: bigint;
  /**
   * What to compile with (the Marketplace's code does not depend on it; passing what `deploy()`
   * was given reuses its compile cache). Default: our own contracts only.
   */
  build?: CompileParameters | undefined;
};

/** Deploys a Marketplace instance (its runtime code checked against the build). */
export async function deployMarketplace(
  params: DeployMarketplaceParameters,
): Promise<DeployedContract> {
  const { publicClient, walletClient } = params;
  if (params.reputationPolicyId <= 0n || params.agePolicyId <= 0n) {
    throw new ContractsError(ContractsErrorCode.configInvalid, 'Policy ids must be non-zero.');
  }
  const build = await compileContracts(params.build ?? {});
  const artifact = build.contracts['Marketplace'];
  if (!artifact) throw new ContractsError(ContractsErrorCode.compileFailed, 'No Marketplace.');
  try {
    return await deployContractCode(
      { publicClient, walletClient },
      {
        name: 'Marketplace',
        abi: marketplaceAbi,
        bytecode: artifact.bytecode,
        args: [getAddress(params.gate), params.reputationPolicyId, params.agePolicyId],
      },
    );
  } catch (cause) {
    throw new ContractsError(ContractsErrorCode.deployFailed, 'Deploying the Marketplace failed.', {
      details: cause instanceof Error ? cause.message : undefined,
      cause,
    });
  }
}

/** What a Marketplace instance is bound to. */
export type MarketplaceBinding = {
  readonly gate: Address;
  readonly reputationPolicyId: bigint;
  readonly agePolicyId: bigint;
};

/**
 * The gate and policy ids of the Marketplace at `marketplace`, or null when no Marketplace answers
 * there (no code: e.g. a new chain) — to decide whether a recorded instance can be reused.
 */
export async function getMarketplaceBinding(
  publicClient: ReadClient,
  params: { marketplace: Address },
): Promise<MarketplaceBinding | null> {
  const code = await publicClient.getCode({ address: params.marketplace });
  if (!code || code === '0x') return null;
  const read = <F extends 'GATE' | 'REPUTATION_POLICY_ID' | 'AGE_POLICY_ID'>(functionName: F) =>
    publicClient.readContract({ address: params.marketplace, abi: marketplaceAbi, functionName });
  try {
    const [gate, reputationPolicyId, agePolicyId] = await Promise.all([
      read('GATE'),
      read('REPUTATION_POLICY_ID'),
      read('AGE_POLICY_ID'),
    ]);
    return {
      gate: getAddress(gate as Address),
      reputationPolicyId,
      agePolicyId,
    } as MarketplaceBinding;
  } catch {
    return null;
  }
}

/** Lifecycle of a listing, as the contract's `ListingState`. */
export const LISTING_STATES = ['none', 'listed', 'sold', 'cancelled'] as const;
export type ListingState = (typeof LISTING_STATES)[number];

export type Listing = {
  readonly listingId: bigint;
  readonly seller: Address;
  readonly price: bigint;
  readonly buyer: Address | null;
  readonly ageRestricted: boolean;
  readonly state: ListingState;
  readonly rated: boolean;
};

/** One listing (state `none` when it does not exist). */
export async function getListing(
  publicClient: ReadClient,
  params: { marketplace: Address; listingId: bigint },
): Promise<Listing> {
  const l = await publicClient.readContract({
    address: params.marketplace,
    abi: marketplaceAbi,
    functionName: 'getListing',
    args: [params.listingId],
  });
  const zero = /^0x0{40}$/i;
  return {
    listingId: params.listingId,
    seller: getAddress(l.seller),
    price: l.price,
    buyer: zero.test(l.buyer) ? null : getAddress(l.buyer),
    ageRestricted: l.ageRestricted,
    state: LISTING_STATES[l.state] ?? 'none',
    rated: l.rated,
  };
}

/** Every listing (ids 1..listingCount), in id order. */
export async function getListings(
  publicClient: ReadClient,
  params: { marketplace: Address },
): Promise<Listing[]> {
  const count = await publicClient.readContract({
    address: params.marketplace,
    abi: marketplaceAbi,
    functionName: 'listingCount',
  });
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  return Promise.all(
    ids.map((listingId) =>
      getListing(publicClient, { marketplace: params.marketplace, listingId }),
    ),
  );
}

/**
 * Lists an item as the wallet client's account (it must hold a valid reputation pass). Throws
 * `ContractsError('tx_failed')` with the contract's custom error name in `details` on a revert.
 */
export async function listItem(params: {
  publicClient: ReadClient;
  walletClient: WriteClient;
  marketplace: Address;
  price: bigint;
  ageRestricted: boolean;
}): Promise<{ listingId: bigint; transactionHash: Hex }> {
  const receipt = await writeAndWait({
    publicClient: params.publicClient,
    walletClient: params.walletClient,
    address: params.marketplace,
    abi: marketplaceAbi,
    functionName: 'list',
    args: [params.price, params.ageRestricted],
  });
  const [listed] = parseEventLogs({
    abi: marketplaceAbi,
    eventName: 'Listed',
    logs: receipt.logs.filter((l) => getAddress(l.address) === getAddress(params.marketplace)),
  });
  if (!listed) {
    throw new ContractsError(ContractsErrorCode.txFailed, 'list emitted no Listed event.');
  }
  return { listingId: listed.args.listingId, transactionHash: receipt.transactionHash };
}

/**
 * Buys listing `listingId` for its price as the wallet client's account (an age-restricted item
 * needs the account's age pass). Throws `ContractsError('tx_failed')` with the custom error name
 * in `details` on a revert.
 */
export async function buyItem(params: {
  publicClient: ReadClient;
  walletClient: WriteClient;
  marketplace: Address;
  listingId: bigint;
}): Promise<{ price: bigint; transactionHash: Hex }> {
  const listing = await getListing(params.publicClient, params);
  const receipt = await writeAndWait({
    publicClient: params.publicClient,
    walletClient: params.walletClient,
    address: params.marketplace,
    abi: marketplaceAbi,
    functionName: 'buy',
    args: [params.listingId],
    value: listing.price,
  });
  return { price: listing.price, transactionHash: receipt.transactionHash };
}

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
