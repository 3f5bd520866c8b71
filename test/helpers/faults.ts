/**
 * Fault injection for the end-to-end fault tests, on loopback only:
 * - `startTcpProxy(target)`: a TCP proxy (node:net) in front of a server (anvil's RPC) that can
 *   be cut: `pause()` destroys every open connection and refuses new ones (accepted, then closed
 *   at once, before a byte is read), `resume()` forwards again.
 * - `startServiceChild(name, env)`: `issuer/server.ts` or `verifier/server.ts` as its own process,
 *   as deployed (`node --import tsx`: one process, so a kill is the server's death, with no
 *   launcher in between), resolved once it prints `<name>: <url> (<did>)`; `kill()` is SIGKILL.
 * - `pollUntil`: a bounded wait for a condition (readiness, a publication).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: use it as the RPC URL. */
  readonly url: string;
  readonly paused: boolean;
  /** Destroys every open connection and refuses new ones. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** A loopback TCP proxy to `target` (`http://host:port`) that can be cut and restored. */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let paused = false;
  const cutAll = (): void => {
    for (const s of open) s.destroy();
    open.clear();
  };
  const server = createServer((client) => {
    if (paused) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    open.add(client);
    open.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', drop);
      s.on('close', drop);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${own}`,
    get paused() {
      return paused;
    },
    pause() {
      paused = true;
      cutAll();
    },
    resume() {
      paused = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        paused = true;
        cutAll();
        server.close(() => resolve());
      }),
  };
}

export interface ServiceChild {
  url: string;
  did: string;
  child: ChildProcess;
  /** What the process wrote to stderr so far (its last 4,000 characters). */
  stderr(): string;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (the graceful shutdown); resolves with the exit code once the process is gone. */
  stop(): Promise<number | null>;
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

/**
 * `<name>/server.ts` as a child process with exactly `env` (and PATH); resolves once it prints its
 * URL and DID. A process that exits first, or prints nothing within `timeoutMs`, is an error that
 * quotes its stderr.
 */
export function startServiceChild(
  name: 'issuer' | 'verifier',
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<ServiceChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${name}/server.ts`], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-4_000)));
  const line = new RegExp(`^${name}: (http://\\S+) \\((did:[^)]+)\\)$`, 'm');
  return new Promise<ServiceChild>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name}/server.ts printed no URL within ${timeoutMs} ms: ${err.trim()}`));
    }, timeoutMs);
    const onExit = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      reject(new Error(`${name}/server.ts exited (${code ?? signal}) before listening: ${err}`));
    };
    child.once('exit', onExit);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = line.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume(); // keep draining
      resolve({
        url: m[1]!,
        did: m[2]!,
        child,
        stderr: () => err,
        kill: async () => {
          child.kill('SIGKILL');
          await exited(child);
        },
        stop: async () => {
          child.kill('SIGTERM');
          return exited(child);
        },
      });
    });
  });
}

/**
 * Calls `probe` every 200 ms until it returns a value other than undefined; throws `why` (and the
 * last value seen) after `timeoutMs`. A bound for the test, never an assertion on timing.
 */
export async function pollUntil<T>(
  why: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${why}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
