/**
 * The embedded chain launcher: start, answer JSON-RPC, stop; no orphan anvil after stop, errors,
 * SIGTERM/SIGINT/SIGKILL of the parent or an uncaught exception; RPC_URL mode; config checks.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openChain, rpcChainId, startAnvil, type AnvilChain } from '../ts/chain.js';
import { loadContractsConfig } from '../ts/config.js';
import { ContractsError } from '../ts/errors.js';

/** Alive = exists and is not a zombie (PID 1 here may never reap). */
async function isAlive(pid: number): Promise<boolean> {
  if (process.platform === 'linux') {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitDead(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

describe('startAnvil', () => {
  let chains: AnvilChain[] = [];
  afterEach(async () => {
    await Promise.all(chains.map((c) => c.stop()));
    chains = [];
  });

  it('starts on a free loopback port, answers JSON-RPC, and stops without a trace', async () => {
    const chain = await startAnvil();
    chains.push(chain);
    expect(chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(chain.port).toBeGreaterThan(0);
    expect(chain.chainId).toBe(31337);
    expect(await rpcChainId(chain.rpcUrl)).toBe(31337);
    expect(await isAlive(chain.pid)).toBe(true);
    expect(chain.logs()).toContain('Listening on 127.0.0.1');
    await chain.stop();
    expect(chain.hasExited()).toBe(true);
    expect(await waitDead(chain.pid)).toBe(true);
    await expect(rpcChainId(chain.rpcUrl, 500)).rejects.toThrow();
    await chain.stop(); // idempotent
  });

  it('runs several chains side by side, each on its own port and chain id', async () => {
    const [a, b] = await Promise.all([startAnvil(), startAnvil({ chainId: 4242 })]);
    chains.push(a, b);
    expect(a.port).not.toBe(b.port);
    expect(await rpcChainId(b.rpcUrl)).toBe(4242);
    expect(b.chainId).toBe(4242);
  });

  it('listens on the port it is given', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const chain = await startAnvil({ port });
    chains.push(chain);
    expect(chain.port).toBe(port);
    expect(await rpcChainId(`http://127.0.0.1:${port}`)).toBe(31337);
  });

  it('fails cleanly for a missing binary', async () => {
    await expect(startAnvil({ binaryPath: '/nonexistent/anvil' })).rejects.toMatchObject({
      name: 'ContractsError',
      code: 'chain_start_failed',
    });
  });

  it("fails cleanly, with anvil's output, when anvil rejects its arguments; no process is left", async () => {
    const error = (await startAnvil({ extraArgs: ['--no-such-flag'] }).catch(
      (e: unknown) => e,
    )) as ContractsError;
    expect(error).toBeInstanceOf(ContractsError);
    expect(error.code).toBe('chain_start_failed');
    expect(error.details).toMatch(/no-such-flag/);
  });

  it('gives up after the start timeout and kills the hung process', async () => {
    // A stand-in for a hung anvil: never prints "Listening on"; records its pid.
    const dir = await mkdtemp(join(tmpdir(), 'zkrep-hang-'));
    const fake = join(dir, 'anvil');
    await writeFile(fake, `#!/bin/sh\necho $$ > "${dir}/pid"\nexec sleep 30\n`, { mode: 0o755 });
    try {
      const error = (await startAnvil({
        binaryPath: fake,
        startTimeoutMs: 300,
        dieWithParent: false,
      }).catch((e: unknown) => e)) as ContractsError;
      expect(error.code).toBe('chain_start_failed');
      expect(String((error.cause as Error).message)).toMatch(/did not listen within 300 ms/);
      const pid = Number(await readFile(join(dir, 'pid'), 'utf8'));
      expect(await waitDead(pid)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('no orphan when the parent process ends', () => {
  const script = fileURLToPath(new URL('./fixture/launch-chain.ts', import.meta.url));

  /** Starts the child script; resolves with its process and the anvil pid it reports. */
  function launch(mode: string, pdeathsig = true) {
    const args = ['--import', 'tsx', script, mode];
    if (!pdeathsig) args.push('no-pdeathsig');
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    const started = new Promise<{ pid: number; rpcUrl: string }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line) as { pid: number; rpcUrl: string });
      });
      child.once('exit', () => reject(new Error(`child exited early: ${out}`)));
    });
    return { child, exited, started };
  }

  it.each([
    ['SIGTERM', 'wait', true],
    ['SIGINT', 'wait', true],
    ['SIGKILL', 'wait', true],
    ['SIGTERM without pdeathsig (JS handlers only)', 'wait', false],
    ['SIGINT without pdeathsig (JS handlers only)', 'wait', false],
    ['an uncaught exception', 'throw', true],
    ['an uncaught exception without pdeathsig', 'throw', false],
    ['process.exit() without stop()', 'exit', false],
  ] as const)('parent ends by %s', async (how, mode, pdeathsig) => {
    const { child, exited, started } = launch(mode, pdeathsig);
    const { pid, rpcUrl } = await started;
    expect(await rpcChainId(rpcUrl)).toBe(31337);
    const signal = how.split(' ')[0] as NodeJS.Signals;
    if (mode === 'wait') child.kill(signal);
    await exited;
    expect(await waitDead(pid)).toBe(true);
  });
});

describe('openChain and config', () => {
  it('connects to RPC_URL instead of starting anvil, and close() leaves that chain alone', async () => {
    const external = await startAnvil({ chainId: 777 });
    try {
      const handle = await openChain({ config: loadContractsConfig({ RPC_URL: external.rpcUrl }) });
      expect(handle).toMatchObject({ embedded: false, rpcUrl: external.rpcUrl, chainId: 777 });
      await handle.close();
      expect(await rpcChainId(external.rpcUrl)).toBe(777);
    } finally {
      await external.stop();
    }
  });

  it('fails with chain_unreachable when RPC_URL does not answer', async () => {
    await expect(
      openChain({ config: loadContractsConfig({ RPC_URL: 'http://127.0.0.1:9' }) }),
    ).rejects.toMatchObject({ code: 'chain_unreachable' });
  });

  it('starts the embedded anvil when RPC_URL is unset', async () => {
    const handle = await openChain({ config: loadContractsConfig({}) });
    try {
      expect(handle.embedded).toBe(true);
      expect(await rpcChainId(handle.rpcUrl)).toBe(31337);
    } finally {
      await handle.close();
    }
  });

  it('validates the environment once, listing every problem and never echoing the key', () => {
    expect(loadContractsConfig({})).toEqual({ rpcUrl: undefined, deployerPrivateKey: undefined });
    const key = `0x${'11'.repeat(32)}`;
    expect(
      loadContractsConfig({ RPC_URL: 'https://rpc.example/v1', DEPLOYER_PRIVATE_KEY: key }),
    ).toEqual({
      rpcUrl: 'https://rpc.example/v1',
      deployerPrivateKey: key,
    });
    const secret = `0x${'zz'.repeat(32)}`;
    let error: ContractsError | undefined;
    try {
      loadContractsConfig({ RPC_URL: 'ftp://x', DEPLOYER_PRIVATE_KEY: secret });
    } catch (e) {
      error = e as ContractsError;
    }
    expect(error?.code).toBe('config_invalid');
    expect(error?.details).toMatch(/RPC_URL must be an http\(s\) URL/);
    expect(error?.details).toMatch(/DEPLOYER_PRIVATE_KEY must be 0x followed by 64 hex digits/);
    expect(error?.message).not.toContain(secret);
    expect(() => loadContractsConfig({ DEPLOYER_PRIVATE_KEY: key })).toThrow(/RPC_URL is not/);
    expect(() => loadContractsConfig({ RPC_URL: 'not a url' })).toThrow(/not a valid URL/);
  });
});
