/**
 * CivilDate.dateOf (the date half of the packed proof time, contracts/src/CivilDate.sol) against
 * an independent reference: JavaScript's own `Date` (UTC components), over thousands of
 * timestamps in a few `eth_call`s to a test harness, plus every calendar boundary that matters
 * (midnight ± 1 s, 29 February, 1 March, 31 December / 1 January, 2000 (leap), 2100 (not leap),
 * 1970-01-01, the largest 40-bit time). Also checks that the zk core's `utcDateOf` agrees.
 */
import { getAddress, type Address } from 'viem';
import { MAX_TIME, utcDateOf } from '#zk';
import { startAnvil, type AnvilChain } from '../ts/chain.js';
import { createClients, type ReadClient } from '../ts/clients.js';
import { compileContracts } from '../ts/compile.js';
import { civilDateHarnessAbi } from './abi.js';

let chain: AnvilChain;
let publicClient: ReadClient;
let harness: Address;

beforeAll(async () => {
  chain = await startAnvil();
  const rpc = { rpcUrl: chain.rpcUrl, chainId: chain.chainId };
  publicClient = createClients(rpc).publicClient;
  const [deployer] = (await publicClient.request({ method: 'eth_accounts' } as never)) as Address[];
  const { walletClient } = createClients({ ...rpc, account: getAddress(deployer!) });
  const build = await compileContracts({ includeTestContracts: true });
  const hash = await walletClient.deployContract({
    abi: civilDateHarnessAbi,
    bytecode: build.contracts['CivilDateHarness']!.bytecode,
  });
  harness = getAddress((await publicClient.waitForTransactionReceipt({ hash })).contractAddress!);
});
afterAll(async () => {
  await chain?.stop();
});

const DAY = 86_400;
/** The JavaScript Date limit: 8.64e15 ms after the epoch (+275760-09-13). */
const JS_DATE_MAX_SECONDS = 8_640_000_000_000;

/** The reference: YYYYMMDD from JavaScript's Date in UTC (not the algorithm under test). */
function jsDate(unixSeconds: number): number {
  const d = new Date(unixSeconds * 1000);
  if (Number.isNaN(d.getTime())) throw new Error(`no JS date for ${unixSeconds}`);
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** Unix seconds of 00:00:00 UTC on a day (JavaScript's Date.UTC; month 1..12, day may overflow). */
const midnight = (year: number, month: number, day: number): number =>
  Date.UTC(year, month - 1, day) / 1000;

/** Solidity's answers for many timestamps, in batches of one eth_call each. */
async function solidityDates(times: readonly number[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times.length; i += 4_000) {
    const batch = times.slice(i, i + 4_000).map(BigInt);
    const dates = await publicClient.readContract({
      address: harness,
      abi: civilDateHarnessAbi,
      functionName: 'datesOf',
      args: [batch],
    });
    out.push(...dates.map(Number));
  }
  return out;
}

/** Deterministic pseudo-random integers in [0, bound) (xorshift64*; a fixed seed per test). */
function randomTimes(count: number, bound: number, seed: bigint): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    x ^= x << 13n;
    x &= (1n << 64n) - 1n;
    x ^= x >> 7n;
    x ^= x << 17n;
    x &= (1n << 64n) - 1n;
    out.push(Number(x % BigInt(bound)));
  }
  return out;
}

/** Compares Solidity with the reference (and `utcDateOf` within its domain); returns mismatches. */
async function mismatches(times: readonly number[]): Promise<string[]> {
  const onChain = await solidityDates(times);
  const bad: string[] = [];
  times.forEach((t, i) => {
    const expected = jsDate(t);
    if (onChain[i] !== expected) bad.push(`${t}: solidity ${onChain[i]}, JS Date ${expected}`);
    if (t <= Number(MAX_TIME) && utcDateOf(t) !== expected) {
      bad.push(`${t}: utcDateOf ${utcDateOf(t)}, JS Date ${expected}`);
    }
  });
  return bad;
}

it('the reference itself: a few dates written out by hand', async () => {
  // Guards the reference and the helpers, so that the comparisons below compare with something.
  expect(jsDate(0)).toBe(19700101);
  expect(jsDate(951_782_400)).toBe(20000229); // 2000-02-29T00:00:00Z
  expect(jsDate(4_107_542_399)).toBe(21000228); // 2100-02-28T23:59:59Z
  expect(jsDate(4_107_542_400)).toBe(21000301); // 2100 is not a leap year
  expect(midnight(2026, 12, 1)).toBe(1_796_083_200);
  expect(await solidityDates([0, 1_796_083_199, 1_796_083_200])).toEqual([
    19700101, 20261130, 20261201,
  ]);
});

it('every boundary: midnight ± 1 s of every month from 1970 to 2110, leap days, year ends, the 40-bit limit', async () => {
  const times = new Set<number>([0, 1, DAY - 1, DAY, DAY + 1]);
  for (let year = 1970; year <= 2110; year++) {
    for (let month = 1; month <= 12; month++) {
      const m = midnight(year, month, 1);
      for (const t of [m - 1, m, m + 1]) if (t >= 0) times.add(t);
    }
    // 28 Feb, 29 Feb (or 1 Mar when not a leap year), 31 Dec / 1 Jan, at midnight and noon.
    for (const [month, day] of [
      [2, 28],
      [2, 29],
      [3, 1],
      [12, 31],
    ] as const) {
      const m = midnight(year, month, day);
      for (const t of [m - 1, m, m + DAY / 2, m + DAY - 1]) times.add(t);
    }
  }
  // Centuries: 2000 and 2400 are leap years; 2100, 2200, 2300 are not.
  for (const year of [2000, 2100, 2200, 2300, 2400, 10_000, 36_812]) {
    for (const [month, day] of [
      [2, 28],
      [2, 29],
      [3, 1],
      [1, 1],
    ] as const) {
      const m = midnight(year, month, day);
      for (const t of [m - 1, m, m + 1]) times.add(t);
    }
  }
  // The 32-bit rollover, the largest 40-bit time the circuit allows, and JS Date's own limit.
  for (const t of [2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, Number(MAX_TIME) - DAY]) {
    times.add(t);
  }
  times.add(Number(MAX_TIME));
  times.add(JS_DATE_MAX_SECONDS);
  const list = [...times].sort((a, b) => a - b);
  expect(list.length).toBeGreaterThan(5_000);
  expect(await mismatches(list)).toEqual([]);
  // Spot checks of the cases named in the brief, against literal dates.
  const named: [number, number][] = [
    [midnight(2000, 2, 29), 20000229],
    [midnight(2000, 3, 1) - 1, 20000229],
    [midnight(2100, 3, 1) - 1, 21000228],
    [midnight(2100, 3, 1), 21000301],
    [midnight(2027, 1, 1) - 1, 20261231],
    [midnight(2027, 1, 1), 20270101],
    [Number(MAX_TIME), 368120220], // +036812-02-20T00:36:15Z
  ];
  expect(await solidityDates(named.map(([t]) => t))).toEqual(named.map(([, d]) => d));
});

it('8,000 pseudo-random times over [0, 2^40) and 4,000 over 1970-2200', async () => {
  const wide = randomTimes(8_000, Number(MAX_TIME) + 1, 0x9e3779b97f4a7c15n);
  const near = randomTimes(4_000, midnight(2200, 1, 1), 0x243f6a8885a308d3n);
  expect(await mismatches([...wide, ...near])).toEqual([]);
});

it('is cheap: one date costs a few hundred gas (no loop, no table)', async () => {
  const [date, gasUsed] = await publicClient.readContract({
    address: harness,
    abi: civilDateHarnessAbi,
    functionName: 'measure',
    args: [BigInt(midnight(2026, 12, 1))],
  });
  expect(date).toBe(20261201n);
  expect(gasUsed).toBeLessThan(500n);
  console.log(`CivilDate.dateOf: ${gasUsed} gas`);
});
