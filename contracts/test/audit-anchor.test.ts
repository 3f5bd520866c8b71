/**
 * AuditAnchor: per-verifier, append-only checkpoints with a strictly increasing index (R02).
 */
import { parseEventLogs, type Address, type Hex } from 'viem';
import { auditAnchorAbi } from '../ts/abi.js';
import { anchorAuditHead, getLatestAnchor } from '../ts/audit.js';
import {
  expectRevert,
  expectSuccess,
  latestTime,
  sendTx,
  setupTestEnv,
  type TestEnv,
} from './helpers.js';

let env: TestEnv;
let anchor: Address;
const head = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;
const put = (from: number, index: bigint, h: Hex, timestamp?: bigint) =>
  sendTx(
    env,
    env.wallet(from),
    { address: anchor, abi: auditAnchorAbi, functionName: 'anchor', args: [index, h] },
    timestamp === undefined ? {} : { timestamp },
  );

beforeAll(async () => {
  env = await setupTestEnv();
  anchor = env.deployment.contracts.auditAnchor.address;
});
afterAll(async () => {
  await env?.close();
});

it('anchors a head with an event and reads it back', async () => {
  const t = (await latestTime(env)) + 5n;
  const outcome = await put(1, 10n, head(0xaa), t);
  expectSuccess(outcome);
  expect(parseEventLogs({ abi: auditAnchorAbi, logs: outcome.receipt.logs })).toMatchObject([
    { eventName: 'Anchored', args: { verifier: env.accounts[1], index: 10n, head: head(0xaa) } },
  ]);
  expect(
    await getLatestAnchor(env.publicClient, { anchor, verifier: env.accounts[1] as Address }),
  ).toEqual({
    index: 10n,
    head: head(0xaa),
    anchoredAt: t,
  });
  expect(
    await env.publicClient.readContract({
      address: anchor,
      abi: auditAnchorAbi,
      functionName: 'anchorAt',
      args: [env.accounts[1] as Address, 10n],
    }),
  ).toEqual({ head: head(0xaa), anchoredAt: t });
});

it('the index must strictly increase: equal or lower is rejected, history is kept', async () => {
  expectSuccess(await put(2, 5n, head(1)));
  expectRevert(await put(2, 5n, head(2)), 'AuditAnchor__IndexNotIncreasing');
  expectRevert(await put(2, 4n, head(2)), 'AuditAnchor__IndexNotIncreasing');
  expectSuccess(await put(2, 6n, head(3)));
  const at5 = await env.publicClient.readContract({
    address: anchor,
    abi: auditAnchorAbi,
    functionName: 'anchorAt',
    args: [env.accounts[2] as Address, 5n],
  });
  expect(at5.head).toBe(head(1));
  expect(
    (await getLatestAnchor(env.publicClient, { anchor, verifier: env.accounts[2] as Address }))
      ?.index,
  ).toBe(6n);
});

it('index 0 and a zero head are rejected', async () => {
  expectRevert(await put(3, 0n, head(1)), 'AuditAnchor__IndexNotIncreasing');
  expectRevert(await put(3, 1n, head(0)), 'AuditAnchor__ZeroHead');
});

it('each verifier writes only its own namespace', async () => {
  expectSuccess(await put(4, 100n, head(9)));
  // Another verifier starts from its own 0, unaffected by account 4's index.
  expectSuccess(await put(5, 1n, head(8)));
  expect(
    (await getLatestAnchor(env.publicClient, { anchor, verifier: env.accounts[4] as Address }))
      ?.index,
  ).toBe(100n);
  expect(
    (await getLatestAnchor(env.publicClient, { anchor, verifier: env.accounts[5] as Address }))
      ?.index,
  ).toBe(1n);
});

it('unknown checkpoints: latest is null, anchorAt reverts', async () => {
  expect(
    await getLatestAnchor(env.publicClient, { anchor, verifier: env.accounts[9] as Address }),
  ).toBeNull();
  await expect(
    env.publicClient.readContract({
      address: anchor,
      abi: auditAnchorAbi,
      functionName: 'anchorAt',
      args: [env.accounts[9] as Address, 1n],
    }),
  ).rejects.toThrow(/AuditAnchor__NoSuchAnchor/);
});

it('the library helper anchors', async () => {
  await anchorAuditHead({
    publicClient: env.publicClient,
    walletClient: env.wallet(6),
    anchor,
    index: 3n,
    head: head(0x33),
  });
  expect(
    (await getLatestAnchor(env.publicClient, { anchor, verifier: env.accounts[6] as Address }))
      ?.head,
  ).toBe(head(0x33));
});
