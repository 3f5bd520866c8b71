/**
 * The services' chain readers on one real chain with the demo Marketplace: the verifier's
 * revocation-root check against RevocationRegistry; and the reputation engine: the Marketplace's
 * `TradeCompleted` and `Rated` events read through `#contracts` by the issuer's checkpointed
 * reader, the KYC check asked of
 * the real ZkGate (`hasValidPass`), and wash trading on chain: a seller with sock-puppet buyers
 * (no KYC pass) and 1-wei trades, and the same verified buyer over and over, gains nothing a
 * single honest customer would not give. A restart re-reads nothing twice.
 * Passes come from the contracts' fixture proof source (fast fixture circuit).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClients } from '#contracts';
import { openDatabase } from '#platform';
import { registryRootCheck } from '../../verifier/chain.js';
import { parseEther, parseEventLogs, type Address } from 'viem';
import type { DataSource } from 'typeorm';
import { marketplaceAbi } from '../../contracts/ts/abi.js';
import {
  expectRevert,
  expectSuccess,
  sendTx,
  setupTestEnv,
  type TestEnv,
} from '../../contracts/test/helpers.js';
import {
  deployedPolicies,
  grantPass,
  marketplacePolicies,
  trustIssuerA,
} from '../../contracts/test/world.js';
import { kycPassCheck } from '../../issuer/chain.js';
import { computeReputation, reputationAttributes } from '../../issuer/domain/reputation.js';
import { eventsOfAccount, reputationOf } from '../../issuer/domain/trade-log.js';
import { chainReputationSource, syncMarketplace } from '../../issuer/reputation-sync.js';
import { createIssuerAgent } from '../../issuer/agent.js';
import { issueCredential } from '../../issuer/domain/credentials.js';
import { loadOrCreateIdentity } from '../../issuer/domain/identity.js';
import { loadOrCreateZkKey } from '../../issuer/domain/zk-key.js';
import { REPUTATION_SCHEMA, encodeAttributes } from '#zk';
import { SecretBox } from '@veramo/kms-local';
import { decodeJWT } from 'did-jwt';
import { ISSUER_ENTITIES, ISSUER_MIGRATIONS } from '../../issuer/store/schema.js';

/** Dev accounts: 3 seller, 4 a verified (KYC pass) buyer, 5, 6, 8 puppets without a pass. */
const SELLER = 3;
const VERIFIED = 4;
const PUPPETS = [5, 6, 8];

let env: TestEnv;
let market: Address;
let work: string;
let ds: DataSource;
let kycPolicy: bigint;

beforeAll(async () => {
  env = await setupTestEnv({ marketplace: marketplacePolicies });
  market = env.deployment.contracts.marketplace!.address;
  const policies = deployedPolicies(env);
  kycPolicy = policies.age.policyId;
  await trustIssuerA(env);
  await grantPass(env, { holder: 'seller', from: SELLER, policy: policies.reputation });
  await grantPass(env, { holder: 'adult', from: VERIFIED, policy: policies.age });
  work = await mkdtemp(join(tmpdir(), 'zkrep-rep-chain-'));
  ds = await openDatabase({
    sqlitePath: join(work, 'issuer.sqlite'),
    entities: ISSUER_ENTITIES,
    migrations: ISSUER_MIGRATIONS,
  });
}, 180_000);

afterAll(async () => {
  if (ds?.isInitialized) await ds.destroy();
  await env?.close();
  await rm(work, { recursive: true, force: true });
});

const call = (from: number, functionName: string, args: readonly unknown[], value?: bigint) =>
  sendTx(env, env.wallet(from), {
    address: market,
    abi: marketplaceAbi,
    functionName,
    args,
    value,
  });

/** The seller lists, `buyer` buys and rates `score`. */
async function trade(buyer: number, price: bigint, score: number): Promise<void> {
  const listed = await call(SELLER, 'list', [price, false]);
  expectSuccess(listed);
  const [ev] = parseEventLogs({
    abi: marketplaceAbi,
    eventName: 'Listed',
    logs: listed.receipt.logs,
  });
  const id = ev!.args.listingId;
  expectSuccess(await call(buyer, 'buy', [id], price));
  expectSuccess(await call(buyer, 'rate', [id, score]));
}

const seller = () => env.accounts[SELLER] as Address;
const sync = () =>
  syncMarketplace({ dataSource: ds, publicClient: env.publicClient, marketplace: market });
const now = async () => Number((await env.publicClient.getBlock()).timestamp);
const reputation = async () =>
  reputationOf(ds, {
    account: seller(),
    role: 'seller',
    now: await now(),
    hasKycPass: kycPassCheck({ publicClient: env.publicClient, gate: env.gate }, kycPolicy),
  });

describe('the verifier reads revocation roots from the real registry', () => {
  it('accepts a published root, refuses an unknown one, fails closed when the RPC is down', async () => {
    const check = registryRootCheck(env.publicClient, env.gate);
    const issuerA = env.proofs.world.issuers[0];
    const terms = { maxRootAgeSeconds: 3600, now: await now() };
    expect(await check(issuerA, env.proofs.world.roots[0], terms)).toBe(true);
    expect(await check(issuerA, 12345n, terms)).toBe(false);
    const { publicClient: down } = createClients({
      rpcUrl: 'http://127.0.0.1:9',
      chainId: env.chain.chainId,
    });
    await expect(
      registryRootCheck(down, env.gate)(issuerA, env.proofs.world.roots[0], terms),
    ).rejects.toMatchObject({ code: 'chain_unreachable' });
  });
});

describe('reputation from a real marketplace', () => {
  it('counts one honest trade; puppets, 1-wei trades and repeats add nothing beyond it', async () => {
    await trade(VERIFIED, parseEther('0.5'), 5);
    expect((await sync()).added).toBe(2);
    const honest = await reputation();
    expect(honest.trades).toBe(1);

    // Wash trading: puppets without a KYC pass buy at full price and at 1 wei and rate 5;
    // the verified buyer buys 6 more times.
    for (const p of PUPPETS) {
      await trade(p, parseEther('0.5'), 5);
      await trade(p, 1n, 5);
    }
    for (let i = 0; i < 6; i++) await trade(VERIFIED, parseEther('0.5'), 5);
    // The seller cannot buy from itself at all.
    const own = await call(SELLER, 'list', [1n, false]);
    const [ev] = parseEventLogs({
      abi: marketplaceAbi,
      eventName: 'Listed',
      logs: own.receipt.logs,
    });
    expectRevert(await call(SELLER, 'buy', [ev!.args.listingId], 1n), 'Marketplace__SelfPurchase');

    expect((await sync()).added).toBe(2 * (2 * PUPPETS.length + 6));
    const after = await reputation();
    // Still one counted trade: puppets never count, repeats of one pair sum to < 2.
    expect(after.trades).toBe(1);
    // The puppets' trades change nothing: the result equals the engine without them.
    const puppetAddresses = new Set(PUPPETS.map((p) => (env.accounts[p] as string).toLowerCase()));
    const events = await eventsOfAccount(ds, seller());
    const listingsOfPuppets = new Set(
      events
        .filter((e) => e.type === 'TradeCompleted' && puppetAddresses.has(e.buyer.toLowerCase()))
        .map((e) => e.listingId),
    );
    const withoutPuppets = events.filter((e) => !listingsOfPuppets.has(e.listingId));
    const direct = reputationAttributes(
      await computeReputation(withoutPuppets, {
        now: await now(),
        account: seller(),
        role: 'seller',
        hasKycPass: kycPassCheck({ publicClient: env.publicClient, gate: env.gate }, kycPolicy),
      }),
    );
    expect(after).toEqual(direct);
  });

  it('the reputation source feeds a MarketplaceReputationCredential the zk core accepts', async () => {
    await trade(VERIFIED, parseEther('0.5'), 5);
    const at = await now();
    const source = chainReputationSource({
      dataSource: ds,
      publicClient: env.publicClient,
      marketplace: market,
      hasKycPass: kycPassCheck({ publicClient: env.publicClient, gate: env.gate }, kycPolicy),
      now: () => at,
    });
    const attributes = await source.attributesOf(seller(), 'seller');
    expect(attributes.role).toBe('seller');
    expect(attributes.trades).toBeGreaterThanOrEqual(1);
    const secret = '44'.repeat(32);
    const agent = createIssuerAgent({
      dataSource: ds,
      kmsSecretKey: secret,
      network: {
        name: `0x${env.chain.chainId.toString(16)}`,
        chainId: env.chain.chainId,
        rpcUrl: env.chain.rpcUrl,
        registry: env.deployment.contracts.didRegistry.address,
      },
    });
    const issued = await issueCredential(
      {
        agent,
        dataSource: ds,
        identity: await loadOrCreateIdentity(agent),
        zkKey: await loadOrCreateZkKey(ds, new SecretBox(secret)),
        baseUrl: 'http://127.0.0.1:8081',
        now: () => at,
      },
      {
        type: 'MarketplaceReputationCredential',
        holderDid: `did:ethr:0x7a69:${seller()}`,
        holderCommitment: '12345',
        attributes,
      },
    );
    const { payload } = decodeJWT(issued.jwt);
    const subject = (payload.vc as { credentialSubject: Record<string, unknown> })
      .credentialSubject;
    expect(subject).toMatchObject(attributes);
    expect(payload.sub).toBe(`did:ethr:0x7a69:${seller()}`);
    const zk = subject.zk as { attributes: string[] };
    expect(zk.attributes.slice(0, 5)).toEqual(
      encodeAttributes(REPUTATION_SCHEMA, attributes, 99991231).slice(0, 5).map(String),
    );
  });

  it('a restart re-reads nothing twice and picks up only new events', async () => {
    const before = await reputation();
    await ds.destroy();
    ds = await openDatabase({
      sqlitePath: join(work, 'issuer.sqlite'),
      entities: ISSUER_ENTITIES,
      migrations: ISSUER_MIGRATIONS,
    });
    expect((await sync()).added).toBe(0);
    expect(await reputation()).toEqual(before);
    await trade(VERIFIED, parseEther('0.5'), 4);
    expect((await sync()).added).toBe(2);
  });
});
