/**
 * The issuer's BabyJubJub (EdDSA-Poseidon) key: generated once, stored encrypted with the KMS
 * SecretBox in `issuer_zk_key`, and loaded at start. The private key never leaves this module
 * except as the signer closure; it is never logged or put in an error (SECURITY-CASES I06).
 */
import {
  type Point,
  type Signature,
  generateIssuerPrivateKey,
  issuerKeyHash,
  issuerPublicKey,
  isValidPublicKey,
  signMessage,
} from '#zk';
import type { DataSource } from 'typeorm';
import { IssuerError } from '../errors.js';
import { ZkKeyEntity, type ZkKeyRow } from '../store/schema.js';

/** Encrypts and decrypts small secrets (Veramo's SecretBox satisfies it). */
export interface SecretCipher {
  encrypt(message: string): Promise<string>;
  decrypt(encryptedHex: string): Promise<string>;
}

export interface IssuerZkKey {
  readonly publicKey: Point;
  readonly keyHash: bigint;
  /** Signs a claim hash with the private key. */
  sign(message: bigint): Signature;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Loads the active zk key, or generates and stores one on first start. */
export async function loadOrCreateZkKey(
  dataSource: DataSource,
  cipher: SecretCipher,
  now: () => number = () => Math.floor(Date.now() / 1000),
): Promise<IssuerZkKey> {
  const repo = dataSource.getRepository(ZkKeyEntity);
  const existing = await repo.findOne({ where: { status: 'active' } });
  if (existing) return unlock(existing, cipher);

  const privateKey = generateIssuerPrivateKey();
  const publicKey = issuerPublicKey(privateKey);
  const row: ZkKeyRow = {
    keyHash: issuerKeyHash(publicKey).toString(),
    publicKeyAx: publicKey[0].toString(),
    publicKeyAy: publicKey[1].toString(),
    encryptedPrivateKey: await cipher.encrypt(Buffer.from(privateKey).toString('hex')),
    status: 'active',
    createdAt: now(),
  };
  privateKey.fill(0);
  // Two instances starting at once: the first insert wins, the other loads the winner's key.
  await repo.createQueryBuilder().insert().values(row).orIgnore().execute();
  const active = await repo.find({ where: { status: 'active' }, order: { createdAt: 'ASC' } });
  return unlock(active[0]!, cipher);
}

async function unlock(row: ZkKeyRow, cipher: SecretCipher): Promise<IssuerZkKey> {
  let hex: string;
  try {
    hex = await cipher.decrypt(row.encryptedPrivateKey);
  } catch (cause) {
    throw new IssuerError(
      'config_invalid',
      "the issuer's zk key cannot be decrypted: wrong KMS secret key",
      { cause },
    );
  }
  if (!HEX64.test(hex)) {
    throw new IssuerError('config_invalid', "the issuer's stored zk key is malformed");
  }
  const privateKey = Uint8Array.from(Buffer.from(hex, 'hex'));
  const publicKey = issuerPublicKey(privateKey);
  const keyHash = issuerKeyHash(publicKey);
  if (
    !isValidPublicKey(publicKey) ||
    keyHash.toString() !== row.keyHash ||
    publicKey[0].toString() !== row.publicKeyAx ||
    publicKey[1].toString() !== row.publicKeyAy
  ) {
    throw new IssuerError('config_invalid', "the issuer's stored zk key does not match its record");
  }
  return Object.freeze({
    publicKey,
    keyHash,
    sign: (message: bigint) => signMessage(privateKey, message),
  });
}

/** The DID-document encoding of a zk public key: Ax ‖ Ay, 32 bytes each, big-endian hex. */
export function zkPublicKeyHex(publicKey: Point): string {
  return publicKey.map((c) => c.toString(16).padStart(64, '0')).join('');
}

/** Inverse of `zkPublicKeyHex`; undefined unless it is a valid BabyJubJub subgroup point. */
export function parseZkPublicKeyHex(hex: unknown): Point | undefined {
  if (typeof hex !== 'string' || !/^(0x)?[0-9a-fA-F]{128}$/.test(hex)) return undefined;
  const h = hex.replace(/^0x/, '');
  const point: Point = [BigInt(`0x${h.slice(0, 64)}`), BigInt(`0x${h.slice(64)}`)];
  return isValidPublicKey(point) ? point : undefined;
}
