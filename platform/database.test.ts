/**
 * openDatabase and insertIfAbsent: one suite run against a real SQLite file and a real
 * PostgreSQL (one embedded server for this file): Veramo's migrations and a service table defined
 * with EntitySchema, Veramo's store on the same connection, first-writer-wins under 50 concurrent
 * writers (SECURITY-CASES A10), two data sources migrating one empty database at once, a failing
 * migration rolled back, data kept across a restart; then each engine's own errors and settings.
 */
import { DIDStore, migrations as veramoMigrations } from '@veramo/data-store';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  EntitySchema,
  Table,
  type DataSource,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import {
  insertIfAbsent,
  openDatabase,
  withTransaction,
  SQLITE_BUSY_TIMEOUT_MS,
} from './database.js';
import { PlatformError } from './errors.js';
import type { EmbeddedPostgres } from './postgres.js';
import { databaseEngines, type DatabaseTarget } from '../test/helpers/databases.js';

// ---- a service table, as a service defines one: an EntitySchema plus its own migration ----

type NullifierUse = { scope: string; nullifier: string; account: string };

const NullifierUseEntity = new EntitySchema<NullifierUse>({
  name: 'NullifierUse',
  tableName: 'test_nullifier_use',
  columns: {
    scope: { type: 'varchar', primary: true },
    nullifier: { type: 'varchar', primary: true },
    account: { type: 'varchar' },
  },
});

class CreateNullifierUse1767225600000 implements MigrationInterface {
  name = 'CreateNullifierUse1767225600000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'test_nullifier_use',
        columns: [
          { name: 'scope', type: 'varchar', isPrimary: true },
          { name: 'nullifier', type: 'varchar', isPrimary: true },
          { name: 'account', type: 'varchar' },
        ],
      }),
    );
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('test_nullifier_use');
  }
}

class FailingMigration1767225600001 implements MigrationInterface {
  name = 'FailingMigration1767225600001';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE test_half_done (id integer)');
    throw new Error('boom');
  }
  async down(): Promise<void> {}
}

/** Holds its transaction open a while, so that concurrent migrators really overlap. */
class SlowMigration1767225600002 implements MigrationInterface {
  name = 'SlowMigration1767225600002';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE test_slow (id integer)');
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE test_slow');
  }
}

const service = { entities: [NullifierUseEntity], migrations: [CreateNullifierUse1767225600000] };
const ALL_MIGRATIONS = [
  ...veramoMigrations.map((m) => new m().name),
  'CreateNullifierUse1767225600000',
];
const VERAMO_TABLES = [
  'identifier',
  'key',
  'private-key',
  'service',
  'credential',
  'claim',
  'presentation',
  'message',
];

async function migrationNames(ds: DataSource): Promise<string[]> {
  const rows = (await ds.query('SELECT name FROM migrations ORDER BY id')) as { name: string }[];
  return rows.map((r) => r.name);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---- the two engines (the shared test helper: SQLite files, one real PostgreSQL server) ----

const dbs = databaseEngines({ entities: [], migrations: [] });
let work: string;
let postgres: EmbeddedPostgres;

type Engine = {
  /** A new, empty database. */
  fresh(): Promise<DatabaseTarget>;
  /** Restarts the server (PostgreSQL); nothing to restart for SQLite. */
  restart(): Promise<void>;
};

const engines: [string, Engine][] = [
  ['SQLite', { fresh: () => dbs.target('sqlite'), restart: async () => {} }],
  [
    'PostgreSQL',
    {
      fresh: () => dbs.target('postgres'),
      restart: async () => {
        await dbs.restartPostgres();
        postgres = await dbs.postgres();
      },
    },
  ],
];

beforeAll(async () => {
  work = await dbs.workDir();
  postgres = await dbs.postgres();
});

describe.each(engines)('openDatabase on %s', (_name, engine) => {
  const open: DataSource[] = [];
  const track = (ds: DataSource): DataSource => (open.push(ds), ds);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((ds) => (ds.isInitialized ? ds.destroy() : undefined)));
  });

  it("runs Veramo's migrations then the service's; Veramo's store and the service share it", async () => {
    const ds = track(await openDatabase({ ...(await engine.fresh()), ...service }));
    expect(ds.isInitialized).toBe(true);
    expect(await migrationNames(ds)).toEqual(ALL_MIGRATIONS);
    const queryRunner = ds.createQueryRunner();
    try {
      for (const table of [...VERAMO_TABLES, 'test_nullifier_use']) {
        expect([table, await queryRunner.hasTable(table)]).toEqual([table, true]);
      }
    } finally {
      await queryRunner.release();
    }

    const dids = new DIDStore(ds);
    await dids.importDID({ did: 'did:example:1', provider: 'did:example', keys: [], services: [] });
    const listed = await dids.listDIDs({ provider: 'did:example' });
    expect(listed.map((d) => d.did)).toEqual(['did:example:1']);

    const repo = ds.getRepository(NullifierUseEntity);
    await repo.insert({ scope: 's', nullifier: 'n', account: 'a' });
    expect(await repo.findOneBy({ scope: 's', nullifier: 'n' })).toEqual({
      scope: 's',
      nullifier: 'n',
      account: 'a',
    });
  });

  it('withTransaction: 20 overlapping transactions all commit, and one that fails rolls back alone', async () => {
    const ds = track(await openDatabase({ ...(await engine.fresh()), ...service }));
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        withTransaction(ds, async (tx) => {
          await tx
            .getRepository(NullifierUseEntity)
            .insert({ scope: 's', nullifier: `n${i}`, account: 'a' });
          await new Promise((r) => setTimeout(r, 2)); // hold the transaction open across an await
          if (i === 7) throw new Error('boom');
          return i;
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(19);
    const rows = await ds.getRepository(NullifierUseEntity).find();
    expect(rows.map((r) => r.nullifier).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `n${i}`)
        .filter((n) => n !== 'n7')
        .sort(),
    );
  });

  it('insertIfAbsent: exactly one of 50 concurrent writers wins, on two connections (A10)', async () => {
    const target = await engine.fresh();
    const a = track(await openDatabase({ ...target, ...service }));
    const b = track(await openDatabase({ ...target, ...service }));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        insertIfAbsent(i % 2 ? a : b, NullifierUseEntity, {
          scope: 'scope-1',
          nullifier: 'n-1',
          account: `account-${i}`,
        }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const rows = await a.getRepository(NullifierUseEntity).findBy({ scope: 'scope-1' });
    expect(rows).toEqual([
      { scope: 'scope-1', nullifier: 'n-1', account: `account-${results.indexOf(true)}` },
    ]);
    // Only a conflict is ignored: another key inserts, and a NOT NULL violation still throws.
    expect(
      await insertIfAbsent(b, NullifierUseEntity, {
        scope: 'scope-2',
        nullifier: 'n-1',
        account: 'x',
      }),
    ).toBe(true);
    await expect(
      insertIfAbsent(a, NullifierUseEntity, {
        scope: 'scope-3',
        nullifier: 'n-1',
        account: null as unknown as string,
      }),
    ).rejects.toThrow(/null/i);
  });

  it('two data sources migrating the same empty database at once both succeed', async () => {
    const target = await engine.fresh();
    const slow = { ...service, migrations: [...service.migrations, SlowMigration1767225600002] };
    const settled = await Promise.allSettled([
      openDatabase({ ...target, ...slow }),
      openDatabase({ ...target, ...slow }),
    ]);
    for (const s of settled) if (s.status === 'fulfilled') track(s.value);
    expect(settled.map((s) => (s.status === 'rejected' ? String(s.reason) : 'ok'))).toEqual([
      'ok',
      'ok',
    ]);
    expect(await migrationNames(open[0] as DataSource)).toEqual([
      ...ALL_MIGRATIONS,
      'SlowMigration1767225600002',
    ]);
  });

  it("rolls back a failing batch of migrations and reports 'internal'", async () => {
    const target = await engine.fresh();
    const error = (await openDatabase({
      ...target,
      entities: service.entities,
      migrations: [CreateNullifierUse1767225600000, FailingMigration1767225600001],
    }).catch((e: unknown) => e)) as PlatformError;
    expect(error).toBeInstanceOf(PlatformError);
    expect(error.code).toBe('internal');
    expect(error.message).toMatch(/^Migrating .* failed: boom$/);
    // Nothing of the batch stayed (not even Veramo's tables): the next start migrates cleanly.
    const ds = track(await openDatabase({ ...target, veramo: false }));
    const queryRunner = ds.createQueryRunner();
    try {
      expect(await queryRunner.hasTable('identifier')).toBe(false);
      expect(await queryRunner.hasTable('test_half_done')).toBe(false);
    } finally {
      await queryRunner.release();
    }
    expect(await migrationNames(ds)).toEqual([]);
  });

  it('keeps the data across a restart (close, restart the server, reopen)', async () => {
    const target = await engine.fresh();
    const first = await openDatabase({ ...target, ...service });
    await insertIfAbsent(first, NullifierUseEntity, { scope: 's', nullifier: 'n', account: 'a' });
    await new DIDStore(first).importDID({
      did: 'did:example:kept',
      provider: 'did:example',
      keys: [],
      services: [],
    });
    await first.destroy();
    await engine.restart();

    const second = track(await openDatabase({ ...target, ...service }));
    expect(await migrationNames(second)).toEqual(ALL_MIGRATIONS); // not run twice
    expect(await second.getRepository(NullifierUseEntity).find()).toEqual([
      { scope: 's', nullifier: 'n', account: 'a' },
    ]);
    const listed = await new DIDStore(second).listDIDs({ provider: 'did:example' });
    expect(listed.map((d) => d.did)).toEqual(['did:example:kept']);
    expect(
      await insertIfAbsent(second, NullifierUseEntity, {
        scope: 's',
        nullifier: 'n',
        account: 'b',
      }),
    ).toBe(false);
  });
});

describe('openDatabase on SQLite: settings and errors', () => {
  it('uses WAL, synchronous=NORMAL and a long busy timeout', async () => {
    const ds = await openDatabase({ sqlitePath: join(work, 'settings', 'zkrep.sqlite') });
    try {
      expect(await ds.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await ds.query('PRAGMA synchronous')).toEqual([{ synchronous: 1 }]); // NORMAL
      expect(await ds.query('PRAGMA busy_timeout')).toEqual([{ timeout: SQLITE_BUSY_TIMEOUT_MS }]);
    } finally {
      await ds.destroy();
    }
  });

  it('reports a file that cannot be opened, or is not a database, as database_unavailable', async () => {
    const notADirectory = join(work, 'plain-file');
    await writeFile(notADirectory, 'x');
    await expect(
      openDatabase({ sqlitePath: join(notADirectory, 'zkrep.sqlite') }),
    ).rejects.toMatchObject({
      code: 'database_unavailable',
      message: expect.stringMatching(/^Cannot open SQLite database .*plain-file\/zkrep\.sqlite: /),
    });
    const garbage = join(work, 'garbage.sqlite');
    await writeFile(garbage, 'this is not a database, just some bytes. '.repeat(100));
    await expect(openDatabase({ sqlitePath: garbage })).rejects.toMatchObject({
      code: 'database_unavailable',
      message: expect.stringMatching(/file is not a database/),
    });
  });

  it('needs a URL or a path', async () => {
    await expect(openDatabase({})).rejects.toMatchObject({
      code: 'config_invalid',
      message: 'No database: give a PostgreSQL URL or a SQLite path.',
    });
  });
});

describe('openDatabase on PostgreSQL: errors', () => {
  it('reports an unreachable server as database_unavailable, without the password', async () => {
    const port = await freePort();
    const error = (await openDatabase({
      url: `postgres://zkrep:hunter2-secret@127.0.0.1:${port}/zkrep`,
    }).catch((e: unknown) => e)) as PlatformError;
    expect(error).toBeInstanceOf(PlatformError);
    expect(error.code).toBe('database_unavailable');
    expect(error.message).toBe(
      `Cannot open PostgreSQL at 127.0.0.1:${port}/zkrep: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('reports a wrong password or a missing database, without the password', async () => {
    const wrong = postgres.url.replace(/:[0-9a-f]{48}@/, ':hunter2-secret@');
    const badPassword = (await openDatabase({ url: wrong }).catch((e: unknown) => e)) as Error;
    expect(badPassword).toMatchObject({
      code: 'database_unavailable',
      message: `Cannot open PostgreSQL at 127.0.0.1:${postgres.port}/zkrep: password authentication failed for user "zkrep" (28P01)`,
    });
    const noDatabase = postgres.url.replace(/\/zkrep$/, '/no_such_db');
    await expect(openDatabase({ url: noDatabase })).rejects.toMatchObject({
      code: 'database_unavailable',
      message: expect.stringMatching(/database "no_such_db" does not exist \(3D000\)$/),
    });
  });

  it('refuses a URL that is not postgres://, without echoing it', async () => {
    for (const url of ['mysql://root:hunter2-secret@db/zkrep', 'hunter2-secret', 'postgres://']) {
      const error = (await openDatabase({ url }).catch((e: unknown) => e)) as Error;
      expect(error).toMatchObject({
        code: 'config_invalid',
        message: 'The database URL must look like postgres://user:password@host:port/database.',
      });
    }
  });
});
