/**
 * Encrypted backups. A backup file is JSON:
 *
 *   { "format": "zkrep-wallet-backup/1", "createdAt": <unix s>, "kdf": <scrypt parameters, own
 *     salt>, "box": <hex: XSalsa20-Poly1305 of the payload> }
 *
 * The payload (JSON, inside the box) holds the BIP-39 seed, the chain, every credential (the JWT),
 * every consent receipt and the presentation log. The key comes from a passphrase (the wallet's
 * own unless another is given) with the same KDF as the wallet, and a fresh salt. A wrong
 * passphrase, a damaged or altered file is refused before anything is written (the box is
 * authenticated); a restore builds the new wallet in a temporary file and renames it into place
 * (wallet.ts), so it ends with the whole backup or nothing.
 *
 * The file is written to a temporary name and renamed, mode 0600; an existing file is never
 * overwritten.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { WalletError } from '../errors.js';
import {
  ConsentEntity,
  CredentialEntity,
  PresentationEntity,
  type ConsentRow,
  type CredentialRow,
  type PresentationRow,
} from '../store/schema.js';
import {
  createWalletFromSeed,
  storageError,
  type Wallet,
  type WalletChain,
  type WalletParams,
} from '../wallet.js';
import { deriveVault, newKdfParams, unlockVault } from './vault.js';

export const BACKUP_FORMAT = 'zkrep-wallet-backup/1';
const MAX_BACKUP_BYTES = 64 * 1024 * 1024;

interface BackupPayload {
  format: typeof BACKUP_FORMAT;
  seed: string;
  chain: WalletChain;
  credentials: (Omit<CredentialRow, 'sealed'> & { jwt: string })[];
  consents: ConsentRow[];
  presentations: PresentationRow[];
}

/** Writes an encrypted backup of `wallet` to `file`; what it holds. */
export async function backupWallet(
  wallet: Wallet,
  file: string,
  passphrase: string,
): Promise<{ file: string; credentials: number; consents: number; presentations: number }> {
  const path = resolve(file);
  if (existsSync(path)) throw new WalletError('bad_input', `${path} exists; choose a new file`);
  const ds = wallet.dataSource;
  const rows = await ds
    .getRepository(CredentialEntity)
    .find({ order: { createdAt: 'ASC', id: 'ASC' } });
  const credentials = [];
  for (const { sealed, ...row } of rows) {
    credentials.push({ ...row, jwt: await wallet.vault.open(sealed, 'a credential') });
  }
  const payload: BackupPayload = {
    format: BACKUP_FORMAT,
    seed: await wallet.seedHex(),
    chain: wallet.chain,
    credentials,
    consents: await ds.getRepository(ConsentEntity).find({ order: { createdAt: 'ASC' } }),
    presentations: await ds.getRepository(PresentationEntity).find({ order: { at: 'ASC' } }),
  };
  const kdf = newKdfParams();
  const vault = await deriveVault(passphrase, kdf);
  const body = JSON.stringify({
    format: BACKUP_FORMAT,
    createdAt: wallet.now(),
    kdf,
    // The key check first: a wrong passphrase is told apart from a damaged file.
    keyCheck: await vault.keyCheck(),
    box: await vault.seal(JSON.stringify(payload)),
  });
  const temp = join(dirname(path), `.${randomUUID()}.backup.tmp`);
  try {
    writeFileSync(temp, body, { mode: 0o600, flag: 'wx' });
    if (existsSync(path)) throw new WalletError('bad_input', `${path} exists; choose a new file`);
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw storageError(e, 'the backup was not written');
  }
  return {
    file: path,
    credentials: credentials.length,
    consents: payload.consents.length,
    presentations: payload.presentations.length,
  };
}

/** Reads and decrypts a backup file (nothing is written). */
export async function readBackup(file: string, passphrase: string): Promise<BackupPayload> {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new WalletError('not_found', `no backup file ${resolve(file)}`);
    throw storageError(e, 'the backup cannot be read');
  }
  if (text.length > MAX_BACKUP_BYTES)
    throw new WalletError('storage_corrupt', 'the backup is too large');
  let outer: { format?: unknown; kdf?: unknown; keyCheck?: unknown; box?: unknown };
  try {
    outer = JSON.parse(text) as typeof outer;
  } catch {
    throw new WalletError('storage_corrupt', 'the backup file is damaged (not JSON)');
  }
  if (outer?.format !== BACKUP_FORMAT) {
    throw new WalletError('storage_corrupt', 'not a zkrep wallet backup (or an unknown format)');
  }
  if (typeof outer.keyCheck !== 'string' || typeof outer.box !== 'string') {
    throw new WalletError('storage_corrupt', 'the backup file is damaged');
  }
  const vault = await unlockVault(passphrase, outer.kdf, outer.keyCheck);
  const plain = await vault.open(outer.box, 'the backup');
  let payload: BackupPayload;
  try {
    payload = JSON.parse(plain) as BackupPayload;
  } catch {
    throw new WalletError('storage_corrupt', 'the backup contents are damaged');
  }
  if (
    payload?.format !== BACKUP_FORMAT ||
    typeof payload.seed !== 'string' ||
    !/^[0-9a-f]{128}$/.test(payload.seed) ||
    !Array.isArray(payload.credentials) ||
    !Array.isArray(payload.consents) ||
    !Array.isArray(payload.presentations)
  ) {
    throw new WalletError('storage_corrupt', 'the backup contents are damaged');
  }
  return payload;
}

/**
 * Restores the backup `file` into a new wallet in `p.dir` (`wallet_exists` if there is one),
 * protected by `p.passphrase`; `backupPassphrase` opens the file (default: `p.passphrase`).
 */
export async function restoreWallet(
  p: WalletParams & { file: string; backupPassphrase?: string },
): Promise<Wallet> {
  const payload = await readBackup(p.file, p.backupPassphrase ?? p.passphrase);
  return createWalletFromSeed({ ...p, chain: payload.chain }, payload.seed, async (vault) => ({
    credentials: await Promise.all(
      payload.credentials.map(async ({ jwt, ...row }) => ({
        ...row,
        sealed: await vault.seal(jwt),
      })),
    ),
    consents: payload.consents,
    presentations: payload.presentations,
  }));
}
