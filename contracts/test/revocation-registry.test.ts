/**
 * RevocationRegistry (inside ZkGate): only the issuer's controller publishes; the root history
 * records when each root was published and superseded; validation and events.
 */
import { parseEventLogs, type Address } from 'viem';
import { zkGateAbi } from '../ts/abi.js';
import {
  getCurrentRoot,
  getRootHistory,
  isRootAccepted,
  publishRevocationRoot,
  registerIssuer,
} from '../ts/registry.js';
import { FIELD_SIZE } from '../ts/signals.js';
import {
  expectRevert,
  expectSuccess,
  latestTime,
  sendTx,
  setupTestEnv,
  isolateTests,
  type TestEnv,
} from './helpers.js';

let env: TestEnv;
const KEY = 0xa11cen;
const OTHER = 0xb0bn;
/** The controller of KEY is dev account 1; of OTHER, account 2. */
const CONTROLLER = 1;

const publish = (from: number, root: bigint, key = KEY, timestamp?: bigint) =>
  sendTx(
    env,
    env.wallet(from),
    { address: env.gate, abi: zkGateAbi, functionName: 'publishRoot', args: [key, root] },
    timestamp === undefined ? {} : { timestamp },
  );

beforeAll(async () => {
  env = await setupTestEnv();
  for (const [key, controller] of [
    [KEY, 1],
    [OTHER, 2],
  ] as const) {
    await registerIssuer({
      publicClient: env.publicClient,
      walletClient: env.wallet(0),
      gate: env.gate,
      keyHash: key,
      did: `did:ethr:0x7a69:${key.toString(16)}`,
      controller: env.accounts[controller] as Address,
      schemas: [1n],
    });
  }
});
isolateTests(() => env);

describe('who may publish', () => {
  it("only the issuer's controller; not the owner, not another issuer's controller", async () => {
    expectRevert(await publish(0, 5n), 'RevocationRegistry__NotController');
    expectRevert(await publish(2, 5n), 'RevocationRegistry__NotController');
    expectRevert(await publish(7, 5n), 'RevocationRegistry__NotController');
    expectSuccess(await publish(CONTROLLER, 5n));
  });

  it('nobody, for an unknown issuer', async () => {
    expectRevert(await publish(CONTROLLER, 5n, 0xdeadn), 'RevocationRegistry__NotController');
  });

  it('follows a controller change', async () => {
    await sendTx(env, env.wallet(0), {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'setIssuerController',
      args: [KEY, env.accounts[5]],
    });
    expectRevert(await publish(CONTROLLER, 5n), 'RevocationRegistry__NotController');
    expectSuccess(await publish(5, 5n));
  });

  it('a suspended issuer still publishes (revocations keep flowing); a removed one cannot', async () => {
    const status = (s: number) =>
      sendTx(env, env.wallet(0), {
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'setIssuerStatus',
        args: [KEY, s],
      });
    await status(2);
    expectSuccess(await publish(CONTROLLER, 5n));
    await status(3);
    expectRevert(await publish(CONTROLLER, 6n), 'RevocationRegistry__IssuerRemoved');
  });
});

describe('root values', () => {
  it('rejects 0, a root >= r, and re-publishing the current root; accepts r - 1 (C13)', async () => {
    expectRevert(await publish(CONTROLLER, 0n), 'RevocationRegistry__InvalidRoot');
    expectRevert(await publish(CONTROLLER, FIELD_SIZE), 'RevocationRegistry__InvalidRoot');
    expectRevert(await publish(CONTROLLER, 2n ** 256n - 1n), 'RevocationRegistry__InvalidRoot');
    expectSuccess(await publish(CONTROLLER, 5n));
    expectRevert(await publish(CONTROLLER, 5n), 'RevocationRegistry__RootUnchanged');
    expectSuccess(await publish(CONTROLLER, FIELD_SIZE - 1n));
  });
});

describe('history', () => {
  it('records publication and supersession times, oldest first, with events', async () => {
    expect(
      await getCurrentRoot(env.publicClient, { gate: env.gate, issuerKeyHash: KEY }),
    ).toBeNull();
    const t0 = (await latestTime(env)) + 10n;
    const first = await publish(CONTROLLER, 11n, KEY, t0);
    expect(parseEventLogs({ abi: zkGateAbi, logs: first.receipt.logs })).toMatchObject([
      { eventName: 'RootPublished', args: { issuerKeyHash: KEY, root: 11n, index: 0n } },
    ]);
    await publish(CONTROLLER, 22n, KEY, t0 + 100n);
    const third = await publish(CONTROLLER, 33n, KEY, t0 + 250n);
    expect(parseEventLogs({ abi: zkGateAbi, logs: third.receipt.logs })[0]?.args).toMatchObject({
      index: 2n,
    });

    expect(await getRootHistory(env.publicClient, { gate: env.gate, issuerKeyHash: KEY })).toEqual([
      { root: 11n, publishedAt: t0, supersededAt: t0 + 100n },
      { root: 22n, publishedAt: t0 + 100n, supersededAt: t0 + 250n },
      { root: 33n, publishedAt: t0 + 250n, supersededAt: 0n },
    ]);
    expect(await getCurrentRoot(env.publicClient, { gate: env.gate, issuerKeyHash: KEY })).toEqual({
      root: 33n,
      publishedAt: t0 + 250n,
    });
    const times = (root: bigint) =>
      env.publicClient.readContract({
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'rootTimes',
        args: [KEY, root],
      });
    expect(await times(22n)).toEqual({ publishedAt: t0 + 100n, supersededAt: t0 + 250n });
    expect(await times(44n)).toEqual({ publishedAt: 0n, supersededAt: 0n });
    await expect(
      env.publicClient.readContract({
        address: env.gate,
        abi: zkGateAbi,
        functionName: 'rootAt',
        args: [KEY, 3n],
      }),
    ).rejects.toThrow(/RevocationRegistry__NoSuchRoot/);
  });

  it('histories are per issuer', async () => {
    await publish(CONTROLLER, 11n);
    await publish(2, 99n, OTHER);
    expect(
      (await getRootHistory(env.publicClient, { gate: env.gate, issuerKeyHash: KEY })).map(
        (r) => r.root,
      ),
    ).toEqual([11n]);
    expect(
      (await getRootHistory(env.publicClient, { gate: env.gate, issuerKeyHash: OTHER })).map(
        (r) => r.root,
      ),
    ).toEqual([99n]);
  });

  it('re-publishing an older root appends it again and makes it current', async () => {
    const t0 = (await latestTime(env)) + 10n;
    await publish(CONTROLLER, 11n, KEY, t0);
    await publish(CONTROLLER, 22n, KEY, t0 + 5n);
    await publish(CONTROLLER, 11n, KEY, t0 + 9n);
    const history = await getRootHistory(env.publicClient, { gate: env.gate, issuerKeyHash: KEY });
    expect(history.map((r) => [r.root, r.publishedAt, r.supersededAt])).toEqual([
      [11n, t0, t0 + 5n],
      [22n, t0 + 5n, t0 + 9n],
      [11n, t0 + 9n, 0n],
    ]);
  });

  it('the off-chain helper applies the same acceptance rule as the gate (exclusive limit)', async () => {
    const t0 = (await latestTime(env)) + 10n;
    await publishRevocationRoot({
      publicClient: env.publicClient,
      walletClient: env.wallet(CONTROLLER),
      gate: env.gate,
      issuerKeyHash: KEY,
      root: 11n,
    });
    await publish(CONTROLLER, 22n, KEY, t0);
    const accepted = (root: bigint, now: bigint) =>
      isRootAccepted(env.publicClient, {
        gate: env.gate,
        issuerKeyHash: KEY,
        root,
        maxRootAge: 60n,
        now,
      });
    expect(await accepted(22n, t0 + 10_000n)).toBe(true);
    expect(await accepted(11n, t0 + 59n)).toBe(true);
    expect(await accepted(11n, t0 + 60n)).toBe(false);
    expect(await accepted(33n, t0)).toBe(false);
  });
});
