/**
 * Marketplace: listing needs the seller's reputation pass, buying an age-restricted item needs
 * the buyer's age pass; ETH payment; one rating per trade by its buyer; reentrancy (K13).
 */
import { decodeErrorResult, parseEventLogs, parseEther, type Address, type Hex } from 'viem';
import { marketplaceAbi, zkGateAbi } from '../ts/abi.js';
import { compileContracts } from '../ts/compile.js';
import { getSellerTrades } from '../ts/marketplace.js';
import { computeSignalHash } from '../ts/signals.js';
import { reentrantSellerAbi } from './abi.js';
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
/** Dev accounts: 3 = seller, 4 = adult buyer, 5 = buyer without passes. */
const SELLER = 3;
const ADULT = 4;
const ANON = 5;
let sellerPass: bigint;
let adultAgePass: bigint;
let adultRepPass: bigint;
const PRICE = parseEther('0.5');

const tx = (from: number, functionName: string, args: readonly unknown[], value?: bigint) =>
  sendTx(env, env.wallet(from), {
    address: market,
    abi: marketplaceAbi,
    functionName,
    args,
    value,
  });
const list = (from = SELLER, pass = sellerPass, restricted = false, price = PRICE) =>
  tx(from, 'list', [price, restricted, pass]);
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
  sellerPass = (
    await grantPass(env, { holder: 'seller', from: SELLER, policy: policies.reputation })
  ).nullifier;
  adultAgePass = (await grantPass(env, { holder: 'adult', from: ADULT, policy: policies.age }))
    .nullifier;
  adultRepPass = (
    await grantPass(env, { holder: 'adult', from: ADULT, policy: policies.reputation })
  ).nullifier;
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

describe('listing', () => {
  it("requires the seller's own, valid reputation pass", async () => {
    expectRevert(await list(SELLER, 0n), 'Marketplace__ReputationPassRequired');
    expectRevert(await list(SELLER, 12345n), 'Marketplace__ReputationPassRequired');
    // Someone else's reputation pass.
    expectRevert(await list(SELLER, adultRepPass), 'Marketplace__ReputationPassRequired');
    // The right holder, the wrong policy (an age pass).
    expectRevert(await list(ADULT, adultAgePass), 'Marketplace__ReputationPassRequired');
    // Without any pass at all.
    expectRevert(await list(ANON, sellerPass), 'Marketplace__ReputationPassRequired');
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
    expectRevert(await list(SELLER, sellerPass, false, 0n), 'Marketplace__InvalidPrice');
  });

  it('stops accepting a pass once it expires or its policy is disabled', async () => {
    const { expiresAt } = await env.publicClient
      .readContract({
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'getPass',
        args: [sellerPass],
      })
      .then(([, , e]) => ({ expiresAt: e }));
    await env.testClient.setNextBlockTimestamp({ timestamp: expiresAt - 1n });
    expectSuccess(await list());
    await env.testClient.setNextBlockTimestamp({ timestamp: expiresAt });
    expectRevert(await list(), 'Marketplace__ReputationPassRequired');
    await restore();
    restore = await snapshot(env);
    await sendTx(env, env.wallet(0), {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'disablePolicy',
      args: [policies.reputation.policyId],
    });
    expectRevert(await list(), 'Marketplace__ReputationPassRequired');
  });
});

describe('buying', () => {
  it('an unrestricted item: anyone pays exactly the price; the seller is paid; TradeCompleted', async () => {
    const id = listingIdOf(await list());
    const seller = env.accounts[SELLER] as Address;
    const before = await env.publicClient.getBalance({ address: seller });
    expectRevert(await tx(ANON, 'buy', [id, 0n], PRICE - 1n), 'Marketplace__WrongPayment');
    expectRevert(await tx(ANON, 'buy', [id, 0n], PRICE + 1n), 'Marketplace__WrongPayment');
    const bought = await tx(ANON, 'buy', [id, 0n], PRICE);
    expectSuccess(bought);
    expect(parseEventLogs({ abi: marketplaceAbi, logs: bought.receipt.logs })).toMatchObject([
      {
        eventName: 'TradeCompleted',
        args: { listingId: id, seller, buyer: env.accounts[ANON], price: PRICE },
      },
    ]);
    expect(await env.publicClient.getBalance({ address: seller })).toBe(before + PRICE);
    expect(await listing(id)).toMatchObject({ state: 2, buyer: env.accounts[ANON] });
    expectRevert(await tx(ADULT, 'buy', [id, 0n], PRICE), 'Marketplace__NotForSale');
  });

  it("an age-restricted item needs the buyer's own age pass", async () => {
    const id = listingIdOf(await list(SELLER, sellerPass, true));
    expectRevert(await tx(ANON, 'buy', [id, 0n], PRICE), 'Marketplace__AgePassRequired');
    // Someone else's age pass, and the buyer's own pass of the wrong policy.
    expectRevert(await tx(ANON, 'buy', [id, adultAgePass], PRICE), 'Marketplace__AgePassRequired');
    expectRevert(await tx(ADULT, 'buy', [id, adultRepPass], PRICE), 'Marketplace__AgePassRequired');
    expectSuccess(await tx(ADULT, 'buy', [id, adultAgePass], PRICE));
  });

  it('no self-purchase, no unknown or cancelled listing', async () => {
    const id = listingIdOf(await list());
    expectRevert(await tx(SELLER, 'buy', [id, 0n], PRICE), 'Marketplace__SelfPurchase');
    expectRevert(await tx(ANON, 'buy', [999n, 0n], PRICE), 'Marketplace__NotForSale');
    expectRevert(await tx(ANON, 'cancel', [id]), 'Marketplace__NotSeller');
    const cancelled = await tx(SELLER, 'cancel', [id]);
    expect(parseEventLogs({ abi: marketplaceAbi, logs: cancelled.receipt.logs })).toMatchObject([
      { eventName: 'ListingCancelled', args: { listingId: id } },
    ]);
    expectRevert(await tx(ANON, 'buy', [id, 0n], PRICE), 'Marketplace__NotForSale');
    expectRevert(await tx(SELLER, 'cancel', [id]), 'Marketplace__NotForSale');
  });
});

describe('rating', () => {
  it("once, by the trade's buyer, 1..5, after the sale; the reputation helper sees it", async () => {
    const id = listingIdOf(await list());
    expectRevert(await tx(ANON, 'rate', [id, 5]), 'Marketplace__NotBuyer');
    await tx(ANON, 'buy', [id, 0n], PRICE);
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
    await tx(ADULT, 'buy', [unrated, 0n], PRICE);
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
    const listed = await call('listItem', [PRICE, proof.publicSignals[0]]);
    expectSuccess(listed);
    return { call, read, listingId: listingIdOf(listed) };
  }

  it('re-entering buy() from the payment callback is stopped, and the callback already sees the sale', async () => {
    const attacker = await maliciousSeller();
    const target = listingIdOf(await list());
    await attacker.call('arm', [attacker.listingId, target]);

    expectSuccess(await tx(ANON, 'buy', [attacker.listingId, 0n], PRICE));
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
    expectRevert(
      await tx(ANON, 'buy', [refuser.listingId, 0n], PRICE),
      'Marketplace__PaymentFailed',
    );
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
