/**
 * The recovery phrase and what it derives: BIP-39 / BIP-32 test vectors, the same identity from
 * the same phrase, none shared between phrases, and W11: the holder secret is always in [1, l);
 * the per-receipt withdraw keys.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mnemonicToSeedSync } from '@scure/bip39';
import { computeAddress } from 'ethers';
import { recoverMessageAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { withdrawalMessage } from '#platform';
import { SUBGROUP_ORDER } from '#zk';
import { WalletError } from '../errors.js';
import {
  DID_KEY_PATH,
  identityFromPhrase,
  identityFromSeed,
  newRecoveryPhrase,
  normalizePhrase,
  secp256k1PrivateKey,
  withdrawKeyFromSeed,
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

describe('withdraw keys (one per consent receipt)', () => {
  const seed = mnemonicToSeedSync(VECTOR);
  const RECEIPT = '6f1c2a52-8d0e-4a8b-9f55-2b0e4c7d1a90';

  it('is HMAC-SHA256(seed, "zkrep/withdraw-key/1:" + receipt id) as a secp256k1 key', () => {
    const mac = createHmac('sha256', seed).update(`zkrep/withdraw-key/1:${RECEIPT}`).digest('hex');
    const key = withdrawKeyFromSeed(seed, RECEIPT);
    expect(key.privateKey).toBe(`0x${mac}`);
    // The address by another library (ethers) than the one deriving it (viem).
    expect(key.address).toBe(computeAddress(`0x${mac}`));
  });

  it('is deterministic per seed and receipt, and differs across receipts and seeds', () => {
    const a = withdrawKeyFromSeed(seed, RECEIPT);
    expect(withdrawKeyFromSeed(Uint8Array.from(seed), RECEIPT)).toEqual(a);
    const otherReceipt = withdrawKeyFromSeed(seed, randomUUID());
    const otherSeed = withdrawKeyFromSeed(randomBytes(64), RECEIPT);
    const addresses = new Set([a.address, otherReceipt.address, otherSeed.address]);
    expect(addresses.size).toBe(3);
    // Unrelated to the DID key of the same seed.
    expect([...addresses]).not.toContain(identityFromSeed(seed).address);
    const many = new Set(
      Array.from({ length: 50 }, () => withdrawKeyFromSeed(seed, randomUUID()).address),
    );
    expect(many.size).toBe(50);
  });

  it('survives a recovery from the phrase, typed any way', () => {
    const phrase = newRecoveryPhrase();
    const id = identityFromPhrase(phrase);
    const again = identityFromPhrase(`  ${phrase.toUpperCase().split(' ').join('  ')} `);
    expect(withdrawKeyFromSeed(Buffer.from(again.seedHex, 'hex'), RECEIPT).address).toBe(
      withdrawKeyFromSeed(Buffer.from(id.seedHex, 'hex'), RECEIPT).address,
    );
  });

  it('signs withdrawals that recover to its address', async () => {
    const key = withdrawKeyFromSeed(seed, RECEIPT);
    const message = withdrawalMessage({
      verifier: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa',
      receiptHash: `0x${'ab'.repeat(32)}`,
      at: 1_790_000_000,
    });
    const signature = await privateKeyToAccount(key.privateKey).signMessage({ message });
    expect(await recoverMessageAddress({ message, signature })).toBe(key.address);
    const other = withdrawKeyFromSeed(seed, randomUUID());
    expect(await recoverMessageAddress({ message, signature })).not.toBe(other.address);
  });

  it('refuses a damaged seed and a receipt id that is not one', () => {
    const code = (f: () => unknown): string => {
      try {
        f();
        return 'returned';
      } catch (e) {
        return (e as WalletError).code;
      }
    };
    expect(code(() => withdrawKeyFromSeed(seed.slice(0, 32), RECEIPT))).toBe('storage_corrupt');
    expect(code(() => withdrawKeyFromSeed(seed, ''))).toBe('bad_input');
    expect(code(() => withdrawKeyFromSeed(seed, 'x'.repeat(65)))).toBe('bad_input');
  });

  it('refuses 0 and values not below the group order n as keys', () => {
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const bytes = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
    for (const bad of [0n, n, n + 1n, 2n ** 256n - 1n]) {
      expect(() => secp256k1PrivateKey(bytes(bad), 'the key')).toThrow(
        expect.objectContaining({ code: 'internal' }),
      );
    }
    expect(secp256k1PrivateKey(bytes(1n), 'the key')).toBe(`0x${'0'.repeat(63)}1`);
    expect(secp256k1PrivateKey(bytes(n - 1n), 'the key')).toBe(`0x${(n - 1n).toString(16)}`);
  });
});
