/**
 * The running wallet agent (`zkrep wallet serve`): the wallet unlocked once, the prover warmed
 * (`warmProver`: witness calculator, proving key, curve), the consent page and the agent API on
 * 127.0.0.1. It prints the page's link (which carries the access token) and writes
 * `<wallet dir>/agent.json` (`{ url, token, did, pid }`, mode 0600) so that `zkrep wallet respond`
 * hands its work to this warm process; the file is removed on shutdown (SIGINT, SIGTERM).
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { warmProver } from '#zk';
import { createApp } from './app.js';
import { storageError, type Wallet } from './wallet.js';

export const AGENT_FILE = 'agent.json';

export interface RunningWalletAgent {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The link to open in a browser: `<url>/?token=…`. */
  entryUrl: string;
  token: string;
  close(): Promise<void>;
}

/** Serves `wallet` on 127.0.0.1:`port` (0 = any free port). */
export async function startWalletAgent(
  wallet: Wallet,
  options: { port: number; warm?: boolean },
): Promise<RunningWalletAgent> {
  const token = randomBytes(32).toString('hex');
  if (options.warm !== false) await warmProver();
  const server: Server = createServer(createApp({ wallet, token }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const file = join(wallet.dir, AGENT_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, JSON.stringify({ url, token, did: wallet.did, pid: process.pid }), {
      mode: 0o600,
    });
    renameSync(temp, file);
  } catch (e) {
    server.close();
    throw storageError(e, 'the agent file was not written');
  }
  let closed = false;
  return {
    url,
    entryUrl: `${url}/?token=${token}`,
    token,
    async close() {
      if (closed) return;
      closed = true;
      rmSync(file, { force: true });
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
