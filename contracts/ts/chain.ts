/**
 * The embedded chain: starts the anvil binary shipped by the npm package `@foundry-rs/anvil` on a
 * free loopback port, waits until it answers JSON-RPC, and stops it without leaving an orphan.
 * `openChain()` connects to `RPC_URL` instead when it is set.
 *
 * No-orphan guarantees (tested in contracts/test/chain.test.ts):
 * - `stop()` sends SIGTERM, then SIGKILL after a grace period, and resolves once the process is gone.
 * - On Linux the binary is started through `setpriv --pdeathsig KILL` (util-linux) when available:
 *   the kernel kills anvil when its parent dies for ANY reason, even SIGKILL or inside jest (whose
 *   sandboxed `process` object never sees the real process's `exit` or signal events).
 * - Otherwise (and in addition) `exit`, SIGINT, SIGTERM and SIGHUP handlers on the real process
 *   kill every live anvil; a signal is then re-raised if nobody else handles it, so Ctrl-C still
 *   terminates the parent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import type { ContractsConfig } from './config.js';
import { loadContractsConfig } from './config.js';
import { ContractsError, ContractsErrorCode } from './errors.js';

/** The platform packages of `@foundry-rs/anvil` (see its const.mjs). */
const ANVIL_PACKAGES: Readonly<Record<string, string>> = {
  'linux-x64': '@foundry-rs/anvil-linux-amd64',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64',
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64',
  'win32-x64': '@foundry-rs/anvil-win32-amd64',
};

const LISTENING = /Listening on ([0-9.]+):(\d+)/;
const MAX_LOG_CHARS = 64 * 1024;

/** Path of the anvil binary for this platform, from the installed npm package. */
export function resolveAnvilBinary(): string {
  const pkg = ANVIL_PACKAGES[`${process.platform}-${process.arch}`];
  if (!pkg) {
    throw new ContractsError(
      ContractsErrorCode.chainStartFailed,
      `anvil has no npm binary for ${process.platform}-${process.arch}.`,
    );
  }
  const name = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  try {
    return createRequire(import.meta.url).resolve(`${pkg}/bin/${name}`);
  } catch (cause) {
    throw new ContractsError(ContractsErrorCode.chainStartFailed, `${pkg} is not installed.`, {
      details: 'Run `npm ci`; @foundry-rs/anvil installs it as an optional dependency.',
      cause,
    });
  }
}

/** `setpriv` if present (Linux util-linux), used to set the parent-death signal. */
function findSetpriv(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir, 'setpriv');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Cleanup of live children when the parent exits or is signalled.

const live = new Set<ChildProcess>();
const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const signalHandlers = new Map<NodeJS.Signals, () => void>();

/** Children whose owner stops them itself on a signal (`killOnSignal: false`). */
const spared = new WeakSet<ChildProcess>();

function killAllNow(onSignal = false): void {
  for (const child of live) {
    if (onSignal && spared.has(child)) continue;
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

const killOnExit = (): void => killAllNow();

function installCleanup(): void {
  if (signalHandlers.size > 0) return;
  process.on('exit', killOnExit);
  for (const signal of CLEANUP_SIGNALS) {
    const handler = (): void => {
      killAllNow(true);
      // If we were the only listener, Node's default (terminate) was suppressed: restore it.
      if (process.listenerCount(signal) === 1) {
        uninstallCleanup();
        process.kill(process.pid, signal);
      }
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
}

function uninstallCleanup(): void {
  process.off('exit', killOnExit);
  for (const [signal, handler] of signalHandlers) process.off(signal, handler);
  signalHandlers.clear();
}

// ---------------------------------------------------------------------------------------------

export type StartAnvilParameters = {
  /** Path to an anvil binary; default: the one from `@foundry-rs/anvil`. */
  binaryPath?: string | undefined;
  /** Chain id; default anvil's 31337. */
  chainId?: number | undefined;
  /** The loopback port to listen on; default 0 (any free port). */
  port?: number | undefined;
  /** More anvil arguments (e.g. `['--block-time', '1']`). `--port`/`--host` are set by us. */
  extraArgs?: readonly string[] | undefined;
  /** How long to wait for "Listening on" plus a JSON-RPC answer; default 15 s. */
  startTimeoutMs?: number | undefined;
  /** Kill anvil when the parent dies, via `setpriv --pdeathsig` (Linux); default true. */
  dieWithParent?: boolean | undefined;
  /**
   * Kill anvil at once when the parent gets SIGINT/SIGTERM/SIGHUP; default true. `false`: the
   * caller stops it itself (gracefully, e.g. so that `--state` is dumped); the exit hook and the
   * parent-death signal still apply.
   */
  killOnSignal?: boolean | undefined;
};

export type AnvilChain = {
  readonly embedded: true;
  readonly rpcUrl: string;
  readonly port: number;
  readonly pid: number;
  readonly chainId: number;
  /** The last 64 KiB of anvil's output (for error reports). */
  logs(): string;
  /** Whether the process has exited. */
  hasExited(): boolean;
  /** Stops anvil (SIGTERM, then SIGKILL after `graceMs`); idempotent. */
  stop(graceMs?: number): Promise<void>;
};

/** Starts anvil on a loopback port (a free one by default) and resolves once it answers `eth_chainId`. */
export async function startAnvil(params: StartAnvilParameters = {}): Promise<AnvilChain> {
  const binary = params.binaryPath ?? resolveAnvilBinary();
  const timeoutMs = params.startTimeoutMs ?? 15_000;
  const args = ['--port', String(params.port ?? 0), '--host', '127.0.0.1'];
  if (params.chainId !== undefined) args.push('--chain-id', String(params.chainId));
  args.push(...(params.extraArgs ?? []));

  const setpriv = params.dieWithParent === false ? undefined : findSetpriv();
  const [command, commandArgs] = setpriv
    ? [setpriv, ['--pdeathsig', 'KILL', '--', binary, ...args]]
    : [binary, args];

  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  if (params.killOnSignal === false) spared.add(child);
  installCleanup();

  let output = '';
  let exited = false;
  const closed = new Promise<void>((resolve) => {
    child.once('close', () => {
      exited = true;
      live.delete(child);
      if (live.size === 0) uninstallCleanup();
      resolve();
    });
  });
  // Keep draining output for the whole life of the process: anvil logs every request, and a
  // full pipe would block it. Only a bounded tail is kept.
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);

  const stop = async (graceMs = 3_000): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!exited) child.kill('SIGKILL');
    }, graceMs);
    await closed;
    clearTimeout(timer);
  };

  const fail = async (shortMessage: string, cause?: unknown): Promise<never> => {
    await stop(500);
    throw new ContractsError(ContractsErrorCode.chainStartFailed, shortMessage, {
      details: `anvil output (tail): ${output.slice(-2_000) || '(none)'}`,
      cause,
    });
  };

  const deadline = Date.now() + timeoutMs;
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const onData = (): void => {
        const match = LISTENING.exec(output);
        if (match?.[2]) {
          cleanup();
          resolve(Number(match[2]));
        }
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(error);
      };
      const onClose = (): void => {
        cleanup();
        reject(new Error(`anvil exited before listening (code ${String(child.exitCode)})`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`anvil did not listen within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.off('error', onError);
        child.off('close', onClose);
      };
      child.stdout.on('data', onData);
      child.once('error', onError);
      child.once('close', onClose);
    });
  } catch (cause) {
    return fail('anvil failed to start.', cause);
  }

  const rpcUrl = `http://127.0.0.1:${port}`;
  let chainId: number;
  try {
    chainId = await waitForRpc(rpcUrl, deadline);
  } catch (cause) {
    return fail('anvil did not answer JSON-RPC.', cause);
  }

  // A forgotten chain must not keep the parent alive; the cleanup hooks (or pdeathsig) kill it.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void }).unref?.();
  }

  return {
    embedded: true,
    rpcUrl,
    port,
    pid: child.pid ?? -1,
    chainId,
    logs: () => output,
    hasExited: () => exited,
    stop,
  };
}

/** Asks `eth_chainId` once; resolves with the chain id. */
export async function rpcChainId(rpcUrl: string, timeoutMs = 2_000): Promise<number> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json()) as { result?: unknown };
  if (typeof body.result !== 'string') throw new Error('eth_chainId returned no result');
  return Number(BigInt(body.result));
}

async function waitForRpc(rpcUrl: string, deadline: number): Promise<number> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await rpcChainId(rpcUrl, Math.max(100, Math.min(2_000, deadline - Date.now())));
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw lastError ?? new Error('timed out');
}

/** A chain to deploy to and talk to: the embedded anvil, or the external `RPC_URL`. */
export type ChainHandle = {
  readonly embedded: boolean;
  readonly rpcUrl: string;
  readonly chainId: number;
  /** Stops the embedded anvil; does nothing for an external chain. */
  close(): Promise<void>;
};

export type OpenChainParameters = {
  /** Default: `loadContractsConfig()`. */
  config?: ContractsConfig | undefined;
  /** Options for the embedded anvil when `config.rpcUrl` is unset. */
  anvil?: StartAnvilParameters | undefined;
};

/** Connects to `RPC_URL` when configured (checking that it answers), else starts anvil. */
export async function openChain(params: OpenChainParameters = {}): Promise<ChainHandle> {
  const config = params.config ?? loadContractsConfig();
  if (config.rpcUrl) {
    const rpcUrl = config.rpcUrl;
    let chainId: number;
    try {
      chainId = await rpcChainId(rpcUrl, 10_000);
    } catch (cause) {
      throw new ContractsError(ContractsErrorCode.chainUnreachable, 'RPC_URL does not answer.', {
        cause,
      });
    }
    return { embedded: false, rpcUrl, chainId, close: async () => {} };
  }
  const anvil = await startAnvil(params.anvil);
  return {
    embedded: true,
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    close: () => anvil.stop(),
  };
}
