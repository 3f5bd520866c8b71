/**
 * The recovery phrase and what it derives. One BIP-39 phrase (24 English words, 256 bits of
 * entropy, `@scure/bip39`) is the whole of the holder's identity:
 *
 * - the BIP-39 seed (PBKDF2-HMAC-SHA512, no BIP-39 passphrase);
 * - the did:ethr key: BIP-32 `m/44'/60'/0'/0/0` of the seed (`@scure/bip32`), the account an
 *   Ethereum wallet would show for the same phrase, so the DID survives a recovery;
 * - the zk holder secret: `holderSecretFromSeed(seed)` (`#zk`: SHA-512 under its own domain
 *   tag, reduced mod l, never 0), so it is always in [1, l) (SECURITY-CASES W11) and unrelated to
 *   the DID key;
 * - one withdraw key per consent receipt: `withdrawKeyFromSeed(seed, receiptId)`, HMAC-SHA256 of
 *   the receipt id under the seed, read as a secp256k1 private key. Its address is the receipt's
 *   `withdrawKey`; a withdrawal signed by it is the holder's (docs/wallet.md §3). Fresh per
 *   receipt, so receipts do not link to each other or to the DID; derived, so a wallet recovered
 *   from its phrase or restored from a backup can still withdraw every consent it gave.
 *
 * Credentials are not derived: after a recovery from the phrase alone they are collected again
 * from their issuers (who recognise the same DID and holder commitment); a backup file restores
 * them directly.
 */
import { createHmac } from 'node:crypto';
import { HDKey } from '@scure/bip32';
import { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { holderSecretFromSeed } from '#zk';
import { computeAddress } from 'ethers';
import { bytesToHex, type Address, type Hex } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { WalletError } from '../errors.js';

/** The BIP-32 path of the DID key (Ethereum's first account). */
export const DID_KEY_PATH = "m/44'/60'/0'/0/0";
export const PHRASE_WORDS = 24;

/** A fresh phrase of 24 words. */
export function newRecoveryPhrase(): string {
  return generateMnemonic(wordlist, 256);
}

/** Normalises (NFKD, single spaces, lowercase) and checks a phrase; `bad_input` if invalid. */
export function normalizePhrase(phrase: string): string {
  const words = String(phrase).normalize('NFKD').trim().toLowerCase().split(/\s+/);
  const normalized = words.join(' ');
  if (![12, 15, 18, 21, 24].includes(words.length) || !validateMnemonic(normalized, wordlist)) {
    throw new WalletError(
      'bad_input',
      'not a valid recovery phrase (check the words and their order)',
    );
  }
  return normalized;
}

export interface DerivedIdentity {
  /** The 64-byte BIP-39 seed (hex): kept encrypted in the wallet. */
  seedHex: string;
  /** The DID key (secp256k1), hex without 0x. */
  didPrivateKeyHex: string;
  /** Its compressed public key, hex without 0x. */
  didPublicKeyHex: string;
  /** Its Ethereum address (EIP-55): the DID is `did:ethr:<network>:<address>`. */
  address: string;
  /** The zk holder secret, in [1, l). */
  holderSecret: bigint;
}

/** What a (valid) phrase derives. */
export function identityFromPhrase(phrase: string): DerivedIdentity {
  return identityFromSeed(mnemonicToSeedSync(normalizePhrase(phrase)));
}

/** What a BIP-39 seed derives. */
export function identityFromSeed(seed: Uint8Array): DerivedIdentity {
  if (!(seed instanceof Uint8Array) || seed.length !== 64) {
    throw new WalletError('storage_corrupt', 'the wallet seed is damaged');
  }
  const key = HDKey.fromMasterSeed(seed).derive(DID_KEY_PATH);
  if (!key.privateKey || !key.publicKey) {
    throw new WalletError('internal', 'the DID key could not be derived');
  }
  const didPrivateKeyHex = Buffer.from(key.privateKey).toString('hex');
  return {
    seedHex: Buffer.from(seed).toString('hex'),
    didPrivateKeyHex,
    didPublicKeyHex: Buffer.from(key.publicKey).toString('hex'),
    address: computeAddress(`0x${didPrivateKeyHex}`),
    holderSecret: holderSecretFromSeed(seed),
  };
}

/** The domain tag of the per-receipt withdraw keys (the receipt id follows it). */
export const WITHDRAW_KEY_TAG = 'zkrep/withdraw-key/1:';
/** The order n of secp256k1's group: a private key is in [1, n). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * The withdraw key of consent receipt `receiptId`: HMAC-SHA256(key = the 64-byte BIP-39 seed,
 * message = `zkrep/withdraw-key/1:<receiptId>`) read big-endian as a secp256k1 private key, and
 * its (EIP-55) address, the receipt's `withdrawKey`. Deterministic in (seed, receipt id). A
 * value of 0 or ≥ n (odds about 2^-128) is refused (`internal`), never reduced: the key must be
 * the HMAC itself so that every wallet derives the same one.
 */
export function withdrawKeyFromSeed(
  seed: Uint8Array,
  receiptId: string,
): { privateKey: Hex; address: Address } {
  if (!(seed instanceof Uint8Array) || seed.length !== 64) {
    throw new WalletError('storage_corrupt', 'the wallet seed is damaged');
  }
  if (typeof receiptId !== 'string' || receiptId.length === 0 || receiptId.length > 64) {
    throw new WalletError('bad_input', 'a receipt id is 1 to 64 characters');
  }
  const mac = createHmac('sha256', seed).update(`${WITHDRAW_KEY_TAG}${receiptId}`).digest();
  const privateKey = secp256k1PrivateKey(mac, `the withdraw key of receipt ${receiptId}`);
  return { privateKey, address: privateKeyToAddress(privateKey) };
}

/**
 * 32 bytes read big-endian as a secp256k1 private key: `internal` (naming `what`) for 0 or a
 * value ≥ n, which are not keys.
 */
export function secp256k1PrivateKey(bytes: Uint8Array, what: string): Hex {
  const hex = bytesToHex(bytes);
  const k = bytes.length === 32 ? BigInt(hex) : 0n;
  if (k === 0n || k >= SECP256K1_N) {
    throw new WalletError(
      'internal',
      `${what} is not a valid secp256k1 key (0 or not below the group order; odds about 2^-128)`,
    );
  }
  return hex;
}
