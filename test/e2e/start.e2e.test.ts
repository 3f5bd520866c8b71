/**
 * `npm start` (scripts/start.ts) as a user runs it: its own process (`node --import tsx`, one
 * process, so its pid is the launcher's) on a temporary data folder with free ports. The first
 * start deploys, bootstraps and seeds (real proofs); a restart resumes from the data folder; a bad
 * configuration lists every problem; neither Ctrl-C nor SIGKILL leaves a process behind.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zkrepIsolated } from '../helpers/market.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const ANY_PORTS = {
  ANVIL_PORT: '0',
  ISSUER_PORT: '0',
  VERIFIER_PORT: '0',
  MARKETPLACE_PORT: '0',
  WALLET_PORT: '0',
};

interface Launcher {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

const children: ChildProcess[] = [];

function launch(env: Record<string, string>): Launcher {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, pid: child.pid!, stdout: () => out, stderr: () => err, exited };
}

/** Waits for the "ready" line; a launcher that exits first is an error quoting its output. */
async function ready(l: Launcher): Promise<void> {
  const deadline = Date.now() + 280_000;
  let gone = false;
  void l.exited.then(() => (gone = true));
  while (!/^ready: /m.test(l.stdout())) {
    if (gone || Date.now() > deadline) {
      throw new Error(`the launcher is not ready:\n${l.stdout()}\n${l.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `name: <url> (<what>)` from the launcher's progress lines. */
function announced(l: Launcher, name: string): { url: string; what: string } {
  const m = new RegExp(`^${name}: (http://\\S+) \\(([^)]+)\\)$`, 'm').exec(l.stdout());
  if (!m) throw new Error(`no ${name} line in:\n${l.stdout()}`);
  return { url: m[1]!, what: m[2]! };
}

/** The launcher's summary: `  <label>  <url>`. */
function listed(l: Launcher, label: string): string {
  const m = new RegExp(`^  ${label}\\s+(http://\\S+)`, 'm').exec(l.stdout());
  if (!m) throw new Error(`no ${label} in:\n${l.stdout()}`);
  return m[1]!;
}

/** The pids of `pid`'s children. */
function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
}

/** Processes whose command line names `text`. */
function processesNaming(text: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', text], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((p) => p !== process.pid);
  } catch {
    return [];
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Polls (bounded) until `pid` is gone; returns whether it is. */
async function goneSoon(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

async function blockNumber(rpcUrl: string): Promise<bigint> {
  const res = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
  });
  return BigInt(((await res.json()) as { result: string }).result);
}

let work: string;
let dataDir: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-start-'));
  dataDir = join(work, 'data');
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await rm(work, { recursive: true, force: true });
});

describe('npm start', () => {
  it('lists every configuration problem at once, one line each, and starts nothing', async () => {
    const bad = join(work, 'bad');
    const l = launch({
      ZKREP_DATA_DIR: bad,
      ANVIL_PORT: 'eighty',
      ISSUER_PORT: '99999',
      VERIFIER_RATE_LIMIT_IP: 'many',
      MARKETPLACE_API_KEY: 'short',
      LOG_LEVEL: 'loud',
      DEPLOYER_KEY: '0x1234',
    });
    expect(await l.exited).toBe(1);
    const lines = l.stderr().trim().split('\n');
    for (const name of [
      'ANVIL_PORT',
      'ISSUER_PORT',
      'VERIFIER_RATE_LIMIT_IP',
      'MARKETPLACE_API_KEY',
      'LOG_LEVEL',
      'DEPLOYER_KEY',
    ]) {
      expect(lines.filter((line) => line.includes(name))).toHaveLength(1);
    }
    expect(l.stderr()).not.toMatch(/^\s+at /m); // no stack trace
    expect(l.stdout()).toBe('');
    expect(existsSync(bad)).toBe(false);
  });

  let first: {
    issuerDid: string;
    verifierDid: string;
    contract: string;
    rpcUrl: string;
    block: bigint;
  };

  it('first start: deploys, bootstraps and seeds; every part answers; Ctrl-C stops all', async () => {
    const l = launch({ ZKREP_DATA_DIR: dataDir, ...ANY_PORTS });
    await ready(l);
    expect(l.stdout()).toContain('first start');
    expect(l.stdout()).toMatch(/seed: Alice's seller reputation: score \d+, \d+ trades/);

    const rpcUrl = listed(l, 'chain');
    const urls = ['issuer', 'verifier', 'marketplace'].map((n) => listed(l, n));
    for (const url of urls) expect((await fetch(`${url}/health`)).status).toBe(200);
    for (const doc of [`${urls[0]}/openapi.json`, `${urls[1]}/openapi.json`]) {
      expect((await fetch(doc)).status).toBe(200);
    }
    expect((await fetch(listed(l, 'dashboard'))).status).toBe(200);
    const page = await fetch(urls[2]!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    for (const w of ['alice', 'bob']) {
      // The entry link moves its token into a cookie, with which the consent page opens.
      const entry = listed(l, `wallet ${w}`);
      const link = await fetch(entry, { redirect: 'manual' });
      const cookie = link.headers.get('set-cookie')?.split(';')[0];
      expect(cookie).toBeDefined();
      const consent = await fetch(new URL('/', entry), { headers: { cookie: cookie! } });
      expect(consent.status).toBe(200);
      expect((await fetch(new URL('/', entry))).status).toBe(401);
    }
    // The secrets a restart needs, readable by the owner only.
    expect(statSync(join(dataDir, 'stack.json')).mode & 0o777).toBe(0o600);

    first = {
      issuerDid: announced(l, 'issuer').what,
      verifierDid: announced(l, 'verifier').what,
      contract: announced(l, 'marketplace').what,
      rpcUrl,
      block: await blockNumber(rpcUrl),
    };
    const anvil = childPids(l.pid);
    expect(anvil.length).toBeGreaterThan(0);

    l.child.kill('SIGINT');
    expect(await l.exited).toBe(0);
    for (const pid of anvil) expect(await goneSoon(pid)).toBe(true);
    expect(processesNaming(dataDir)).toEqual([]);
  });

  it('a restart resumes from the data folder; SIGKILL of the launcher leaves no anvil', async () => {
    const l = launch({ ZKREP_DATA_DIR: dataDir, ...ANY_PORTS });
    await ready(l);
    expect(l.stdout()).toContain('resuming the stack');
    expect(l.stdout()).not.toContain('seed:');
    expect(l.stdout()).not.toContain('bootstrap:');
    expect(announced(l, 'issuer').what).toBe(first.issuerDid);
    expect(announced(l, 'verifier').what).toBe(first.verifierDid);
    expect(announced(l, 'marketplace').what).toBe(first.contract);
    const rpcUrl = listed(l, 'chain');
    expect(await blockNumber(rpcUrl)).toBeGreaterThanOrEqual(first.block);

    // The wallets still hold their credentials (the CLI, as the printed commands run it).
    const saved = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8')) as {
      secrets: { walletPassphrases: Record<string, string> };
    };
    const list = (name: string) =>
      zkrepIsolated(work, ['wallet', 'list'], {
        ZKREP_WALLET_DIR: join(dataDir, 'wallets', name),
        ZKREP_WALLET_PASSPHRASE: saved.secrets.walletPassphrases[name]!,
        RPC_URL: rpcUrl,
      });
    const alice = await list('alice');
    expect(alice.code).toBe(0);
    expect(alice.stdout).toContain('MarketplaceReputationCredential');
    expect(alice.stdout).toContain('AgeCredential');
    const bob = await list('bob');
    expect(bob.code).toBe(0);
    expect(bob.stdout).toContain('AgeCredential');

    const anvil = childPids(l.pid);
    expect(anvil.length).toBeGreaterThan(0);
    l.child.kill('SIGKILL');
    expect(await l.exited).toBe('SIGKILL');
    for (const pid of anvil) expect(await goneSoon(pid)).toBe(true);
    expect(processesNaming(dataDir)).toEqual([]);
  });
});
