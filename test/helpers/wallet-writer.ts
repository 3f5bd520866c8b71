/**
 * A child process for the wallet's crash and concurrency tests (SECURITY-CASES W03, W06):
 *
 *   tsx test/helpers/wallet-writer.ts save <dir> <count> <tag>   saves `count` credentials one by
 *       one, printing `committed <id>` after each commit returns
 *   tsx test/helpers/wallet-writer.ts init <dir>                 creates a wallet, prints `created`
 *
 * The passphrase comes from ZKREP_WALLET_PASSPHRASE.
 */
import { randomUUID } from 'node:crypto';
import { initWallet, openWallet } from '#wallet';
import { saveCredential } from '../../wallet-agent/domain/credentials.js';

const [mode, dir, count, tag] = process.argv.slice(2);
const passphrase = process.env['ZKREP_WALLET_PASSPHRASE'] ?? '';
const chain = {
  name: '0x7a69',
  chainId: 31337,
  registry: '0x0000000000000000000000000000000000000001',
};

async function main(): Promise<void> {
  if (mode === 'init') {
    const { wallet } = await initWallet({
      dir: dir!,
      passphrase,
      rpcUrl: 'http://127.0.0.1:1',
      chain,
    });
    await wallet.close();
    process.stdout.write('created\n');
    return;
  }
  const wallet = await openWallet({ dir: dir!, passphrase, rpcUrl: 'http://127.0.0.1:1' });
  process.stdout.write('open\n');
  for (let i = 0; i < Number(count); i++) {
    const id = randomUUID();
    await saveCredential(wallet, {
      id,
      type: 'AgeCredential',
      issuer: `did:ethr:0x7a69:${tag}`,
      issuerUrl: 'http://127.0.0.1:1',
      issuedAt: i,
      expiresAt: null,
      sealed: await wallet.vault.seal(`credential ${tag} ${i} ${'x'.repeat(2000)}`),
      createdAt: i,
    });
    process.stdout.write(`committed ${id}\n`);
  }
  await wallet.close();
  process.stdout.write('done\n');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`wallet-writer: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
