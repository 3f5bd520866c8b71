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

export interface DatabaseEngines {
  readonly list: Engine[];
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
  const where = new Map<DataSource, { url?: string; sqlitePath?: string }>();

  const ensureWork = async (): Promise<string> => {
    if (!work) {
      work = await mkdtemp(join(tmpdir(), 'zkrep-dbs-'));
      await chmod(work, 0o755); // as root, PostgreSQL runs as nobody, who must enter it
    }
    return work;
  };

  const openAt = async (at: { url?: string; sqlitePath?: string }): Promise<DataSource> => {
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
    async open(engine) {
      const dir = await ensureWork();
      const name = `t_${randomBytes(6).toString('hex')}`;
      if (engine === 'sqlite') return openAt({ sqlitePath: join(dir, `${name}.sqlite`) });
      postgres ??= await startPostgres({ dataDir: join(dir, 'pg'), durable: false });
      const admin = new pg.Client({ connectionString: postgres.url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      const url = new URL(postgres.url);
      url.pathname = `/${name}`;
      return openAt({ url: url.toString() });
    },
    async reopen(ds) {
      const at = where.get(ds);
      if (!at) throw new Error('not opened by these engines');
      if (ds.isInitialized) await ds.destroy();
      return openAt(at);
    },
  };
}
