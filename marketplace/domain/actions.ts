/**
 * Gated actions (list an item, buy one) and their life: a proof request at the verifier (relayed
 * to ZkGate, so the pass lands on the user's demo account without the user paying gas), watched
 * until the wallet answered, then the Marketplace transaction from the demo account.
 *
 *   waiting ──(verifier: verified)──▶ verified ──(relay confirmed)──▶ pass ──(tx mined)──▶ done
 *      └──────────────┴────────────────────┴───────────────────────────┴──────────────▶ failed
 *
 * `advance` is the pure part (a request's status → the next states); `createActions` persists
 * every state (a restart resumes watching), tells subscribers (the page's Server-Sent Events) of
 * each change, and runs the chain step. A proof must be for the user's own demo account: one made
 * for another account (the wallet's account was overridden) fails the action.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ContractsError, type Listing } from '#contracts';
import { parseWalletUrl, walletUrl } from '#platform';
import { ZkrepError } from '#zk';
import QRCode from 'qrcode';
import type { DataSource } from 'typeorm';
import { In } from 'typeorm';
import { getAddress, type Address, type Hex } from 'viem';
import { MarketplaceError } from '../errors.js';
import {
  AccountEntity,
  ActionEntity,
  ListingEntity,
  type ActionRow,
  type ActionState,
} from '../store/schema.js';
import { DEMO_POLICIES, type EnsuredPolicy, type PolicyName } from './policies.js';
import type { RequestStatus, VerifierApi } from './verifier-api.js';

/** The chain as the actions need it (`chain.ts` implements it with `#contracts`). */
export interface MarketChain {
  contract: Address;
  getListing(listingId: bigint): Promise<Listing>;
  getListings(): Promise<Listing[]>;
  list(
    key: Hex,
    p: { price: bigint; ageRestricted: boolean },
  ): Promise<{ listingId: bigint; transactionHash: Hex }>;
  buy(key: Hex, listingId: bigint): Promise<{ transactionHash: Hex }>;
  /** Whether `account` holds a valid ZkGate pass of gate policy `chainPolicyId`. */
  hasPass(chainPolicyId: bigint, account: Address): Promise<boolean>;
}

export type ActionInput =
  | { kind: 'list'; title: string; priceWei: bigint; ageRestricted: boolean }
  | { kind: 'buy'; listingId: bigint };

/** What the page is shown of an action. */
export interface ActionView {
  id: string;
  kind: 'list' | 'buy';
  state: ActionState;
  account: string;
  title: string | null;
  priceWei: string | null;
  ageRestricted: boolean;
  listingId: string | null;
  /** The proof asked for: what it will reveal, or null when none is needed. */
  proof: { policy: PolicyName; reveals: string; withheld: string } | null;
  /** The wallet link (with the account hint) and its QR code, while a proof is awaited. */
  link: string | null;
  qr: string | null;
  revealed: string | null;
  relayTx: string | null;
  actionTx: string | null;
  error: { code: string; message: string } | null;
  expiresAt: number | null;
  updatedAt: number;
}

type Patch = Partial<
  Pick<
    ActionRow,
    'state' | 'revealed' | 'relayTx' | 'actionTx' | 'listingId' | 'errorCode' | 'errorMessage'
  >
>;

const ACTIVE: readonly ActionState[] = ['waiting', 'verified'];
const TERMINAL: readonly ActionState[] = ['done', 'failed'];

const failed = (code: string, message: string): Patch => ({
  state: 'failed',
  errorCode: code,
  errorMessage: message,
});

/** Why the verifier refused a proof, in words (no personal data: codes only). */
const REFUSALS: Partial<Record<string, string>> = {
  nullifier_reused: 'this credential was already used for another account here',
  issuer_untrusted: 'the credential is from an issuer this marketplace does not trust',
  issuer_inactive: "the credential's issuer is suspended",
  revoked: 'the credential was revoked',
  proof_invalid: 'the proof does not verify',
  proof_too_old: 'the proof is too old',
  query_mismatch: 'the proof does not answer this policy',
  pass_already_expired: 'the pass would already have expired',
};

/**
 * The states a request's status moves an active action through (in order; empty when nothing
 * changed). Pure: the verifier's answer and the action in, patches out.
 */
export function advance(
  action: Pick<ActionRow, 'state' | 'account' | 'policyId'>,
  req: RequestStatus,
): Patch[] {
  if (!ACTIVE.includes(action.state)) return [];
  switch (req.status) {
    case 'pending':
      return [];
    case 'expired':
      return [failed('request_expired', 'the proof request expired before a wallet answered it')];
    case 'withdrawn':
      return [failed('consent_declined', 'the holder withdrew its consent to this proof')];
    case 'failed': {
      const code = req.result?.code ?? 'proof_invalid';
      return [
        failed(
          code,
          `the verifier refused the proof: ${REFUSALS[code] ?? code.replace(/_/g, ' ')}`,
        ),
      ];
    }
    case 'verified': {
      const account = req.result?.account ?? '';
      if (account.toLowerCase() !== action.account.toLowerCase()) {
        return [
          failed(
            'forbidden',
            `the proof was made for another account (${account || 'none'}), not your demo account ${action.account}`,
          ),
        ];
      }
      const out: Patch[] = [];
      if (action.state === 'waiting') {
        out.push({ state: 'verified', revealed: revealedBy(action.policyId) });
      }
      const relay = req.relay;
      if (!relay)
        out.push(failed('config_invalid', 'the verifier did not relay the proof on-chain'));
      else if (relay.status === 'confirmed')
        out.push({ state: 'pass', relayTx: relay.transactionHash });
      else if (relay.status === 'failed') {
        out.push(
          failed(
            relay.code ?? 'tx_failed',
            `the relay to ZkGate failed (${relay.code ?? 'no code'})`,
          ),
        );
      }
      return out;
    }
  }
}

function revealedBy(policyId: string | null): string {
  const p = Object.values(DEMO_POLICIES).find((d) => d.id === policyId);
  return p ? p.revealed : 'nothing';
}

/** A Marketplace revert, in words. */
const REVERTS: Partial<Record<string, string>> = {
  Marketplace__ReputationPassRequired: 'your account holds no valid reputation pass',
  Marketplace__AgePassRequired: 'your account holds no valid age pass',
  Marketplace__SellerNotEligible: "the seller's reputation pass is no longer valid",
  Marketplace__NotForSale: 'the item is not for sale any more',
  Marketplace__SelfPurchase: 'you cannot buy your own item',
  Marketplace__WrongPayment: 'the payment does not match the price',
  Marketplace__InvalidPrice: 'the price must be above 0',
};

/** A failed chain step as a failed state: the contract's revert in words, or the error's code. */
export function chainFailure(e: unknown): Patch {
  if (e instanceof ContractsError) {
    const name = e.details;
    const words = name ? REVERTS[name] : undefined;
    return failed(e.code, `the transaction failed: ${words ?? name ?? e.shortMessage}`);
  }
  if (e instanceof ZkrepError) return failed(e.code, e.message);
  return failed('internal', 'the transaction could not be sent');
}

export interface ActionsDeps {
  dataSource: DataSource;
  verifier: VerifierApi;
  chain: MarketChain;
  policies: Record<PolicyName, EnsuredPolicy>;
  /** Unix seconds. */
  now: () => number;
  /** How often a pending request is polled (ms). */
  pollMs: number;
  /** How long after a request's expiry a relay may still finish (s, default 120). */
  relayGraceSeconds?: number;
  /** Told of a failure that is not the user's (logs). */
  onError?: (e: unknown, context: string) => void;
}

export interface Actions {
  start(account: Address, input: ActionInput): Promise<ActionView>;
  /** The action, if it belongs to `account` (another's looks like a missing one). */
  get(id: string, account: Address): Promise<ActionView>;
  qrSvg(id: string, account: Address): Promise<string>;
  /** Tells `listener` of each change; returns the unsubscribe function. */
  subscribe(id: string, listener: (v: ActionView) => void): () => void;
  /** Watches again what a restart interrupted. */
  resume(): Promise<void>;
  /** Stops every timer and waits for running steps. */
  close(): Promise<void>;
}

export function createActions(deps: ActionsDeps): Actions {
  const repo = () => deps.dataSource.getRepository(ActionEntity);
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<unknown>>();
  let closed = false;
  const grace = deps.relayGraceSeconds ?? 120;

  const view = (a: ActionRow): ActionView => {
    const policy = (Object.keys(DEMO_POLICIES) as PolicyName[]).find(
      (n) => DEMO_POLICIES[n].id === a.policyId,
    );
    const waiting = a.state === 'waiting';
    return {
      id: a.id,
      kind: a.kind,
      state: a.state,
      account: a.account,
      title: a.title,
      priceWei: a.priceWei,
      ageRestricted: a.ageRestricted,
      listingId: a.listingId,
      proof: policy
        ? {
            policy,
            reveals: DEMO_POLICIES[policy].revealed,
            withheld: DEMO_POLICIES[policy].withheld,
          }
        : null,
      link: waiting ? a.link : null,
      qr: waiting && a.link ? `/api/actions/${a.id}/qr.svg` : null,
      revealed: a.revealed,
      relayTx: a.relayTx,
      actionTx: a.actionTx,
      error: a.errorCode ? { code: a.errorCode, message: a.errorMessage ?? a.errorCode } : null,
      expiresAt: a.expiresAt,
      updatedAt: a.updatedAt,
    };
  };

  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p);
    void p.finally(() => running.delete(p)).catch(() => undefined);
    return p;
  };

  /** Applies `patch` if the action is still in `from`; emits the new view. */
  const apply = async (a: ActionRow, patch: Patch): Promise<ActionRow> => {
    const next: ActionRow = { ...a, ...patch, updatedAt: deps.now() };
    const res = await repo().update(
      { id: a.id, state: a.state },
      { ...patch, updatedAt: next.updatedAt },
    );
    if (!res.affected) return await repo().findOneByOrFail({ id: a.id });
    events.emit(a.id, view(next));
    return next;
  };

  const schedule = (id: string, ms: number) => {
    if (closed) return;
    clearTimeout(timers.get(id));
    timers.set(
      id,
      setTimeout(() => {
        timers.delete(id);
        void track(tick(id)).catch((e) => deps.onError?.(e, 'watching an action'));
      }, ms),
    );
  };

  const tick = async (id: string): Promise<void> => {
    let a = await repo().findOneBy({ id });
    if (!a || !ACTIVE.includes(a.state) || !a.requestId) return;
    let status: RequestStatus | undefined;
    try {
      status = await deps.verifier.getRequest(a.requestId);
    } catch (e) {
      deps.onError?.(e, 'reading a proof request');
    }
    for (const patch of status ? advance(a, status) : []) a = await apply(a, patch);
    if (a.state === 'pass') return execute(a);
    if (ACTIVE.includes(a.state)) {
      if (a.expiresAt !== null && deps.now() > a.expiresAt + grace) {
        await apply(a, failed('request_expired', 'no verdict arrived before the request expired'));
        return;
      }
      schedule(id, deps.pollMs);
    }
  };

  const execute = async (a: ActionRow): Promise<void> => {
    const owner = await deps.dataSource
      .getRepository(AccountEntity)
      .findOneBy({ address: a.account });
    if (!owner) {
      await apply(a, failed('not_found', 'the demo account of this action is gone'));
      return;
    }
    const key = owner.privateKey as Hex;
    try {
      if (a.kind === 'list') {
        const price = BigInt(a.priceWei ?? '0');
        const r = await deps.chain.list(key, { price, ageRestricted: a.ageRestricted });
        await deps.dataSource.getRepository(ListingEntity).insert({
          id: r.listingId.toString(),
          contract: deps.chain.contract,
          title: a.title ?? '',
          seller: a.account,
          priceWei: price.toString(),
          ageRestricted: a.ageRestricted,
          listTx: r.transactionHash,
          createdAt: deps.now(),
        });
        await apply(a, {
          state: 'done',
          actionTx: r.transactionHash,
          listingId: r.listingId.toString(),
        });
      } else {
        const r = await deps.chain.buy(key, BigInt(a.listingId ?? '0'));
        await apply(a, { state: 'done', actionTx: r.transactionHash });
      }
    } catch (e) {
      await apply(a, chainFailure(e));
    }
  };

  const load = async (id: string, account: Address): Promise<ActionRow> => {
    const a = await repo().findOneBy({ id });
    if (!a || a.account !== getAddress(account)) {
      throw new MarketplaceError('not_found', 'no action has this id');
    }
    return a;
  };

  return {
    async start(accountIn, input) {
      if (closed) throw new MarketplaceError('busy', 'the marketplace is shutting down');
      const account = getAddress(accountIn);
      let policy: PolicyName | null;
      let base: Pick<ActionRow, 'kind' | 'title' | 'priceWei' | 'ageRestricted' | 'listingId'>;
      if (input.kind === 'list') {
        if (input.priceWei <= 0n || input.priceWei >= 1n << 96n) {
          throw new MarketplaceError(
            'out_of_range',
            'the price must be above 0 and below 2^96 wei',
          );
        }
        const title = input.title.trim();
        if (title.length < 1 || title.length > 80) {
          throw new MarketplaceError('bad_input', 'the title must have 1 to 80 characters');
        }
        policy = 'reputation';
        base = {
          kind: 'list',
          title,
          priceWei: input.priceWei.toString(),
          ageRestricted: input.ageRestricted,
          listingId: null,
        };
      } else {
        const listing = await deps.chain.getListing(input.listingId);
        if (listing.state !== 'listed') {
          throw new MarketplaceError('not_found', 'this item is not for sale');
        }
        if (listing.seller === account) {
          throw new MarketplaceError('forbidden', 'you cannot buy your own item');
        }
        const row = await deps.dataSource
          .getRepository(ListingEntity)
          .findOneBy({ id: input.listingId.toString(), contract: deps.chain.contract });
        policy = listing.ageRestricted ? 'age' : null;
        base = {
          kind: 'buy',
          title: row?.title ?? null,
          priceWei: listing.price.toString(),
          ageRestricted: listing.ageRestricted,
          listingId: input.listingId.toString(),
        };
      }
      const now = deps.now();
      const row: ActionRow = {
        id: randomUUID(),
        account,
        ...base,
        policyId: null,
        requestId: null,
        link: null,
        state: 'pass',
        revealed: policy ? null : 'nothing: this item needs no proof',
        relayTx: null,
        actionTx: null,
        errorCode: null,
        errorMessage: null,
        expiresAt: null,
        createdAt: now,
        updatedAt: now,
      };
      if (
        policy &&
        (await deps.chain.hasPass(BigInt(deps.policies[policy].chainPolicyId), account))
      ) {
        // A pass from an earlier proof still holds: nothing to prove, nothing new revealed.
        Object.assign(row, {
          policyId: deps.policies[policy].id,
          revealed: `nothing new: your account already holds a valid pass (${DEMO_POLICIES[policy].revealed})`,
        });
      } else if (policy) {
        const policyId = deps.policies[policy].id;
        const req = await deps.verifier.createRequest({ policyId, relay: true });
        const { clientId, requestUri } = parseWalletUrl(req.walletUrl);
        Object.assign(row, {
          policyId,
          requestId: req.id,
          link: walletUrl({ clientId, requestUri, account }),
          state: 'waiting',
          expiresAt: req.expiresAt,
        });
      }
      await repo().insert(row);
      if (row.state === 'pass')
        void track(execute(row)).catch((e) => deps.onError?.(e, 'executing an action'));
      else schedule(row.id, deps.pollMs);
      return view(row);
    },

    async get(id, account) {
      return view(await load(id, account));
    },

    async qrSvg(id, account) {
      const a = await load(id, account);
      if (a.state !== 'waiting' || !a.link) {
        throw new MarketplaceError('request_completed', 'this action awaits no proof any more');
      }
      return QRCode.toString(a.link, { errorCorrectionLevel: 'M', margin: 2, type: 'svg' });
    },

    subscribe(id, listener) {
      events.on(id, listener);
      return () => events.off(id, listener);
    },

    async resume() {
      const open = await repo().find({ where: { state: In([...ACTIVE, 'pass']) } });
      for (const a of open) {
        if (a.state === 'pass') {
          // The transaction may or may not have been sent: say so instead of sending it twice.
          await apply(
            a,
            failed('internal', 'interrupted by a restart: check the listings and start again'),
          );
        } else schedule(a.id, 0);
      }
    },

    async close() {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...running]);
      events.removeAllListeners();
    },
  };
}

export const isTerminal = (s: ActionState): boolean => TERMINAL.includes(s);
