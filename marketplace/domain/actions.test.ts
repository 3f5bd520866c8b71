/**
 * The action state machine: `advance` (the verifier's status → the next states, pure) and the
 * actions' life on a real SQLite database with a scripted verifier and chain (the end-to-end test
 * runs them for real): waiting → verified → pass → done with every state told to subscribers, a
 * proof for another account refused, a refusal and a revert in words, a restart resumed.
 */
import { ContractsError, type Listing } from '#contracts';
import { openDatabase, parseWalletUrl } from '#platform';
import type { DataSource } from 'typeorm';
import { getAddress, type Hex } from 'viem';
import {
  AccountEntity,
  ActionEntity,
  MARKETPLACE_ENTITIES,
  MARKETPLACE_MIGRATIONS,
} from '../store/schema.js';
import {
  advance,
  chainFailure,
  createActions,
  type ActionView,
  type Actions,
  type MarketChain,
} from './actions.js';
import { DEMO_POLICIES } from './policies.js';
import type { RequestStatus, VerifierApi } from './verifier-api.js';
import { VERIFIER_DID, scriptedVerifier } from '../test/scripted-verifier.js';

const ME = getAddress('0x70997970c51812dc3a010c7d01b50e0d17dc79c8');
const OTHER = getAddress('0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc');
const TX = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex;

const verified = (account: string, relay: RequestStatus['relay']): RequestStatus => ({
  status: 'verified',
  result: { verified: true, code: null, account },
  relay,
});

describe('advance', () => {
  const waiting = { state: 'waiting' as const, account: ME, policyId: DEMO_POLICIES.age.id };

  it('stays while the request is pending', () => {
    expect(advance(waiting, { status: 'pending', result: null, relay: null })).toEqual([]);
  });

  it('goes verified (with what was revealed) then pass (with the relay tx) in one step', () => {
    expect(
      advance(waiting, verified(ME, { status: 'confirmed', transactionHash: TX(1), code: null })),
    ).toEqual([
      { state: 'verified', revealed: 'age ≥ 18 — nothing else' },
      { state: 'pass', relayTx: TX(1) },
    ]);
  });

  it('waits for the relay once verified, and does not repeat a state', () => {
    const pending = verified(ME.toLowerCase(), {
      status: 'requested',
      transactionHash: null,
      code: null,
    });
    expect(advance(waiting, pending)).toEqual([
      { state: 'verified', revealed: 'age ≥ 18 — nothing else' },
    ]);
    expect(advance({ ...waiting, state: 'verified' }, pending)).toEqual([]);
  });

  it('fails a proof made for another account', () => {
    const [p] = advance(
      waiting,
      verified(OTHER, { status: 'confirmed', transactionHash: TX(1), code: null }),
    );
    expect(p).toMatchObject({ state: 'failed', errorCode: 'forbidden' });
    expect(p?.errorMessage).toContain(`not your demo account ${ME}`);
  });

  it('says why a proof or a relay was refused', () => {
    expect(
      advance(waiting, {
        status: 'failed',
        result: { verified: false, code: 'nullifier_reused', account: ME },
        relay: null,
      }),
    ).toEqual([
      {
        state: 'failed',
        errorCode: 'nullifier_reused',
        errorMessage:
          'the verifier refused the proof: this credential was already used for another account here',
      },
    ]);
    expect(
      advance(
        waiting,
        verified(ME, { status: 'failed', transactionHash: null, code: 'root_unknown' }),
      ).at(-1),
    ).toMatchObject({ state: 'failed', errorCode: 'root_unknown' });
    expect(advance(waiting, { status: 'expired', result: null, relay: null })).toMatchObject([
      { state: 'failed', errorCode: 'request_expired' },
    ]);
  });

  it('ignores a finished action', () => {
    for (const state of ['pass', 'done', 'failed'] as const) {
      expect(advance({ ...waiting, state }, verified(ME, null))).toEqual([]);
    }
  });
});

describe('chainFailure', () => {
  it('puts a Marketplace revert in words', () => {
    const e = new ContractsError('tx_failed', 'list failed.', {
      details: 'Marketplace__ReputationPassRequired',
    });
    expect(chainFailure(e)).toEqual({
      state: 'failed',
      errorCode: 'tx_failed',
      errorMessage: 'the transaction failed: your account holds no valid reputation pass',
    });
  });
});

/** A chain with one listing per `list`, whose `list` can be told to revert. */
function scriptedChain() {
  const listings: Listing[] = [];
  const chain: MarketChain & { revertNext?: string; passHolders: string[] } = {
    contract: getAddress('0x00000000000000000000000000000000000000cc'),
    getListing: async (id) => listings[Number(id) - 1]!,
    getListings: async () => listings,
    list: async (_key, p) => {
      if (chain.revertNext) {
        const details = chain.revertNext;
        chain.revertNext = undefined;
        throw new ContractsError('tx_failed', 'list failed.', { details });
      }
      listings.push({
        listingId: BigInt(listings.length + 1),
        seller: ME,
        price: p.price,
        buyer: null,
        ageRestricted: p.ageRestricted,
        state: 'listed',
        rated: false,
      });
      return { listingId: BigInt(listings.length), transactionHash: TX(100 + listings.length) };
    },
    buy: async () => ({ transactionHash: TX(200) }),
    hasPass: async (_policy, account) => chain.passHolders.includes(account),
    passHolders: [],
  };
  return chain;
}

describe('createActions', () => {
  let dataSource: DataSource;
  let actions: Actions | undefined;
  const policies = {
    reputation: { id: DEMO_POLICIES.reputation.id, chainPolicyId: '1' },
    age: { id: DEMO_POLICIES.age.id, chainPolicyId: '2' },
  };

  beforeEach(async () => {
    dataSource = await openDatabase({
      sqlitePath: ':memory:',
      veramo: false,
      entities: MARKETPLACE_ENTITIES,
      migrations: MARKETPLACE_MIGRATIONS,
    });
    for (const [i, address] of [ME, OTHER].entries()) {
      await dataSource.getRepository(AccountEntity).insert({
        sessionHash: String(i).repeat(64),
        address,
        privateKey: `0x${String(i + 1).repeat(64)}`,
        fundTx: null,
        createdAt: 1,
      });
    }
  });
  afterEach(async () => {
    await actions?.close();
    await dataSource.destroy();
  });

  const make = (verifier: VerifierApi, chain: MarketChain) =>
    (actions = createActions({
      dataSource,
      verifier,
      chain,
      policies,
      now: () => 1_900_000_000,
      pollMs: 5,
    }));

  /** The states `id` goes through until it is done or failed. */
  const statesOf = (a: Actions, id: string) =>
    new Promise<ActionView[]>((resolve) => {
      const seen: ActionView[] = [];
      a.subscribe(id, (v) => {
        seen.push(v);
        if (v.state === 'done' || v.state === 'failed') resolve(seen);
      });
    });

  it('lists through waiting → verified → pass → done, the link bound to the account', async () => {
    const v = scriptedVerifier();
    const chain = scriptedChain();
    const a = make(v.api, chain);
    const started = await a.start(ME, {
      kind: 'list',
      title: ' Lamp ',
      priceWei: 10n,
      ageRestricted: true,
    });
    expect(started).toMatchObject({
      state: 'waiting',
      title: 'Lamp',
      proof: {
        policy: 'reputation',
        reveals: 'reputation score ≥ 80 and ≥ 10 trades — nothing else',
      },
      qr: `/api/actions/${started.id}/qr.svg`,
    });
    expect(parseWalletUrl(started.link)).toMatchObject({ account: ME, clientId: VERIFIER_DID });
    expect(await a.qrSvg(started.id, ME)).toMatch(/^<svg/);
    const states = statesOf(a, started.id);
    const [reqId] = [...v.statuses.keys()];
    v.statuses.set(
      reqId!,
      verified(ME, { status: 'confirmed', transactionHash: TX(1), code: null }),
    );
    const seen = await states;
    expect(seen.map((s) => s.state)).toEqual(['verified', 'pass', 'done']);
    expect(seen.at(-1)).toMatchObject({
      revealed: 'reputation score ≥ 80 and ≥ 10 trades — nothing else',
      relayTx: TX(1),
      actionTx: TX(101),
      listingId: '1',
      link: null,
      error: null,
    });
    // Persisted, and only its account sees it.
    expect(await a.get(started.id, ME)).toMatchObject({ state: 'done', actionTx: TX(101) });
    await expect(a.get(started.id, OTHER)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('buys an unrestricted item with no proof, and refuses buying one own item', async () => {
    const chain = scriptedChain();
    await chain.list('0x', { price: 5n, ageRestricted: false });
    const a = make(scriptedVerifier().api, chain);
    await expect(a.start(ME, { kind: 'buy', listingId: 1n })).rejects.toMatchObject({
      code: 'forbidden',
    });
    const started = await a.start(OTHER, { kind: 'buy', listingId: 1n });
    expect(started).toMatchObject({ state: 'pass', proof: null, link: null });
    const done = await new Promise<ActionView>((resolve) => {
      const check = async () => {
        const v = await a.get(started.id, OTHER);
        if (v.state === 'done') resolve(v);
        else setTimeout(() => void check(), 5);
      };
      void check();
    });
    expect(done.actionTx).toBe(TX(200));
  });

  it('asks no proof of an account that still holds a valid pass', async () => {
    const v = scriptedVerifier();
    const chain = scriptedChain();
    chain.passHolders.push(ME);
    const a = make(v.api, chain);
    const states: ActionView[] = [];
    const started = await a.start(ME, {
      kind: 'list',
      title: 'Lamp',
      priceWei: 10n,
      ageRestricted: false,
    });
    a.subscribe(started.id, (s) => states.push(s));
    expect(started).toMatchObject({ state: 'pass', link: null, proof: { policy: 'reputation' } });
    expect(started.revealed).toMatch(/^nothing new: your account already holds a valid pass/);
    expect(v.statuses.size).toBe(0); // no proof request was made
    await new Promise<void>((resolve) => {
      const check = async () =>
        (await a.get(started.id, ME)).state === 'done'
          ? resolve()
          : setTimeout(() => void check(), 5);
      void check();
    });
    expect(await a.get(started.id, ME)).toMatchObject({ actionTx: TX(101), listingId: '1' });
  });

  it('fails with the revert in words', async () => {
    const v = scriptedVerifier();
    const chain = scriptedChain();
    chain.revertNext = 'Marketplace__ReputationPassRequired';
    const a = make(v.api, chain);
    const started = await a.start(ME, {
      kind: 'list',
      title: 'Lamp',
      priceWei: 10n,
      ageRestricted: false,
    });
    const states = statesOf(a, started.id);
    v.statuses.set(
      [...v.statuses.keys()][0]!,
      verified(ME, { status: 'confirmed', transactionHash: TX(1), code: null }),
    );
    expect((await states).at(-1)).toMatchObject({
      state: 'failed',
      error: {
        code: 'tx_failed',
        message: 'the transaction failed: your account holds no valid reputation pass',
      },
    });
  });

  it('refuses bad input before asking the verifier', async () => {
    const a = make(scriptedVerifier().api, scriptedChain());
    await expect(
      a.start(ME, { kind: 'list', title: ' ', priceWei: 1n, ageRestricted: false }),
    ).rejects.toMatchObject({ code: 'bad_input' });
    await expect(
      a.start(ME, { kind: 'list', title: 'x', priceWei: 0n, ageRestricted: false }),
    ).rejects.toMatchObject({ code: 'out_of_range' });
  });

  it('resumes watching after a restart, and fails what was interrupted mid-transaction', async () => {
    const v = scriptedVerifier();
    const chain = scriptedChain();
    const first = make(v.api, chain);
    const waiting = await first.start(ME, {
      kind: 'list',
      title: 'Lamp',
      priceWei: 10n,
      ageRestricted: false,
    });
    await first.close();
    const interrupted = {
      ...(await dataSource.getRepository(ActionEntity).findOneByOrFail({ id: waiting.id })),
      id: '11111111-1111-4111-8111-111111111111',
      state: 'pass' as const,
    };
    await dataSource.getRepository(ActionEntity).insert(interrupted);

    v.statuses.set(
      [...v.statuses.keys()][0]!,
      verified(ME, { status: 'confirmed', transactionHash: TX(1), code: null }),
    );
    const second = make(v.api, chain);
    const states = statesOf(second, waiting.id);
    await second.resume();
    expect((await states).at(-1)).toMatchObject({ state: 'done', actionTx: TX(101) });
    expect(await second.get(interrupted.id, ME)).toMatchObject({
      state: 'failed',
      error: { code: 'internal' },
    });
  });
});
