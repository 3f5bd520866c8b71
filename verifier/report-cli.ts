/**
 * `zkrep report verify <report.jwt|report.json> [--rpc-url URL] [--json]`: checks a signed
 * compliance report with nothing but the report and the chain (docs/compliance.md §5.2;
 * domain/report-check.ts). The file holds the report JWT, or the JSON `POST /v1/reports`
 * answers (`{ "jwt": "…" }`). The registry and AuditAnchor addresses come from the checker's own
 * deployment record for the RPC's chain (`ZKREP_DEPLOYMENTS_DIR`), never from the report.
 *
 * Exit codes: 0 every check holds; 1 a check failed (one line naming it) or the chain or file
 * cannot be read; 2 a usage error. Readable output by default (one line per check), `--json`
 * for scripts.
 */
import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { createClients, getAnchorAt } from '#contracts';
import { connectChain, ethrResolver } from '#platform';
import { ZkrepError, readLock, verify } from '#zk';
import { loadReportCheckerConfig } from './config.js';
import { checkReport, type ReportCheckResult } from './domain/report-check.js';

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
  const result: ReportCheckResult = await checkReport(jwt, {
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
  try {
    await root.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const line =
      e instanceof ZkrepError ? `${e.code}: ${e.message}` : 'internal: the report check failed';
    io.stderr.write(`zkrep: ${line}\n`);
    return 1;
  }
}
