/**
 * Crypto-shredding (SECURITY-CASES R05; docs/compliance.md §6). Each verification gets its own
 * random 32-byte data key (`verifier_data_key`, keyed by the proof request's id); its record's
 * consent receipt and its audit entry's body are stored encrypted under it (AES-256-GCM, a fresh
 * 12-byte IV each, the request id as associated data so a ciphertext cannot be moved to another
 * record). Deleting the key row makes every copy of those values — in the live tables, the WAL,
 * a replica or a backup taken before — unreadable; the erasure also nulls the columns.
 *
 * Sealed text: `enc1:` + base64url(iv ‖ ciphertext ‖ tag). Text without the prefix is plain (rows
 * written before data keys existed; erasure and purge entries, which hold no holder data).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { VerifierError } from '../errors.js';
import { DataKeyEntity } from '../store/schema.js';

const PREFIX = 'enc1:';
const IV = 12;
const TAG = 16;

/** A verification's data key. */
export interface DataKey {
  id: string;
  key: Buffer;
}

/** Makes and stores the data key of verification `id` (inside the caller's transaction). */
export async function createDataKey(
  tx: EntityManager,
  p: { id: string; retainUntil: number; now: number },
): Promise<DataKey> {
  const key = randomBytes(32);
  await tx.getRepository(DataKeyEntity).insert({
    id: p.id,
    key: key.toString('hex'),
    retainUntil: p.retainUntil,
    createdAt: p.now,
  });
  return { id: p.id, key };
}

/** Encrypts `plain` under `k` (bound to its id). */
export function seal(k: DataKey, plain: string): string {
  const iv = randomBytes(IV);
  const c = createCipheriv('aes-256-gcm', k.key, iv);
  c.setAAD(Buffer.from(k.id, 'utf8'));
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return PREFIX + Buffer.concat([iv, body, c.getAuthTag()]).toString('base64url');
}

/** Whether stored text is sealed (else it is plain). */
export const isSealed = (stored: string): boolean => stored.startsWith(PREFIX);

/**
 * Decrypts stored text with `k`; plain text comes back as it is. `storage_corrupt` when the text
 * does not open under that key (altered, or another record's).
 */
export function open(k: DataKey | undefined, stored: string): string {
  if (!isSealed(stored)) return stored;
  if (!k) throw new VerifierError('storage_corrupt', 'a sealed value has no data key');
  const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url');
  if (raw.length < IV + TAG) throw new VerifierError('storage_corrupt', 'a sealed value is cut');
  try {
    const d = createDecipheriv('aes-256-gcm', k.key, raw.subarray(0, IV));
    d.setAAD(Buffer.from(k.id, 'utf8'));
    d.setAuthTag(raw.subarray(raw.length - TAG));
    return Buffer.concat([d.update(raw.subarray(IV, raw.length - TAG)), d.final()]).toString(
      'utf8',
    );
  } catch (cause) {
    throw new VerifierError('storage_corrupt', 'a sealed value does not open', { cause });
  }
}

/** The data keys of `ids` that still exist (shredded ones are absent). */
export async function readDataKeys(
  tx: EntityManager,
  ids: readonly string[],
): Promise<Map<string, DataKey>> {
  const out = new Map<string, DataKey>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await tx.getRepository(DataKeyEntity).findBy({ id: In(unique.slice(i, i + 500)) });
    for (const r of rows) out.set(r.id, { id: r.id, key: Buffer.from(r.key, 'hex') });
  }
  return out;
}

/** Deletes the data key of `id`: what was sealed under it can no longer be read. */
export async function shredDataKey(tx: EntityManager, id: string): Promise<void> {
  await tx.getRepository(DataKeyEntity).delete({ id });
}
