/**
 * The reputation engine's input, persisted: marketplace events stored once each (their id is
 * `txHash:logIndex`, the primary key) together with the reader's checkpoint, in ONE transaction.
 * A crash between two batches resumes after the last committed block; a batch read twice (an
 * overlapping range, a retry) inserts nothing new — an event is never counted twice.
 */
import { insertIfAbsent, withTransaction } from '#platform';
import type { DataSource, EntityManager } from 'typeorm';
import { IssuerError } from '../errors.js';
import { CheckpointEntity, TradeEventEntity } from '../store/schema.js';
import {
  computeReputation,
  eventIdOf,
  reputationAttributes,
  type ReputationEvent,
  type ReputationParams,
  type ReputationRole,
} from './reputation.js';

/** JSON with bigints as decimal strings (and back, for the fields that are bigints). */
const toJson = (e: ReputationEvent): string =>
  JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

function fromJson(s: string): ReputationEvent {
  const o = JSON.parse(s) as Record<string, unknown>;
  const e = { ...o, listingId: BigInt(o.listingId as string) };
  if (o.type === 'TradeCompleted') {
    return { ...e, priceWei: BigInt(o.priceWei as string) } as ReputationEvent;
  }
  return e as ReputationEvent;
}

/** The checkpoint of a reader, or undefined before its first batch. */
export async function readCheckpoint(ds: DataSource, name: string): Promise<string | undefined> {
  const row = await ds.getRepository(CheckpointEntity).findOne({ where: { name } });
  return row?.position;
}

/**
 * Stores a batch of events and moves the checkpoint, atomically. Returns how many events were
 * new. The checkpoint never moves backwards (a stale reader cannot rewind it).
 */
export async function appendTradeEvents(
  ds: DataSource,
  params: { checkpoint: { name: string; position: bigint }; events: readonly ReputationEvent[] },
): Promise<{ added: number }> {
  return withTransaction(ds, async (tx) => {
    const cps = tx.getRepository(CheckpointEntity);
    const current = await cps.findOne({ where: { name: params.checkpoint.name } });
    if (current && BigInt(current.position) >= params.checkpoint.position) {
      return { added: 0 }; // already processed (a retry, or another instance got there first)
    }
    const { added } = await insertEvents(tx, params.events);
    await cps.save({
      name: params.checkpoint.name,
      position: params.checkpoint.position.toString(),
    });
    return { added };
  });
}

/** Stores events posted outside a checkpointed reader (signed marketplace events). */
export async function addTradeEvents(
  ds: DataSource,
  events: readonly ReputationEvent[],
): Promise<{ added: number }> {
  return withTransaction(ds, (tx) => insertEvents(tx, events));
}

/** Inserts each event unless its id is stored already; counts the new ones. */
async function insertEvents(
  db: DataSource | EntityManager,
  events: readonly ReputationEvent[],
): Promise<{ added: number }> {
  let added = 0;
  for (const e of events) {
    const inserted = await insertIfAbsent(db, TradeEventEntity, {
      id: eventIdOf(e),
      marketplace: e.marketplace.toLowerCase(),
      listingId: e.listingId.toString(),
      seller: e.seller.toLowerCase(),
      buyer: e.type === 'TradeCompleted' ? e.buyer.toLowerCase() : null,
      payload: toJson(e),
    });
    if (inserted) added++;
  }
  return { added };
}

/** The stored events that concern an account: its trades and the ratings of those trades. */
export async function eventsOfAccount(ds: DataSource, account: string): Promise<ReputationEvent[]> {
  const a = account.toLowerCase();
  const repo = ds.getRepository(TradeEventEntity);
  const direct = await repo.find({ where: [{ seller: a }, { buyer: a }] });
  const listings = new Map<string, Set<string>>();
  for (const r of direct) {
    if (r.buyer === a) {
      if (!listings.has(r.marketplace)) listings.set(r.marketplace, new Set());
      listings.get(r.marketplace)!.add(r.listingId);
    }
  }
  const rows = new Map(direct.map((r) => [r.id, r]));
  for (const [marketplace, ids] of listings) {
    const all = [...ids];
    for (let i = 0; i < all.length; i += 500) {
      const chunk = await repo
        .createQueryBuilder('e')
        .where('e.marketplace = :m AND e.listing_id IN (:...ids)', {
          m: marketplace,
          ids: all.slice(i, i + 500),
        })
        .getMany();
      for (const r of chunk) rows.set(r.id, r);
    }
  }
  return [...rows.values()].map((r) => fromJson(r.payload));
}

/** An account's readable reputation attributes as of `now`, from the stored events. */
export async function reputationOf(
  ds: DataSource,
  params: {
    account: string;
    role: ReputationRole;
    now: number;
    hasKycPass: (account: string) => boolean | Promise<boolean>;
    params?: Partial<ReputationParams> | undefined;
  },
): Promise<ReturnType<typeof reputationAttributes>> {
  if (!/^0x[0-9a-fA-F]{40}$/.test(params.account)) {
    throw new IssuerError('bad_input', 'the account must be an Ethereum address');
  }
  const events = await eventsOfAccount(ds, params.account);
  const rep = await computeReputation(events, {
    now: params.now,
    account: params.account,
    role: params.role,
    hasKycPass: params.hasKycPass,
    ...(params.params ? { params: params.params } : {}),
  });
  return reputationAttributes(rep);
}
