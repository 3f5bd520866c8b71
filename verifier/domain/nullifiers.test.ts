/**
 * SECURITY-CASES A10 on SQLite and a real PostgreSQL: one nullifier, one account per scope, even
 * under 50 concurrent submissions; the same account may come back; scopes are independent; a
 * binding made inside a transaction that rolls back is undone.
 */
import { withTransaction } from '#platform';
import { databaseEngines } from '../../test/helpers/databases.js';
import { VerifierError } from '../errors.js';
import { NullifierBindingEntity, VERIFIER_ENTITIES, VERIFIER_MIGRATIONS } from '../store/schema.js';
import { bindNullifier } from './nullifiers.js';

const engines = databaseEngines({ entities: VERIFIER_ENTITIES, migrations: VERIFIER_MIGRATIONS });
const NOW = 1_790_000_000;
const account = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}`;
const SCOPE = 123456789n;
const NULLIFIER = 987654321n;

const codeOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    (r) => String(r),
    (e: unknown) => (e instanceof VerifierError ? e.code : `unexpected: ${String(e)}`),
  );

describe.each(engines.list)('nullifier bindings on %s', (engine) => {
  it('A10: of 50 concurrent accounts exactly one wins a nullifier; it may come back', async () => {
    const ds = await engines.open(engine);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        codeOf(
          bindNullifier(ds, { scope: SCOPE, nullifier: NULLIFIER, account: account(i), now: NOW }),
        ),
      ),
    );
    expect(results.filter((r) => r === 'new')).toHaveLength(1);
    expect(results.filter((r) => r === 'nullifier_reused')).toHaveLength(49);
    const winner = account(results.indexOf('new'));

    const rows = await ds.getRepository(NullifierBindingEntity).find();
    expect(rows).toEqual([
      { scope: SCOPE.toString(), nullifier: NULLIFIER.toString(), account: winner, createdAt: NOW },
    ]);
    // The winner again (in lower case: accounts are compared checksummed) → same-account.
    await expect(
      bindNullifier(ds, { scope: SCOPE, nullifier: NULLIFIER, account: winner.toLowerCase() }),
    ).resolves.toBe('same-account');
    const loser = account(results.indexOf('nullifier_reused'));
    await expect(
      codeOf(bindNullifier(ds, { scope: SCOPE, nullifier: NULLIFIER, account: loser })),
    ).resolves.toBe('nullifier_reused');
  });

  it('scopes are independent; another nullifier in the same scope is its own binding', async () => {
    const ds = await engines.open(engine);
    const bind = (scope: bigint, nullifier: bigint, i: number) =>
      codeOf(bindNullifier(ds, { scope, nullifier, account: account(i), now: NOW }));
    expect(await bind(1n, 5n, 0)).toBe('new');
    expect(await bind(2n, 5n, 1)).toBe('new'); // same nullifier value, other scope, other account
    expect(await bind(1n, 6n, 1)).toBe('new'); // other nullifier, same scope
    expect(await bind(1n, 5n, 1)).toBe('nullifier_reused');
    expect(await bind(2n, 5n, 0)).toBe('nullifier_reused');
    expect(await bind(2n, 5n, 1)).toBe('same-account');
  });

  it('a binding inside a transaction that rolls back is undone', async () => {
    const ds = await engines.open(engine);
    await expect(
      withTransaction(ds, async (tx) => {
        expect(await bindNullifier(tx, { scope: SCOPE, nullifier: 7n, account: account(0) })).toBe(
          'new',
        );
        throw new Error('later step failed');
      }),
    ).rejects.toThrow('later step failed');
    expect(
      await codeOf(bindNullifier(ds, { scope: SCOPE, nullifier: 7n, account: account(1) })),
    ).toBe('new');
  });

  it('refuses malformed input before touching the database', async () => {
    const ds = await engines.open(engine);
    const cases: [Parameters<typeof bindNullifier>[1], string][] = [
      [{ scope: SCOPE, nullifier: 0n, account: account(0) }, 'nullifier_zero'],
      [{ scope: SCOPE, nullifier: -1n, account: account(0) }, 'bad_input'],
      [{ scope: '0x10', nullifier: 1n, account: account(0) }, 'bad_input'],
      [
        {
          scope: SCOPE,
          nullifier:
            '21888242871839275222246405745257275088548364400416034343698204186575808495617',
          account: account(0),
        },
        'bad_input',
      ],
      [{ scope: SCOPE, nullifier: 1n, account: '0x1234' }, 'bad_input'],
      [{ scope: SCOPE, nullifier: 1n, account: 'did:ethr:0x01' }, 'bad_input'],
    ];
    for (const [binding, code] of cases)
      expect(await codeOf(bindNullifier(ds, binding))).toBe(code);
    expect(await ds.getRepository(NullifierBindingEntity).count()).toBe(0);
  });
});
