/**
 * The issuer end to end, on the embedded chain with the real contracts, started by its real
 * start-up path (`startIssuer`): did:ethr identity and zk key resolved with a PLAIN
 * ethr-did-resolver and matched against IssuerRegistry; KYC submission; DID-authenticated
 * issuance; every JWT verified by plain did-jwt-vc (no Veramo); the zk claim proved in a real
 * Groth16 proof that ZkGate accepts; revocation published and seen by wallets; data
 * minimisation; a restart on the same data.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  changeDidOwner,
  createClients,
  createPolicy,
  getIssuer,
  getPass,
  toSignalTuple,
  toSolidityProof,
  verifyOnChain,
  type AnvilChain,
} from '#contracts';
import {
  loadIssuerConfig,
  resolveIssuerZkKeys,
  startIssuer,
  verifyIssuedCredential,
  type RunningIssuer,
} from '#issuer';
import { startPostgres, type EmbeddedPostgres } from '#platform';
import { PrivateKeyStore } from '@veramo/data-store';
import { SecretBox } from '@veramo/kms-local';
import {
  AGE_SCHEMA,
  Op,
  RevocationTree,
  buildWitnessInput,
  claimHash,
  gateScope,
  gateSignalHash,
  holderCommitment,
  issuerKeyHash,
  parsePublicSignals,
  prove,
  queryHash,
  shutdownZk,
  verifySignature,
  type Claim,
} from '#zk';
import { createJWT } from 'did-jwt';
import { verifyCredential } from 'did-jwt-vc';
import { Resolver } from 'did-resolver';
import { JsonRpcProvider, computeAddress } from 'ethers';
import { getResolver } from 'ethr-did-resolver';
import { type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { batchDigest, type PostedTradeEvent } from '../../issuer/domain/signed-events.js';
import type { ZkClaimJson } from '../../issuer/domain/credentials.js';
import {
  authJwt as holderAuthJwt,
  issueAge as issueAgeCredential,
  newHolder as holderFor,
  postJson as postUrl,
  type Holder,
} from '../helpers/holder.js';
import { DEV_KEYS, TEST_ADMIN_KEY, issuerEnv, startDeployedChain } from '../helpers/stack.js';

// anvil's well-known dev keys (public test keys, funded on every anvil)
const OWNER_KEY = DEV_KEYS.owner;
const ADMIN_KEY = TEST_ADMIN_KEY;

let chain: AnvilChain;
let work: string;
let issuer: RunningIssuer;
let resolver: Resolver;
let network: string;

const env = (over: Record<string, string> = {}): NodeJS.ProcessEnv =>
  issuerEnv(chain, work, {
    ISSUER_KMS_SECRET: kmsSecret,
    ISSUER_TRUSTED_MARKETPLACES: marketKey.address,
    ...over,
  });
const kmsSecret = randomBytes(32).toString('hex');
/** A marketplace that posts signed trade events. */
const marketKey = privateKeyToAccount(`0x${randomBytes(32).toString('hex')}`);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zkrep-issuer-e2e-'));
  chain = await startDeployedChain(work);
  issuer = await startIssuer(loadIssuerConfig(env()));
  network = `0x${chain.chainId.toString(16)}`;
  resolver = plainResolver(issuer.deployment.contracts.didRegistry.address);
}, 120_000);

afterAll(async () => {
  await issuer?.close();
  await chain?.stop();
  await shutdownZk();
  await rm(work, { recursive: true, force: true });
});

/** A plain ethr-did-resolver (no Veramo, no cache) for the test chain and a registry. */
function plainResolver(registry: string): Resolver {
  const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true });
  return new Resolver(
    getResolver({
      networks: [{ name: network, chainId: chain.chainId, provider, registry }],
    } as never),
  );
}

const newHolder = () => holderFor(network);

const api = (path: string, init: RequestInit = {}) => fetch(`${issuer.url}${path}`, init);
const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  postUrl(`${issuer.url}${path}`, body, headers);
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const authJwt = (h: Holder, payload: Record<string, unknown> = {}) =>
  holderAuthJwt(issuer.url, h, payload);
const issueAge = (h: Holder, birthDate?: string) =>
  issueAgeCredential(issuer.url, ADMIN_KEY, h, birthDate);

describe('issuer: identity', () => {
  it('a plain ethr-did-resolver reads the zk key from the DID document; its hash is the registered one', async () => {
    const doc = (await resolver.resolve(issuer.did)).didDocument!;
    const vm = doc.verificationMethod!.filter((m) => m.type === 'BabyJubJub');
    expect(vm).toHaveLength(1);
    const hex = vm[0]!.publicKeyHex!;
    const key = [BigInt(`0x${hex.slice(0, 64)}`), BigInt(`0x${hex.slice(64)}`)] as const;
    expect(issuerKeyHash(key)).toBe(issuer.issuerKeyHash);
    const { publicClient } = createClients({ rpcUrl: chain.rpcUrl, chainId: chain.chainId });
    const reg = await getIssuer(publicClient, {
      gate: issuer.deployment.contracts.zkGate.address,
      keyHash: issuerKeyHash(key),
    });
    expect(reg.status).toBe('active');
    expect(reg.did).toBe(issuer.did);
    // the registry's controller is the DID's controller
    const controller = doc.verificationMethod!.find((m) => m.id.endsWith('#controller'));
    expect(controller?.blockchainAccountId?.toLowerCase()).toContain(reg.controller.toLowerCase());
  });

  it('publishes its metadata, a JSON schema per type and the empty revocation root', async () => {
    const info = (await (await api('/issuer')).json()) as { did: string; issuerKeyHash: string };
    expect(info.did).toBe(issuer.did);
    expect(info.issuerKeyHash).toBe(issuer.issuerKeyHash.toString());
    const schema = (await (await api('/schemas/AgeCredential.json')).json()) as {
      required: string[];
    };
    expect(schema.required).toEqual(['id', 'birthDate', 'country', 'kycLevel', 'zk']);
    expect((await api('/schemas/Nope.json')).status).toBe(404);
    const snap = (await (await api('/revocation')).json()) as { revoked: string[] };
    expect(snap.revoked).toEqual([]);
    expect((await api('/ready')).status).toBe(200);
  });
});

describe('issuer: API document', () => {
  it('/openapi.json is OpenAPI 3.1, lists every route, and is generated from the validating schemas', async () => {
    const doc = (await (await api('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: {
        schemas: Record<string, { required?: string[]; additionalProperties?: boolean }>;
      };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/admin/credentials/{id}',
        '/admin/credentials/{id}/revoke',
        '/admin/kyc',
        '/auth/challenge',
        '/credentials',
        '/health',
        '/issuer',
        '/ready',
        '/revocation',
        '/schemas/{type}.json',
        '/trades',
      ].sort(),
    );
    // The same zod schema validates /admin/kyc: its required fields and strictness show here.
    const kyc = doc.components.schemas.KycSubmission!;
    expect(kyc.required?.sort()).toEqual(['birthDate', 'country', 'holderDid', 'kycLevel']);
    expect(kyc.additionalProperties).toBe(false);
    const issue = doc.components.schemas.IssueRequest!;
    expect(issue.required).toEqual(['proof']);
  });
});

describe('issuer: issuance', () => {
  let holder: Holder;
  let jwt: string;

  beforeAll(async () => {
    holder = newHolder();
    jwt = await issueAge(holder, '2008-12-01');
  });

  it('the JWT verifies with plain did-jwt-vc against the chain, with exp, iss and sub right', async () => {
    const v = await verifyCredential(jwt, resolver);
    expect(v.verified).toBe(true);
    expect(v.payload.iss).toBe(issuer.did);
    expect(v.payload.sub).toBe(holder.did);
    expect(typeof v.payload.exp).toBe('number');
    expect(v.verifiableCredential.type).toContain('AgeCredential');
    expect(v.verifiableCredential.credentialSubject).toMatchObject({
      birthDate: '2008-12-01',
      country: 276,
      kycLevel: 2,
    });
  });

  it('carries a zk claim the issuer signed with its registered key, for this holder', async () => {
    const v = await verifyCredential(jwt, resolver);
    const zk = (v.verifiableCredential.credentialSubject as { zk: ZkClaimJson }).zk;
    const claim: Claim = {
      schema: BigInt(zk.schema),
      holderCommitment: BigInt(zk.holderCommitment),
      credentialId: BigInt(zk.credentialId),
      issuedAt: BigInt(zk.issuedAt),
      expiresAt: BigInt(zk.expiresAt),
      attributes: zk.attributes.map(BigInt),
    };
    expect(claim.schema).toBe(AGE_SCHEMA.id);
    expect(claim.holderCommitment).toBe(holderCommitment(holder.secret));
    expect(claim.attributes.slice(0, 3)).toEqual([20081201n, 276n, 2n]);
    expect(claim.expiresAt).toBe(BigInt(v.payload.exp!));
    const pub = [BigInt(zk.issuerPublicKey[0]), BigInt(zk.issuerPublicKey[1])] as const;
    expect(issuerKeyHash(pub)).toBe(issuer.issuerKeyHash);
    const sig = {
      R8: [BigInt(zk.signature.R8[0]), BigInt(zk.signature.R8[1])] as const,
      S: BigInt(zk.signature.S),
    };
    expect(verifySignature(claimHash(claim), sig, pub)).toBe(true);
  });

  it('keeps no attribute values: the KYC offer is gone and the record holds none', async () => {
    const res = await postJson('/credentials', { proof: await authJwt(holder) });
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([404, 'not_found']);
    const tables = [
      'issuer_credential',
      'issuer_pending_kyc',
      'issuer_challenge',
      'issuer_revocation',
    ];
    for (const t of tables) {
      const rows = JSON.stringify(await issuer.dataSource.query(`SELECT * FROM ${t}`));
      expect(rows).not.toMatch(/2008-12-01|20081201/);
    }
    const rec = await api('/admin/credentials/0', { headers: admin });
    expect(Object.keys((await rec.json()) as object).sort()).toEqual(
      ['expiresAt', 'holderDid', 'id', 'issuedAt', 'revokedAt', 'status', 'type'].sort(),
    );
  });

  it('the credential proves "age ≥ 18" to ZkGate in a real Groth16 proof', async () => {
    const { publicClient, walletClient } = createClients({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      account: { privateKey: OWNER_KEY },
    });
    const gate = issuer.deployment.contracts.zkGate.address;
    const query = {
      schema: AGE_SCHEMA.id,
      predicates: [{ slot: 0, op: Op.ageAtLeast, value: 18n }],
    };
    const { policyId } = await createPolicy({
      publicClient,
      walletClient,
      gate,
      policy: {
        queryHash: queryHash(query),
        schema: AGE_SCHEMA.id,
        issuers: [issuer.issuerKeyHash],
        maxRootAge: 3600,
        maxProofAge: 600,
        passLifetime: 86_400,
      },
    });
    const snapshot = (await (await api('/revocation')).json()) as Parameters<
      typeof RevocationTree.deserialize
    >[0];
    const block = await publicClient.getBlock();
    const account = walletClient.account!.address as Address;
    // The wallet's path: the strict verifier hands back the claim, key and signature.
    const checked = await verifyIssuedCredential(jwt, { resolver });
    if (!checked.verified) throw new Error(checked.message);
    const input = buildWitnessInput({
      secret: holder.secret,
      claim: checked.claim,
      issuerPublicKey: checked.issuerPublicKey,
      signature: checked.signature,
      revocation: RevocationTree.deserialize(snapshot),
      query,
      time: block.timestamp,
      scope: gateScope(chain.chainId, gate, policyId),
      signalHash: gateSignalHash(account, `0x${'00'.repeat(32)}` as Hex),
    });
    const { proof, publicSignals } = await prove(input);
    const res = await verifyOnChain({
      publicClient,
      walletClient,
      gate,
      policyId,
      proof: toSolidityProof(proof),
      publicSignals: toSignalTuple(parsePublicSignals(publicSignals)),
    });
    expect(res).toMatchObject({ verified: true, account });
    expect((await getPass(publicClient, { gate, policyId, account })).valid).toBe(true);
  });
});

describe('issuer: holder authentication fails closed (SECURITY-CASES J01–J07)', () => {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

  async function offerKyc(h: Holder): Promise<void> {
    await postJson(
      '/admin/kyc',
      { holderDid: h.did, birthDate: '1990-01-01', country: 276, kycLevel: 2 },
      admin,
    );
  }
  async function refused(proof: string): Promise<string> {
    const res = await postJson('/credentials', { proof });
    const body = (await res.json()) as { code: string; message: string };
    expect(res.status).toBe(401);
    expect(body.code).toBe('unauthorized');
    return body.message;
  }

  it('J01: alg none and HS256 are refused', async () => {
    const h = newHolder();
    await offerKyc(h);
    const good = await authJwt(h);
    const [, payload] = good.split('.');
    expect(await refused(`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`)).toMatch(
      /cannot be decoded|algorithm none/,
    );
    expect(await refused(`${b64({ alg: 'HS256', typ: 'JWT' })}.${payload}.c2ln`)).toMatch(
      /algorithm HS256/,
    );
  });

  it('J02: a JWT signed by another key than the iss DID is refused', async () => {
    const h = newHolder();
    const other = newHolder();
    await offerKyc(h);
    const challenge = (await (await postJson('/auth/challenge', {})).json()) as {
      nonce: string;
      audience: string;
    };
    const forged = await createJWT(
      {
        aud: challenge.audience,
        nonce: challenge.nonce,
        credentialType: 'AgeCredential',
        holderCommitment: holderCommitment(h.secret).toString(),
        exp: Math.floor(Date.now() / 1000) + 60,
      },
      { issuer: h.did, signer: other.signer },
      { alg: 'ES256K' },
    );
    await refused(forged);
  });

  it('J03: no exp, an expired JWT, or one living longer than a challenge is refused', async () => {
    const h = newHolder();
    await offerKyc(h);
    const now = Math.floor(Date.now() / 1000);
    await refused(await authJwt(h, { exp: undefined }));
    await refused(await authJwt(h, { exp: now - 120 }));
    await refused(await authJwt(h, { exp: now + 3600 }));
  });

  it('J04: a JWT for another audience, a replayed or unknown challenge is refused', async () => {
    const h = newHolder();
    await offerKyc(h);
    await refused(
      await authJwt(h, { aud: 'did:ethr:0x1:0x0000000000000000000000000000000000000001' }),
    );
    await refused(await authJwt(h, { nonce: 'never-issued' }));
    const once = await authJwt(h);
    expect((await postJson('/credentials', { proof: once })).status).toBe(200);
    await offerKyc(h);
    await refused(once);
  });

  it('J05/J07: a DID on another network (the resolver cannot resolve it) fails closed', async () => {
    const h = newHolder();
    const foreign = { ...h, did: h.did.replace(`did:ethr:${network}:`, 'did:ethr:0x4242:') };
    await offerKyc(foreign);
    await refused(await authJwt(foreign));
  });

  it('malformed requests are clear 400s, and a body over the limit a 413', async () => {
    const bad = await postJson('/credentials', { proof: 42 });
    expect([bad.status, ((await bad.json()) as { code: string }).code]).toEqual([400, 'bad_input']);
    const big = await postJson('/credentials', { proof: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
  });
});

describe('issuer: admin API and attribute bounds (I01)', () => {
  it('refuses missing or wrong admin keys', async () => {
    const body = { holderDid: newHolder().did, birthDate: '1990-01-01', country: 276, kycLevel: 2 };
    expect((await postJson('/admin/kyc', body)).status).toBe(401);
    expect(
      (await postJson('/admin/kyc', body, { authorization: 'Bearer wrong-key-wrong-key-wrong' }))
        .status,
    ).toBe(401);
  });

  it.each([
    ['a birth date in the future', { birthDate: '2999-01-01' }, 'out_of_range'],
    ['a birth date before 1800', { birthDate: '1799-12-31' }, 'out_of_range'],
    ['an impossible date', { birthDate: '2023-02-29' }, 'bad_encoding'],
    ['a country out of range', { country: 1000 }, 'out_of_range'],
    ['a non-integer KYC level', { kycLevel: 1.5 }, 'bad_input'],
    ['an unknown field', { name: 'Alice' }, 'bad_input'],
  ])('refuses %s before anything is stored or signed', async (_l, over, code) => {
    const h = newHolder();
    const res = await postJson(
      '/admin/kyc',
      { holderDid: h.did, birthDate: '1990-01-01', country: 276, kycLevel: 2, ...over },
      admin,
    );
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe(code);
    expect(body.message).not.toMatch(/Alice|2999|1799/);
    const rows = await issuer.dataSource.query(
      `SELECT COUNT(*) AS n FROM issuer_pending_kyc WHERE holder_did = '${h.did}'`,
    );
    expect(Number((rows as { n: number | string }[])[0]!.n)).toBe(0);
  });
});

describe('issuer: signed trade events from marketplaces', () => {
  const seller = '0x1111111111111111111111111111111111111111';
  const events: PostedTradeEvent[] = [
    {
      type: 'TradeCompleted',
      listingId: '7',
      seller,
      buyer: '0x2222222222222222222222222222222222222222',
      priceWei: '500000000000000000',
      blockTime: 1_790_000_000,
    },
    { type: 'Rated', listingId: '7', seller, score: 5, blockTime: 1_790_000_100 },
  ];
  const sign = (by: typeof marketKey, evs: PostedTradeEvent[]) =>
    by.signMessage({ message: { raw: batchDigest(by.address, evs) } });

  it('a trusted marketplace posts a signed batch; posting it again stores nothing new', async () => {
    const body = {
      marketplace: marketKey.address,
      events,
      signature: await sign(marketKey, events),
    };
    expect(await (await postJson('/trades', body)).json()).toEqual({ added: 2 });
    expect(await (await postJson('/trades', body)).json()).toEqual({ added: 0 });
  });

  it('a tampered batch, another signer or an untrusted marketplace is refused', async () => {
    const signature = await sign(marketKey, events);
    const tampered = [{ ...events[0]!, priceWei: '1' }, events[1]!];
    const res = await postJson('/trades', {
      marketplace: marketKey.address,
      events: tampered,
      signature,
    });
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([
      401,
      'unauthorized',
    ]);
    const stranger = privateKeyToAccount(`0x${randomBytes(32).toString('hex')}`);
    const byStranger = await postJson('/trades', {
      marketplace: stranger.address,
      events,
      signature: await sign(stranger, events),
    });
    expect(byStranger.status).toBe(401);
    const forged = await postJson('/trades', {
      marketplace: marketKey.address,
      events,
      signature: await sign(stranger, events),
    });
    expect(forged.status).toBe(401);
    const malformed = await postJson('/trades', {
      marketplace: marketKey.address,
      events: [],
      signature,
    });
    expect(malformed.status).toBe(400);
  });
});

describe('issuer: revocation and restart', () => {
  it('a revoked credential disappears from what wallets can prove once its root is published', async () => {
    const h = newHolder();
    const jwt = await issueAge(h, '1985-06-15');
    const v = await verifyCredential(jwt, resolver);
    const id = Number(
      (v.verifiableCredential.credentialSubject as { zk: ZkClaimJson }).zk.credentialId,
    );
    const res = await postJson(`/admin/credentials/${id}/revoke`, {}, admin);
    const revoked = (await res.json()) as { changed: boolean; root: string };
    expect(revoked.changed).toBe(true);
    // idempotent retry
    const again = (await (await postJson(`/admin/credentials/${id}/revoke`, {}, admin)).json()) as {
      changed: boolean;
      root: string;
    };
    expect(again).toMatchObject({ changed: false, root: revoked.root });
    await issuer.publishNow();
    const snap = (await (await api('/revocation')).json()) as { revoked: string[]; root: string };
    expect(snap.revoked).toContain(String(id));
    expect(snap.root).toBe(revoked.root);
    expect(RevocationTree.deserialize(snap as never).isRevoked(BigInt(id))).toBe(true);
    expect((await postJson('/admin/credentials/99999/revoke', {}, admin)).status).toBe(404);
  });

  it('a restart on the same data keeps the DID, the zk key, the records and the next id', async () => {
    const before = { did: issuer.did, key: issuer.issuerKeyHash };
    const count = Number(
      (
        (await issuer.dataSource.query('SELECT COUNT(*) AS n FROM issuer_credential')) as {
          n: number;
        }[]
      )[0]!.n,
    );
    await issuer.close();
    issuer = await startIssuer(loadIssuerConfig(env()));
    expect({ did: issuer.did, key: issuer.issuerKeyHash }).toEqual(before);
    const h = newHolder();
    const jwt = await issueAge(h);
    const v = await verifyCredential(jwt, resolver);
    expect(
      Number((v.verifiableCredential.credentialSubject as { zk: ZkClaimJson }).zk.credentialId),
    ).toBe(count);
  });

  it('refuses to start with a wrong KMS secret (keys are never readable without it)', async () => {
    await expect(
      startIssuer(
        loadIssuerConfig(
          env({ ISSUER_KMS_SECRET: randomBytes(32).toString('hex'), ISSUER_PORT: '0' }),
        ),
      ),
    ).rejects.toMatchObject({ code: 'config_invalid' });
  });
});

describe('issued credentials verify strictly for wallets (SECURITY-CASES J01–J08)', () => {
  let holder: Holder;
  let jwt: string;
  let payload: Record<string, unknown>;
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  /** A JWT with this payload signed by the holder's own key (a forger without the issuer key). */
  const forge = (p: Record<string, unknown>, alg = 'ES256K') =>
    createJWT(p, { issuer: String(p.iss), signer: holder.signer }, { alg });

  beforeAll(async () => {
    holder = newHolder();
    jwt = await issueAge(holder, '1970-01-01');
    payload = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
  });
  const check = (j: string, o: { now?: number } = {}) =>
    verifyIssuedCredential(j, { resolver, ...o });

  it('a genuine credential verifies, with its claim and attributes', async () => {
    const r = await check(jwt);
    expect(r).toMatchObject({
      verified: true,
      issuer: issuer.did,
      holder: holder.did,
      type: 'AgeCredential',
    });
    if (r.verified)
      expect(r.attributes).toEqual({ birthDate: '1970-01-01', country: 276, kycLevel: 2 });
  });

  it('J01: alg none, HS256 and any other algorithm are refused', async () => {
    const [, body, sig] = jwt.split('.');
    for (const alg of ['none', 'HS256', 'ES256']) {
      const r = await check(`${b64({ alg, typ: 'JWT' })}.${body}.${sig}`);
      expect(r).toMatchObject({ verified: false, code: 'credential_invalid' });
    }
  });

  it('J02: the issuer DID with another signer, or a zk key the DID does not advertise, is refused', async () => {
    // Signed by the holder, claiming to be the issuer.
    expect(await check(await forge(payload))).toMatchObject({ verified: false });
    // A self-issued credential reusing the genuine zk block: the holder's DID advertises no zk key.
    const selfIssued = await forge({
      ...payload,
      iss: holder.did,
      vc: { ...(payload.vc as object), issuer: { id: holder.did } },
    });
    const r = await check(selfIssued);
    expect(r).toMatchObject({ verified: false, code: 'credential_invalid' });
    if (!r.verified) expect(r.message).toMatch(/not advertised/);
  });

  it('J03: no exp, expired, or not yet valid is refused', async () => {
    const { exp: _exp, ...noExp } = payload;
    expect(await check(await forge({ ...noExp, iss: holder.did }))).toMatchObject({
      verified: false,
    });
    expect(await check(jwt, { now: Number(payload.exp) + 120 })).toMatchObject({ verified: false });
    expect(await check(jwt, { now: Number(payload.nbf) - 3600 })).toMatchObject({
      verified: false,
    });
  });

  it('J07: an issuer DID the resolver cannot resolve fails closed', async () => {
    const other = plainResolver('0x000000000000000000000000000000000000dEaD');
    expect(await verifyIssuedCredential(jwt, { resolver: other })).toMatchObject({
      verified: false,
    });
  });

  it('J08: a credentialStatus of any type fails closed', async () => {
    const withStatus = {
      ...payload,
      vc: {
        ...(payload.vc as object),
        credentialStatus: { id: 'https://x/1', type: 'StatusList2021Entry' },
      },
    };
    const r = await check(await forge(withStatus));
    expect(r).toMatchObject({ verified: false, code: 'credential_invalid' });
    if (!r.verified) expect(r.message).toMatch(/credentialStatus/);
  });
});

describe('issuer: a rotated DID controller (SECURITY-CASES I03)', () => {
  it('new credentials use the new key; earlier ones verify only against the document of their block', async () => {
    const h = newHolder();
    const before = await issueAge(h, '1999-09-09');
    const { publicClient } = createClients({ rpcUrl: chain.rpcUrl, chainId: chain.chainId });
    const issuedAt = await publicClient.getBlockNumber({ cacheTime: 0 });
    const gate = issuer.deployment.contracts.zkGate.address;
    const oldController = (await getIssuer(publicClient, { gate, keyHash: issuer.issuerKeyHash }))
      .controller;

    const { controller } = await issuer.rotateController();
    expect(controller.toLowerCase()).not.toBe(oldController.toLowerCase());
    const fresh = plainResolver(issuer.deployment.contracts.didRegistry.address);
    const doc = (await fresh.resolve(issuer.did)).didDocument!;
    expect(JSON.stringify(doc.verificationMethod)).toContain(controller);
    // The zk key stays advertised, and the registry now names the new controller.
    expect(await resolveIssuerZkKeys(fresh, issuer.did)).toHaveLength(1);
    expect(
      (await getIssuer(publicClient, { gate, keyHash: issuer.issuerKeyHash })).controller,
    ).toBe(controller);

    // A credential signed before the rotation does not verify against today's document…
    expect(await verifyIssuedCredential(before, { resolver: fresh })).toMatchObject({
      verified: false,
    });
    // …but does against the document as of its issuance block (audits), …
    const atIssuance = {
      resolve: (did: string) => fresh.resolve(`${did.split('?')[0]}?versionId=${issuedAt}`),
    };
    expect((await verifyCredential(before, atIssuance as Resolver)).verified).toBe(true);
    // …and a re-issued (new) credential verifies today, signed by the new controller.
    const after = await issueAge(newHolder(), '1999-09-09');
    expect(await verifyIssuedCredential(after, { resolver: fresh })).toMatchObject({
      verified: true,
    });

    // Root publication follows the registry's controller: a revocation still gets published.
    const id = JSON.parse(Buffer.from(before.split('.')[1]!, 'base64url').toString()).vc
      .credentialSubject.zk.credentialId as string;
    await postJson(`/admin/credentials/${id}/revoke`, {}, admin);
    await issuer.publishNow();
    const snap = (await (await api('/revocation')).json()) as { revoked: string[] };
    expect(snap.revoked).toContain(id);
  });
});

// Destructive: runs last.
describe('issuer: a deactivated DID (SECURITY-CASES I04)', () => {
  it('once the DID owner is set to 0x0, its credentials fail verification and its zk key is no longer found', async () => {
    const h = newHolder();
    const jwt = await issueAge(h);
    expect((await verifyCredential(jwt, resolver)).verified).toBe(true);

    // The issuer's current controller (from its KMS, with the KMS secret) deactivates the DID.
    const doc = (
      await plainResolver(issuer.deployment.contracts.didRegistry.address).resolve(issuer.did)
    ).didDocument!;
    const owner = doc
      .verificationMethod!.find((m) => m.id.endsWith('#controller'))!
      .blockchainAccountId!.split(':')[2]!
      .toLowerCase();
    const rows = (await issuer.dataSource.query(
      `SELECT kid FROM "key" WHERE type = 'Secp256k1'`,
    )) as { kid: string }[];
    const store = new PrivateKeyStore(issuer.dataSource, new SecretBox(kmsSecret));
    const keys = await Promise.all(rows.map((r) => store.getKey({ alias: r.kid })));
    const key = keys.find((k) => computeAddress(`0x${k.privateKeyHex}`).toLowerCase() === owner)!;
    const { publicClient, walletClient } = createClients({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      account: { privateKey: `0x${key.privateKeyHex}` },
    });
    // the DID's own address (its ERC-1056 identity), from its public-key form
    const identity = computeAddress(`0x${issuer.did.split(':')[3]!.slice(2)}`) as Address;
    await changeDidOwner({
      publicClient,
      walletClient,
      registry: issuer.deployment.contracts.didRegistry.address,
      identity,
      newOwner: '0x0000000000000000000000000000000000000000',
    });

    const fresh = plainResolver(issuer.deployment.contracts.didRegistry.address);
    expect((await fresh.resolve(issuer.did)).didDocumentMetadata.deactivated).toBe(true);
    await expect(verifyCredential(jwt, fresh)).rejects.toThrow();
    await expect(resolveIssuerZkKeys(fresh, issuer.did)).rejects.toMatchObject({
      code: 'issuer_untrusted',
    });
  });
});

describe('issuer on PostgreSQL (DATABASE_URL)', () => {
  let pg: EmbeddedPostgres | undefined;
  afterAll(async () => {
    await issuer?.close();
    await pg?.stop();
  });

  it('starts on PostgreSQL, issues a credential that verifies, and keeps its identity across a restart', async () => {
    await issuer.close();
    const dir = join(work, 'pg');
    await mkdir(dir, { recursive: true });
    await chmod(work, 0o755); // as root, PostgreSQL runs as nobody, who must enter it
    pg = await startPostgres({ dataDir: dir, durable: false });
    issuer = await startIssuer(loadIssuerConfig(env({ DATABASE_URL: pg.url })));
    const did = issuer.did;
    const h = newHolder();
    const jwt = await issueAge(h, '1980-04-04');
    expect(await verifyIssuedCredential(jwt, { resolver })).toMatchObject({
      verified: true,
      issuer: did,
      holder: h.did,
    });
    // The records are in PostgreSQL, with no attribute values.
    const rows = JSON.stringify(await issuer.dataSource.query('SELECT * FROM issuer_credential'));
    expect(rows).toContain(h.did);
    expect(rows).not.toMatch(/1980-04-04|19800404/);
    expect(issuer.dataSource.options.type).toBe('postgres');

    await issuer.close();
    issuer = await startIssuer(loadIssuerConfig(env({ DATABASE_URL: pg.url })));
    expect(issuer.did).toBe(did);
    const again = await issueAge(newHolder(), '1981-05-05');
    expect((await verifyIssuedCredential(again, { resolver })).verified).toBe(true);
  });
});
