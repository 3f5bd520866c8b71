/**
 * Credentials in the wallet: collecting one from an issuer (DID authentication: a challenge from
 * the issuer, a JWT signed by the wallet's DID key carrying the holder commitment), checking it
 * strictly (`verifyIssuedCredential`: the issuer's DID signature and zk key, and that it is ours:
 * our DID, our holder commitment) and keeping it sealed; listing (metadata only) and showing one
 * (the holder's own view, decrypted).
 */
import { randomUUID } from 'node:crypto';
import { verifyIssuedCredential, type CredentialCheck } from '#issuer';
import { isPlainHttpUrl, withTransaction } from '#platform';
import { CREDENTIAL_SCHEMAS, findCredentialSchema } from '#zk';
import { createJWT } from 'did-jwt';
import { WalletError } from '../errors.js';
import { CredentialEntity, type CredentialRow } from '../store/schema.js';
import { storageError, type Wallet } from '../wallet.js';
import { fetchJson } from './http.js';

/** Short names the CLI accepts for credential types. */
export const CREDENTIAL_TYPE_ALIASES: Record<string, string> = {
  age: 'AgeCredential',
  reputation: 'MarketplaceReputationCredential',
};

/** The W3C type of `type` (an alias or a type name); `bad_input` if unknown. */
export function credentialType(type: string): string {
  const full = CREDENTIAL_TYPE_ALIASES[type] ?? type;
  if (!findCredentialSchema(full) || findCredentialSchema(full)!.type !== full) {
    throw new WalletError(
      'bad_input',
      `unknown credential type ${type}: use ${[
        ...Object.keys(CREDENTIAL_TYPE_ALIASES),
        ...CREDENTIAL_SCHEMAS.map((s) => s.type),
      ].join(', ')}`,
    );
  }
  return full;
}

/** A credential's metadata (what `list` shows): no attribute values. */
export type CredentialSummary = Omit<CredentialRow, 'sealed' | 'createdAt'>;

const summary = (r: CredentialRow): CredentialSummary => ({
  id: r.id,
  type: r.type,
  issuer: r.issuer,
  issuerUrl: r.issuerUrl,
  issuedAt: r.issuedAt,
  expiresAt: r.expiresAt,
});

/** Checks a credential JWT and that it was issued to this wallet. */
export async function checkOwnCredential(
  wallet: Wallet,
  jwt: string,
): Promise<Extract<CredentialCheck, { verified: true }>> {
  const checked = await verifyIssuedCredential(jwt, {
    resolver: wallet.resolver,
    now: wallet.now(),
  });
  if (!checked.verified) throw new WalletError(checked.code, checked.message);
  if (checked.holder !== wallet.did) {
    throw new WalletError('credential_invalid', 'the credential was issued to another DID');
  }
  if (checked.claim.holderCommitment !== wallet.holderCommitment) {
    throw new WalletError(
      'credential_invalid',
      "the credential does not carry this wallet's holder commitment",
    );
  }
  return checked;
}

/**
 * Collects a credential of `type` from the issuer at `issuerUrl` (for a reputation credential,
 * for `role`), checks it and stores it sealed. Returns its summary.
 */
export async function requestCredential(
  wallet: Wallet,
  p: { issuerUrl: string; type: string; role?: 'buyer' | 'seller' },
): Promise<CredentialSummary> {
  const type = credentialType(p.type);
  if (!isPlainHttpUrl(p.issuerUrl)) {
    throw new WalletError('bad_input', 'the issuer URL must be an http(s) URL');
  }
  const issuerUrl = p.issuerUrl.replace(/\/+$/, '');
  if (type === 'MarketplaceReputationCredential' && p.role !== 'buyer' && p.role !== 'seller') {
    throw new WalletError('bad_input', 'a reputation credential needs --role buyer or seller');
  }
  const challenge = await fetchJson<{ nonce?: unknown; audience?: unknown }>(
    `${issuerUrl}/auth/challenge`,
    { method: 'POST', body: {} },
    'the issuer',
  );
  if (typeof challenge.nonce !== 'string' || typeof challenge.audience !== 'string') {
    throw new WalletError('bad_input', 'the issuer answered its challenge with something else');
  }
  const now = wallet.now();
  const proof = await createJWT(
    {
      aud: challenge.audience,
      nonce: challenge.nonce,
      credentialType: type,
      holderCommitment: wallet.holderCommitment.toString(),
      ...(p.role ? { role: p.role } : {}),
      exp: now + 120,
    },
    { issuer: wallet.did, signer: wallet.signer() },
    { alg: 'ES256K' },
  );
  const issued = await fetchJson<{ credential?: unknown }>(
    `${issuerUrl}/credentials`,
    { method: 'POST', body: { proof } },
    'the issuer',
  );
  if (typeof issued.credential !== 'string') {
    throw new WalletError('bad_input', 'the issuer answered without a credential');
  }
  const checked = await checkOwnCredential(wallet, issued.credential);
  if (checked.type !== type) {
    throw new WalletError('credential_invalid', `the issuer sent a ${checked.type}, not a ${type}`);
  }
  const row: CredentialRow = {
    id: randomUUID(),
    type,
    issuer: checked.issuer,
    issuerUrl,
    issuedAt: now,
    expiresAt: Number(checked.claim.expiresAt) || null,
    sealed: await wallet.vault.seal(issued.credential),
    createdAt: now,
  };
  await saveCredential(wallet, row);
  return summary(row);
}

/** Stores a credential row (one transaction). */
export async function saveCredential(wallet: Wallet, row: CredentialRow): Promise<void> {
  try {
    await withTransaction(wallet.dataSource, (m) => m.insert(CredentialEntity, row));
  } catch (e) {
    throw storageError(e, 'the credential was not saved');
  }
}

/** Every credential's metadata, newest first. */
export async function listCredentials(wallet: Wallet): Promise<CredentialSummary[]> {
  const rows = await wallet.dataSource
    .getRepository(CredentialEntity)
    .find({ order: { createdAt: 'DESC', id: 'ASC' } });
  return rows.map(summary);
}

/** A credential with its attributes (decrypted: the holder's own view). */
export interface CredentialDetails extends CredentialSummary {
  attributes: Record<string, unknown>;
  /** Whether it still verifies (issuer signature, expiry, issuer DID). */
  valid: boolean;
  problem?: string;
}

/** The credential `id`, decrypted and re-checked. `not_found` if there is none. */
export async function showCredential(wallet: Wallet, id: string): Promise<CredentialDetails> {
  const row = await findCredential(wallet, id);
  const jwt = await wallet.vault.open(row.sealed, 'the credential');
  const checked = await verifyIssuedCredential(jwt, {
    resolver: wallet.resolver,
    now: wallet.now(),
  });
  return checked.verified
    ? { ...summary(row), attributes: checked.attributes, valid: true }
    : { ...summary(row), attributes: {}, valid: false, problem: checked.message };
}

/** The row of credential `id` (a unique prefix of at least 4 characters is enough). */
export async function findCredential(wallet: Wallet, id: string): Promise<CredentialRow> {
  const repo = wallet.dataSource.getRepository(CredentialEntity);
  const exact = await repo.findOneBy({ id });
  if (exact) return exact;
  if (typeof id === 'string' && /^[0-9a-f-]{4,}$/i.test(id)) {
    const matches = (await repo.find()).filter((r) => r.id.startsWith(id.toLowerCase()));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new WalletError('bad_input', `${id} matches several credentials`);
  }
  throw new WalletError('not_found', `no credential ${id}`);
}

/** The credential JWT of a row (decrypted). */
export function openCredential(wallet: Wallet, row: CredentialRow): Promise<string> {
  return wallet.vault.open(row.sealed, 'the credential');
}
