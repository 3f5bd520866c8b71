/**
 * reputation.ts: the documented formula (few and many ratings, disputes, decay at several ages,
 * rounding), each wash-trading rule with a test where only it matters (and its control, where the
 * same event does count), odd events (each ignored with its reason), malformed input (refused with
 * a code), idempotent and order-independent ingestion, the sock-puppet attack, and properties:
 * rule-violating trades never change the result, the result matches a straightforward reference of
 * the formula, and it does not depend on the order or repetition of events.
 *
 * Expected numbers in the tables are worked out by hand from docs/reputation.md; the arithmetic is
 * in the row. Default parameters unless a row says otherwise: m = 5, q₀ = ½, dispute = 1★ with
 * value −1, repeat factor ½, half-life 180 days, minimum 0.001 ETH.
 */
import fc from 'fast-check';
import {
  Op,
  REPUTATION_SCHEMA,
  ZkrepError,
  encodeAttributes,
  encodeDate,
  evaluateQuery,
  type ErrorCode,
} from '#zk';
import {
  DEFAULT_REPUTATION_PARAMS,
  MAX_BLOCK_TIME,
  ReputationEngine,
  computeReputation,
  eventIdOf,
  reputationAttributes,
  resolveReputationParams,
  type ComputeReputationOptions,
  type HasKycPass,
  type IgnoreReason,
  type RatedEvent,
  type Reputation,
  type ReputationEvent,
  type ReputationParams,
  type ReputationRole,
  type TradeCompletedEvent,
} from './reputation.js';

// ---- fixtures -----------------------------------------------------------------------------------

/** Slots of zkrep.reputation.v1, from the zk core's claim layout. */
const SLOT = Object.fromEntries(
  Object.entries(REPUTATION_SCHEMA.attributes).map(([name, spec]) => [name, spec.slot]),
) as Record<'score' | 'trades' | 'disputeRate' | 'memberSince' | 'role', number>;
/** Encodes readable reputation attributes as the issuer will (the claim's 8 slots). */
const encode = (a: ReturnType<typeof reputationAttributes>): bigint[] =>
  encodeAttributes(REPUTATION_SCHEMA, a, 99991231);

const DAY = 86_400;
const YEAR = 365 * DAY;
const NOW = 1_790_000_000; // 2026-09-21T14:13:20Z
const H = DEFAULT_REPUTATION_PARAMS.halfLifeSeconds;
const MIN = DEFAULT_REPUTATION_PARAMS.minTradeValueWei;
const PRICE = 10n * MIN; // an ordinary price: 0.01 ETH

const addr = (n: number): string => `0x${n.toString(16).padStart(40, '0')}`;
const SELLER = addr(0xa11ce);
const MARKET = addr(0x3a7);
const OTHER_MARKET = addr(0x3a8);
/** Accounts with a KYC pass: each a distinct person. */
const verified = (i: number): string => addr(0x10000 + i);
/** Sock puppets: accounts without a KYC pass. */
const puppet = (i: number): string => addr(0x20000 + i);

const VERIFIED = new Set([SELLER, ...Array.from({ length: 300 }, (_, i) => verified(i))]);
const kyc: HasKycPass = (account) => VERIFIED.has(account);

/** UTC date of a unix time, by JS Date (independent of the zk core's calendar). */
const dateOf = (t: number): string => new Date(t * 1000).toISOString().slice(0, 10);

/** Builds events with unique tx hashes and listing ids; `snapshot()` copies the list so far. */
class History {
  readonly events: ReputationEvent[] = [];
  #tx = 0;
  #listing: bigint;
  constructor(readonly namespace = 1) {
    this.#listing = BigInt(namespace) * 1_000_000n; // listing ids never collide across histories
  }

  txHash(): string {
    this.#tx += 1;
    return `0x${this.namespace.toString(16).padStart(8, '0')}${this.#tx.toString(16).padStart(56, '0')}`;
  }

  trade(
    o: {
      buyer?: string;
      seller?: string;
      price?: bigint;
      age?: number;
      marketplace?: string;
      listingId?: bigint;
    } = {},
  ): TradeCompletedEvent {
    this.#listing += 1n;
    const e: TradeCompletedEvent = {
      type: 'TradeCompleted',
      txHash: this.txHash(),
      logIndex: 0,
      marketplace: o.marketplace ?? MARKET,
      listingId: o.listingId ?? this.#listing,
      seller: o.seller ?? SELLER,
      buyer: o.buyer ?? verified(0),
      priceWei: o.price ?? PRICE,
      blockTime: NOW - (o.age ?? 0),
    };
    this.events.push(e);
    return e;
  }

  rate(
    t: TradeCompletedEvent,
    score: number,
    o: {
      at?: number;
      seller?: string;
      buyer?: string;
      listingId?: bigint;
      marketplace?: string;
    } = {},
  ): RatedEvent {
    const e: RatedEvent = {
      type: 'Rated',
      txHash: this.txHash(),
      logIndex: 1,
      marketplace: o.marketplace ?? t.marketplace,
      listingId: o.listingId ?? t.listingId,
      seller: o.seller ?? t.seller,
      buyer: o.buyer,
      score,
      blockTime: o.at ?? t.blockTime,
    };
    this.events.push(e);
    return e;
  }

  /** A trade and, when `score` is given, its buyer's rating at the trade's time. */
  sale(o: Parameters<History['trade']>[0] & { score?: number | undefined }): TradeCompletedEvent {
    const t = this.trade(o);
    if (o.score !== undefined) this.rate(t, o.score);
    return t;
  }

  snapshot(): ReputationEvent[] {
    return [...this.events];
  }
}

const idOf = (e: ReputationEvent): string => eventIdOf(e);

async function rep(
  events: Iterable<ReputationEvent>,
  o: Partial<ComputeReputationOptions> = {},
): Promise<Reputation> {
  return computeReputation(events, {
    now: NOW,
    account: SELLER,
    role: 'seller',
    hasKycPass: kyc,
    ...o,
  });
}

/** What a credential sees: the attributes, their unrounded inputs, the counted ids. */
const outcome = (r: Reputation) => ({
  score: r.score,
  trades: r.trades,
  disputeRate: r.disputeRate,
  memberSince: r.memberSince,
  evidence: r.evidence,
  counted: r.counted,
});

const reasonOf = (r: Reputation, e: ReputationEvent): IgnoreReason | undefined =>
  r.ignored.find((i) => i.eventId === idOf(e))?.reason;

async function expectRefused(fn: () => unknown, code: ErrorCode, message?: RegExp): Promise<void> {
  let thrown: unknown;
  try {
    await fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ZkrepError);
  expect((thrown as ZkrepError).code).toBe(code);
  if (message) expect((thrown as ZkrepError).message).toMatch(message);
}

// ---- the formula --------------------------------------------------------------------------------

/** A row's sales: each with a distinct verified buyer unless `buyer` is given. */
type SaleSpec = { score?: number; age?: number; buyer?: string; price?: bigint };
const times = (n: number, s: SaleSpec): SaleSpec[] => Array.from({ length: n }, () => ({ ...s }));

async function run(sales: SaleSpec[], params?: Partial<ReputationParams>): Promise<Reputation> {
  const h = new History();
  sales.forEach((s, i) => h.sale({ buyer: s.buyer ?? verified(i), ...s }));
  return rep(h.events, { params });
}

describe('the formula: few and many ratings, disputes', () => {
  const rows: {
    name: string;
    sales: SaleSpec[];
    params?: Partial<ReputationParams>;
    score: number;
    trades: number;
    disputeRate: number;
  }[] = [
    { name: 'no trades: the prior, q₀ = ½', sales: [], score: 50, trades: 0, disputeRate: 0 },
    {
      name: 'one unrated trade: counted, but no rating evidence',
      sales: [{}],
      score: 50,
      trades: 1,
      disputeRate: 0,
    },
    // (5·½ + 1) / (5 + 1) = .583
    { name: 'one 5★', sales: [{ score: 5 }], score: 58, trades: 1, disputeRate: 0 },
    // (2.5 + .25) / 6 = .458
    { name: 'one 2★', sales: [{ score: 2 }], score: 45, trades: 1, disputeRate: 0 },
    // (2.5 − 1) / 6 = .25
    { name: 'one dispute (1★)', sales: [{ score: 1 }], score: 25, trades: 1, disputeRate: 1000 },
    // 7.5 / 10 = .75
    { name: 'five 5★', sales: times(5, { score: 5 }), score: 75, trades: 5, disputeRate: 0 },
    // 22.5 / 25 = .9
    { name: 'twenty 5★', sales: times(20, { score: 5 }), score: 90, trades: 20, disputeRate: 0 },
    // 102.5 / 105 = .976
    {
      name: 'a hundred 5★',
      sales: times(100, { score: 5 }),
      score: 97,
      trades: 100,
      disputeRate: 0,
    },
    // (2.5 + 100·.75) / 105 = .738
    {
      name: 'a hundred 4★',
      sales: times(100, { score: 4 }),
      score: 73,
      trades: 100,
      disputeRate: 0,
    },
    // (2.5 + 10 + .25) / 16 = .797
    {
      name: 'ten 5★ and one 2★',
      sales: [...times(10, { score: 5 }), { score: 2 }],
      score: 79,
      trades: 11,
      disputeRate: 0,
    },
    // (2.5 + 10 − 1) / 16 = .719; ⌈1000/11⌉ = ⌈90.9⌉
    {
      name: 'ten 5★ and one dispute: costs more than a 2★',
      sales: [...times(10, { score: 5 }), { score: 1 }],
      score: 71,
      trades: 11,
      disputeRate: 91,
    },
    // (2.5 + 10 + 0) / 16 = .781
    {
      name: 'the same with disputePenalty 0: a dispute is worth 0',
      sales: [...times(10, { score: 5 }), { score: 1 }],
      params: { disputePenalty: 0 },
      score: 78,
      trades: 11,
      disputeRate: 91,
    },
    // 2★ is a dispute too: (2.5 + 10 − 1) / 16
    {
      name: 'disputeMaxScore 2: a 2★ is a dispute',
      sales: [...times(10, { score: 5 }), { score: 2 }],
      params: { disputeMaxScore: 2 },
      score: 71,
      trades: 11,
      disputeRate: 91,
    },
    // (2.5 − 5) / 10 < 0 → clamped
    {
      name: 'only disputes: clamped at 0',
      sales: times(5, { score: 1 }),
      score: 0,
      trades: 5,
      disputeRate: 1000,
    },
    // one dispute among 3 trades: ⌈333.3⌉; score (2.5 − 1) / 6
    {
      name: 'dispute rate counts unrated trades, rounded up',
      sales: [{ score: 1 }, {}, {}],
      score: 25,
      trades: 3,
      disputeRate: 334,
    },
    {
      name: 'dispute rate exactly 250 stays 250',
      sales: [{ score: 1 }, {}, {}, {}],
      score: 25,
      trades: 4,
      disputeRate: 250,
    },
    // the prior: m = 1, q₀ = .9 → (0.9 + 1) / 2 = .95
    {
      name: 'another prior',
      sales: [{ score: 5 }],
      params: { priorWeight: 1, priorMean: 0.9 },
      score: 95,
      trades: 1,
      disputeRate: 0,
    },
  ];

  it.each(rows)('$name → score $score, trades $trades, dispute rate $disputeRate‰', async (row) => {
    const r = await run(row.sales, row.params);
    expect({ score: r.score, trades: r.trades, disputeRate: r.disputeRate }).toEqual({
      score: row.score,
      trades: row.trades,
      disputeRate: row.disputeRate,
    });
    expect(r.memberSince).toBe(row.sales.length === 0 ? null : dateOf(NOW));
  });

  it('few ratings cannot make a high score: it takes about twenty 5★ to reach 90', async () => {
    const scores = [];
    for (const n of [1, 2, 5, 10, 19, 20]) scores.push((await run(times(n, { score: 5 }))).score);
    // (2.5 + n) / (5 + n): 58, 64, 75, 83, 89, 90
    expect(scores).toEqual([58, 64, 75, 83, 89, 90]);
  });
});

describe('the formula: decay with the age of the evidence', () => {
  // One 5★ at age a: w = 2^(−a/H); (2.5 + w) / (5 + w).
  it.each([
    { age: 0, score: 58 }, // w = 1: 3.5/6 = .583
    { age: H / 2, score: 56 }, // w = .707: 3.207/5.707 = .562
    { age: H, score: 54 }, // w = .5: 3/5.5 = .545 (rounded would be 55: it is floored)
    { age: 2 * H, score: 52 }, // w = .25: 2.75/5.25 = .524
    { age: 10 * H, score: 50 }, // w ≈ .001: back to the prior
  ])('one 5★ aged $age s → $score', async ({ age, score }) => {
    const r = await run([{ score: 5, age }]);
    expect(r.score).toBe(score);
    expect(r.trades).toBe(1);
    expect(r.memberSince).toBe(dateOf(NOW - age));
  });

  // Twenty 5★ at age a: w = 20 · 2^(−a/H).
  it.each([
    { age: 0, score: 90 }, // 22.5/25
    { age: H, score: 83 }, // w = 10: 12.5/15 = .833
    { age: 3 * H, score: 66 }, // w = 2.5: 5/7.5 = .667
  ])(
    'twenty 5★ aged $age s → $score; trades and dispute rate do not decay',
    async ({ age, score }) => {
      const r = await run(times(20, { score: 5, age }));
      expect([r.score, r.trades, r.disputeRate]).toEqual([score, 20, 0]);
    },
  );

  it('an old dispute weighs less in the score than a recent one, but stays in the dispute rate', async () => {
    const recent = await run([...times(10, { score: 5 }), { score: 1 }]);
    // dispute at age 4H: w = 1/16: (2.5 + 10 − .0625) / 15.0625 = .826
    const old = await run([...times(10, { score: 5 }), { score: 1, age: 4 * H }]);
    expect([recent.score, old.score]).toEqual([71, 82]);
    expect([recent.disputeRate, old.disputeRate]).toEqual([91, 91]);
  });

  it('decay uses the explicit `now`: the same events later give a lower score', async () => {
    const h = new History();
    for (let i = 0; i < 20; i++) h.sale({ buyer: verified(i), score: 5 });
    const at = async (now: number) => (await rep(h.events, { now })).score;
    expect([await at(NOW), await at(NOW + H), await at(NOW + 3 * H)]).toEqual([90, 83, 66]);
  });

  it('a longer half-life decays more slowly', async () => {
    const r = await run([{ score: 5, age: H }], { halfLifeSeconds: 2 * H }); // w = .707 → 56
    expect(r.score).toBe(56);
  });
});

describe('the formula: rounding', () => {
  it('the score is floored, not rounded (54.5 → 54)', async () => {
    const r = await run([{ score: 5, age: H }]);
    expect(100 * r.evidence.mean).toBeCloseTo(54.545, 3);
    expect(r.score).toBe(54);
  });

  it.each([
    { priorMean: 0.29, score: 29 }, // 100 · .29 = 28.999999999999996 in floats
    { priorMean: 0.57, score: 57 }, // 56.99999999999999
    { priorMean: 0.5, score: 50 },
  ])('values within 1e-9 of an integer are that integer: q₀ = $priorMean → $score', async (row) => {
    const r = await run([], { priorMean: row.priorMean });
    expect(r.score).toBe(row.score);
  });

  it('the dispute rate is rounded up (333.3 → 334), an exact value stays (250)', async () => {
    expect((await run([{ score: 1 }, {}, {}])).disputeRate).toBe(334);
    expect((await run([{ score: 1 }, {}, {}, {}])).disputeRate).toBe(250);
  });

  it('trades are floored effective trades: 3 trades with one buyer are 1.75 → 1', async () => {
    const r = await run(times(3, { buyer: verified(0) }));
    expect(r.evidence.effectiveTrades).toBe(1.75);
    expect(r.trades).toBe(1);
  });
});

describe('the buyer role', () => {
  it('every counted purchase is paid evidence (v = 1); a purchase it disputed is neutral (v = q₀)', async () => {
    const h = new History();
    const BUYER = verified(0);
    for (let i = 1; i <= 5; i++) h.sale({ seller: verified(i), buyer: BUYER, score: 5 });
    const five = await rep(h.events, { account: BUYER, role: 'buyer' });
    // (2.5 + 5) / 10 = .75
    expect([five.score, five.trades, five.disputeRate]).toEqual([75, 5, 0]);
    h.sale({ seller: verified(6), buyer: BUYER, score: 1 });
    const disputed = await rep(h.events, { account: BUYER, role: 'buyer' });
    // (2.5 + 5 + .5) / 11 = .727; ⌈1000/6⌉ = 167
    expect([disputed.score, disputed.trades, disputed.disputeRate]).toEqual([72, 6, 167]);
  });

  it('the seller must hold the KYC pass, and the buyer role ignores the account’s sales', async () => {
    const h = new History();
    const BUYER = verified(0);
    const good = h.sale({ seller: verified(1), buyer: BUYER });
    const fake = h.sale({ seller: puppet(1), buyer: BUYER });
    const sold = h.sale({ seller: BUYER, buyer: verified(2) });
    const r = await rep(h.events, { account: BUYER, role: 'buyer' });
    expect(r.counted).toEqual([idOf(good)]);
    expect(reasonOf(r, fake)).toBe('counterparty_without_kyc_pass');
    expect(reasonOf(r, sold)).toBeUndefined(); // not its purchase: not even reported
  });
});

// ---- wash trading: each rule alone --------------------------------------------------------------

describe('wash-trading rules, each where only it matters', () => {
  /** One sale that breaks exactly one rule, and its control that breaks none. */
  const rules: {
    rule: string;
    reason: IgnoreReason;
    breaks: Parameters<History['trade']>[0];
    control: Parameters<History['trade']>[0];
  }[] = [
    {
      rule: 'self-trade (buyer = seller, with a pass and a normal price)',
      reason: 'self_trade',
      breaks: { buyer: SELLER },
      control: { buyer: verified(50) },
    },
    {
      rule: 'self-trade in another hex case',
      reason: 'self_trade',
      breaks: { buyer: SELLER.toUpperCase().replace('0X', '0x') },
      control: { buyer: verified(50) },
    },
    {
      rule: 'below the minimum value (min − 1 wei; the control pays exactly min)',
      reason: 'below_min_value',
      breaks: { buyer: verified(50), price: MIN - 1n },
      control: { buyer: verified(50), price: MIN },
    },
    {
      rule: '1 wei',
      reason: 'below_min_value',
      breaks: { buyer: verified(50), price: 1n },
      control: { buyer: verified(50), price: PRICE },
    },
    {
      rule: 'buyer without a KYC pass',
      reason: 'counterparty_without_kyc_pass',
      breaks: { buyer: puppet(1) },
      control: { buyer: verified(50) },
    },
  ];

  it.each(rules)('$rule', async ({ reason, breaks, control }) => {
    const h = new History();
    h.sale({ buyer: verified(1), score: 4, age: 30 * DAY });
    h.sale({ buyer: verified(2), score: 3, age: 10 * DAY });
    const base = await rep(h.snapshot());

    const broken = new History(2);
    const bad = broken.sale({ ...breaks, score: 5, age: 400 * DAY });
    const withBad = await rep([...h.events, ...broken.events]);
    expect(reasonOf(withBad, bad)).toBe(reason);
    expect(reasonOf(withBad, broken.events[1]!)).toBe('trade_not_counted');
    expect(outcome(withBad)).toEqual(outcome(base));

    const ok = new History(3);
    ok.sale({ ...control, score: 5, age: 400 * DAY });
    const withGood = await rep([...h.events, ...ok.events]);
    expect(withGood.trades).toBe(base.trades + 1);
    expect(withGood.score).toBeGreaterThan(base.score);
    expect(withGood.memberSince).toBe(dateOf(NOW - 400 * DAY));
  });

  it('with minTradeValueWei 0 a 1-wei trade counts (the rule is the parameter)', async () => {
    const r = await run([{ price: 1n }], { minTradeValueWei: 0n });
    expect(r.trades).toBe(1);
  });

  describe('repeated trades of one pair: the k-th weighs ½^k', () => {
    // n trades with one buyer: Σ ½^k = 2 − 2^(1−n); n distinct buyers: n.
    it.each([
      { n: 1, effective: 1, trades: 1 },
      { n: 2, effective: 1.5, trades: 1 },
      { n: 3, effective: 1.75, trades: 1 },
      { n: 10, effective: 2 - 2 ** -9, trades: 1 },
      { n: 20, effective: 2 - 2 ** -19, trades: 1 },
      // from the 21st trade of a pair on the weight is 0 (PAIR_TRADE_LIMIT): still < 2
      { n: 21, effective: 2 - 2 ** -19, trades: 1 },
      { n: 250, effective: 2 - 2 ** -19, trades: 1 },
    ])('$n trades with one buyer → $effective effective, $trades counted', async (row) => {
      const same = await run(times(row.n, { buyer: verified(0), score: 5 }));
      expect(same.evidence.effectiveTrades).toBe(row.effective);
      expect(same.trades).toBe(row.trades);
      const distinct = await run(times(row.n, { score: 5 }));
      expect(distinct.trades).toBe(row.n);
      expect(same.score).toBeLessThanOrEqual(distinct.score);
    });

    it('two 5★ from one buyer: (2.5 + 1.5) / 6.5 → 61; from two buyers: 4.5 / 7 → 64', async () => {
      expect((await run(times(2, { buyer: verified(0), score: 5 }))).score).toBe(61);
      expect((await run(times(2, { score: 5 }))).score).toBe(64);
    });

    it('the first trade of the pair (oldest) weighs 1, whichever order they are given in', async () => {
      const h = new History();
      const late = h.sale({ buyer: verified(0), score: 1, age: 0 });
      const early = h.sale({ buyer: verified(0), score: 5, age: 10 * DAY });
      const r = await rep(h.events);
      // dispute weight ½ (the later, repeated trade) of 1.5 effective trades = 333.3‰ → 334
      expect(r.evidence.disputeWeight).toBe(0.5);
      expect(r.disputeRate).toBe(334);
      expect(r.memberSince).toBe(dateOf(early.blockTime));
      expect(late.blockTime).toBeGreaterThan(early.blockTime);
    });

    it('repeatFactor 0: only the first trade of a pair counts', async () => {
      const r = await run(times(5, { buyer: verified(0), score: 5 }), { repeatFactor: 0 });
      expect([r.evidence.effectiveTrades, r.trades, r.score]).toEqual([1, 1, 58]);
    });

    it('pairs span marketplaces: the same buyer on another marketplace is a repeat', async () => {
      const h = new History();
      h.sale({ buyer: verified(0), score: 5, marketplace: MARKET });
      h.sale({ buyer: verified(0), score: 5, marketplace: OTHER_MARKET });
      expect((await rep(h.events)).evidence.effectiveTrades).toBe(1.5);
    });
  });
});

// ---- odd events ---------------------------------------------------------------------------------

describe('odd events are ignored, with a reason, and change nothing', () => {
  const rows: {
    name: string;
    reason: IgnoreReason;
    /** The row also adds a valid, unrated trade (the one the odd rating is of). */
    extraTrade?: boolean;
    /** Adds the odd event(s) to a history holding one rated sale `t`; returns the odd event. */
    add: (h: History, t: TradeCompletedEvent) => ReputationEvent;
  }[] = [
    {
      name: 'a rating without a completed trade (unknown listing)',
      reason: 'unknown_trade',
      add: (h, t) => h.rate(t, 5, { listingId: 999n }),
    },
    {
      name: 'a rating of the same listing id on another marketplace',
      reason: 'unknown_trade',
      add: (h, t) => h.rate(t, 5, { marketplace: OTHER_MARKET }),
    },
    {
      name: 'a second rating of the same trade',
      reason: 'duplicate_rating',
      add: (h, t) => h.rate(t, 5, { at: t.blockTime + 60 }),
    },
    { name: 'a rating of 0', reason: 'score_out_of_range', add: (h, t) => h.rate(t, 0) },
    { name: 'a rating of 6', reason: 'score_out_of_range', add: (h, t) => h.rate(t, 6) },
    { name: 'a rating of 255', reason: 'score_out_of_range', add: (h, t) => h.rate(t, 255) },
    { name: 'a rating of −1', reason: 'score_out_of_range', add: (h, t) => h.rate(t, -1) },
    {
      name: 'a rating naming another buyer than the trade’s',
      reason: 'rating_mismatch',
      add: (h, t) => h.rate(t, 5, { buyer: verified(7), at: t.blockTime + 1 }),
    },
    {
      name: 'a rating for this seller of a trade with another seller',
      reason: 'rating_mismatch',
      add: (h) => {
        const other = h.trade({ seller: verified(8), buyer: verified(9) });
        return h.rate(other, 5, { seller: SELLER });
      },
    },
    {
      name: 'a rating before its trade',
      reason: 'rated_before_trade',
      extraTrade: true,
      add: (h) => {
        const t2 = h.trade({ buyer: verified(3), age: DAY });
        return h.rate(t2, 5, { at: t2.blockTime - 1 });
      },
    },
    {
      name: 'a rating of a trade that does not count',
      reason: 'trade_not_counted',
      add: (h) => h.rate(h.trade({ buyer: puppet(3) }), 5),
    },
    {
      name: 'a trade after `now`',
      reason: 'after_now',
      add: (h) => h.trade({ buyer: verified(4), age: -1 }),
    },
    {
      name: 'a rating after `now`',
      reason: 'after_now',
      extraTrade: true,
      add: (h) => {
        const t2 = h.trade({ buyer: verified(4), age: 0 });
        return h.rate(t2, 5, { at: NOW + 1 });
      },
    },
    {
      name: 'a second report of the same trade (same listing and content, other event)',
      reason: 'duplicate_trade',
      add: (h, t) =>
        h.trade({
          buyer: t.buyer,
          listingId: t.listingId,
          price: t.priceWei,
          age: NOW - t.blockTime - 5,
        }),
    },
  ];

  it.each(rows)('$name → $reason', async ({ reason, add, extraTrade }) => {
    const h = new History();
    const t = h.sale({ buyer: verified(1), score: 2, age: DAY });
    const base = await rep(h.snapshot());
    const odd = add(h, t);
    const r = await rep(h.events);
    expect(reasonOf(r, odd)).toBe(reason);
    // The odd event changes nothing; where the row also adds a valid unrated trade, that trade
    // adds exactly one trade and no rating evidence.
    if (extraTrade) {
      expect([r.trades, r.evidence.mean]).toEqual([base.trades + 1, base.evidence.mean]);
    } else {
      expect(outcome(r)).toEqual(outcome(base));
    }
  });

  it('of two ratings of one trade the earliest counts, in whatever order they arrive', async () => {
    const h = new History();
    const t = h.trade({ buyer: verified(1), age: DAY });
    const later = h.rate(t, 5, { at: t.blockTime + 100 });
    const first = h.rate(t, 1, { at: t.blockTime + 10 });
    for (const events of [h.events, [...h.events].reverse()]) {
      const r = await rep(events);
      expect(r.counted).toContain(idOf(first));
      expect(reasonOf(r, later)).toBe('duplicate_rating');
      expect(r.disputeRate).toBe(1000);
    }
  });

  it('an invalid rating does not use up the trade’s one rating', async () => {
    const h = new History();
    const t = h.trade({ buyer: verified(1), age: DAY });
    h.rate(t, 9, { at: t.blockTime });
    const valid = h.rate(t, 5, { at: t.blockTime + 1 });
    const r = await rep(h.events);
    expect(r.counted).toContain(idOf(valid));
    expect(r.score).toBe(58);
  });

  it('conflicting reports of one listing: none counts, nor their ratings', async () => {
    const h = new History();
    h.sale({ buyer: verified(1), score: 4 });
    const base = await rep(h.snapshot());
    const a = h.trade({ buyer: verified(2), listingId: 77n });
    const b = h.trade({ buyer: verified(3), listingId: 77n });
    const rating = h.rate(a, 5);
    const r = await rep(h.events);
    expect([reasonOf(r, a), reasonOf(r, b), reasonOf(r, rating)]).toEqual([
      'conflicting_trade',
      'conflicting_trade',
      'trade_not_counted',
    ]);
    expect(outcome(r)).toEqual(outcome(base));
  });

  it('reports only the account’s own events', async () => {
    const h = new History();
    h.sale({ seller: verified(5), buyer: puppet(1), score: 5 });
    const r = await rep(h.events);
    expect(r.ignored).toEqual([]);
    expect(r.counted).toEqual([]);
  });
});

// ---- the KYC predicate --------------------------------------------------------------------------

describe('the injected KYC predicate', () => {
  it('is asked once per distinct counterparty of an otherwise valid trade, in sorted order', async () => {
    const h = new History();
    h.sale({ buyer: verified(2), score: 5 });
    h.sale({ buyer: verified(1), score: 5 });
    h.sale({ buyer: verified(2), score: 5 });
    h.sale({ buyer: puppet(1) });
    h.sale({ buyer: puppet(2), price: 1n }); // below min: not asked
    h.sale({ buyer: SELLER }); // self-trade: not asked
    const asked: string[] = [];
    await rep(h.events, {
      hasKycPass: (a) => {
        asked.push(a);
        return VERIFIED.has(a);
      },
    });
    expect(asked).toEqual([verified(1), verified(2), puppet(1)]);
  });

  it('may be async (ZkGate.passOf)', async () => {
    const h = new History();
    h.sale({ buyer: verified(1), score: 5 });
    h.sale({ buyer: puppet(1), score: 5 });
    const r = await rep(h.events, { hasKycPass: async (a) => VERIFIED.has(a) });
    expect([r.trades, r.score]).toEqual([1, 58]);
  });

  it('its errors propagate; a non-boolean answer is refused', async () => {
    const h = new History();
    h.sale({ buyer: verified(1) });
    await expect(
      rep(h.events, {
        hasKycPass: () => {
          throw new Error('rpc down');
        },
      }),
    ).rejects.toThrow('rpc down');
    await expectRefused(
      () => rep(h.events, { hasKycPass: (() => 'yes') as unknown as HasKycPass }),
      'bad_input',
      /boolean/,
    );
  });
});

// ---- the adversarial scenario -------------------------------------------------------------------

describe('a seller with sock puppets gains nothing', () => {
  /** An honest seller: 8 distinct verified buyers over the last year. */
  function honest(): History {
    const h = new History(1);
    [5, 4, 5, 3, 5, 5, 4, 5].forEach((score, i) =>
      h.sale({ buyer: verified(i), score, age: (i + 1) * 40 * DAY }),
    );
    return h;
  }

  it('20 puppets without a pass, 1-wei self-trades and 1-wei trades with a real KYC’d account', async () => {
    const base = await rep(honest().events);
    const attack = new History(2);
    const SECOND = verified(200); // the seller's own second account, with a real KYC pass
    for (let p = 0; p < 20; p++) {
      for (let k = 0; k < 5; k++) {
        // back-dated two years: would also move "member since" if it counted
        attack.sale({ buyer: puppet(p), score: 5, price: PRICE, age: 2 * YEAR + k * DAY });
      }
    }
    for (let k = 0; k < 50; k++) attack.sale({ buyer: SELLER, score: 5, price: 1n, age: k * DAY });
    for (let k = 0; k < 50; k++) attack.sale({ buyer: SECOND, score: 5, price: 1n, age: k * DAY });
    const r = await rep([...honest().events, ...attack.events]);
    expect(outcome(r)).toEqual(outcome(base));
    expect(attack.events.every((e) => reasonOf(r, e) !== undefined)).toBe(true);
  });

  it('one real KYC’d buyer (the same person as all puppets) trading again and again', async () => {
    // Its first trade is indistinguishable from an honest customer's and counts as one.
    // Every further trade adds ½, ¼, …: together less than one more trade, however many.
    const SECOND = verified(200);
    const withFirst = honest();
    withFirst.sale({ buyer: SECOND, score: 5, age: 5 * DAY });
    const base = await rep(withFirst.events);

    const customer = new History(3);
    customer.sale({ buyer: verified(201), score: 5 });
    const oneMoreCustomer = await rep([...withFirst.events, ...customer.events]);

    for (const repeats of [1, 2, 10, 100, 500]) {
      const attack = new History(2);
      for (let k = 0; k < repeats; k++) attack.sale({ buyer: SECOND, score: 5, age: k % 5 });
      const r = await rep([...withFirst.events, ...attack.events]);
      expect(r.trades).toBe(base.trades); // 9: the floor of 9 + (1 − 2^−repeats)
      expect(r.evidence.effectiveTrades - base.evidence.effectiveTrades).toBeLessThan(1);
      expect(r.score).toBeLessThanOrEqual(oneMoreCustomer.score);
      expect(r.memberSince).toBe(base.memberSince);
    }
  });

  it('both attacks together', async () => {
    const base = await rep(honest().events);
    const attack = new History(2);
    for (let p = 0; p < 20; p++) attack.sale({ buyer: puppet(p), score: 5 });
    for (let k = 0; k < 20; k++) attack.sale({ buyer: SELLER, score: 5, price: 1n });
    // the KYC'd second account buys only at 1 wei: no trade of it counts
    for (let k = 0; k < 20; k++) attack.sale({ buyer: verified(200), score: 5, price: 1n });
    const r = await rep([...honest().events, ...attack.events]);
    expect([r.score, r.trades, r.disputeRate, r.memberSince]).toEqual([
      base.score,
      base.trades,
      base.disputeRate,
      base.memberSince,
    ]);
  });
});

// ---- ingestion ----------------------------------------------------------------------------------

describe('ReputationEngine: idempotent, order-independent ingestion', () => {
  function sample(): History {
    const h = new History();
    const t1 = h.sale({ buyer: verified(1), score: 5, age: 20 * DAY });
    h.sale({ buyer: verified(2), score: 1, age: 10 * DAY });
    h.sale({ buyer: puppet(1), score: 5 });
    h.rate(t1, 3, { at: t1.blockTime + 5 }); // a second rating
    return h;
  }

  it('the same event twice counts once', async () => {
    const h = sample();
    const once = new ReputationEngine();
    const twice = new ReputationEngine();
    for (const e of h.events) expect(once.ingest(e)).toBe('added');
    for (const e of h.events) {
      twice.ingest(e);
      expect(twice.ingest({ ...e })).toBe('duplicate');
    }
    expect(twice.size).toBe(h.events.length);
    const opts = { now: NOW, account: SELLER, role: 'seller' as const, hasKycPass: kyc };
    expect(await twice.compute(opts)).toEqual(await once.compute(opts));
    expect(await once.compute(opts)).toEqual(await rep(h.events));
  });

  it('ids are case-insensitive in the tx hash', () => {
    const h = new History();
    const t = h.trade();
    const engine = new ReputationEngine();
    engine.ingest(t);
    expect(engine.ingest({ ...t, txHash: t.txHash.toUpperCase().replace('0X', '0x') })).toBe(
      'duplicate',
    );
    expect(engine.has(`${t.txHash.toUpperCase().replace('0X', '0x')}:0`)).toBe(true);
  });

  it('a rating before its trade, or any other order, gives the same result', async () => {
    const h = sample();
    const inOrder = new ReputationEngine();
    inOrder.ingestAll(h.events);
    const reversed = new ReputationEngine();
    reversed.ingestAll([...h.events].reverse());
    const opts = { now: NOW, account: SELLER, role: 'seller' as const, hasKycPass: kyc };
    expect(await reversed.compute(opts)).toEqual(await inOrder.compute(opts));
  });

  it('a restart re-ingests the persisted events (and replays) to the same state', async () => {
    const h = sample();
    const first = new ReputationEngine();
    first.ingestAll(h.events);
    const restarted = new ReputationEngine();
    expect(restarted.ingestAll(first.events())).toBe(h.events.length);
    expect(restarted.ingestAll(h.events)).toBe(0); // the replay from the last checkpoint
    const opts = { now: NOW, account: SELLER, role: 'seller' as const, hasKycPass: kyc };
    expect(await restarted.compute(opts)).toEqual(await first.compute(opts));
    expect(restarted.events()).toEqual(first.events());
  });

  it('an id seen with other content is refused, and nothing changes', async () => {
    const h = sample();
    const engine = new ReputationEngine();
    engine.ingestAll(h.events);
    const t = h.events[0] as TradeCompletedEvent;
    await expectRefused(() => engine.ingest({ ...t, priceWei: 1n }), 'bad_input', /different/);
    await expectRefused(
      () =>
        computeReputation([t, { ...t, buyer: verified(9) }], {
          now: NOW,
          account: SELLER,
          role: 'seller',
          hasKycPass: kyc,
        }),
      'bad_input',
    );
    expect(engine.size).toBe(h.events.length);
    expect(engine.events()).toContainEqual(t);
  });

  it('ingestAll is all-or-nothing', async () => {
    const h = sample();
    const engine = new ReputationEngine();
    const bad = { ...h.events[0]!, txHash: '0x1234' };
    await expectRefused(() => engine.ingestAll([...h.events, bad]), 'bad_input');
    expect(engine.size).toBe(0);
  });
});

// ---- malformed input ----------------------------------------------------------------------------

describe('malformed input is refused with a code', () => {
  const good: TradeCompletedEvent = new History().trade({ buyer: verified(1) });
  const goodRating: RatedEvent = new History().rate(good, 5);
  const events: { name: string; event: unknown; code: ErrorCode }[] = [
    { name: 'not an object', event: 'TradeCompleted', code: 'bad_input' },
    { name: 'an unknown type', event: { ...good, type: 'Listed' }, code: 'bad_input' },
    { name: 'a short tx hash', event: { ...good, txHash: '0x12' }, code: 'bad_input' },
    { name: 'a negative log index', event: { ...good, logIndex: -1 }, code: 'bad_input' },
    { name: 'a fractional log index', event: { ...good, logIndex: 1.5 }, code: 'bad_input' },
    {
      name: 'a seller that is not an address',
      event: { ...good, seller: '0x12' },
      code: 'bad_input',
    },
    {
      name: 'a buyer that is not an address',
      event: { ...good, buyer: 'alice' },
      code: 'bad_input',
    },
    { name: 'a bad marketplace', event: { ...good, marketplace: 1 }, code: 'bad_input' },
    { name: 'a listing id as a number', event: { ...good, listingId: 1 }, code: 'bad_input' },
    { name: 'a negative price', event: { ...good, priceWei: -1n }, code: 'out_of_range' },
    { name: 'a price as a string', event: { ...good, priceWei: '1000' }, code: 'bad_input' },
    {
      name: 'a fractional block time',
      event: { ...good, blockTime: NOW + 0.5 },
      code: 'bad_input',
    },
    { name: 'a negative block time', event: { ...good, blockTime: -1 }, code: 'out_of_range' },
    {
      name: 'a block time after 9999-12-31',
      event: { ...good, blockTime: MAX_BLOCK_TIME + 1 },
      code: 'out_of_range',
    },
    { name: 'a fractional score', event: { ...goodRating, score: 4.5 }, code: 'bad_input' },
    { name: 'a score as a string', event: { ...goodRating, score: '5' }, code: 'bad_input' },
    {
      name: 'a rating buyer that is not an address',
      event: { ...goodRating, buyer: 'bob' },
      code: 'bad_input',
    },
  ];

  it.each(events)('$name → $code', async ({ event, code }) => {
    await expectRefused(() => new ReputationEngine().ingest(event as ReputationEvent), code);
    await expectRefused(() => rep([event as ReputationEvent]), code);
  });

  it('the messages name the field, not the value', async () => {
    await expectRefused(
      () => new ReputationEngine().ingest({ ...good, buyer: '0xdeadbeef' }),
      'bad_input',
      /buyer must be a 0x-prefixed 20-byte hex address$/,
    );
    let message = '';
    try {
      new ReputationEngine().ingest({ ...good, buyer: '0xdeadbeef' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toContain('deadbeef');
  });

  const options: { name: string; o: Partial<ComputeReputationOptions>; code: ErrorCode }[] = [
    { name: 'now in ms, fractional', o: { now: 1.5 }, code: 'bad_input' },
    { name: 'now negative', o: { now: -5 }, code: 'out_of_range' },
    { name: 'a bad account', o: { account: 'me' }, code: 'bad_input' },
    { name: 'a bad role', o: { role: 'broker' as ReputationRole }, code: 'bad_input' },
    {
      name: 'no predicate',
      o: { hasKycPass: undefined as unknown as HasKycPass },
      code: 'bad_input',
    },
    { name: 'an unknown parameter', o: { params: { halfLife: 5 } as never }, code: 'bad_input' },
    { name: 'priorMean > 1', o: { params: { priorMean: 1.5 } }, code: 'out_of_range' },
    { name: 'priorWeight 0', o: { params: { priorWeight: 0 } }, code: 'out_of_range' },
    { name: 'halfLife 0', o: { params: { halfLifeSeconds: 0 } }, code: 'out_of_range' },
    { name: 'halfLife NaN', o: { params: { halfLifeSeconds: NaN } }, code: 'bad_input' },
    { name: 'repeatFactor .6', o: { params: { repeatFactor: 0.6 } }, code: 'out_of_range' },
    { name: 'disputeMaxScore 5', o: { params: { disputeMaxScore: 5 } }, code: 'out_of_range' },
    { name: 'negative penalty', o: { params: { disputePenalty: -1 } }, code: 'out_of_range' },
    {
      name: 'min value as a number',
      o: { params: { minTradeValueWei: 5 as never } },
      code: 'bad_input',
    },
  ];

  it.each(options)('options: $name → $code', async ({ o, code }) => {
    await expectRefused(() => rep([], o), code);
  });
});

describe('parameters and attributes', () => {
  it('the defaults are frozen and valid', () => {
    expect(Object.isFrozen(DEFAULT_REPUTATION_PARAMS)).toBe(true);
    expect(() => {
      (DEFAULT_REPUTATION_PARAMS as { priorWeight: number }).priorWeight = 0;
    }).toThrow(TypeError);
    expect(resolveReputationParams()).toEqual(DEFAULT_REPUTATION_PARAMS);
    expect(resolveReputationParams({ priorWeight: 2 }).priorWeight).toBe(2);
  });

  it('reputationAttributes lays out zkrep.reputation.v1 (slots 0–4, then zeros)', async () => {
    const h = new History();
    for (let i = 0; i < 12; i++) h.sale({ buyer: verified(i), score: 5, age: 2 * YEAR - i * DAY });
    h.sale({ buyer: verified(20), score: 1 });
    const r = await rep(h.events);
    const attrs = encode(reputationAttributes(r));
    expect(attrs).toHaveLength(8);
    expect(attrs.slice(5)).toEqual([0n, 0n, 0n]);
    expect(attrs[SLOT.score]).toBe(BigInt(r.score));
    expect(attrs[SLOT.trades]).toBe(13n);
    expect(attrs[SLOT.disputeRate]).toBe(77n); // ⌈1000/13⌉
    expect(attrs[SLOT.memberSince]).toBe(encodeDate(dateOf(NOW - 2 * YEAR)));
    expect(attrs[SLOT.role]).toBe(1n); // seller
    const buyer = encode(reputationAttributes(await rep([], { role: 'buyer' })));
    expect(buyer[SLOT.role]).toBe(0n);
  });

  it('an account with no counted trade is member since today, so "member ≥ 1 year" fails', async () => {
    const memberForAYear = {
      schema: REPUTATION_SCHEMA.id,
      predicates: [{ slot: SLOT.memberSince, op: Op.ageAtLeast, value: 1n }],
    };
    const fresh = encode(reputationAttributes(await rep([])));
    expect(fresh[SLOT.memberSince]).toBe(encodeDate(dateOf(NOW)));
    expect(evaluateQuery(memberForAYear, fresh, BigInt(NOW))).toBe(false);
    const h = new History();
    h.sale({ buyer: verified(1), age: 2 * YEAR });
    const old = encode(reputationAttributes(await rep(h.events)));
    expect(evaluateQuery(memberForAYear, old, BigInt(NOW))).toBe(true);
  });
});

// ---- properties ---------------------------------------------------------------------------------

type Spec = {
  cp: number;
  price: bigint;
  age: number;
  score: number | null;
  delay: number;
};
const ageArb = fc.integer({ min: 0, max: 3 * YEAR });
const honestArb: fc.Arbitrary<Spec> = fc.record({
  cp: fc.integer({ min: 0, max: 6 }),
  price: fc.bigInt({ min: MIN, max: 1000n * MIN }),
  age: ageArb,
  score: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
  delay: fc.integer({ min: 0, max: 30 * DAY }),
});
type Violation = Spec & { kind: 'belowMin' | 'self' | 'noKyc' };
const violationArb: fc.Arbitrary<Violation> = fc.oneof(
  // a verified counterparty (possibly one the honest history trades with) paying too little
  fc.record({
    kind: fc.constant('belowMin' as const),
    cp: fc.integer({ min: 0, max: 6 }),
    price: fc.bigInt({ min: 0n, max: MIN - 1n }),
    age: ageArb,
    score: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
    delay: fc.integer({ min: 0, max: 30 * DAY }),
  }),
  fc.record({
    kind: fc.constant('self' as const),
    cp: fc.constant(0),
    price: fc.bigInt({ min: 0n, max: 1000n * MIN }),
    age: ageArb,
    score: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
    delay: fc.integer({ min: 0, max: 30 * DAY }),
  }),
  fc.record({
    kind: fc.constant('noKyc' as const),
    cp: fc.integer({ min: 0, max: 20 }),
    price: fc.bigInt({ min: MIN, max: 1000n * MIN }),
    age: ageArb,
    score: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
    delay: fc.integer({ min: 0, max: 30 * DAY }),
  }),
);

/** Adds a trade between the account (in `role`) and `other`, and its rating if any. */
function addSpec(h: History, role: ReputationRole, other: string, s: Spec): void {
  const [seller, buyer] = role === 'seller' ? [SELLER, other] : [other, SELLER];
  const t = h.trade({ seller, buyer, price: s.price, age: s.age });
  if (s.score !== null) h.rate(t, s.score, { at: Math.min(NOW, t.blockTime + s.delay) });
}

/** The formula in its most direct form, for histories where every trade and rating counts. */
function reference(specs: Spec[], p: ReputationParams = DEFAULT_REPUTATION_PARAMS) {
  const ordered = specs.map((s, i) => ({ ...s, i })).sort((a, b) => b.age - a.age || a.i - b.i);
  const seen = new Map<number, number>();
  let e = 0;
  let disputes = 0;
  let w = 0;
  let wv = 0;
  for (const s of ordered) {
    const k = seen.get(s.cp) ?? 0;
    seen.set(s.cp, k + 1);
    const pw = k < 20 ? p.repeatFactor ** k : 0; // PAIR_TRADE_LIMIT
    e += pw;
    if (s.score === null) continue;
    const dispute = s.score <= p.disputeMaxScore;
    if (dispute) disputes += pw;
    const d = 2 ** (-s.age / p.halfLifeSeconds);
    w += pw * d;
    wv += pw * d * (dispute ? -p.disputePenalty : (s.score - 1) / 4);
  }
  const mean = (p.priorWeight * p.priorMean + wv) / (p.priorWeight + w);
  const near = (x: number) => (Math.abs(x - Math.round(x)) <= 1e-9 ? Math.round(x) : x);
  return {
    score: Math.floor(near(100 * Math.min(1, Math.max(0, mean)))),
    trades: Math.floor(near(e)),
    disputeRate: e > 0 ? Math.ceil(near((1000 * disputes) / e)) : 0,
    memberSince: ordered.length ? dateOf(NOW - ordered[0]!.age) : null,
  };
}

describe('properties', () => {
  it('adding trades that break a rule (below min, self-trade, no KYC pass) never changes the result', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<ReputationRole>('seller', 'buyer'),
        fc.array(honestArb, { maxLength: 25 }),
        fc.array(violationArb, { minLength: 1, maxLength: 25 }),
        async (role, honestSpecs, violations) => {
          const h = new History(1);
          for (const s of honestSpecs) addSpec(h, role, verified(s.cp), s);
          const base = await rep(h.events, { role });
          const v = new History(2);
          for (const s of violations) {
            const other =
              s.kind === 'self' ? SELLER : s.kind === 'noKyc' ? puppet(s.cp) : verified(s.cp);
            addSpec(v, role, other, s);
          }
          const attacked = await rep([...h.events, ...v.events], { role });
          expect(outcome(attacked)).toEqual(outcome(base));
          // and every added event is accounted for
          for (const e of v.events) expect(reasonOf(attacked, e)).toBeDefined();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('matches the direct form of the formula on histories where everything counts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(honestArb, { maxLength: 50 }),
        fc.integer({ min: 1, max: 7 }), // how many distinct buyers: 1 exercises the pair limit
        fc.record({
          priorWeight: fc.double({ min: 0.5, max: 20, noNaN: true }),
          priorMean: fc.double({ min: 0, max: 1, noNaN: true }),
          disputeMaxScore: fc.integer({ min: 0, max: 4 }),
          disputePenalty: fc.double({ min: 0, max: 3, noNaN: true }),
          repeatFactor: fc.double({ min: 0, max: 0.5, noNaN: true }),
          halfLifeSeconds: fc.integer({ min: DAY, max: 2 * YEAR }),
        }),
        async (raw, buyers, over) => {
          const specs = raw.map((s) => ({ ...s, cp: s.cp % buyers, delay: 0 }));
          const h = new History();
          for (const s of specs) addSpec(h, 'seller', verified(s.cp), s);
          const params = { ...DEFAULT_REPUTATION_PARAMS, ...over };
          const r = await rep(h.events, { params: over });
          expect({
            score: r.score,
            trades: r.trades,
            disputeRate: r.disputeRate,
            memberSince: r.memberSince,
          }).toEqual(reference(specs, params));
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(100);
          expect(r.disputeRate).toBeLessThanOrEqual(1000);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the order and repetition of events never matter (engine and function alike)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<ReputationRole>('seller', 'buyer'),
        fc.array(honestArb, { maxLength: 15 }),
        fc.array(violationArb, { maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 6 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (role, honestSpecs, violations, extraScores, seed) => {
          const h = new History();
          for (const s of honestSpecs) addSpec(h, role, verified(s.cp), s);
          for (const s of violations) {
            const other =
              s.kind === 'self' ? SELLER : s.kind === 'noKyc' ? puppet(s.cp) : verified(s.cp);
            addSpec(h, role, other, s);
          }
          // second ratings of random trades
          const trades = h.events.filter(
            (e): e is TradeCompletedEvent => e.type === 'TradeCompleted',
          );
          extraScores.forEach((score, i) => {
            const t = trades[(seed + i) % Math.max(1, trades.length)];
            if (t) h.rate(t, score, { at: t.blockTime + 1 + i });
          });
          // a deterministic shuffle from the seed, with every third event repeated
          let x = seed;
          const keyed = [...h.events, ...h.events.filter((_, i) => i % 3 === 0)].map((e) => {
            x = (Math.imul(x, 1103515245) + 12345) >>> 0;
            return { e, k: x };
          });
          const shuffled = keyed.sort((a, b) => a.k - b.k).map(({ e }) => e);

          const inOrder = await rep(h.events, { role });
          expect(await rep(shuffled, { role })).toEqual(inOrder);
          const engine = new ReputationEngine();
          for (const e of shuffled) engine.ingest(e);
          expect(engine.size).toBe(h.events.length);
          expect(
            await engine.compute({ now: NOW, account: SELLER, role, hasKycPass: kyc }),
          ).toEqual(inOrder);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('repeats with a known counterpart add less than one trade and less than one new customer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(honestArb, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 40 }),
        async (specs, repeats) => {
          const h = new History(1);
          for (const s of specs) addSpec(h, 'seller', verified(s.cp), s);
          const base = await rep(h.events);
          const known = specs[0]!.cp;
          const rep5 = new History(2);
          for (let k = 0; k < repeats; k++) rep5.sale({ buyer: verified(known), score: 5 });
          const repeated = await rep([...h.events, ...rep5.events]);
          const fresh = new History(3);
          fresh.sale({ buyer: verified(99), score: 5 });
          const newCustomer = await rep([...h.events, ...fresh.events]);
          const added = repeated.evidence.effectiveTrades - base.evidence.effectiveTrades;
          expect(added).toBeGreaterThan(0);
          expect(added).toBeLessThan(1);
          expect(repeated.trades - base.trades).toBeLessThanOrEqual(1);
          expect(repeated.score).toBeLessThanOrEqual(newCustomer.score);
          expect(newCustomer.trades).toBe(base.trades + 1);
          expect(newCustomer.score).toBeGreaterThanOrEqual(base.score);
        },
      ),
      { numRuns: 150 },
    );
  });
});
