/**
 * The issuer's zk key: generated once and stored encrypted (no plain key material at rest,
 * SECURITY-CASES I06), a wrong KMS secret refused, and the DID-document encoding that verifiers
 * read refusing keys off the curve, of low order or outside the prime subgroup (I02).
 */
import { issuerKeyHash, issuerPublicKey } from '#zk';
import { SecretBox } from '@veramo/kms-local';
import { databaseEngines } from '../../test/helpers/databases.js';
import { ISSUER_ENTITIES, ISSUER_MIGRATIONS } from '../store/schema.js';
import { loadOrCreateZkKey, parseZkPublicKeyHex, zkPublicKeyHex } from './zk-key.js';

const engines = databaseEngines({ entities: ISSUER_ENTITIES, migrations: ISSUER_MIGRATIONS });
const hex = (p: readonly bigint[]) => p.map((c) => c.toString(16).padStart(64, '0')).join('');

describe('the issuer zk key', () => {
  it('is generated once, reloaded, and stored only encrypted', async () => {
    const ds = await engines.open('sqlite');
    const box = new SecretBox('11'.repeat(32));
    const a = await loadOrCreateZkKey(ds, box);
    const b = await loadOrCreateZkKey(ds, box);
    expect(b.keyHash).toBe(a.keyHash);
    expect(b.sign(42n)).toEqual(a.sign(42n));
    const rows = (await ds.query('SELECT * FROM issuer_zk_key')) as {
      encrypted_private_key: string;
    }[];
    expect(rows).toHaveLength(1);
    // The stored value decrypts to the key; it is not the key itself.
    const plain = await box.decrypt(rows[0]!.encrypted_private_key);
    expect(plain).toMatch(/^[0-9a-f]{64}$/);
    expect(issuerKeyHash(issuerPublicKey(Buffer.from(plain, 'hex')))).toBe(a.keyHash);
    expect(JSON.stringify(rows)).not.toContain(plain);
    // A wrong secret is refused with a clear code, never partial data.
    await expect(loadOrCreateZkKey(ds, new SecretBox('22'.repeat(32)))).rejects.toMatchObject({
      code: 'config_invalid',
    });
  });

  it('I02: the DID-document encoding refuses off-curve, low-order and non-subgroup keys', async () => {
    const good = issuerPublicKey(new Uint8Array(32).fill(5));
    expect(parseZkPublicKeyHex(zkPublicKeyHex(good))).toEqual(good);
    expect(parseZkPublicKeyHex(`0x${zkPublicKeyHex(good)}`)).toEqual(good);
    const offCurve = [good[0], good[1] + 1n];
    const identity = [0n, 1n];
    const order2 = [
      0n,
      21888242871839275222246405745257275088548364400416034343698204186575808495616n,
    ];
    // circomlib's Generator: on the curve, of order 8·l, so outside the prime subgroup
    // (Base8 = 8·Generator is the subgroup's generator).
    const fullGroup = [
      995203441582195749578291179787384436505546430278305826713579947235728471134n,
      5472060717959818805561601436314318772137091100104008585924551046643952123905n,
    ];
    for (const p of [offCurve, identity, order2, fullGroup]) {
      expect(parseZkPublicKeyHex(hex(p))).toBeUndefined();
    }
    for (const junk of ['', 'zz'.repeat(64), 'ab'.repeat(63), 42, null]) {
      expect(parseZkPublicKeyHex(junk)).toBeUndefined();
    }
  });
});
