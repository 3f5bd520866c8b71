/**
 * IssuerRegistry (inside ZkGate): two-step ownership, owner-only writes, validation, status
 * lifecycle, schema allow-lists (empty = trusted for nothing) and events (K09, K10, C16).
 */
import { parseEventLogs, type Address } from 'viem';
import { zkGateAbi } from '../ts/abi.js';
import { getIssuer, registerIssuer, setIssuerStatus } from '../ts/registry.js';
import { FIELD_SIZE } from '../ts/signals.js';
import {
  expectRevert,
  expectSuccess,
  sendTx,
  setupTestEnv,
  isolateTests,
  type TestEnv,
} from './helpers.js';

let env: TestEnv;
let owner: Address;
let stranger: Address;
const KEY = 0x1234n;
const SCHEMA = 77n;
const DID = 'did:ethr:0x7a69:0x02aabbcc';

const call = (from: number, functionName: string, args: readonly unknown[]) =>
  sendTx(env, env.wallet(from), { address: env.gate, abi: zkGateAbi, functionName, args });
const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  env.publicClient.readContract({
    address: env.gate,
    abi: zkGateAbi,
    functionName: functionName as never,
    args: args as never,
  }) as Promise<T>;
const register = (from = 0, key = KEY, did = DID, controller?: Address, schemas = [SCHEMA]) =>
  call(from, 'registerIssuer', [key, did, controller ?? env.accounts[1], schemas]);

beforeAll(async () => {
  env = await setupTestEnv();
  owner = env.accounts[0] as Address;
  stranger = env.accounts[7] as Address;
});
isolateTests(() => env);

describe('ownership (K10)', () => {
  it('starts with the deployer as owner and no pending owner', async () => {
    expect(await read('owner')).toBe(owner);
    expect(await read('pendingOwner')).toBe('0x0000000000000000000000000000000000000000');
  });

  it('transfers in two steps, with events; the old owner loses its rights', async () => {
    const started = await call(0, 'transferOwnership', [stranger]);
    expectSuccess(started);
    expect(parseEventLogs({ abi: zkGateAbi, logs: started.receipt.logs })).toMatchObject([
      { eventName: 'OwnershipTransferStarted', args: { previousOwner: owner, newOwner: stranger } },
    ]);
    // Not yet effective.
    expect(await read('owner')).toBe(owner);
    expect(await read('pendingOwner')).toBe(stranger);
    const accepted = await call(7, 'acceptOwnership', []);
    expectSuccess(accepted);
    expect(parseEventLogs({ abi: zkGateAbi, logs: accepted.receipt.logs })).toMatchObject([
      { eventName: 'OwnershipTransferred', args: { previousOwner: owner, newOwner: stranger } },
    ]);
    expect(await read('owner')).toBe(stranger);
    expect(await read('pendingOwner')).toBe('0x0000000000000000000000000000000000000000');
    expectRevert(await register(0), 'Owned2Step__NotOwner');
    expectSuccess(await register(7));
  });

  it('a transfer to a wrong address never takes effect and can be cancelled or redirected', async () => {
    await call(0, 'transferOwnership', [env.accounts[8]]);
    expectRevert(await call(7, 'acceptOwnership', []), 'Owned2Step__NotPendingOwner');
    expectSuccess(
      await call(0, 'transferOwnership', ['0x0000000000000000000000000000000000000000']),
    );
    expectRevert(await call(8, 'acceptOwnership', []), 'Owned2Step__NotPendingOwner');
    expect(await read('owner')).toBe(owner);
  });

  it('only the owner starts a transfer', async () => {
    expectRevert(await call(7, 'transferOwnership', [stranger]), 'Owned2Step__NotOwner');
  });
});

describe('non-owners cannot write (K10)', () => {
  it.each([
    ['registerIssuer', () => [KEY, DID, '0x0000000000000000000000000000000000000001', []]],
    ['setIssuerSchema', () => [KEY, SCHEMA, true]],
    ['setIssuerStatus', () => [KEY, 2]],
    ['setIssuerController', () => [KEY, '0x0000000000000000000000000000000000000001']],
  ] as const)('%s reverts with Owned2Step__NotOwner', async (functionName, args) => {
    await register();
    // The issuer's own controller is not the owner either.
    expectRevert(await call(1, functionName, args()), 'Owned2Step__NotOwner');
    expectRevert(await call(7, functionName, args()), 'Owned2Step__NotOwner');
  });
});

describe('registration', () => {
  it('registers an active issuer with its DID, controller and schemas, emitting events', async () => {
    const outcome = await register();
    expectSuccess(outcome);
    const events = parseEventLogs({ abi: zkGateAbi, logs: outcome.receipt.logs });
    expect(events).toMatchObject([
      {
        eventName: 'IssuerRegistered',
        args: { keyHash: KEY, controller: env.accounts[1], did: DID },
      },
      { eventName: 'IssuerSchemaSet', args: { keyHash: KEY, schema: SCHEMA, allowed: true } },
    ]);
    expect(await getIssuer(env.publicClient, { gate: env.gate, keyHash: KEY })).toEqual({
      status: 'active',
      controller: env.accounts[1],
      did: DID,
    });
    expect(await read('isTrustedFor', [KEY, SCHEMA])).toBe(true);
  });

  it.each([
    ['key hash 0 (C16)', () => register(0, 0n), 'IssuerRegistry__InvalidKeyHash'],
    ['key hash = r', () => register(0, FIELD_SIZE), 'IssuerRegistry__InvalidKeyHash'],
    ['empty DID', () => register(0, KEY, ''), 'IssuerRegistry__InvalidDid'],
    ['257-byte DID', () => register(0, KEY, 'd'.repeat(257)), 'IssuerRegistry__InvalidDid'],
    [
      'zero controller',
      () => register(0, KEY, DID, '0x0000000000000000000000000000000000000000'),
      'IssuerRegistry__ZeroController',
    ],
    ['schema 0', () => register(0, KEY, DID, undefined, [0n]), 'IssuerRegistry__InvalidSchema'],
    [
      'schema = r',
      () => register(0, KEY, DID, undefined, [FIELD_SIZE]),
      'IssuerRegistry__InvalidSchema',
    ],
  ] as const)('rejects %s', async (_label, run, error) => {
    expectRevert(await run(), error);
  });

  it('accepts a key hash of r - 1 and a 256-byte DID', async () => {
    expectSuccess(await register(0, FIELD_SIZE - 1n, 'd'.repeat(256)));
  });

  it('rejects registering the same key twice, even after removal', async () => {
    await register();
    expectRevert(await register(), 'IssuerRegistry__AlreadyRegistered');
    await call(0, 'setIssuerStatus', [KEY, 3]);
    expectRevert(await register(), 'IssuerRegistry__AlreadyRegistered');
  });

  it('changes the controller (event) but not to zero; unknown issuers revert', async () => {
    await register();
    const changed = await call(0, 'setIssuerController', [KEY, env.accounts[2]]);
    expectSuccess(changed);
    expect(parseEventLogs({ abi: zkGateAbi, logs: changed.receipt.logs })).toMatchObject([
      { eventName: 'IssuerControllerChanged', args: { keyHash: KEY, controller: env.accounts[2] } },
    ]);
    expectRevert(
      await call(0, 'setIssuerController', [KEY, '0x0000000000000000000000000000000000000000']),
      'IssuerRegistry__ZeroController',
    );
    expectRevert(
      await call(0, 'setIssuerController', [999n, env.accounts[2]]),
      'IssuerRegistry__UnknownIssuer',
    );
  });
});

describe('status and schemas (K09)', () => {
  it('suspends and re-activates (events); removal is final', async () => {
    await register();
    const base = {
      publicClient: env.publicClient,
      walletClient: env.wallet(0),
      gate: env.gate,
      keyHash: KEY,
    };
    await setIssuerStatus({ ...base, status: 'suspended' });
    expect(await read('isTrustedFor', [KEY, SCHEMA])).toBe(false);
    expect((await getIssuer(env.publicClient, { gate: env.gate, keyHash: KEY })).status).toBe(
      'suspended',
    );
    const back = await call(0, 'setIssuerStatus', [KEY, 1]);
    expect(parseEventLogs({ abi: zkGateAbi, logs: back.receipt.logs })).toMatchObject([
      { eventName: 'IssuerStatusChanged', args: { keyHash: KEY, status: 1 } },
    ]);
    expect(await read('isTrustedFor', [KEY, SCHEMA])).toBe(true);
    await setIssuerStatus({ ...base, status: 'removed' });
    expect(await read('isTrustedFor', [KEY, SCHEMA])).toBe(false);
    expectRevert(await call(0, 'setIssuerStatus', [KEY, 1]), 'IssuerRegistry__IssuerRemoved');
    expectRevert(
      await call(0, 'setIssuerSchema', [KEY, SCHEMA, true]),
      'IssuerRegistry__IssuerRemoved',
    );
    expectRevert(
      await call(0, 'setIssuerController', [KEY, stranger]),
      'IssuerRegistry__IssuerRemoved',
    );
  });

  it('rejects status None, the current status, and unknown issuers', async () => {
    await register();
    expectRevert(await call(0, 'setIssuerStatus', [KEY, 0]), 'IssuerRegistry__InvalidStatus');
    expectRevert(await call(0, 'setIssuerStatus', [KEY, 1]), 'IssuerRegistry__InvalidStatus');
    expectRevert(await call(0, 'setIssuerStatus', [999n, 2]), 'IssuerRegistry__UnknownIssuer');
  });

  it('an empty allow-list denies every schema; allow and deny are per schema, with events', async () => {
    await register(0, KEY, DID, undefined, []);
    expect(await read('isTrustedFor', [KEY, SCHEMA])).toBe(false);
    expect(await read('isTrustedFor', [KEY, 1n])).toBe(false);
    const allowed = await call(0, 'setIssuerSchema', [KEY, SCHEMA, true]);
    expect(parseEventLogs({ abi: zkGateAbi, logs: allowed.receipt.logs })).toMatchObject([
      { eventName: 'IssuerSchemaSet', args: { keyHash: KEY, schema: SCHEMA, allowed: true } },
    ]);
    expect(await read('isTrustedFor', [KEY, SCHEMA])).toBe(true);
    expect(await read('isTrustedFor', [KEY, SCHEMA + 1n])).toBe(false);
    await call(0, 'setIssuerSchema', [KEY, SCHEMA, false]);
    expect(await read('isSchemaAllowed', [KEY, SCHEMA])).toBe(false);
    expect(await read('isTrustedFor', [KEY, SCHEMA])).toBe(false);
  });

  it('an unknown issuer is trusted for nothing', async () => {
    expect(await read('isTrustedFor', [KEY, SCHEMA])).toBe(false);
    expect((await getIssuer(env.publicClient, { gate: env.gate, keyHash: KEY })).status).toBe(
      'none',
    );
  });

  it('the library helper reports a failed write with the custom error name', async () => {
    await expect(
      registerIssuer({
        publicClient: env.publicClient,
        walletClient: env.wallet(7),
        gate: env.gate,
        keyHash: KEY,
        did: DID,
        controller: stranger,
        schemas: [],
      }),
    ).rejects.toMatchObject({ code: 'tx_failed', details: 'Owned2Step__NotOwner' });
  });
});
