/**
 * The wallet's configuration: the only reader of `process.env` in the wallet. Every problem is
 * collected and reported at once.
 *
 *   ZKREP_WALLET_DIR          the wallet's folder (default ~/.zkrep/wallet)
 *   ZKREP_WALLET_PASSPHRASE   the passphrase (else asked on the terminal; never on the command line)
 *   ZKREP_WALLET_PHRASE       the recovery phrase for `recover` (else asked on the terminal)
 *   RPC_URL                   the chain's JSON-RPC URL (default http://127.0.0.1:8545)
 *   ZKREP_DEPLOYMENTS_DIR     where the zkrep deployment records are (default: #contracts')
 *   DID_NETWORK               the did:ethr network name (default: the chain id in hex)
 *   WALLET_UI_PORT            the consent page's port on 127.0.0.1 (default 7300; 0 = any)
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
// The modules themselves, not the `#platform` barrel: the CLI reads its configuration before it
// loads anything heavy.
import { envReader } from '../platform/config.js';
import { isHttpUrl } from '../platform/url.js';
import { WalletError } from './errors.js';

export interface WalletConfig {
  dir: string;
  passphrase: string | undefined;
  phrase: string | undefined;
  rpcUrl: string;
  deploymentsDir: string | undefined;
  didNetwork: string | undefined;
  uiPort: number;
}

export function loadWalletConfig(env: NodeJS.ProcessEnv = process.env): WalletConfig {
  const r = envReader(env);
  const rpcUrl = r.get('RPC_URL') ?? 'http://127.0.0.1:8545';
  if (!isHttpUrl(rpcUrl)) r.problems.push('RPC_URL must be an http(s) URL');
  const didNetwork = r.get('DID_NETWORK');
  if (didNetwork && !/^[a-zA-Z0-9]{1,32}$/.test(didNetwork)) {
    r.problems.push('DID_NETWORK must be 1-32 letters or digits');
  }
  const uiPort = r.int('WALLET_UI_PORT', 7300, 0, 65535);
  const home = r.get('HOME') ?? homedir();
  const config: WalletConfig = {
    dir: r.get('ZKREP_WALLET_DIR') ?? join(home, '.zkrep', 'wallet'),
    // Passphrases are taken as they are (not trimmed): spaces may be part of them.
    passphrase: env['ZKREP_WALLET_PASSPHRASE'] || undefined,
    phrase: r.get('ZKREP_WALLET_PHRASE'),
    rpcUrl,
    deploymentsDir: r.get('ZKREP_DEPLOYMENTS_DIR'),
    didNetwork,
    uiPort,
  };
  if (r.problems.length > 0) {
    throw new WalletError('config_invalid', `invalid configuration: ${r.problems.join('; ')}`);
  }
  return config;
}
