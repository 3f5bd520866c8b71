/**
 * The issuer as a KYC provider: an operator (admin API key) submits the verified data of a
 * holder DID; it is checked against the schema at once (nothing out of range is accepted),
 * kept ENCRYPTED (KMS SecretBox) and only until the holder collects its AgeCredential or the
 * offer expires — the one documented exception to "no attribute values at rest" (docs/issuer.md).
 */
import { withTransaction } from '#platform';
import { AGE_SCHEMA, encodeAttributes, utcDateOf, type AttributeValues } from '#zk';
import type { DataSource } from 'typeorm';
import { IssuerError } from '../errors.js';
import { PendingKycEntity } from '../store/schema.js';
import type { SecretCipher } from './zk-key.js';

/** How long verified data waits for its holder. */
export const KYC_OFFER_TTL_SECONDS = 7 * 86_400;

/** Records verified KYC data for a holder (replacing an earlier offer). */
export async function submitKyc(
  ds: DataSource,
  cipher: SecretCipher,
  params: { holderDid: string; attributes: AttributeValues; now: number },
): Promise<{ expiresAt: number }> {
  // Refuse anything the credential could not carry, now rather than at issuance.
  encodeAttributes(AGE_SCHEMA, params.attributes, utcDateOf(params.now));
  const expiresAt = params.now + KYC_OFFER_TTL_SECONDS;
  const encryptedAttributes = await cipher.encrypt(JSON.stringify(params.attributes));
  await withTransaction(ds, async (tx) => {
    const repo = tx.getRepository(PendingKycEntity);
    await repo.delete({ holderDid: params.holderDid });
    await repo.insert({ holderDid: params.holderDid, encryptedAttributes, expiresAt });
  });
  return { expiresAt };
}

/** The holder's verified data, or `not_found` when there is none (or it expired). */
export async function pendingKyc(
  ds: DataSource,
  cipher: SecretCipher,
  holderDid: string,
  now: number,
): Promise<AttributeValues> {
  const row = await ds.getRepository(PendingKycEntity).findOne({ where: { holderDid } });
  if (!row || row.expiresAt < now) {
    throw new IssuerError('not_found', 'no verified KYC data is waiting for this DID');
  }
  return JSON.parse(await cipher.decrypt(row.encryptedAttributes)) as AttributeValues;
}

/** Forgets the holder's data once its credential is issued; and every expired offer. */
export async function forgetKyc(ds: DataSource, holderDid: string, now: number): Promise<void> {
  await withTransaction(ds, async (tx) => {
    const repo = tx.getRepository(PendingKycEntity);
    await repo.delete({ holderDid });
    await repo.createQueryBuilder().delete().where('expires_at < :now', { now }).execute();
  });
}
