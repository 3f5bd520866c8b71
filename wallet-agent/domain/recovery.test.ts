/**
 * The recovery phrase and what it derives: BIP-39 / BIP-32 test vectors, the same identity from
 * the same phrase, none shared between phrases, and W11: the holder secret is always in [1, l).
 */
import { randomBytes } from 'node:crypto';
import { SUBGROUP_ORDER } from '#zk';
import { WalletError } from '../errors.js';
import {
  DID_KEY_PATH,
  identityFromPhrase,
  identityFromSeed,
  newRecoveryPhrase,
  normalizePhrase,
} from './recovery.js';

// The BIP-39 test mnemonic; its m/44'/60'/0'/0/0 account is a well-known Ethereum address.
const VECTOR =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

describe('recovery phrase', () => {
  it("derives the DID key at m/44'/60'/0'/0/0, as Ethereum wallets do", () => {
    expect(DID_KEY_PATH).toBe("m/44'/60'/0'/0/0");
    expect(identityFromPhrase(VECTOR).address).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
  });

  it('makes 24-word phrases that validate, and never the same one twice', () => {
    const a = newRecoveryPhrase();
    const b = newRecoveryPhrase();
    expect(a.split(' ')).toHaveLength(24);
    expect(normalizePhrase(a)).toBe(a);
    expect(a).not.toBe(b);
  });

  it('is deterministic and tolerant of case and spacing, but not of a changed word', () => {
    const phrase = newRecoveryPhrase();
    const id = identityFromPhrase(phrase);
    const messy = `  ${phrase.toUpperCase().split(' ').join('   ')}\n`;
    const again = identityFromPhrase(messy);
    expect(again).toEqual(id);
    const words = phrase.split(' ');
    const swapped = [...words.slice(0, 22), words[23], words[22]].join(' ');
    const code = (() => {
      try {
        return identityFromPhrase(swapped).address === id.address ? 'same' : 'different';
      } catch (e) {
        return (e as WalletError).code;
      }
    })();
    // A swap either breaks the checksum or derives another identity: never the same one.
    expect(['bad_input', 'different']).toContain(code);
  });

  it('refuses what is not a phrase', () => {
    for (const bad of [
      '',
      'hello world',
      `${VECTOR} abandon`,
      VECTOR.replace('about', 'abandon'),
    ]) {
      expect(() => normalizePhrase(bad)).toThrow(WalletError);
    }
  });

  it('keeps the DID key and the holder secret apart, and different phrases apart', () => {
    const a = identityFromPhrase(newRecoveryPhrase());
    const b = identityFromPhrase(newRecoveryPhrase());
    expect(a.address).not.toBe(b.address);
    expect(a.holderSecret).not.toBe(b.holderSecret);
    expect(BigInt(`0x${a.didPrivateKeyHex}`)).not.toBe(a.holderSecret);
  });

  it('W11: the holder secret is in [1, l) for random seeds and extreme ones', () => {
    const seeds = [
      ...Array.from({ length: 500 }, () => randomBytes(64)),
      Buffer.alloc(64, 0),
      Buffer.alloc(64, 0xff),
    ];
    for (const seed of seeds) {
      const { holderSecret } = identityFromSeed(seed);
      expect(holderSecret >= 1n && holderSecret < SUBGROUP_ORDER).toBe(true);
    }
  });

  it('refuses a seed of the wrong size (a damaged wallet)', () => {
    expect(() => identityFromSeed(Buffer.alloc(32))).toThrow(WalletError);
  });
});
