/**
 * Issuing on SQLite and PostgreSQL with the real Veramo agent (the JWT is signed locally; no
 * chain is needed to sign): sequential credential ids under concurrency, the record keeps no
 * attribute values, out-of-range attributes are refused before an id is taken, `exp` is always
 * set and equals the claim's expiry, the claim signature verifies with the zk key.
 */
import { claimHash, holderCommitment, holderSecretFromSeed, verifySignature } from '#zk';
import { SecretBox } from '@veramo/kms-local';
import { decodeJWT } from 'did-jwt';
import { databaseEngines } from '../../test/helpers/databases.js';
import { createIssuerAgent } from '../agent.js';
import { CredentialEntity, ISSUER_ENTITIES, ISSUER_MIGRATIONS } from '../store/schema.js';
import {
  issueCredential,
  zkPartsOf,
  type IssuanceContext,
  type ZkClaimJson,
} from './credentials.js';
import { loadOrCreateIdentity } from './identity.js';
import { loadOrCreateZkKey } from './zk-key.js';

const engines = databaseEngines({ entities: ISSUER_ENTITIES, migrations: ISSUER_MIGRATIONS });
const NOW = 1_796_140_800; // 2026-12-01
const SECRET = '33'.repeat(32);
const holder = holderCommitment(holderSecretFromSeed(new Uint8Array(32).fill(9))).toString();
const age = { birthDate: '2008-12-01', country: 276, kycLevel: 2 };

async function context(engine: 'sqlite' | 'postgres'): Promise<IssuanceContext> {
  const dataSource = await engines.open(engine);
  const agent = createIssuerAgent({
    dataSource,
    kmsSecretKey: SECRET,
    // Signing needs no chain; the resolver is never asked in these tests.
    network: {
      name: '0x7a69',
      chainId: 31337,
      rpcUrl: 'http://127.0.0.1:9',
      registry: '0x0000000000000000000000000000000000000001',
    },
  });
  return {
    agent,
    dataSource,
    identity: await loadOrCreateIdentity(agent),
    zkKey: await loadOrCreateZkKey(dataSource, new SecretBox(SECRET)),
    baseUrl: 'https://issuer.example',
    now: () => NOW,
  };
}

const request = (i: number) => ({
  type: 'AgeCredential',
  holderDid: `did:ethr:0x7a69:0x${String(i).padStart(40, '0')}`,
  holderCommitment: holder,
  attributes: age,
});

describe.each(engines.list)('issuance on %s', (engine) => {
  it('issues JWTs with exp = the claim expiry and a valid zk signature; keeps no attribute values', async () => {
    const ctx = await context(engine);
    const issued = await issueCredential(ctx, request(1));
    const { payload, header } = decodeJWT(issued.jwt);
    expect(header.alg).toBe('ES256K');
    expect(payload.iss).toBe(ctx.identity.did);
    expect(payload.exp).toBe(issued.expiresAt);
    const zk = (payload.vc as { credentialSubject: { zk: ZkClaimJson } }).credentialSubject.zk;
    expect(zk.expiresAt).toBe(String(issued.expiresAt));
    const { claim, signature: sig } = zkPartsOf(zk);
    expect(verifySignature(claimHash(claim), sig, ctx.zkKey.publicKey)).toBe(true);
    const row = await ctx.dataSource
      .getRepository(CredentialEntity)
      .findOneByOrFail({ id: issued.credentialId });
    // BIGINTs come back as numbers on both engines, and a NULL stays null (not 0).
    expect(row).toMatchObject({ issuedAt: NOW, expiresAt: issued.expiresAt, revokedAt: null });
    const stored = JSON.stringify(await ctx.dataSource.query('SELECT * FROM issuer_credential'));
    expect(stored).not.toMatch(/2008-12-01|20081201|"276"|country/);
  });

  it('gives sequential ids, also to concurrent requests, and never reuses one', async () => {
    const ctx = await context(engine);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => issueCredential(ctx, request(i))),
    );
    // SQLite queues the transactions; on PostgreSQL a racing one may lose on the primary key:
    // a clean error to retry, never a duplicate id.
    const ids = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.credentialId] : []));
    for (const r of results) {
      if (r.status === 'rejected') expect(String(r.reason)).not.toMatch(/attribute|2008/);
    }
    expect(new Set(ids).size).toBe(ids.length);
    const next = await issueCredential(ctx, request(99));
    expect(next.credentialId).toBe(Math.max(...ids) + 1);
  });

  it('refuses out-of-range attributes before an id is taken', async () => {
    const ctx = await context(engine);
    await expect(
      issueCredential(ctx, { ...request(1), attributes: { ...age, birthDate: '2027-01-01' } }),
    ).rejects.toMatchObject({ code: 'out_of_range' });
    await expect(
      issueCredential(ctx, { ...request(1), holderCommitment: '0' }),
    ).rejects.toMatchObject({ code: 'bad_encoding' });
    await expect(
      issueCredential(ctx, { ...request(1), type: 'PassportCredential' }),
    ).rejects.toMatchObject({
      code: 'bad_input',
    });
    await expect(
      issueCredential(ctx, { ...request(1), validitySeconds: 10 }),
    ).rejects.toMatchObject({
      code: 'out_of_range',
    });
    expect((await issueCredential(ctx, request(1))).credentialId).toBe(0);
  });
});
