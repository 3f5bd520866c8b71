/**
 * The reputation engine's scoring: trade events in, the attributes of a
 * `MarketplaceReputationCredential` (`zkrep.reputation.v1`) out. Pure domain logic: no chain, no
 * storage, no HTTP. The chain ingestion and the store call it; the KYC check is injected.
 * Full write-up with worked examples: docs/reputation.md.
 *
 * INPUT. `TradeCompleted` (marketplace, listing id, seller, buyer, price in wei, block time) and
 * `Rated` (marketplace, listing id, seller, optional buyer, score, block time) events, each with
 * its id `txHash:logIndex`. A trade is identified by (marketplace, listing id); the on-chain
 * `Rated` event carries no buyer, so a rating's author is the buyer of the trade it rates (only
 * that buyer can rate on-chain). Everything is computed "as of" an explicit `now` (unix seconds).
 *
 * WHICH TRADES COUNT (for `account` in `role`; the counterparty is the other side). A trade counts
 * iff it is not after `now`, buyer ≠ seller, price ≥ `minTradeValueWei`, its listing has no
 * conflicting TradeCompleted (same listing, different seller/buyer/price: all of them are ignored;
 * identical copies are one trade), and the counterparty holds a KYC pass (`hasKycPass`, one
 * unique person per account). A rating counts iff its score is 1..5, it is not after `now`, its
 * trade exists, matches (seller, and buyer when given), was not after the rating, and counts; of
 * several such ratings of one trade only the earliest counts. Everything else is reported in
 * `ignored` with a reason, never silently dropped.
 *
 * THE FORMULA (all sums in one canonical order: by block time, then tx hash, then log index).
 *   pair weight  p = f^k      k = 0, 1, 2 … the rank of the trade among the counted trades of
 *                             the same (account, counterparty) pair, oldest first;
 *                             f = repeatFactor = ½; p = 0 from the 21st trade of a pair on
 *   decay        d = 2^(−(now − tradeTime) / halfLife)
 *   value        v = (r − 1)/4 for a rating r > disputeMaxScore; −disputePenalty for a dispute
 *                (seller role: only rated trades give evidence; buyer role: every counted
 *                purchase is paid in full, v = 1, and a purchase the buyer disputed is neutral,
 *                v = priorMean)
 *   mean         μ = (m·q₀ + Σ p·d·v) / (m + Σ p·d)     m = priorWeight, q₀ = priorMean
 *   score        = ⌊100 · clamp(μ, 0, 1)⌋                 an integer 0..100
 *   trades       = ⌊Σ p⌋ over counted trades              (not decayed: a lifetime count)
 *   disputeRate  = ⌈1000 · Σ_disputed p / Σ p⌉ ‰, 0 without trades
 *                (a dispute: a counted rating ≤ disputeMaxScore; the contract has no dispute event)
 *   memberSince  = UTC date of the earliest counted trade ('YYYY-MM-DD'), null without trades
 * Rounding always goes against the account (floor for score and trades, ceiling for the dispute
 * rate), after snapping any value within 1e-9 of an integer to it, so float noise (100 · 0.29 =
 * 28.999999999999996) cannot move a result across an integer.
 *
 * WHY. The prior (m pseudo-ratings of q₀) keeps a few ratings from making a high score: one 5★
 * gives 58, twenty give 90. Decay makes the score track recent behaviour: with no new evidence it
 * returns to q₀. A dispute costs more than a 1★ would at value 0. Repeats: with f = ½ a pair's
 * total weight is ≤ 2 − 2^−19 however many trades it makes, so a second (KYC'd) account trading
 * with the seller a thousand times is worth less than two distinct customers; an honest repeat
 * customer still counts for something. The KYC pass stops sock puppets (ZkGate binds one person's
 * nullifier to one account per policy), the minimum value makes trades cost real money, and
 * self-trades never count.
 *
 * DETERMINISM. The result is a pure function of (the set of events, now, params, the predicate's
 * answers): duplicates by id collapse, input order does not matter, the predicate is asked once per
 * distinct counterparty in sorted order. Same id with different content is refused (`bad_input`).
 */
import { ZkrepError, decodeDate, utcDateOf } from '#zk';

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** Where an event comes from: its transaction and its log index (its id is `txHash:logIndex`). */
export interface EventRef {
  /** 0x + 64 hex digits; for a signed marketplace event, the hash it is posted under. */
  readonly txHash: string;
  /** The log index, an integer ≥ 0. */
  readonly logIndex: number;
}

/** A completed trade (`Marketplace.TradeCompleted`, or a signed marketplace event). */
export interface TradeCompletedEvent extends EventRef {
  readonly type: 'TradeCompleted';
  /** The marketplace contract (or the signing marketplace's address); listing ids are per
   *  marketplace. */
  readonly marketplace: string;
  /** The listing, which is also the trade id. */
  readonly listingId: bigint;
  readonly seller: string;
  readonly buyer: string;
  /** The price paid, in wei. */
  readonly priceWei: bigint;
  /** Block time, unix seconds. */
  readonly blockTime: number;
}

/** A buyer's rating of a trade (`Marketplace.Rated`, or a signed marketplace event). */
export interface RatedEvent extends EventRef {
  readonly type: 'Rated';
  readonly marketplace: string;
  readonly listingId: bigint;
  /** The rated seller. */
  readonly seller: string;
  /** The rating buyer, if the source names it (the on-chain event does not); must be the
   *  trade's buyer. */
  readonly buyer?: string | undefined;
  /** The score; only 1..5 counts (any safe integer is accepted and reported when out of range). */
  readonly score: number;
  /** Block time, unix seconds. */
  readonly blockTime: number;
}

export type ReputationEvent = TradeCompletedEvent | RatedEvent;

/** The formula's parameters (docs/reputation.md §3). */
export interface ReputationParams {
  /** Trades below this price (wei) do not count. ≥ 0. */
  readonly minTradeValueWei: bigint;
  /** Evidence loses half its weight every `halfLifeSeconds`. Integer > 0. */
  readonly halfLifeSeconds: number;
  /** m: the prior's weight in pseudo-ratings. > 0. */
  readonly priorWeight: number;
  /** q₀: the prior mean on the 0..1 scale (0.5 = 3★ = score 50). In [0, 1]. */
  readonly priorMean: number;
  /** Ratings ≤ this are disputes. Integer in [0, 4]; 0 = no rating is a dispute. */
  readonly disputeMaxScore: number;
  /** A dispute's value is −disputePenalty (a 1★ that is not a dispute would be 0). ≥ 0. */
  readonly disputePenalty: number;
  /** f: the k-th repeat of a pair (k = 0 the first trade) weighs f^k. In [0, 0.5]. */
  readonly repeatFactor: number;
}

/** The default parameters (frozen). */
export const DEFAULT_REPUTATION_PARAMS: Readonly<ReputationParams> = Object.freeze({
  minTradeValueWei: 1_000_000_000_000_000n, // 0.001 ETH
  halfLifeSeconds: 180 * 86_400, // 180 days
  priorWeight: 5,
  priorMean: 0.5,
  disputeMaxScore: 1,
  disputePenalty: 1,
  repeatFactor: 0.5,
});

export type ReputationRole = 'seller' | 'buyer';

/** Why an event does not count for the account. */
export type IgnoreReason =
  | 'after_now' // block time after `now`
  | 'self_trade' // buyer = seller
  | 'below_min_value' // price < minTradeValueWei
  | 'duplicate_trade' // another event already reports the same trade (same listing, same content)
  | 'conflicting_trade' // other events report a different seller/buyer/price for this listing
  | 'counterparty_without_kyc_pass' // the other side holds no KYC pass
  | 'unknown_trade' // a rating of a listing with no TradeCompleted
  | 'score_out_of_range' // a rating outside 1..5
  | 'rating_mismatch' // the rating's seller (or buyer) is not the trade's
  | 'rated_before_trade' // the rating's block time is before the trade's
  | 'trade_not_counted' // a rating of a trade that does not count
  | 'duplicate_rating'; // a later rating of an already rated trade

export interface IgnoredEvent {
  readonly eventId: string;
  readonly reason: IgnoreReason;
}

/** Whether an account holds a valid pass under the marketplace's KYC policy (ZkGate `passOf`). */
export type HasKycPass = (account: string) => boolean | Promise<boolean>;

export interface ComputeReputationOptions {
  /** The time the reputation is computed at, unix seconds. */
  readonly now: number;
  /** The account (0x address, any case). */
  readonly account: string;
  readonly role: ReputationRole;
  readonly hasKycPass: HasKycPass;
  /** Overrides of `DEFAULT_REPUTATION_PARAMS`. */
  readonly params?: Partial<ReputationParams> | undefined;
}

/** The reputation of one account in one role, and how it was reached. */
export interface Reputation {
  /** Lower-case address. */
  readonly account: string;
  readonly role: ReputationRole;
  /** The `now` it was computed at. */
  readonly asOf: number;
  /** 0..100. */
  readonly score: number;
  /** ⌊effective trades⌋. */
  readonly trades: number;
  /** Disputes per mille of effective trades, 0..1000. */
  readonly disputeRate: number;
  /** 'YYYY-MM-DD' (UTC) of the first counted trade, null when none counts. */
  readonly memberSince: string | null;
  /** The unrounded quantities behind the attributes. */
  readonly evidence: {
    /** Σ p over counted trades. */
    readonly effectiveTrades: number;
    /** Σ p over disputed counted trades. */
    readonly disputeWeight: number;
    /** Σ p·d over the score's evidence. */
    readonly evidenceWeight: number;
    /** μ before clamping and rounding. */
    readonly mean: number;
  };
  /** Ids of the counted trades and ratings, sorted. */
  readonly counted: readonly string[];
  /** The account's events that do not count, with the reason, sorted by id. */
  readonly ignored: readonly IgnoredEvent[];
}

// ---------------------------------------------------------------------------------------------
// Validation and normalisation
// ---------------------------------------------------------------------------------------------

/** The last second whose UTC date is encodable (9999-12-31T23:59:59Z). */
export const MAX_BLOCK_TIME = 253_402_300_799;
/** Values within this distance of an integer are that integer before rounding. */
export const ROUNDING_EPSILON = 1e-9;
/**
 * Only the first 20 counted trades of a pair carry weight (f^0 … f^19); later ones weigh 0.
 * With f = ½ the 21st would weigh 2^−20 < 1e-6. The cut keeps every sum of pair weights a
 * multiple of 2^−19 (exact in a double), so a pair's total stays ≤ 2 − 2^−19: far enough from 2
 * that neither float rounding nor the 1e-9 snap can turn a thousand repeats into a second trade.
 */
export const PAIR_TRADE_LIMIT = 20;

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

function fail(code: 'bad_input' | 'out_of_range', message: string): never {
  throw new ZkrepError(code, message);
}

function address(value: unknown, what: string): string {
  if (typeof value !== 'string' || !ADDRESS.test(value)) {
    fail('bad_input', `${what} must be a 0x-prefixed 20-byte hex address`);
  }
  return value.toLowerCase();
}

function unixTime(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    fail('bad_input', `${what} must be an integer number of unix seconds`);
  }
  if (value < 0 || value > MAX_BLOCK_TIME) {
    fail('out_of_range', `${what} must be in [0, ${MAX_BLOCK_TIME}] (until 9999-12-31)`);
  }
  return value;
}

function nonNegativeBigInt(value: unknown, what: string): bigint {
  if (typeof value !== 'bigint') fail('bad_input', `${what} must be a bigint`);
  if (value < 0n) fail('out_of_range', `${what} must be ≥ 0`);
  return value;
}

/** The id of an event: lower-case tx hash, a colon, the log index. */
export function eventIdOf(ref: EventRef): string {
  if (typeof ref.txHash !== 'string' || !TX_HASH.test(ref.txHash)) {
    fail('bad_input', 'txHash must be 0x followed by 64 hex digits');
  }
  if (typeof ref.logIndex !== 'number' || !Number.isSafeInteger(ref.logIndex) || ref.logIndex < 0) {
    fail('bad_input', 'logIndex must be an integer ≥ 0');
  }
  return `${ref.txHash.toLowerCase()}:${ref.logIndex}`;
}

type Stored<E extends ReputationEvent> = E & { readonly id: string };
type StoredTrade = Stored<TradeCompletedEvent>;
type StoredRating = Stored<RatedEvent>;
type StoredEvent = StoredTrade | StoredRating;

/** Validates one event; its canonical, frozen form (lower-case hex, known fields only). */
function normalizeEvent(event: unknown): StoredEvent {
  if (typeof event !== 'object' || event === null) fail('bad_input', 'an event must be an object');
  const e = event as Record<string, unknown>;
  const id = eventIdOf(e as unknown as EventRef);
  const where = `event ${id}`;
  const common = {
    txHash: (e.txHash as string).toLowerCase(),
    logIndex: e.logIndex as number,
    marketplace: address(e.marketplace, `${where}: marketplace`),
    listingId: nonNegativeBigInt(e.listingId, `${where}: listingId`),
    seller: address(e.seller, `${where}: seller`),
    blockTime: unixTime(e.blockTime, `${where}: blockTime`),
  };
  if (e.type === 'TradeCompleted') {
    return Object.freeze({
      type: 'TradeCompleted',
      ...common,
      buyer: address(e.buyer, `${where}: buyer`),
      priceWei: nonNegativeBigInt(e.priceWei, `${where}: priceWei`),
      id,
    });
  }
  if (e.type === 'Rated') {
    if (typeof e.score !== 'number' || !Number.isSafeInteger(e.score)) {
      fail('bad_input', `${where}: score must be an integer`);
    }
    return Object.freeze({
      type: 'Rated',
      ...common,
      buyer: e.buyer === undefined ? undefined : address(e.buyer, `${where}: buyer`),
      score: e.score,
      id,
    });
  }
  return fail('bad_input', `${where}: type must be 'TradeCompleted' or 'Rated'`);
}

/** Everything that makes two events with the same id the same event. */
function contentKey(e: StoredEvent): string {
  const tail =
    e.type === 'TradeCompleted'
      ? [e.buyer, e.priceWei.toString()]
      : [e.buyer ?? '-', e.score.toString()];
  return [e.type, e.marketplace, e.listingId.toString(), e.seller, e.blockTime, ...tail].join('|');
}

/** Adds `event` to `into`; `false` for a repeat of a known event, `bad_input` for a clash. */
function addEvent(into: Map<string, StoredEvent>, event: StoredEvent): boolean {
  const known = into.get(event.id);
  if (known === undefined) {
    into.set(event.id, event);
    return true;
  }
  if (contentKey(known) !== contentKey(event)) {
    fail('bad_input', `event ${event.id} was already given with different content`);
  }
  return false;
}

const PARAM_KEYS = Object.keys(DEFAULT_REPUTATION_PARAMS) as (keyof ReputationParams)[];

/** `DEFAULT_REPUTATION_PARAMS` with `overrides` applied, each value checked; frozen. */
export function resolveReputationParams(
  overrides: Partial<ReputationParams> = {},
): Readonly<ReputationParams> {
  if (typeof overrides !== 'object' || overrides === null) {
    fail('bad_input', 'params must be an object');
  }
  for (const key of Object.keys(overrides)) {
    if (!(PARAM_KEYS as string[]).includes(key)) fail('bad_input', `unknown parameter ${key}`);
  }
  const p = { ...DEFAULT_REPUTATION_PARAMS, ...overrides };
  const num = (key: keyof ReputationParams, ok: (v: number) => boolean, range: string): void => {
    const v = p[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) fail('bad_input', `${key} must be a number`);
    if (!ok(v)) fail('out_of_range', `${key} must be ${range}`);
  };
  nonNegativeBigInt(p.minTradeValueWei, 'minTradeValueWei');
  num('halfLifeSeconds', (v) => Number.isSafeInteger(v) && v > 0, 'an integer > 0');
  num('priorWeight', (v) => v > 0, '> 0');
  num('priorMean', (v) => v >= 0 && v <= 1, 'in [0, 1]');
  num('disputeMaxScore', (v) => Number.isInteger(v) && v >= 0 && v <= 4, 'an integer in [0, 4]');
  num('disputePenalty', (v) => v >= 0, '≥ 0');
  num('repeatFactor', (v) => v >= 0 && v <= 0.5, 'in [0, 0.5]');
  return Object.freeze(p);
}

// ---------------------------------------------------------------------------------------------
// The computation
// ---------------------------------------------------------------------------------------------

/** Chronological and total: block time, then tx hash, then log index (numerically). */
function chronological(a: StoredEvent, b: StoredEvent): number {
  if (a.blockTime !== b.blockTime) return a.blockTime - b.blockTime;
  if (a.txHash !== b.txHash) return a.txHash < b.txHash ? -1 : 1;
  return a.logIndex - b.logIndex;
}

const tradeKey = (e: StoredEvent): string => `${e.marketplace}:${e.listingId}`;

/** x, or the nearest integer when x is within ROUNDING_EPSILON of it. */
function snap(x: number): number {
  const n = Math.round(x);
  return Math.abs(x - n) <= ROUNDING_EPSILON ? n : x;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

/**
 * The reputation of `account` in `role` from `events` as of `now` (see the header for the rules
 * and the formula). Duplicate events (same id, same content) count once; the order of `events`
 * does not matter. Throws `ZkrepError` (`bad_input`, `out_of_range`) for malformed events,
 * options or parameters, and passes on whatever `hasKycPass` throws.
 */
export async function computeReputation(
  events: Iterable<ReputationEvent>,
  options: ComputeReputationOptions,
): Promise<Reputation> {
  if (typeof options !== 'object' || options === null) fail('bad_input', 'options are required');
  const params = resolveReputationParams(options.params);
  const now = unixTime(options.now, 'now');
  const account = address(options.account, 'account');
  const role = options.role;
  if (role !== 'seller' && role !== 'buyer') fail('bad_input', "role must be 'seller' or 'buyer'");
  const hasKycPass = options.hasKycPass;
  if (typeof hasKycPass !== 'function') fail('bad_input', 'hasKycPass must be a function');

  const byId = new Map<string, StoredEvent>();
  for (const event of events) addEvent(byId, normalizeEvent(event));
  const all = [...byId.values()].sort(chronological);

  const party = (t: StoredTrade): string => (role === 'seller' ? t.seller : t.buyer);
  const counterparty = (t: StoredTrade): string => (role === 'seller' ? t.buyer : t.seller);
  const ignored: IgnoredEvent[] = [];
  const ignore = (e: StoredEvent, reason: IgnoreReason): void => {
    ignored.push({ eventId: e.id, reason });
  };

  // 1. One trade per listing: identical copies collapse onto the earliest; conflicting reports of
  //    the same listing are all ignored (the source contradicts itself; nothing can be trusted).
  const tradeGroups = groupBy(
    all.filter((e): e is StoredTrade => e.type === 'TradeCompleted'),
    tradeKey,
  );
  const trades = new Map<string, StoredTrade>();
  for (const [key, group] of tradeGroups) {
    const first = group[0]!;
    const consistent = group.every(
      (t) => t.seller === first.seller && t.buyer === first.buyer && t.priceWei === first.priceWei,
    );
    if (consistent) trades.set(key, first);
    for (const t of consistent ? group.slice(1) : group) {
      if (party(t) === account) ignore(t, consistent ? 'duplicate_trade' : 'conflicting_trade');
    }
  }

  // 2. The account's trades that pass the local rules, in this order of precedence.
  const candidates: StoredTrade[] = [];
  for (const t of trades.values()) {
    if (party(t) !== account) continue;
    if (t.blockTime > now) ignore(t, 'after_now');
    else if (t.seller === t.buyer) ignore(t, 'self_trade');
    else if (t.priceWei < params.minTradeValueWei) ignore(t, 'below_min_value');
    else candidates.push(t);
  }

  // 3. The counterparty must be a verified unique person: one question per distinct account.
  const others = [...new Set(candidates.map(counterparty))].sort();
  const verdicts = new Map(
    await Promise.all(
      others.map(async (other): Promise<[string, boolean]> => {
        const verdict = await hasKycPass(other);
        if (typeof verdict !== 'boolean') fail('bad_input', 'hasKycPass must return a boolean');
        return [other, verdict];
      }),
    ),
  );
  const counted: StoredTrade[] = [];
  for (const t of candidates.sort(chronological)) {
    if (verdicts.get(counterparty(t)) === true) counted.push(t);
    else ignore(t, 'counterparty_without_kyc_pass');
  }

  // 4. Pair weights: the k-th counted trade (oldest first) with the same counterparty weighs f^k.
  const pairWeight = new Map<string, number>();
  const rank = new Map<string, number>();
  for (const t of counted) {
    const k = rank.get(counterparty(t)) ?? 0;
    pairWeight.set(t.id, k < PAIR_TRADE_LIMIT ? params.repeatFactor ** k : 0);
    rank.set(counterparty(t), k + 1);
  }
  const countedByKey = new Map(counted.map((t) => [tradeKey(t), t]));

  // 5. Ratings: the earliest valid rating of each counted trade.
  const ratingOf = new Map<string, StoredRating>(); // trade id → rating
  const ratingGroups = groupBy(
    all.filter((e): e is StoredRating => e.type === 'Rated'),
    tradeKey,
  );
  for (const [key, group] of ratingGroups) {
    const reported = tradeGroups.get(key);
    const trade = trades.get(key);
    const relates = (r: StoredRating): boolean =>
      (role === 'seller' ? r.seller === account : r.buyer === account) ||
      (reported?.some((t) => party(t) === account) ?? false);
    for (const r of group) {
      let reason: IgnoreReason | undefined;
      if (r.score < 1 || r.score > 5) reason = 'score_out_of_range';
      else if (r.blockTime > now) reason = 'after_now';
      else if (reported === undefined) reason = 'unknown_trade';
      else if (trade === undefined) reason = 'trade_not_counted';
      else if (r.seller !== trade.seller || (r.buyer !== undefined && r.buyer !== trade.buyer)) {
        reason = 'rating_mismatch';
      } else if (r.blockTime < trade.blockTime) reason = 'rated_before_trade';
      else if (!countedByKey.has(key)) reason = 'trade_not_counted';
      else if (ratingOf.has(trade.id)) reason = 'duplicate_rating';
      if (reason === undefined) ratingOf.set(trade!.id, r);
      else if (relates(r)) ignore(r, reason);
    }
  }

  // 6. The formula, summed in chronological order.
  let effectiveTrades = 0;
  let disputeWeight = 0;
  let evidenceWeight = 0;
  let evidenceValue = 0;
  for (const t of counted) {
    const p = pairWeight.get(t.id)!;
    const d = 2 ** (-(now - t.blockTime) / params.halfLifeSeconds);
    const rating = ratingOf.get(t.id);
    const disputed = rating !== undefined && rating.score <= params.disputeMaxScore;
    effectiveTrades += p;
    if (disputed) disputeWeight += p;
    let value: number | undefined;
    if (role === 'seller') {
      if (rating !== undefined) value = disputed ? -params.disputePenalty : (rating.score - 1) / 4;
    } else {
      value = disputed ? params.priorMean : 1;
    }
    if (value !== undefined) {
      evidenceWeight += p * d;
      evidenceValue += p * d * value;
    }
  }
  const m = params.priorWeight;
  const mean = (m * params.priorMean + evidenceValue) / (m + evidenceWeight);
  const score = Math.floor(snap(100 * Math.min(1, Math.max(0, mean))));
  const tradeCount = Math.floor(snap(effectiveTrades));
  const disputeRate =
    effectiveTrades > 0 ? Math.ceil(snap((1000 * disputeWeight) / effectiveTrades)) : 0;
  const first = counted[0];

  return Object.freeze({
    account,
    role,
    asOf: now,
    score,
    trades: tradeCount,
    disputeRate,
    memberSince: first === undefined ? null : isoDateOf(first.blockTime),
    evidence: Object.freeze({ effectiveTrades, disputeWeight, evidenceWeight, mean }),
    counted: Object.freeze(
      [...counted.map((t) => t.id), ...[...ratingOf.values()].map((r) => r.id)].sort(),
    ),
    ignored: Object.freeze(ignored.sort((a, b) => (a.eventId < b.eventId ? -1 : 1))),
  });
}

/** 'YYYY-MM-DD' (UTC) of a unix time, by the zk core's calendar. */
function isoDateOf(unixSeconds: number): string {
  return decodeDate(utcDateOf(unixSeconds));
}

/**
 * The readable attributes of a `MarketplaceReputationCredential` (`zkrep.reputation.v1`), for
 * the zk core's `encodeAttributes(REPUTATION_SCHEMA, …)`, the one claim layout. An account with no
 * counted trade is "member since" the date of `asOf`, never empty: a 0 would satisfy every
 * "member for ≥ N years" predicate.
 */
export function reputationAttributes(rep: Reputation): {
  score: number;
  trades: number;
  disputeRate: number;
  memberSince: string;
  role: ReputationRole;
} {
  if (rep.role !== 'seller' && rep.role !== 'buyer') {
    fail('bad_input', "role must be 'seller' or 'buyer'");
  }
  return {
    score: rep.score,
    trades: rep.trades,
    disputeRate: rep.disputeRate,
    memberSince: rep.memberSince ?? isoDateOf(unixTime(rep.asOf, 'asOf')),
    role: rep.role,
  };
}

// ---------------------------------------------------------------------------------------------
// The engine: idempotent ingestion
// ---------------------------------------------------------------------------------------------

/**
 * Holds the ingested events, keyed by id, so ingesting an event twice (a replay after a restart,
 * an overlapping block range) never counts it twice. Computation is `computeReputation` over the
 * held events, so it does not depend on the order events arrived in (a rating before its trade is
 * fine). The store persists `events()` and re-ingests them on start.
 */
export class ReputationEngine {
  readonly #events = new Map<string, StoredEvent>();

  /** Adds an event: 'added', or 'duplicate' when this id is already held with the same content.
   *  `bad_input` (and nothing stored) for a malformed event or a known id with other content. */
  ingest(event: ReputationEvent): 'added' | 'duplicate' {
    return addEvent(this.#events, normalizeEvent(event)) ? 'added' : 'duplicate';
  }

  /** Ingests many; how many were new. All-or-nothing: nothing is stored if any event is refused. */
  ingestAll(events: Iterable<ReputationEvent>): number {
    const staged = new Map(this.#events);
    let added = 0;
    for (const event of events) if (addEvent(staged, normalizeEvent(event))) added += 1;
    for (const [id, event] of staged) this.#events.set(id, event);
    return added;
  }

  /** Whether the event with this id (`txHash:logIndex`, any hex case) is held. */
  has(eventId: string): boolean {
    return this.#events.has(eventId.toLowerCase());
  }

  /** How many distinct events are held. */
  get size(): number {
    return this.#events.size;
  }

  /** The held events in canonical form, in chronological order. */
  events(): ReputationEvent[] {
    return [...this.#events.values()].sort(chronological).map(({ id: _id, ...event }) => event);
  }

  /** `computeReputation` over the held events. */
  compute(options: ComputeReputationOptions): Promise<Reputation> {
    return computeReputation(this.#events.values(), options);
  }
}
