/**
 * The wallet key at rest (SECURITY-CASES W01, W02): no passphrase, no key; a wrong passphrase,
 * a flipped bit, a truncated nonce or damaged KDF parameters each fail on their own, and nothing
 * decrypts to partial plaintext.
 */
import { WalletError } from '../errors.js';
import { deriveVault, newKdfParams, unlockVault, DEFAULT_KDF } from './vault.js';

const code = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof WalletError ? e.code : `other: ${String(e)}`),
  );

describe('wallet vault', () => {
  const kdf = newKdfParams();
  let boxed: string;
  let keyCheck: string;

  beforeAll(async () => {
    const vault = await deriveVault('correct horse battery', kdf);
    boxed = await vault.seal('the secret text');
    keyCheck = await vault.keyCheck();
  });

  it('uses scrypt N=2^15, r=8, p=1 with a fresh 16-byte salt per wallet', () => {
    expect(DEFAULT_KDF).toEqual({ alg: 'scrypt', N: 32768, r: 8, p: 1, keyLength: 32 });
    expect(kdf.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(newKdfParams().salt).not.toBe(kdf.salt);
  });

  it('round-trips with the right passphrase, and the box does not contain the plaintext', async () => {
    const vault = await unlockVault('correct horse battery', kdf, keyCheck);
    expect(await vault.open(boxed, 'x')).toBe('the secret text');
    expect(Buffer.from(boxed, 'hex').includes(Buffer.from('the secret text'))).toBe(false);
  });

  it('W01: refuses an empty or missing passphrase', async () => {
    expect(await code(deriveVault('', kdf))).toBe('passphrase_required');
    expect(await code(deriveVault(undefined as unknown as string, kdf))).toBe(
      'passphrase_required',
    );
    expect(await code(unlockVault('', kdf, keyCheck))).toBe('passphrase_required');
  });

  it('W02: a wrong passphrase is wrong_passphrase', async () => {
    expect(await code(unlockVault('correct horse batterY', kdf, keyCheck))).toBe(
      'wrong_passphrase',
    );
  });

  it('W02: a flipped bit anywhere in a box fails authentication, never partial plaintext', async () => {
    const vault = await unlockVault('correct horse battery', kdf, keyCheck);
    const bytes = Buffer.from(boxed, 'hex');
    for (let i = 0; i < bytes.length; i++) {
      const bad = Buffer.from(bytes);
      bad[i]! ^= 0x01;
      expect(await code(vault.open(bad.toString('hex'), 'x'))).toBe('storage_corrupt');
    }
  });

  it('W02: a truncated nonce or box fails', async () => {
    const vault = await unlockVault('correct horse battery', kdf, keyCheck);
    for (const cut of [2, 10, 24, 40, boxed.length / 2 - 1]) {
      expect(await code(vault.open(boxed.slice(0, cut * 2), 'x'))).toBe('storage_corrupt');
    }
    expect(await code(vault.open(boxed.slice(2), 'x'))).toBe('storage_corrupt');
    expect(await code(vault.open('not hex', 'x'))).toBe('storage_corrupt');
  });

  it('W02: a flipped key check reads as a wrong passphrase, not as a key', async () => {
    const bad = Buffer.from(keyCheck, 'hex');
    bad[30]! ^= 0x80;
    expect(await code(unlockVault('correct horse battery', kdf, bad.toString('hex')))).toBe(
      'wrong_passphrase',
    );
  });

  it('damaged KDF parameters are storage_corrupt, each field on its own', async () => {
    const cases: Record<string, unknown>[] = [
      { alg: 'pbkdf2' },
      { N: 1000 },
      { N: 2 ** 10 },
      { N: 2 ** 24 },
      { r: 0 },
      { p: 99 },
      { salt: 'zz' },
      { salt: 'ab' },
      { keyLength: 16 },
    ];
    for (const change of cases) {
      expect([
        change,
        await code(unlockVault('correct horse battery', { ...kdf, ...change }, keyCheck)),
      ]).toEqual([change, 'storage_corrupt']);
    }
  });

  it('refuses to seal nothing (an empty box would read as a failed decryption)', async () => {
    const vault = await deriveVault('correct horse battery', kdf);
    expect(await code(vault.seal(''))).toBe('internal');
  });
});
