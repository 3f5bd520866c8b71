/**
 * Marketplace: listing needs the seller's reputation pass; buying an age-restricted item needs the
 * buyer's age pass and the seller's still-valid reputation pass (no pass ids: the gate is asked
 * about the account); ETH payment; one rating per trade by its buyer; reentrancy (K13).
 */
import {
  decodeErrorResult,
  getAddress,
  parseEventLogs,
  parseEther,
  type Abi,
  type Address,
  type Hex,
} from 'viem';
import { marketplaceAbi, zkGateAbi } from '../ts/abi.js';
import { compileContracts } from '../ts/compile.js';
import { getPass } from '../ts/gate.js';
import { getSellerTrades } from '../ts/marketplace.js';
import { computeSignalHash } from '../ts/signals.js';
import { fakePassGateAbi, reentrantSellerAbi } from './abi.js';
import {
  expectRevert,
  expectSuccess,
  latestTime,
  sendTx,
  setupTestEnv,
  snapshot,
  type PolicyFixture,
  type TestEnv,
} from './helpers.js';
import {
  deployedPolicies,
  grantPass,
  marketplacePolicies,
  PASS_LIFETIME,
  trustIssuerA,
} from './world.js';

let env: TestEnv;
let market: Address;
let policies: { age: PolicyFixture; reputation: PolicyFixture };
let restore: () => Promise<void>;
/** Dev accounts: 3 = seller, 4 = adult buyer, 5 = buyer without passes, 7 = a reputation pass only. */
const SELLER = 3;
const ADULT = 4;
const ANON = 5;
const REPUTATION_ONLY = 7;
const PRICE = parseEther('0.5');

const tx = (from: number, functionName: string, args: readonly unknown[], value?: bigint) =>
  sendTx(env, env.wallet(from), {
    address: market,
    abi: marketplaceAbi,
    functionName,
    args,
    value,
  });
const list = (from = SELLER, restricted = false, price = PRICE) =>
  tx(from, 'list', [price, restricted]);
const listingIdOf = (outcome: Awaited<ReturnType<typeof list>>): bigint => {
  const [listed] = parseEventLogs({
    abi: marketplaceAbi,
    eventName: 'Listed',
    logs: outcome.receipt.logs,
  });
  if (!listed) throw new Error('not listed');
  return listed.args.listingId;
};
const listing = (id: bigint) =>
  env.publicClient.readContract({
    address: market,
    abi: marketplaceAbi,
    functionName: 'getListing',
    args: [id],
  });

beforeAll(async () => {
  env = await setupTestEnv({ marketplace: marketplacePolicies });
  market = env.deployment.contracts.marketplace!.address;
  policies = deployedPolicies(env);
  await trustIssuerA(env);
  await grantPass(env, { holder: 'seller', from: SELLER, policy: policies.reputation });
  await grantPass(env, { holder: 'adult', from: ADULT, policy: policies.age });
  await grantPass(env, { holder: 'rep-only', from: REPUTATION_ONLY, policy: policies.reputation });
});
afterAll(async () => {
  await env?.close();
});
beforeEach(async () => {
  restore = await snapshot(env);
});
afterEach(async () => {
  await restore();
});

/** The seller's reputation pass expiry (as the gate reports it). */
const sellerPassExpiry = async (): Promise<bigint> =>
  (
    await getPass(env.publicClient, {
      gate: env.gate,
      policyId: policies.reputation.policyId,
      account: env.accounts[SELLER] as Address,
    })
  ).expiresAt;
const disablePolicy = (policyId: bigint) =>
  sendTx(env, env.wallet(0), {
    address: env.gate,
    abi: zkGateAbi,
    functionName: 'disablePolicy',
    args: [policyId],
  });

describe('listing', () => {
  it("requires the caller's own valid reputation pass; no pass id is passed", async () => {
    // An age pass is not a reputation pass; an account without passes has none.
    expectRevert(await list(ADULT), 'Marketplace__ReputationPassRequired');
    expectRevert(await list(ANON), 'Marketplace__ReputationPassRequired');
    const ok = await list();
    expectSuccess(ok);
    expect(parseEventLogs({ abi: marketplaceAbi, logs: ok.receipt.logs })).toMatchObject([
      {
        eventName: 'Listed',
        args: { seller: env.accounts[SELLER], price: PRICE, ageRestricted: false },
      },
    ]);
    expect(await listing(listingIdOf(ok))).toMatchObject({
      seller: env.accounts[SELLER],
      price: PRICE,
      state: 1,
    });
  });

  it('rejects a zero price', async () => {
    expectRevert(await list(SELLER, false, 0n), 'Marketplace__InvalidPrice');
  });

  it('stops accepting a pass once it expires or its policy is disabled', async () => {
    const expiresAt = await sellerPassExpiry();
    await env.testClient.setNextBlockTimestamp({ timestamp: expiresAt - 1n });
    expectSuccess(await list());
    await env.testClient.setNextBlockTimestamp({ timestamp: expiresAt });
    expectRevert(await list(), 'Marketplace__ReputationPassRequired');
    await restore();
    restore = await snapshot(env);
    await disablePolicy(policies.reputation.policyId);
    expectRevert(await list(), 'Marketplace__ReputationPassRequired');
  });
});

describe('buying', () => {
  it('an unrestricted item: anyone pays exactly the price; the seller is paid; TradeCompleted', async () => {
    const id = listingIdOf(await list());
    const seller = env.accounts[SELLER] as Address;
    const before = await env.publicClient.getBalance({ address: seller });
    expectRevert(await tx(ANON, 'buy', [id], PRICE - 1n), 'Marketplace__WrongPayment');
    expectRevert(await tx(ANON, 'buy', [id], PRICE + 1n), 'Marketplace__WrongPayment');
    const bought = await tx(ANON, 'buy', [id], PRICE);
    expectSuccess(bought);
    expect(parseEventLogs({ abi: marketplaceAbi, logs: bought.receipt.logs })).toMatchObject([
      {
        eventName: 'TradeCompleted',
        args: { listingId: id, seller, buyer: env.accounts[ANON], price: PRICE },
      },
    ]);
    expect(await env.publicClient.getBalance({ address: seller })).toBe(before + PRICE);
    expect(await listing(id)).toMatchObject({ state: 2, buyer: env.accounts[ANON] });
    expectRevert(await tx(ADULT, 'buy', [id], PRICE), 'Marketplace__NotForSale');
  });

  it("an age-restricted item needs the buyer's own age pass", async () => {
    const id = listingIdOf(await list(SELLER, true));
    expectRevert(await tx(ANON, 'buy', [id], PRICE), 'Marketplace__AgePassRequired');
    // A reputation pass is not an age pass.
    expectRevert(await tx(REPUTATION_ONLY, 'buy', [id], PRICE), 'Marketplace__AgePassRequired');
    expectSuccess(await tx(ADULT, 'buy', [id], PRICE));
  });

  it("an age-restricted item stays buyable only while its seller's reputation pass is valid", async () => {
    const restricted = listingIdOf(await list(SELLER, true));
    const plain = listingIdOf(await list(SELLER, false));
    const expiresAt = await sellerPassExpiry();
    // The buyer renews its own pass an hour before the seller's expires, so it outlives it.
    await env.testClient.setNextBlockTimestamp({ timestamp: expiresAt - 3_600n });
    await env.testClient.mine({ blocks: 1 });
    await grantPass(env, { holder: 'adult', from: ADULT, policy: policies.age });
    expect(
      (
        await getPass(env.publicClient, {
          gate: env.gate,
          policyId: policies.age.policyId,
          account: env.accounts[ADULT] as Address,
        })
      ).expiresAt,
    ).toBeGreaterThan(expiresAt + 3_600n);
    await env.testClient.setNextBlockTimestamp({ timestamp: expiresAt - 1n });
    await env.testClient.mine({ blocks: 1 });
    // The last second of the seller's pass: still buyable (simulated, nothing mined).
    await env.publicClient.simulateContract({
      account: env.accounts[ADULT] as Address,
      address: market,
      abi: marketplaceAbi,
      functionName: 'buy',
      args: [restricted],
      value: PRICE,
    });
    await env.testClient.setNextBlockTimestamp({ timestamp: expiresAt });
    expectRevert(await tx(ADULT, 'buy', [restricted], PRICE), 'Marketplace__SellerNotEligible');
    // An unrestricted listing of the same seller is not re-checked at purchase.
    expectSuccess(await tx(ADULT, 'buy', [plain], PRICE));
    // Once the seller renews its pass, the restricted listing is buyable again.
    await grantPass(env, { holder: 'seller', from: SELLER, policy: policies.reputation });
    expectSuccess(await tx(ADULT, 'buy', [restricted], PRICE));
  });

  it('an age-restricted item is not buyable once the reputation policy is disabled', async () => {
    const restricted = listingIdOf(await list(SELLER, true));
    const plain = listingIdOf(await list(SELLER, false));
    await disablePolicy(policies.reputation.policyId);
    expectRevert(await tx(ADULT, 'buy', [restricted], PRICE), 'Marketplace__SellerNotEligible');
    // Unrestricted listings are not re-checked at purchase (docs/contracts.md, section 5).
    expectSuccess(await tx(ADULT, 'buy', [plain], PRICE));
  });

  it('an age-restricted item is not buyable once the age policy is disabled', async () => {
    const restricted = listingIdOf(await list(SELLER, true));
    await disablePolicy(policies.age.policyId);
    expectRevert(await tx(ADULT, 'buy', [restricted], PRICE), 'Marketplace__AgePassRequired');
  });

  it("the buyer's pass is checked before the seller's", async () => {
    const id = listingIdOf(await list(SELLER, true));
    await disablePolicy(policies.reputation.policyId);
    expectRevert(await tx(ANON, 'buy', [id], PRICE), 'Marketplace__AgePassRequired');
  });

  it('no self-purchase, no unknown or cancelled listing', async () => {
    const id = listingIdOf(await list());
    expectRevert(await tx(SELLER, 'buy', [id], PRICE), 'Marketplace__SelfPurchase');
    expectRevert(await tx(ANON, 'buy', [999n], PRICE), 'Marketplace__NotForSale');
    expectRevert(await tx(ANON, 'cancel', [id]), 'Marketplace__NotSeller');
    const cancelled = await tx(SELLER, 'cancel', [id]);
    expect(parseEventLogs({ abi: marketplaceAbi, logs: cancelled.receipt.logs })).toMatchObject([
      { eventName: 'ListingCancelled', args: { listingId: id } },
    ]);
    expectRevert(await tx(ANON, 'buy', [id], PRICE), 'Marketplace__NotForSale');
    expectRevert(await tx(SELLER, 'cancel', [id]), 'Marketplace__NotForSale');
  });
});

describe("reading the gate's answer (a fake gate in front of a second marketplace)", () => {
  it('counts a pass only for a successful call returning exactly two words, each exactly 1', async () => {
    const build = await compileContracts({ includeTestContracts: true });
    const deployed = async (name: string, abi: Abi, args: readonly unknown[]) => {
      const hash = await env.wallet(0).deployContract({
        abi,
        bytecode: build.contracts[name]!.bytecode,
        args,
      });
      return getAddress(
        (await env.publicClient.waitForTransactionReceipt({ hash })).contractAddress!,
      );
    };
    const fake = await deployed('FakePassGate', fakePassGateAbi, []);
    const shop = await deployed('Marketplace', marketplaceAbi, [fake, 1n, 2n]);
    const listed = await sendTx(env, env.wallet(SELLER), {
      address: shop,
      abi: marketplaceAbi,
      functionName: 'list',
      args: [PRICE, true],
    });
    const id = listingIdOf(listed);
    const answer = (word0: bigint, word1: bigint, size: bigint, reverts = false) =>
      sendTx(env, env.wallet(0), {
        address: fake,
        abi: fakePassGateAbi,
        functionName: 'set',
        args: [word0, word1, size, reverts],
      });
    const buy = () =>
      sendTx(env, env.wallet(ADULT), {
        address: shop,
        abi: marketplaceAbi,
        functionName: 'buy',
        args: [id],
        value: PRICE,
      });
    const refused: [string, [bigint, bigint, bigint, boolean], string][] = [
      ['buyer 0', [0n, 1n, 64n, false], 'Marketplace__AgePassRequired'],
      ['buyer 2 (not a canonical true)', [2n, 1n, 64n, false], 'Marketplace__AgePassRequired'],
      ['seller 0', [1n, 0n, 64n, false], 'Marketplace__SellerNotEligible'],
      ['seller 2', [1n, 2n, 64n, false], 'Marketplace__SellerNotEligible'],
      ['one word only', [1n, 1n, 32n, false], 'Marketplace__AgePassRequired'],
      ['three words', [1n, 1n, 96n, false], 'Marketplace__AgePassRequired'],
      ['no answer', [1n, 1n, 0n, false], 'Marketplace__AgePassRequired'],
      ['the gate reverts', [1n, 1n, 64n, true], 'Marketplace__AgePassRequired'],
    ];
    for (const [label, [w0, w1, size, reverts], error] of refused) {
      expectSuccess(await answer(w0, w1, size, reverts));
      expect([label, (await buy()).error?.name]).toEqual([label, error]);
    }
    expectSuccess(await answer(1n, 1n, 64n));
    expectSuccess(await buy());
  });
});

describe('rating', () => {
  it("once, by the trade's buyer, 1..5, after the sale; the reputation helper sees it", async () => {
    const id = listingIdOf(await list());
    expectRevert(await tx(ANON, 'rate', [id, 5]), 'Marketplace__NotBuyer');
    await tx(ANON, 'buy', [id], PRICE);
    expectRevert(await tx(ADULT, 'rate', [id, 5]), 'Marketplace__NotBuyer');
    expectRevert(await tx(SELLER, 'rate', [id, 5]), 'Marketplace__NotBuyer');
    expectRevert(await tx(ANON, 'rate', [id, 0]), 'Marketplace__InvalidScore');
    expectRevert(await tx(ANON, 'rate', [id, 6]), 'Marketplace__InvalidScore');
    const rated = await tx(ANON, 'rate', [id, 4]);
    expect(parseEventLogs({ abi: marketplaceAbi, logs: rated.receipt.logs })).toMatchObject([
      { eventName: 'Rated', args: { listingId: id, seller: env.accounts[SELLER], score: 4 } },
    ]);
    expectRevert(await tx(ANON, 'rate', [id, 5]), 'Marketplace__AlreadyRated');

    const unrated = listingIdOf(await list());
    await tx(ADULT, 'buy', [unrated], PRICE);
    const trades = await getSellerTrades(env.publicClient, {
      marketplace: market,
      seller: env.accounts[SELLER] as Address,
    });
    expect(trades.map((t) => [t.listingId, t.buyer, t.price, t.score])).toEqual([
      [id, env.accounts[ANON], PRICE, 4],
      [unrated, env.accounts[ADULT], PRICE, undefined],
    ]);
  });
});

describe('a malicious seller contract (K13)', () => {
  /** Deploys a ReentrantSeller that holds its own reputation pass and has one listing. */
  async function maliciousSeller(): Promise<{
    call: (functionName: string, args: readonly unknown[]) => ReturnType<typeof sendTx>;
    read: (functionName: string) => Promise<unknown>;
    listingId: bigint;
  }> {
    const build = await compileContracts({ includeTestContracts: true });
    const hash = await env.wallet(6).deployContract({
      abi: reentrantSellerAbi,
      bytecode: build.contracts['ReentrantSeller']!.bytecode,
      args: [market],
    });
    const address = (await env.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
    const call = (functionName: string, args: readonly unknown[]) =>
      sendTx(env, env.wallet(6), { address, abi: reentrantSellerAbi, functionName, args });
    const read = (functionName: string) =>
      env.publicClient.readContract({
        address,
        abi: reentrantSellerAbi,
        functionName: functionName as never,
      });

    // The contract earns its own reputation pass: the proof binds to its address.
    const at = (await latestTime(env)) + 1n;
    const proof = await env.proofs.prove({
      holder: 'contract-seller',
      issuerKeyHash: env.proofs.world.issuers[0],
      queryHash: policies.reputation.policy.queryHash,
      revocationRoot: env.proofs.world.roots[0],
      time: at,
      scope: policies.reputation.scope,
      signalHash: computeSignalHash({ account: address }),
    });
    await env.testClient.setNextBlockTimestamp({ timestamp: at });
    expectSuccess(
      await call('obtainPass', [
        env.gate,
        policies.reputation.policyId,
        proof.proof.a,
        proof.proof.b,
        proof.proof.c,
        proof.publicSignals,
      ]),
    );
    const listed = await call('listItem', [PRICE, false]);
    expectSuccess(listed);
    return { call, read, listingId: listingIdOf(listed) };
  }

  it('re-entering buy() from the payment callback is stopped, and the callback already sees the sale', async () => {
    const attacker = await maliciousSeller();
    const target = listingIdOf(await list());
    await attacker.call('arm', [attacker.listingId, target]);

    expectSuccess(await tx(ANON, 'buy', [attacker.listingId], PRICE));
    expect(await attacker.read('called')).toBe(true);
    expect(await attacker.read('reentered')).toBe(false);
    expect(await attacker.read('observedState')).toBe(2); // Sold, before the payment arrived.
    const revertData = (await attacker.read('revertData')) as Hex;
    expect(decodeErrorResult({ abi: marketplaceAbi, data: revertData }).errorName).toBe(
      'NonReentrant__ReentrantCall',
    );
    expect(await listing(target)).toMatchObject({ state: 1 });
  });

  it('a seller refusing the payment makes the purchase fail as a whole', async () => {
    const refuser = await maliciousSeller();
    await refuser.call('setRefusePayment', [true]);
    expectRevert(await tx(ANON, 'buy', [refuser.listingId], PRICE), 'Marketplace__PaymentFailed');
    expect(await listing(refuser.listingId)).toMatchObject({ state: 1 });
  });
});

it('PASS_LIFETIME is what the deployed policies use', async () => {
  const policy = await env.publicClient.readContract({
    address: env.gate,
    abi: zkGateAbi,
    functionName: 'getPolicy',
    args: [policies.age.policyId],
  });
  expect(policy.passLifetime).toBe(PASS_LIFETIME);
});
