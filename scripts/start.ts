/**
 * `npm start`: the whole zkrep stack with embedded defaults (scripts/lib/stack.ts), its data in
 * `ZKREP_DATA_DIR` (default ./data). Prints every URL and a few commands to copy; Ctrl-C (SIGINT)
 * or SIGTERM stops everything and exits 0, a second signal exits 1 at once. A configuration or
 * start problem prints one line per problem and exits 1. Variables: scripts/lib/config.ts and
 * .env.example.
 */
import { ZkrepError } from '#zk';
import { StackConfigError } from './lib/config.js';
import { startStack, type RunningStack } from './lib/stack.js';

const out = (line = ''): void => void process.stdout.write(`${line}\n`);

/** One line per problem, never a stack trace. */
function problemLines(e: unknown): string[] {
  if (e instanceof StackConfigError) return e.problems;
  if (e instanceof ZkrepError) return [`${e.code}: ${e.message.split('\n')[0]}`];
  const message = (e as Error)?.message ?? String(e);
  return [message.split('\n')[0] ?? 'failed'];
}

const shellQuote = (s: string): string =>
  /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;

function printReady(stack: RunningStack): void {
  const u = stack.urls;
  out();
  out(`zkrep is running (${stack.resumed ? 'resumed' : 'new'}; data in ${stack.dataDir})`);
  out(`  chain        ${u.rpc} (chain id ${stack.chainId})`);
  out(`  issuer       ${u.issuer}  (OpenAPI ${u.issuerOpenApi})`);
  out(`  verifier     ${u.verifier}  (OpenAPI ${u.verifierOpenApi})`);
  out(`  dashboard    ${u.dashboard}`);
  out(`  marketplace  ${u.marketplace}`);
  for (const w of stack.wallets) out(`  wallet ${w.name.padEnd(5)} ${w.consentUrl}`);
  out();
  out('Try (a proof request link from the marketplace or the verifier):');
  for (const w of stack.wallets) {
    const env = [
      `ZKREP_WALLET_DIR=${shellQuote(w.dir)}`,
      `ZKREP_WALLET_PASSPHRASE=${shellQuote(w.passphrase)}`,
      ...(stack.rpcUrl === 'http://127.0.0.1:8545' ? [] : [`RPC_URL=${stack.rpcUrl}`]),
    ].join(' ');
    out(`  ${env} npx zkrep wallet list`);
    out(`  ${env} npx zkrep wallet respond '<link>'`);
  }
  out();
  out('ready: Ctrl-C stops everything');
}

async function main(): Promise<void> {
  let stack: RunningStack | undefined;
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) {
      process.stderr.write('stopping at once\n');
      process.exit(1);
    }
    stopping = true;
    if (!stack) return; // still starting: stopped as soon as it is up (or has failed)
    process.stdout.write('stopping…\n');
    void stack.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    stack = await startStack({ log: (line) => out(line) });
  } catch (e) {
    for (const line of problemLines(e)) process.stderr.write(`${line}\n`);
    process.exit(1);
  }
  if (stopping) {
    await stack.close();
    process.exit(0);
  }
  printReady(stack);
}

void main();
