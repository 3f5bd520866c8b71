/**
 * The one database connection of a service: a TypeORM `DataSource` on PostgreSQL (when a
 * `DATABASE_URL` is given) or SQLite (better-sqlite3), holding Veramo's data-store tables and the
 * service's own, migrated before it is returned.
 *
 * - Services define tables with `EntitySchema` (no decorators: jest's swc transform and tsconfig
 *   have them off) and create them in their own migrations, which run after Veramo's.
 * - Migrations run under a lock, so several processes may start at once: two processes running
 *   Veramo's migrations on one empty PostgreSQL collide (`duplicate key … pg_type_typname_nsp_index`,
 *   KNOWN-FACTS "Services"). PostgreSQL: a session advisory lock. SQLite: a write transaction on a
 *   sibling lock file. Both locks die with their process. This is why `migrationsRun` is off in
 *   the options and `openDatabase` runs them itself.
 * - SQLite runs in WAL mode with `synchronous=NORMAL` (committed rows survive a process crash;
 *   the last ones may be lost on power loss) and a 60 s busy timeout (several writer processes).
 */
import { Entities as VeramoEntities, migrations as veramoMigrations } from '@veramo/data-store';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import {
  DataSource,
  type EntityManager,
  type DataSourceOptions,
  type EntityTarget,
  type Logger,
  type ObjectLiteral,
  type QueryDeepPartialEntity,
} from 'typeorm';
import { PlatformError } from './errors.js';

type EntityList = Extract<NonNullable<DataSourceOptions['entities']>, readonly unknown[]>;
type MigrationList = Extract<NonNullable<DataSourceOptions['migrations']>, readonly unknown[]>;

export type OpenDatabaseParameters = {
  /** A `postgres://` URL (`DATABASE_URL`). When set, PostgreSQL is used and `sqlitePath` ignored. */
  url?: string | undefined;
  /** The SQLite file (created with its folder if missing), used when `url` is unset. */
  sqlitePath?: string | undefined;
  /** The service's tables (`EntitySchema`s), added to Veramo's. */
  entities?: EntityList | undefined;
  /** The service's migrations, run after Veramo's. */
  migrations?: MigrationList | undefined;
  /** Include Veramo data-store's entities and migrations; default true. */
  veramo?: boolean | undefined;
  /**
   * SQLite durability: `NORMAL` (default; a committed row survives a process crash, the last ones
   * may be lost on power loss) or `FULL` (it survives a power loss too: the wallet's choice).
   */
  synchronous?: 'NORMAL' | 'FULL' | undefined;
};

/** Busy timeout of SQLite connections: several writer processes need a long one (KNOWN-FACTS). */
export const SQLITE_BUSY_TIMEOUT_MS = 60_000;
/** How long a start waits for another process's migrations before failing. */
const MIGRATION_LOCK_TIMEOUT_MS = 60_000;
/** The advisory lock key held while migrating a PostgreSQL database ('zkrep' in ASCII). */
const PG_MIGRATION_LOCK = '525385934192';

/** Opens, migrates and returns the data source; `await ds.destroy()` closes it. */
export async function openDatabase(params: OpenDatabaseParameters): Promise<DataSource> {
  const veramo = params.veramo ?? true;
  const entities = [...(veramo ? VeramoEntities : []), ...(params.entities ?? [])];
  const migrations = [...(veramo ? veramoMigrations : []), ...(params.migrations ?? [])];
  const common = {
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    logger: silentLogger,
  };

  let options: DataSourceOptions;
  let where: string;
  let secret: string | undefined;
  if (params.url) {
    const url = parsePostgresUrl(params.url);
    where = `PostgreSQL at ${url.host}${url.pathname}`;
    secret = url.password ? decodeURIComponent(url.password) : undefined;
    options = {
      ...common,
      type: 'postgres',
      url: params.url,
      connectTimeoutMS: 10_000,
      applicationName: 'zkrep',
    };
  } else if (params.sqlitePath) {
    const path = params.sqlitePath === ':memory:' ? ':memory:' : resolve(params.sqlitePath);
    where = `SQLite database ${path}`;
    options = {
      ...common,
      type: 'better-sqlite3',
      database: path,
      enableWAL: true,
      timeout: SQLITE_BUSY_TIMEOUT_MS,
      prepareDatabase: (db: Database.Database) => {
        db.pragma(`synchronous = ${params.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
      },
    };
  } else {
    throw new PlatformError(
      'config_invalid',
      'No database: give a PostgreSQL URL or a SQLite path.',
    );
  }

  const dataSource = new DataSource(options);
  try {
    await dataSource.initialize();
  } catch (cause) {
    const message = `Cannot open ${where}: ${reason(cause, secret)}`;
    throw new PlatformError('database_unavailable', message, { cause });
  }
  try {
    await runMigrationsLocked(dataSource);
  } catch (cause) {
    await dataSource.destroy().catch(() => {});
    const message = `Migrating ${where} failed: ${reason(cause, secret)}`;
    throw new PlatformError('internal', message, { cause });
  }
  return dataSource;
}

/**
 * Inserts one row unless it conflicts with an existing one (`INSERT … ON CONFLICT DO NOTHING`, on
 * both SQLite and PostgreSQL) and says whether this call inserted it. Of many concurrent callers
 * with the same key exactly one gets `true`: a first-use check (a nullifier, a request id) that
 * needs no read-then-write race (SECURITY-CASES A10).
 */
export async function insertIfAbsent<T extends ObjectLiteral>(
  db: DataSource | EntityManager,
  target: EntityTarget<T>,
  values: QueryDeepPartialEntity<T>,
): Promise<boolean> {
  const [sql, parameters] = db
    .createQueryBuilder()
    .insert()
    .into(target)
    .values(values)
    .orIgnore()
    .updateEntity(false) // no RETURNING: we only need the affected-row count
    .getQueryAndParameters();
  // Inside a transaction (an EntityManager with its query runner) the insert joins it.
  const inTransaction =
    'queryRunner' in db && db.queryRunner !== undefined ? db.queryRunner : undefined;
  const queryRunner =
    inTransaction ??
    ('createQueryRunner' in db ? db.createQueryRunner() : db.connection.createQueryRunner());
  try {
    const result = await queryRunner.query(sql, parameters, true);
    return result.affected === 1;
  } finally {
    if (!inTransaction) await queryRunner.release();
  }
}

// ---------------------------------------------------------------------------------------------

function parsePostgresUrl(text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below, without echoing the URL (it holds a password)
  }
  if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') || !url.hostname) {
    throw new PlatformError(
      'config_invalid',
      'The database URL must look like postgres://user:password@host:port/database.',
    );
  }
  return url;
}

async function runMigrationsLocked(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type === 'postgres') {
    // A session-level lock on a connection of its own; the migrations run on another one. A
    // migrator stuck for a minute fails this start (55P03) rather than hanging it silently.
    const lock = dataSource.createQueryRunner();
    try {
      await lock.query(`SET lock_timeout = '${MIGRATION_LOCK_TIMEOUT_MS}ms'`);
      await lock.query('SELECT pg_advisory_lock($1)', [PG_MIGRATION_LOCK]);
      try {
        await dataSource.runMigrations({ transaction: 'all' });
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATION_LOCK]);
      }
    } finally {
      await lock.query('RESET lock_timeout').catch(() => {}); // the connection goes back to the pool
      await lock.release();
    }
    return;
  }
  const database = dataSource.options.database;
  if (typeof database !== 'string' || database === ':memory:') {
    await dataSource.runMigrations({ transaction: 'all' });
    return;
  }
  const release = await lockSqliteMigrations(`${database}-migration-lock`);
  try {
    await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    release();
  }
}

/**
 * Holds a write transaction on a sibling lock file: SQLite's own file locks, shared correctly
 * by connections of one process and of several, and released by the OS when a process dies.
 * The wait is polled (busy timeout 0) rather than left to SQLite's busy handler, which would
 * block the event loop, and with it a migration of this same process holding the lock.
 */
async function lockSqliteMigrations(lockPath: string): Promise<() => void> {
  const db = new Database(lockPath, { timeout: 0 });
  const deadline = Date.now() + MIGRATION_LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      db.exec('BEGIN IMMEDIATE');
      return () => {
        db.exec('ROLLBACK');
        db.close();
      };
    } catch (error) {
      const code = String((error as { code?: unknown }).code);
      if (!code.startsWith('SQLITE_BUSY') || Date.now() > deadline) {
        db.close();
        throw error;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/**
 * TypeORM prints a failed migration to the console whatever `logging` says; the failure is in
 * the error we throw, and services log through pino, so TypeORM itself stays silent.
 */
const silentLogger: Logger = {
  logQuery: () => {},
  logQueryError: () => {},
  logQuerySlow: () => {},
  logSchemaBuild: () => {},
  logMigration: () => {},
  log: () => {},
};

/** One line about why a connection or migration failed, never with the password. */
function reason(error: unknown, secret: string | undefined): string {
  const e = error as { code?: unknown; message?: unknown };
  let text = String(e?.message ?? error).split('\n')[0] ?? '';
  // A refused connection can be an AggregateError (one per address) with an empty message.
  if (typeof e?.code === 'string' && !text.includes(e.code)) text = `${text} (${e.code})`.trim();
  if (!text) text = 'unknown error';
  if (secret) text = text.split(secret).join('***');
  return text;
}

const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * Runs `work` in a transaction. On SQLite the data source has ONE connection, so two overlapping
 * `transaction()` calls would nest on it ("cannot start a transaction within a transaction") and a
 * plain write racing an open transaction would join it: transactions (and writes a service routes
 * through here) are queued one after another per data source. SQLite allows one writer at a
 * time anyway; PostgreSQL runs them concurrently on its pool.
 */
export function withTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  if (dataSource.options.type !== 'better-sqlite3') return dataSource.transaction(work);
  const previous = sqliteQueues.get(dataSource) ?? Promise.resolve();
  const run = previous.then(() => dataSource.transaction(work));
  sqliteQueues.set(
    dataSource,
    run.catch(() => undefined),
  );
  return run;
}

/**
 * Runs `fn` while holding a lock named `name` across every process on the same database: a
 * PostgreSQL session advisory lock on a dedicated connection (released when `fn` settles, or when
 * the connection dies). For work that must happen once however many nodes start at the same
 * moment, such as creating the service's DID. On SQLite (one node per file) `fn` just runs.
 */
export async function withDatabaseLock<T>(
  ds: DataSource,
  name: string,
  fn: () => Promise<T>,
): Promise<T> {
  if (ds.options.type !== 'postgres') return fn();
  const key = BigInt.asIntN(
    64,
    BigInt(`0x${createHash('sha256').update(name).digest('hex').slice(0, 16)}`),
  );
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [key.toString()]);
    try {
      return await fn();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [key.toString()]);
    }
  } finally {
    await runner.release();
  }
}
