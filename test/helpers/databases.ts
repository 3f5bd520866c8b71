/**
 * Runs a storage suite against both engines: SQLite files and one real PostgreSQL server per
 * test file (npm binaries, started by `#platform`'s launcher). Each `open()` gives a fresh,
 * migrated database: a new SQLite file, or a new PostgreSQL database on the shared server.
 *
 *   const engines = databaseEngines({ entities, migrations });
 *   describe.each(engines.list)('%s', (name) => { … await engines.open(name) … });
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import {
  openDatabase,
  startPostgres,
  type EmbeddedPostgres,
  type OpenDatabaseParameters,
} from '#platform';

export type Engine = 'sqlite' | 'postgres';

export type DatabaseTarget = { url?: string; sqlitePath?: string };

export interface DatabaseEngines {
  readonly list: Engine[];
  /** Where a fresh, empty database lives (a new SQLite file, or a new PostgreSQL database). */
  target(engine: Engine): Promise<DatabaseTarget>;
  /** The shared PostgreSQL server (started on first use). */
  postgres(): Promise<EmbeddedPostgres>;
  /** Restarts the shared PostgreSQL server on the same data. */
  restartPostgres(): Promise<void>;
  /** The file's scratch folder (removed by the afterAll hook). */
  workDir(): Promise<string>;
  /** A fresh migrated database on `engine` (closed by the afterAll hook). */
  open(engine: Engine): Promise<DataSource>;
  /** Reopens the database behind `ds` (close it first): a restart on the same data. */
  reopen(ds: DataSource): Promise<DataSource>;
}

export function databaseEngines(options: {
  entities: NonNullable<OpenDatabaseParameters['entities']>;
  migrations: NonNullable<OpenDatabaseParameters['migrations']>;
}): DatabaseEngines {
  let work: string | undefined;
  let postgres: EmbeddedPostgres | undefined;
  const opened: DataSource[] = [];
  const where = new Map<DataSource, DatabaseTarget>();

  const ensureWork = async (): Promise<string> => {
    if (!work) {
      work = await mkdtemp(join(tmpdir(), 'zkrep-dbs-'));
      await chmod(work, 0o755); // as root, PostgreSQL runs as nobody, who must enter it
    }
    return work;
  };

  const server = async (): Promise<EmbeddedPostgres> =>
    (postgres ??= await startPostgres({ dataDir: join(await ensureWork(), 'pg'), durable: false }));

  const target = async (engine: Engine): Promise<DatabaseTarget> => {
    const dir = await ensureWork();
    const name = `t_${randomBytes(6).toString('hex')}`;
    if (engine === 'sqlite') return { sqlitePath: join(dir, `${name}.sqlite`) };
    const pgServer = await server();
    const admin = new pg.Client({ connectionString: pgServer.url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(pgServer.url);
    url.pathname = `/${name}`;
    return { url: url.toString() };
  };

  const openAt = async (at: DatabaseTarget): Promise<DataSource> => {
    const ds = await openDatabase({
      ...at,
      entities: options.entities,
      migrations: options.migrations,
    });
    opened.push(ds);
    where.set(ds, at);
    return ds;
  };

  afterAll(async () => {
    for (const ds of opened) if (ds.isInitialized) await ds.destroy();
    await postgres?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  return {
    list: ['sqlite', 'postgres'],
    target,
    postgres: server,
    async restartPostgres() {
      const { dataDir, port } = await server();
      await postgres!.stop();
      postgres = await startPostgres({ dataDir, port, durable: false });
    },
    workDir: ensureWork,
    async open(engine) {
      return openAt(await target(engine));
    },
    async reopen(ds) {
      const at = where.get(ds);
      if (!at) throw new Error('not opened by these engines');
      if (ds.isInitialized) await ds.destroy();
      return openAt(at);
    },
  };
}
