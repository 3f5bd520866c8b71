/**
 * The persisted trade log on SQLite and PostgreSQL: events stored once with the reader's
 * checkpoint in one transaction; replays, overlapping batches and a restart never count an
 * event twice; the reputation computed from the store equals the engine's on the same events.
 */
import { databaseEngines } from '../../test/helpers/databases.js';
import { ISSUER_ENTITIES, ISSUER_MIGRATIONS } from '../store/schema.js';
import { computeReputation, reputationAttributes, type ReputationEvent } from './reputation.js';
import {
  addTradeEvents,
  appendTradeEvents,
  eventsOfAccount,
  readCheckpoint,
  reputationOf,
} from './trade-log.js';

const engines = databaseEngines({ entities: ISSUER_ENTITIES, migrations: ISSUER_MIGRATIONS });
const NOW = 1_790_000_000;
const MARKET = '0x00000000000000000000000000000000000000aa';
const SELLER = '0x1111111111111111111111111111111111111111';
const addr = (i: number): string => `0x${(0x2000 + i).toString(16).padStart(40, '0')}`;
const tx = (i: number): string => `0x${i.toString(16).padStart(64, '0')}`;

/** Trade i: a buyer, 0.01 ETH, a day apart, rated 5 (or `score`). */
function trade(i: number, score = 5): ReputationEvent[] {
  const t = NOW - (30 - i) * 86_400;
  return [
    {
      type: 'TradeCompleted',
      txHash: tx(i),
      logIndex: 0,
      marketplace: MARKET,
      listingId: BigInt(i),
      seller: SELLER,
      buyer: addr(i),
      priceWei: 10_000_000_000_000_000n,
      blockTime: t,
    },
    {
      type: 'Rated',
      txHash: tx(1000 + i),
      logIndex: 1,
      marketplace: MARKET,
      listingId: BigInt(i),
      seller: SELLER,
      score,
      blockTime: t + 60,
    },
  ];
}
const kycEveryone = () => true;

describe.each(engines.list)('trade log on %s', (engine) => {
  it('stores a batch with its checkpoint; a replayed batch adds nothing', async () => {
    const ds = await engines.open(engine);
    const batch = [...trade(1), ...trade(2)];
    expect(
      await appendTradeEvents(ds, { checkpoint: { name: 'm', position: 10n }, events: batch }),
    ).toEqual({
      added: 4,
    });
    expect(await readCheckpoint(ds, 'm')).toBe('10');
    // The same batch again (a crash after commit, before the reader moved on): nothing new.
    expect(
      await appendTradeEvents(ds, { checkpoint: { name: 'm', position: 10n }, events: batch }),
    ).toEqual({
      added: 0,
    });
    // An overlapping next batch: only the new events count; the checkpoint moves forward.
    const next = [...trade(2), ...trade(3)];
    expect(
      await appendTradeEvents(ds, { checkpoint: { name: 'm', position: 20n }, events: next }),
    ).toEqual({
      added: 2,
    });
    // A stale reader cannot move the checkpoint back.
    await appendTradeEvents(ds, { checkpoint: { name: 'm', position: 15n }, events: trade(9) });
    expect(await readCheckpoint(ds, 'm')).toBe('20');
    expect((await eventsOfAccount(ds, SELLER)).length).toBe(6);
    // Events posted outside the reader are de-duplicated by the same id.
    expect(await addTradeEvents(ds, [...trade(3), ...trade(4)])).toEqual({ added: 2 });
  });

  it('survives a restart: the reputation after reopening equals the engine on the same events', async () => {
    let ds = await engines.open(engine);
    const events = [1, 2, 3, 4, 5, 6].flatMap((i) => trade(i, i === 6 ? 1 : 5));
    await appendTradeEvents(ds, {
      checkpoint: { name: 'm', position: 5n },
      events: events.slice(0, 6),
    });
    ds = await engines.reopen(ds);
    await appendTradeEvents(ds, {
      checkpoint: { name: 'm', position: 9n },
      events: events.slice(4),
    });
    const stored = await reputationOf(ds, {
      account: SELLER,
      role: 'seller',
      now: NOW,
      hasKycPass: kycEveryone,
    });
    const direct = reputationAttributes(
      await computeReputation(events, {
        now: NOW,
        account: SELLER,
        role: 'seller',
        hasKycPass: kycEveryone,
      }),
    );
    expect(stored).toEqual(direct);
    expect(stored.trades).toBe(6);
    expect(stored.disputeRate).toBeGreaterThan(0);
  });

  it("a buyer's events include the ratings of its purchases, and no one else's trades", async () => {
    const ds = await engines.open(engine);
    await addTradeEvents(ds, [...trade(1), ...trade(2)]);
    const mine = await eventsOfAccount(ds, addr(1));
    expect(mine.map((e) => e.type).sort()).toEqual(['Rated', 'TradeCompleted']);
    expect(mine.every((e) => e.listingId === 1n)).toBe(true);
    await expect(
      reputationOf(ds, {
        account: 'not-an-address',
        role: 'buyer',
        now: NOW,
        hasKycPass: kycEveryone,
      }),
    ).rejects.toMatchObject({ code: 'bad_input' });
  });
});
