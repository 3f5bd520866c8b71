/**
 * The recovery phrase and what it derives. One BIP-39 phrase (24 English words, 256 bits of
 * entropy, `@scure/bip39`) is the whole of the holder's identity:
 *
 * - the BIP-39 seed (PBKDF2-HMAC-SHA512, no BIP-39 passphrase);
 * - the did:ethr key: BIP-32 `m/44'/60'/0'/0/0` of the seed (`@scure/bip32`), the account an
 *   Ethereum wallet would show for the same phrase, so the DID survives a recovery;
 * - the zk holder secret: `holderSecretFromSeed(seed)` (`#zk`: SHA-512 under its own domain
 *   tag, reduced mod l, never 0), so it is always in [1, l) (SECURITY-CASES W11) and unrelated to
 *   the DID key.
 *
 * Credentials are not derived: after a recovery from the phrase alone they are collected again
 * from their issuers (who recognise the same DID and holder commitment); a backup file restores
 * them directly.
 */
import { HDKey } from '@scure/bip32';
import { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { holderSecretFromSeed } from '#zk';
import { computeAddress } from 'ethers';
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
