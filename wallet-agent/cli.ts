/**
 * `zkrep wallet …`: the wallet's command line (commander). Readable output by default, `--json`
 * for scripts (one JSON document on stdout). Progress goes to stderr: a spinner (ora) on a
 * terminal, plain lines otherwise. A failure prints one line, `zkrep wallet: <message> (<code>)`,
 * and exits 1 (2 for a usage error); never a stack trace.
 *
 * Secrets never come from the command line (it shows in `ps` and shell history): the passphrase
 * comes from ZKREP_WALLET_PASSPHRASE or is asked on the terminal without echo; the recovery phrase
 * for `recover` from ZKREP_WALLET_PHRASE or the terminal.
 */
import { Command, CommanderError, Option } from 'commander';
import ora, { type Ora } from 'ora';
// Light modules only at start: everything heavy (the zk core, Veramo, the database) is loaded
// by the command that needs it, and not at all when `respond` goes to a running agent.
import { ZkrepError, isErrorCode } from '../circuits/ts/errors.js';
import { findAgent } from './agent-client.js';
import { loadWalletConfig, type WalletConfig } from './config.js';
import { WalletError } from './errors.js';
import { askHidden, askLine } from './prompt.js';
import type { ConsentView } from './domain/consents.js';
import type { Disclosure } from './domain/disclosure.js';
import type { RespondResult, RespondStage } from './domain/respond.js';
import type { Wallet, WalletChain } from './wallet.js';

/** The library, loaded on first use. */
const lib = () => import('./index.js');

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

const STAGE_TEXT: Record<RespondStage, string> = {
  request: 'Fetching the request and checking its signature',
  review: 'Reading what it asks',
  consent: 'Asking for your consent',
  prove: 'Proving (this takes about a second)',
  submit: 'Sending the proof to the verifier',
  done: 'Done',
};

const date = (s: number | null): string =>
  s === null ? '—' : new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

class Cli {
  private json = false;
  private spinner: Ora | undefined;

  constructor(readonly io: CliIo) {}

  out(human: string, json: unknown): void {
    this.io.stdout.write(this.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
  }

  progress(text: string): void {
    const { stderr, stdout } = this.io;
    // A spinner only on a terminal (ora needs columns > 0, or it writes forever); when stdout is
    // piped or redirected, plain lines.
    if (stdout.isTTY && stderr.isTTY && (stderr.columns ?? 0) > 0) {
      if (this.spinner) this.spinner.text = text;
      else this.spinner = ora({ text, stream: stderr }).start();
    } else {
      stderr.write(`… ${text}\n`);
    }
  }

  stopProgress(ok: boolean): void {
    if (!this.spinner) return;
    if (ok) this.spinner.succeed();
    else this.spinner.fail();
    this.spinner = undefined;
  }

  setJson(on: boolean): void {
    this.json = on;
  }

  config(): WalletConfig {
    return loadWalletConfig(this.io.env);
  }

  async passphrase(config: WalletConfig, twice = false): Promise<string> {
    if (config.passphrase !== undefined) return config.passphrase;
    if (!this.io.stdin.isTTY) {
      throw new WalletError(
        'passphrase_required',
        'a passphrase is required: set ZKREP_WALLET_PASSPHRASE or run in a terminal',
      );
    }
    const first = await askHidden(this.io, 'Wallet passphrase: ');
    if (twice) {
      const again = await askHidden(this.io, 'Repeat the passphrase: ');
      if (again !== first) throw new WalletError('bad_input', 'the passphrases differ');
    }
    return first;
  }

  async open(config: WalletConfig): Promise<Wallet> {
    const { openWallet } = await lib();
    return openWallet({
      dir: config.dir,
      passphrase: await this.passphrase(config),
      rpcUrl: config.rpcUrl,
    });
  }

  async chain(config: WalletConfig): Promise<WalletChain> {
    const { connectChain } = await import('#platform');
    const { network, deployment } = await connectChain(config);
    return {
      name: network.name,
      chainId: network.chainId,
      registry: network.registry,
      gate: deployment.contracts.zkGate.address,
    };
  }

  async withWallet<T>(f: (w: Wallet) => Promise<T>): Promise<T> {
    const wallet = await this.open(this.config());
    try {
      return await f(wallet);
    } finally {
      await wallet.close();
    }
  }

  /** `respond` through a running agent: its prover is warm, and it holds the unlocked wallet. */
  async respondViaAgent(
    agent: NonNullable<Awaited<ReturnType<typeof findAgent>>>,
    link: string,
    opts: { yes?: boolean; account?: string; allowWarnings?: boolean },
  ): Promise<RespondResult> {
    let yes = opts.yes === true;
    if (!yes) {
      this.progress(STAGE_TEXT.request);
      const disclosure = await agent
        .call<Disclosure & { account?: string }>('/api/review', { link })
        .finally(() => this.stopProgress(true));
      yes = await this.consent(disclosure, opts.account ?? disclosure.account);
    }
    this.progress(`${STAGE_TEXT.prove} — by the wallet agent at ${agent.url}`);
    try {
      const r = await agent.call<RespondResult>('/api/respond', {
        link,
        yes,
        allowWarnings: opts.allowWarnings === true,
        ...(opts.account ? { account: opts.account } : {}),
      });
      this.stopProgress(r.verified);
      return r;
    } catch (e) {
      this.stopProgress(false);
      throw e;
    }
  }

  async consent(d: Disclosure, account?: string): Promise<boolean> {
    this.io.stderr.write(`${renderDisclosure(d, account)}\n`);
    if (!this.io.stdin.isTTY) {
      throw new WalletError(
        'consent_declined',
        'there is no terminal to ask for consent: read the request above and run again with --yes',
      );
    }
    const answer = await askLine(this.io, 'Do you consent to this proof? [y/N] ');
    return /^y(es)?$/i.test(answer.trim());
  }
}

/** A withdrawn consent's line: withdrawn when, and what its verifier said. */
function withdrawalText(c: ConsentView): string {
  const n = c.verifierNotice;
  const head = `withdrawn ${date(c.withdrawnAt)}`;
  if (n?.state === 'erased') {
    return `${head}; the verifier erased its record (${date(n.withdrawnAt)}, deletion record signed)`;
  }
  if (n?.state === 'no_record')
    return `${head}; the verifier held no record of it (already erased)`;
  return `${head} (verifier not told yet${
    n?.error ? `: ${n.error.message} (${n.error.code}), ${date(n.error.at)}` : ''
  }; run withdraw again)`;
}

/** The plain-words view of a request, for a terminal. */
export function renderDisclosure(d: Disclosure, account?: string): string {
  const lines = [
    '',
    `Proof request from ${d.verifier}`,
    ...(account ? [`  For account:  ${account}`] : []),
    `  Purpose:      ${d.purpose}`,
    `  Legal basis:  ${d.legalBasisWords}`,
    `  Kept for:     ${d.retentionDays} days`,
    `  Credential:   ${d.credentialType}`,
    '',
    'It will learn:',
    ...d.reveals.map((r) => `  • ${r}`),
    'It will NOT learn:',
    ...d.withholds.map((r) => `  • ${r}`),
  ];
  if (d.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const w of d.warnings) {
      lines.push(
        `  ! ${w.message}${w.severity === 'refuse' ? ' (refused unless --allow-warnings)' : ''}`,
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}

function program(cli: Cli): Command {
  const root = new Command('zkrep')
    .description('zkrep: privacy-preserving identity and reputation')
    .exitOverride()
    .showHelpAfterError(false);
  const wallet = root
    .command('wallet')
    .description(
      'your credentials, consents and proofs (folder: ZKREP_WALLET_DIR, default ~/.zkrep/wallet)',
    )
    .addOption(new Option('--json', 'print JSON for scripts'))
    .exitOverride()
    .hook('preAction', (cmd) => cli.setJson(Boolean(cmd.opts()['json'])));

  wallet
    .command('init')
    .description('create a wallet and show its recovery phrase (once)')
    .action(async () => {
      const config = cli.config();
      const passphrase = await cli.passphrase(config, true);
      const chain = await cli.chain(config);
      const { initWallet } = await lib();
      const { wallet: w, phrase } = await initWallet({
        dir: config.dir,
        passphrase,
        rpcUrl: config.rpcUrl,
        chain,
      });
      await w.close();
      const words = phrase.split(' ');
      const grid = words.map((word, i) => `${String(i + 1).padStart(2)}. ${word.padEnd(10)}`);
      const rows = [];
      for (let i = 0; i < grid.length; i += 4) rows.push(`  ${grid.slice(i, i + 4).join(' ')}`);
      cli.out(
        [
          `Wallet created in ${w.dir}`,
          `Your DID: ${w.did}`,
          '',
          'Your recovery phrase. Write it down and keep it offline: it is shown only this once,',
          'and it is the only way to recover this wallet if you lose the folder or the passphrase.',
          '',
          ...rows,
        ].join('\n'),
        { dir: w.dir, did: w.did, recoveryPhrase: phrase },
      );
    });

  wallet
    .command('request-credential')
    .description('collect a credential from an issuer (type: age or reputation)')
    .argument('<issuer-url>', "the issuer's URL")
    .argument('<type>', 'age, reputation, or a credential type name')
    .addOption(
      new Option('--role <role>', 'for a reputation credential').choices(['buyer', 'seller']),
    )
    .action(async (issuerUrl: string, type: string, opts: { role?: 'buyer' | 'seller' }) => {
      const { credentialType, requestCredential } = await lib();
      credentialType(type); // a bad type fails before asking for the passphrase
      const c = await cli.withWallet((w) =>
        requestCredential(w, { issuerUrl, type, ...(opts.role ? { role: opts.role } : {}) }),
      );
      cli.out(`Stored ${c.type} ${c.id} from ${c.issuer}`, c);
    });

  wallet
    .command('list')
    .description('list your credentials (no attribute values)')
    .action(async () => {
      const { listCredentials } = await lib();
      const list = await cli.withWallet(listCredentials);
      cli.out(
        list.length === 0
          ? 'No credentials yet: zkrep wallet request-credential <issuer-url> <type>'
          : list
              .map(
                (c) =>
                  `${c.id}  ${c.type.padEnd(32)} issued ${date(c.issuedAt)}  expires ${date(c.expiresAt)}\n    from ${c.issuer}`,
              )
              .join('\n'),
        list,
      );
    });

  wallet
    .command('show')
    .description('show one credential, with its attributes (they stay on this device)')
    .argument('<id>', 'its id (or a unique prefix of at least 4 characters)')
    .action(async (id: string) => {
      const { showCredential } = await lib();
      const c = await cli.withWallet((w) => showCredential(w, id));
      cli.out(
        [
          `${c.type} ${c.id}`,
          `  issuer:   ${c.issuer}`,
          `  issued:   ${date(c.issuedAt)}`,
          `  expires:  ${date(c.expiresAt)}`,
          `  status:   ${c.valid ? 'valid' : `not valid: ${c.problem}`}`,
          '  attributes (only on this device):',
          ...Object.entries(c.attributes).map(([k, v]) => `    ${k}: ${String(v)}`),
        ].join('\n'),
        c,
      );
    });

  wallet
    .command('respond')
    .description('answer a proof request: see what it asks, consent, prove, submit')
    .argument('<proof-request-url>', 'the openid4vp:// link (or the request URL)')
    .option('--yes', 'consent without asking (for scripts)')
    .option(
      '--account <address>',
      "the marketplace account the proof is for (default: the link's account hint, else your DID address)",
    )
    .option('--allow-warnings', 'answer even a request that asks for more than it needs')
    .action(
      async (url: string, opts: { yes?: boolean; account?: string; allowWarnings?: boolean }) => {
        const config = cli.config();
        const agent = await findAgent(config.dir);
        const result = agent
          ? await cli.respondViaAgent(agent, url, opts)
          : await cli.withWallet(async (w) => {
              const { respond } = await lib();
              try {
                const r = await respond(w, url, {
                  ...(opts.account ? { account: opts.account } : {}),
                  yes: opts.yes === true,
                  allowWarnings: opts.allowWarnings === true,
                  consent: async (d, account) => {
                    cli.stopProgress(true);
                    return cli.consent(d, account);
                  },
                  onStage: (s) => {
                    if (s !== 'consent' && s !== 'done') cli.progress(STAGE_TEXT[s]);
                  },
                });
                cli.stopProgress(r.verified);
                return r;
              } catch (e) {
                cli.stopProgress(false);
                throw e;
              }
            });
        if (!result.verified) {
          throw new WalletError(
            'proof_invalid',
            `the verifier did not accept the proof (${result.code ?? 'no reason given'})`,
          );
        }
        cli.out(
          [
            `Verified by ${result.verifier}.`,
            `  request:  ${result.requestId}`,
            `  account:  ${result.account}`,
            `  consent receipt: ${result.receiptId}`,
          ].join('\n'),
          result,
        );
      },
    );

  wallet
    .command('consents')
    .description('list the consents you gave')
    .action(async () => {
      const { listConsents } = await lib();
      const list = await cli.withWallet(listConsents);
      cli.out(
        list.length === 0
          ? 'No consents given.'
          : list
              .map(
                (c) =>
                  `${c.receiptId}  ${c.status.padEnd(9)} ${date(c.givenAt)}  ${c.receipt.verifier}\n    policy ${c.receipt.policyId}: "${c.receipt.purpose}", kept ${c.receipt.retentionDays} days, for ${c.account}${
                    c.verifierNotice ? `\n    ${withdrawalText(c)}` : ''
                  }`,
              )
              .join('\n'),
        list,
      );
    });

  wallet
    .command('withdraw')
    .description('withdraw a consent, and tell its verifier (again, if it was not told yet)')
    .argument('<receipt-id>', 'the receipt id (or a unique prefix of at least 4 characters)')
    .action(async (id: string) => {
      const { withdrawConsent } = await lib();
      const c = await cli.withWallet((w) => withdrawConsent(w, id));
      const notice = c.verifierNotice;
      const verifier = c.receipt.verifier;
      if (notice?.state === 'erased') {
        cli.out(
          [
            `Consent ${c.receiptId} withdrawn (${date(c.withdrawnAt)}).`,
            `${verifier} recorded the withdrawal (${date(notice.withdrawnAt)}) and signed a deletion record`,
            '(checked against its DID; `zkrep wallet consents --json` shows it).',
          ].join('\n'),
          c,
        );
        return;
      }
      if (notice?.state === 'no_record') {
        cli.out(
          [
            `Consent ${c.receiptId} withdrawn (${date(c.withdrawnAt)}).`,
            `${verifier} holds no record of it any more (already erased): nothing was left to erase.`,
          ].join('\n'),
          c,
        );
        return;
      }
      // Withdrawn in the wallet (that is saved), but the verifier does not know yet.
      const error = notice?.error;
      const code = error && isErrorCode(error.code) ? error.code : 'service_unreachable';
      const retry = ['service_unreachable', 'rate_limited', 'busy', 'chain_unreachable'].includes(
        code,
      )
        ? `run \`zkrep wallet withdraw ${c.receiptId}\` again later to tell it`
        : `\`zkrep wallet withdraw ${c.receiptId}\` asks it again`;
      throw new WalletError(
        code,
        `consent ${c.receiptId} is withdrawn in your wallet, but the verifier was not told: ${
          error?.message ?? 'it was not asked'
        }; ${retry}`,
      );
    });

  wallet
    .command('history')
    .description('your presentation log: who asked what, and the outcome (never values)')
    .option('--clear', 'delete the whole log')
    .action(async (opts: { clear?: boolean }) => {
      const { clearPresentations, listPresentations } = await lib();
      if (opts.clear) {
        const n = await cli.withWallet(clearPresentations);
        cli.out(`Deleted ${n} log entries.`, { deleted: n });
        return;
      }
      const list = await cli.withWallet(listPresentations);
      cli.out(
        list.length === 0
          ? 'No presentations yet.'
          : list
              .map(
                (p) =>
                  `${date(p.at)}  ${p.outcome.padEnd(8)} ${p.verifier}  policy ${p.policyId}\n    ${p.predicates
                    .map((q) => `${q.attribute} ${q.op} ${String(q.value)}`)
                    .join(', ')}${p.reasonCode ? `  (${p.stage}: ${p.reasonCode})` : ''}`,
              )
              .join('\n'),
        list,
      );
    });

  wallet
    .command('backup')
    .description('write an encrypted backup (with the wallet passphrase)')
    .argument('<file>', 'a new file')
    .action(async (file: string) => {
      const { backupWallet } = await lib();
      const done = await cli.withWallet(async (w) =>
        backupWallet(w, file, await cli.passphrase(cli.config())),
      );
      cli.out(
        `Backup written to ${done.file}: ${done.credentials} credentials, ${done.consents} consents, ${done.presentations} log entries.`,
        done,
      );
    });

  wallet
    .command('restore')
    .description('restore a backup into an empty wallet folder')
    .argument('<file>', 'the backup file')
    .action(async (file: string) => {
      const config = cli.config();
      const { listCredentials, restoreWallet } = await lib();
      const w = await restoreWallet({
        dir: config.dir,
        passphrase: await cli.passphrase(config),
        rpcUrl: config.rpcUrl,
        file,
      });
      const credentials = (await listCredentials(w)).length;
      await w.close();
      cli.out(`Restored ${w.did} with ${credentials} credentials into ${w.dir}.`, {
        dir: w.dir,
        did: w.did,
        credentials,
      });
    });

  wallet
    .command('recover')
    .description('recreate the wallet from its recovery phrase (credentials are collected again)')
    .action(async () => {
      const config = cli.config();
      let phrase = config.phrase;
      if (phrase === undefined) {
        if (!cli.io.stdin.isTTY) {
          throw new WalletError(
            'bad_input',
            'the recovery phrase is required: set ZKREP_WALLET_PHRASE or run in a terminal',
          );
        }
        phrase = await askHidden(cli.io, 'Recovery phrase: ');
      }
      const passphrase = await cli.passphrase(config, true);
      const chain = await cli.chain(config);
      const { recoverWallet } = await lib();
      const w = await recoverWallet({
        dir: config.dir,
        passphrase,
        rpcUrl: config.rpcUrl,
        chain,
        phrase,
      });
      await w.close();
      cli.out(
        `Recovered ${w.did} into ${w.dir}. Collect your credentials again with request-credential.`,
        { dir: w.dir, did: w.did },
      );
    });

  wallet
    .command('serve')
    .description(
      'run the wallet agent: the consent page on 127.0.0.1, and a warm prover that respond uses',
    )
    .option('--port <port>', 'the port (default WALLET_UI_PORT or 7300; 0 = any free port)')
    .action(async (opts: { port?: string }) => {
      const config = cli.config();
      const port = opts.port === undefined ? config.uiPort : Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new WalletError('bad_input', '--port must be a port number');
      }
      const w = await cli.open(config);
      const { startWalletAgent } = await import('./server.js');
      const agent = await startWalletAgent(w, { port }).catch(async (e: unknown) => {
        await w.close();
        throw e;
      });
      cli.out(
        [
          `Wallet agent for ${w.did}`,
          `Consent page: ${agent.entryUrl}`,
          '(the link carries an access token: do not share it). Ctrl-C stops the agent.',
        ].join('\n'),
        { did: w.did, url: agent.url, entryUrl: agent.entryUrl },
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await agent.close();
      await w.close();
    });

  return root;
}

/** Runs `zkrep …` with `argv` (without node and the script); the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const cli = new Cli(io);
  const root = program(cli);
  root.configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
    outputError: (s, write) => write(`zkrep: ${s.replace(/^error: /, '').trim()}\n`),
  });
  try {
    await root.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; a usage error was already printed on one line.
      return e.exitCode === 0 ? 0 : 2;
    }
    const line =
      e instanceof ZkrepError
        ? `${e.message} (${e.code})`
        : `internal error: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
    io.stderr.write(`zkrep wallet: ${line}\n`);
    return 1;
  }
}
