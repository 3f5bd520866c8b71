/**
 * The wallet's key at rest: a 32-byte key derived from the holder's passphrase with scrypt, and
 * authenticated encryption with it (XSalsa20-Poly1305, Veramo kms-local's `SecretBox`, the same
 * box that encrypts the Veramo private keys). Nothing secret is ever stored in the clear.
 *
 * KDF parameters (stored with the wallet, so they can be raised later without breaking old
 * wallets): scrypt, N = 2^15, r = 8, p = 1, a 16-byte random salt, a 32-byte key; about 100 ms and
 * 32 MiB per derivation. A wrong passphrase is told apart from a damaged wallet by a key check: a
 * fixed text boxed at `init`, which must open.
 *
 * `SecretBox.decrypt` returns an empty string (it does not throw) when authentication fails, so
 * `open` treats an empty or thrown result as a failure and never returns partial plaintext; and
 * nothing empty is ever boxed.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { SecretBox } from '@veramo/kms-local';
import { WalletError } from '../errors.js';

const scrypt = promisify(scryptCallback) as (
  password: string | Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

export interface KdfParams {
  alg: 'scrypt';
  /** CPU/memory cost (a power of two). */
  N: number;
  r: number;
  p: number;
  /** Hex. */
  salt: string;
  keyLength: 32;
}

/** The parameters a new wallet (or backup) uses. */
export const DEFAULT_KDF = { alg: 'scrypt', N: 2 ** 15, r: 8, p: 1, keyLength: 32 } as const;
/** The shortest passphrase accepted at `init`. */
export const MIN_PASSPHRASE_LENGTH = 8;
const KEY_CHECK = 'zkrep-wallet-key-check/v1';

export function newKdfParams(): KdfParams {
  return { ...DEFAULT_KDF, salt: randomBytes(16).toString('hex') };
}

function checkKdf(params: unknown): KdfParams {
  const k = params as Partial<KdfParams> | null;
  if (
    !k ||
    k.alg !== 'scrypt' ||
    !Number.isSafeInteger(k.N) ||
    k.N! < 2 ** 14 ||
    k.N! > 2 ** 20 ||
    (k.N! & (k.N! - 1)) !== 0 ||
    !Number.isSafeInteger(k.r) ||
    k.r! < 1 ||
    k.r! > 32 ||
    !Number.isSafeInteger(k.p) ||
    k.p! < 1 ||
    k.p! > 16 ||
    typeof k.salt !== 'string' ||
    !/^[0-9a-f]{32,128}$/.test(k.salt) ||
    k.keyLength !== 32
  ) {
    throw new WalletError('storage_corrupt', 'the key-derivation parameters are damaged');
  }
  return k as KdfParams;
}

/** An unlocked key: boxes and opens text. */
export interface Vault {
  seal(plaintext: string): Promise<string>;
  open(boxed: string, what: string): Promise<string>;
  /** The key as the 64-hex-character secret of Veramo's kms-local `SecretBox`. */
  readonly kmsSecretKey: string;
  /** A box proving this key: stored at `init`, checked by `unlock`. */
  keyCheck(): Promise<string>;
}

/** Derives the key of `passphrase` under `params`. */
export async function deriveVault(passphrase: string, params: KdfParams): Promise<Vault> {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new WalletError(
      'passphrase_required',
      'a passphrase is required: the wallet never stores keys unencrypted',
    );
  }
  const k = checkKdf(params);
  const key = await scrypt(passphrase.normalize('NFKC'), Buffer.from(k.salt, 'hex'), k.keyLength, {
    N: k.N,
    r: k.r,
    p: k.p,
    maxmem: 256 * k.N * k.r + 16 * 1024 * 1024,
  });
  const hex = key.toString('hex');
  const box = new SecretBox(hex);
  const open = async (boxed: string, what: string): Promise<string> => {
    let plain = '';
    try {
      if (typeof boxed === 'string' && /^([0-9a-f]{2}){41,}$/i.test(boxed)) {
        plain = await box.decrypt(boxed);
      }
    } catch {
      plain = '';
    }
    if (plain === '') throw new WalletError('storage_corrupt', `${what} cannot be decrypted`);
    return plain;
  };
  return {
    kmsSecretKey: hex,
    seal: async (plaintext) => {
      if (typeof plaintext !== 'string' || plaintext === '') {
        throw new WalletError('internal', 'nothing empty is sealed');
      }
      return box.encrypt(plaintext);
    },
    open,
    keyCheck: () => box.encrypt(KEY_CHECK),
  };
}

/**
 * Derives the key of `passphrase` and checks it against the wallet's key check: a wrong
 * passphrase is `wrong_passphrase`; nothing is decrypted with a wrong key.
 */
export async function unlockVault(
  passphrase: string,
  params: unknown,
  keyCheck: string,
): Promise<Vault> {
  const vault = await deriveVault(passphrase, checkKdf(params));
  let ok = false;
  try {
    const plain = Buffer.from(await vault.open(keyCheck, 'the key check'));
    const want = Buffer.from(KEY_CHECK);
    ok = plain.length === want.length && timingSafeEqual(plain, want);
  } catch {
    ok = false;
  }
  if (!ok) throw new WalletError('wrong_passphrase', 'wrong passphrase');
  return vault;
}
