/**
 * `zkrep report verify <report.jwt|report.json> [--rpc-url URL] [--json]`: checks a signed
 * compliance report with nothing but the report and the chain (docs/compliance.md §5.2;
 * domain/report-check.ts). The file holds the report JWT, or the JSON `POST /v1/reports`
 * answers (`{ "jwt": "…" }`). The registry and AuditAnchor addresses come from the checker's own
 * deployment record for the RPC's chain (`ZKREP_DEPLOYMENTS_DIR`), never from the report.
 *
 * The file may also hold the report as a ComplianceReportCredential (JWT-VC, `format=vc`): its
 * signature by the verifier DID is checked, then every check on the signed report inside.
 *
 * Exit codes: 0 every check holds; 1 a check failed (one line naming it) or the chain or file
 * cannot be read; 2 a usage error. Readable output by default (one line per check), `--json`
 * for scripts.
 *
 * For regulators (docs/compliance.md §5.1, §5.4):
 *   `zkrep report token --key-file <file> --verifier <did> [--did <did>] [--life 300]` prints a
 *   bearer token for that verifier, signed by the hex private key in the file (the DID defaults
 *   to the key's did:ethr on the verifier DID's chain);
 *   `zkrep report request --url <verifier> --verifier <did> --key-file <file> --from <t> --to <t>
 *   [--policy <id>] [--marketplace <id>] [--format jwt|vc|csv|html|pdf] --out <file>` makes a
 *   token, asks the verifier for a report and saves it (times: unix seconds or ISO 8601). The
 *   verifier's DID is given, not asked of the server: it is the token's audience, so a server
 *   cannot pass itself off as another verifier to replay the token there.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { ES256KSigner } from 'did-jwt';
import { Command, CommanderError } from 'commander';
import { createClients, getAnchorAt } from '#contracts';
import { connectChain, ethrResolver, isHttpUrl } from '#platform';
import { ZkrepError, readLock, verify } from '#zk';
import { loadReportCheckerConfig } from './config.js';
import {
  checkReport,
  checkReportCredential,
  type ReportCheckResult,
} from './domain/report-check.js';
import { isReportCredential } from './domain/report-credential.js';
import { REPORT_EXPORT_FORMATS, type ReportExportFormat } from './domain/report-export.js';
import { createRegulatorToken, REGULATOR_TOKEN_MAX_SECONDS } from './domain/regulator.js';
import { privateKeyToAccount } from 'viem/accounts';

export interface ReportCliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
}

/** Reads the report JWT from a file: the JWT itself, or JSON `{ jwt }`. */
async function readReport(path: string): Promise<string> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch {
    throw new ZkrepError('not_found', 'the report file cannot be read');
  }
  if (text.startsWith('{')) {
    try {
      const jwt = (JSON.parse(text) as { jwt?: unknown }).jwt;
      if (typeof jwt === 'string') return jwt;
    } catch {
      // reported below
    }
    throw new ZkrepError('bad_input', 'the report file is JSON without a "jwt" string');
  }
  return text;
}

async function verifyCommand(
  file: string,
  opts: { rpcUrl?: string; json?: boolean },
  io: ReportCliIo,
): Promise<number> {
  let config: ReturnType<typeof loadReportCheckerConfig>;
  try {
    config = loadReportCheckerConfig(io.env, { rpcUrl: opts.rpcUrl });
  } catch (e) {
    // A bad --rpc-url (or RPC_URL) is a usage error.
    io.stderr.write(`zkrep: ${e instanceof ZkrepError ? e.message : 'invalid configuration'}\n`);
    return 2;
  }
  const jwt = await readReport(file);
  const { chainId, deployment, network } = await connectChain({
    rpcUrl: config.rpcUrl,
    deploymentsDir: config.deploymentsDir,
  });
  const { publicClient } = createClients({ rpcUrl: config.rpcUrl, chainId });
  const auditAnchor = deployment.contracts.auditAnchor.address;
  const check = isReportCredential(jwt) ? checkReportCredential : checkReport;
  const result: ReportCheckResult = await check(jwt, {
    resolver: ethrResolver(network, { cacheTtlMs: 0 }),
    chainId,
    auditAnchor,
    anchorAt: async (sender, index) =>
      getAnchorAt(publicClient, { anchor: auditAnchor, verifier: sender, index: BigInt(index) }),
    verifyProof: (proof, publicSignals) => verify(proof, publicSignals),
    vkHash: readLock().sha256.vkey,
  });
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    for (const c of result.checks)
      io.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'} ${c.check}: ${c.message}\n`);
    const failed = result.checks.find((c) => !c.ok);
    io.stdout.write(
      failed ? `report rejected: ${failed.check}: ${failed.message}\n` : 'report verified\n',
    );
  }
  return result.ok ? 0 : 1;
}

/** A usage error (exit 2), with its one line. */
class UsageError extends Error {}
/** The verifier refused (exit 1): its `code: message`. */
class RefusedError extends Error {}

/** The regulator's key from a file: 32 bytes of hex (with or without 0x). */
async function readKey(path: string): Promise<`0x${string}`> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch {
    throw new ZkrepError('not_found', 'the key file cannot be read');
  }
  const hex = text.startsWith('0x') ? text.slice(2) : text;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new ZkrepError('bad_key', 'the key file must hold a 32-byte private key in hex');
  }
  return `0x${hex.toLowerCase()}`;
}

/** did:ethr[:network]:<address or compressed public key>. */
const DID_ETHR_RE = /^did:ethr:(?:([A-Za-z0-9]+):)?0x(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{66})$/;

/** A regulator token from the CLI options (the DID defaults to the key's on the verifier's chain). */
async function makeToken(opts: {
  keyFile: string;
  verifier: string;
  did?: string;
  life?: string;
}): Promise<string> {
  const network = DID_ETHR_RE.exec(opts.verifier);
  if (!network) throw new UsageError('--verifier must be a did:ethr DID');
  if (opts.did !== undefined && !DID_ETHR_RE.test(opts.did)) {
    throw new UsageError('--did must be a did:ethr DID');
  }
  const life = opts.life === undefined ? REGULATOR_TOKEN_MAX_SECONDS : Number(opts.life);
  if (!Number.isSafeInteger(life) || life < 1 || life > REGULATOR_TOKEN_MAX_SECONDS) {
    throw new UsageError(`--life must be 1 … ${REGULATOR_TOKEN_MAX_SECONDS} seconds`);
  }
  const key = await readKey(opts.keyFile);
  const address = privateKeyToAccount(key).address;
  const did = opts.did ?? `did:ethr:${network[1] ? `${network[1]}:` : ''}${address}`;
  return createRegulatorToken({
    did,
    signer: ES256KSigner(Buffer.from(key.slice(2), 'hex')),
    audience: opts.verifier,
    now: Math.floor(Date.now() / 1000),
    lifeSeconds: life,
  });
}

/** Unix seconds, or an ISO 8601 date/time. */
function parseTime(name: string, v: string): number {
  if (/^\d+$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(ms)) {
    throw new UsageError(`${name} must be unix seconds or an ISO 8601 date`);
  }
  return Math.floor(ms / 1000);
}

/** An error answer of the verifier as one line (`code: message`). */
async function httpFailure(res: Response): Promise<RefusedError> {
  const body = (await res.json().catch(() => null)) as { code?: unknown; message?: unknown } | null;
  const code = typeof body?.code === 'string' ? body.code : `http_${res.status}`;
  const message = typeof body?.message === 'string' ? body.message : res.statusText;
  return new RefusedError(`the verifier answered ${res.status}: ${code}: ${message}`);
}

async function requestCommand(
  opts: {
    url: string;
    verifier: string;
    keyFile: string;
    did?: string;
    from: string;
    to: string;
    policy?: string;
    marketplace?: string;
    format: string;
    out: string;
  },
  io: ReportCliIo,
): Promise<number> {
  if (!isHttpUrl(opts.url)) throw new UsageError('--url must be an http(s) URL');
  if (!(REPORT_EXPORT_FORMATS as readonly string[]).includes(opts.format)) {
    throw new UsageError(`--format must be one of ${REPORT_EXPORT_FORMATS.join(', ')}`);
  }
  const format = opts.format as ReportExportFormat;
  const from = parseTime('--from', opts.from);
  const to = parseTime('--to', opts.to);
  const token = await makeToken(opts);
  const base = opts.url.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${token}` };
  const call = async (path: string, init: RequestInit = {}) => {
    try {
      return await fetch(`${base}${path}`, { ...init, headers: { ...headers, ...init.headers } });
    } catch {
      throw new ZkrepError('chain_unreachable', 'the verifier cannot be reached');
    }
  };
  const made = await call('/v1/reports', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      from,
      to,
      ...(opts.policy ? { policyId: opts.policy } : {}),
      ...(opts.marketplace ? { marketplaceId: opts.marketplace } : {}),
    }),
  });
  if (!made.ok) throw await httpFailure(made);
  const { id, jwt } = (await made.json()) as { id: string; jwt: string };
  let file: Buffer;
  if (format === 'jwt') {
    file = Buffer.from(jwt);
  } else {
    const res = await call(`/v1/reports/${encodeURIComponent(id)}/export?format=${format}`);
    if (!res.ok) throw await httpFailure(res);
    file = Buffer.from(await res.arrayBuffer());
  }
  try {
    await writeFile(opts.out, file);
  } catch {
    throw new ZkrepError('bad_input', 'the output file cannot be written');
  }
  io.stdout.write(`report ${id} saved to ${opts.out} (${format}, ${file.length} bytes)\n`);
  return 0;
}

/** Runs `zkrep report …` (`argv` after `report`); returns the exit code. */
export async function runReportCli(argv: string[], io: ReportCliIo): Promise<number> {
  let code = 0;
  const root = new Command('zkrep report')
    .description('Compliance reports of a zkrep verifier')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`zkrep: ${s.replace(/^error: /, '').trim()}\n`),
    });
  root
    .command('verify')
    .description(
      'Check a signed report: signature, hash chain, anchored checkpoints, proofs, counts',
    )
    .argument('<report>', 'a file with the report JWT, or the JSON POST /v1/reports answers')
    .option('--rpc-url <url>', 'the chain (default: RPC_URL, else http://127.0.0.1:8545)')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action(async (file: string, opts: { rpcUrl?: string; json?: boolean }) => {
      code = await verifyCommand(file, opts, io);
    });
  root
    .command('token')
    .description("Print a regulator's bearer token for a verifier (lives at most 300 s)")
    .requiredOption('--key-file <file>', "a file with the regulator's private key (hex)")
    .requiredOption('--verifier <did>', "the verifier's DID (the token's audience)")
    .option('--did <did>', "the regulator's DID (default: the key's, on the verifier's chain)")
    .option('--life <seconds>', 'how long the token lives (1 … 300, default 300)')
    .exitOverride()
    .action(async (opts: { keyFile: string; verifier: string; did?: string; life?: string }) => {
      io.stdout.write(`${await makeToken(opts)}\n`);
    });
  root
    .command('request')
    .description("Ask a verifier for a report with a regulator's key, and save it")
    .requiredOption('--url <url>', "the verifier's base URL")
    .requiredOption('--verifier <did>', "the verifier's DID (the token's audience)")
    .requiredOption('--key-file <file>', "a file with the regulator's private key (hex)")
    .option('--did <did>', "the regulator's DID (default: the key's, on the verifier's chain)")
    .requiredOption('--from <time>', 'start of the period (unix seconds or ISO 8601)')
    .requiredOption('--to <time>', 'end of the period (unix seconds or ISO 8601)')
    .option('--policy <id>', 'only this policy')
    .option('--marketplace <id>', "only this marketplace's events")
    .option('--format <format>', REPORT_EXPORT_FORMATS.join('|'), 'jwt')
    .requiredOption('--out <file>', 'where to save it')
    .exitOverride()
    .action(async (opts: Parameters<typeof requestCommand>[0]) => {
      code = await requestCommand(opts, io);
    });
  try {
    await root.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError || e instanceof RefusedError) {
      io.stderr.write(`zkrep: ${e.message}\n`);
      return e instanceof UsageError ? 2 : 1;
    }
    const line =
      e instanceof ZkrepError ? `${e.code}: ${e.message}` : 'internal: the report check failed';
    io.stderr.write(`zkrep: ${line}\n`);
    return 1;
  }
}
