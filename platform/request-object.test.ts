/**
 * Signed request objects against a REAL did:ethr: a Veramo agent (SQLite, kms-local) creates the
 * verifier's DID and signs through `agentJwtSigner`; the wallet side resolves that DID with
 * `ethrResolver` on an embedded anvil chain carrying the ERC-1056 registry (deployed by the
 * contract tests' `setupTestEnv`). Covered: the round trip (the exact header and payload), a
 * tampered payload, header or signature, a request signed by another DID's key, expiry at the
 * skew boundary, every shape rule (typ, alg, aud, iss = client_id, nonce = challenge,
 * state = requestId, http(s) response_uri, strict claims), junk input, a failing resolver, and
 * the `openid4vp://` link with its refusals. Every failure is a `PlatformError` with one code.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJWT, type Signer } from 'did-jwt';
import type { Resolvable } from 'did-resolver';
import type { DataSource } from 'typeorm';
import { verifierScope } from '#zk';
import { setupTestEnv, type TestEnv } from '../contracts/test/helpers.js';
import { openDatabase } from './database.js';
import { PlatformError } from './errors.js';
import {
  agentJwtSigner,
  createEthrAgent,
  ethrResolver,
  type EthrAgent,
  type EthrNetwork,
} from './identity.js';
import {
  REQUEST_OBJECT_AUDIENCE,
  REQUEST_OBJECT_TYP,
  parseWalletUrl,
  signRequestObject,
  verifyRequestObject,
  walletUrl,
  type ProofRequestClaims,
} from './request-object.js';

const NOW = 1_790_000_000;
const RESPONSE_URI = 'http://127.0.0.1:8080/v1/requests/responses';

let env: TestEnv;
let work: string;
let ds: DataSource;
let agent: EthrAgent;
let network: EthrNetwork;
let resolver: Resolvable;
/** The verifier's DID and a signer over its controller key in the KMS. */
let verifier: { did: string; signer: Signer };
/** Another DID of the same agent (a key that is not the verifier's). */
let impostor: { did: string; signer: Signer };

async function identity(alias: string): Promise<{ did: string; signer: Signer }> {
  const id = await agent.didManagerGetOrCreate({ alias });
  return { did: id.did, signer: agentJwtSigner(agent, id.controllerKeyId!) };
}

beforeAll(async () => {
  env = await setupTestEnv();
  work = await mkdtemp(join(tmpdir(), 'zkrep-request-object-'));
  ds = await openDatabase({ sqlitePath: join(work, 'agent.sqlite'), entities: [], migrations: [] });
  network = {
    name: `0x${env.chain.chainId.toString(16)}`,
    chainId: env.chain.chainId,
    rpcUrl: env.chain.rpcUrl,
    registry: env.deployment.contracts.didRegistry.address,
  };
  agent = createEthrAgent({
    dataSource: ds,
    kmsSecretKey: randomBytes(32).toString('hex'),
    network,
  });
  verifier = await identity('verifier');
  impostor = await identity('impostor');
  resolver = ethrResolver(network, { cacheTtlMs: 0 });
}, 300_000);

afterAll(async () => {
  if (ds?.isInitialized) await ds.destroy();
  await env?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

function claimsFor(did: string, over: Partial<ProofRequestClaims> = {}): ProofRequestClaims {
  return {
    version: 1,
    requestId: randomUUID(),
    challenge: `0x${randomBytes(32).toString('hex')}`,
    policy: {
      id: 'adult-buyers',
      schema: 'AgeCredential',
      predicates: [
        { attribute: 'birthDate', op: 'ageAtLeast', value: 18 },
        { attribute: 'country', op: 'neq', value: 'XX' },
      ],
      purpose: 'Age check before the first purchase',
      retentionDays: 30,
      legalBasis: 'legal_obligation',
      trustedIssuers: ['1234567890123456789'],
      queryHash: '987654321',
      passLifetimeSeconds: 86_400,
      maxProofAgeSeconds: 600,
    },
    scope: verifierScope(did, 'adult-buyers').toString(),
    binding: { kind: 'verifier', verifierId: did },
    ...over,
  };
}

const sign = (
  claims: ProofRequestClaims,
  over: Partial<Parameters<typeof signRequestObject>[0]> = {},
) =>
  signRequestObject({
    did: verifier.did,
    signer: verifier.signer,
    responseUri: RESPONSE_URI,
    claims,
    iat: NOW,
    exp: NOW + 300,
    ...over,
  });

const verify = (
  jwt: unknown,
  over: { now?: number; skewSeconds?: number; resolver?: Resolvable } = {},
) => verifyRequestObject(jwt, { resolver, now: NOW, ...over });

/** The payload `signRequestObject` writes, for hand-made variants signed with a real key. */
function payloadOf(claims: ProofRequestClaims, did = verifier.did): Record<string, unknown> {
  return {
    iss: did,
    client_id: did,
    client_id_scheme: 'did',
    aud: REQUEST_OBJECT_AUDIENCE,
    response_type: 'vp_token',
    response_mode: 'direct_post',
    response_uri: RESPONSE_URI,
    nonce: claims.challenge,
    state: claims.requestId,
    iat: NOW,
    exp: NOW + 300,
    zkrep: claims,
  };
}

/**
 * Signs any payload and header with the verifier's real KMS key, by hand (JWS compact form,
 * ES256K r ‖ s), so that shapes `signRequestObject` refuses can still carry a valid signature.
 */
async function signRaw(payload: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const input = `${b64({ alg: 'ES256K', typ: REQUEST_OBJECT_TYP, ...header })}.${b64(payload)}`;
  return `${input}.${(await verifier.signer(input)) as string}`;
}

type Change = [path: string, value: unknown];

/** A deep copy of `x` with each dot-separated `path` set to `value` (undefined deletes it). */
function edited(x: unknown, changes: Change[]): Record<string, unknown> {
  const copy = structuredClone(x) as Record<string, unknown>;
  for (const [path, value] of changes) {
    const keys = path.split('.');
    let node = copy;
    for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
    if (value === undefined) delete node[keys.at(-1)!];
    else node[keys.at(-1)!] = value;
  }
  return copy;
}

const b64 = (x: unknown) => Buffer.from(JSON.stringify(x)).toString('base64url');

async function rejection(p: Promise<unknown>): Promise<PlatformError> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<PlatformError> {
  const e = await rejection(p);
  expect(e.code).toBe(code);
  return e;
}

describe('signRequestObject → verifyRequestObject (real did:ethr)', () => {
  it("the verifier's DID resolves on the chain to a document with its controller key", async () => {
    const result = await resolver.resolve(verifier.did);
    expect(result.didResolutionMetadata.error).toBeUndefined();
    expect(result.didDocument?.id).toBe(verifier.did);
    expect(result.didDocument?.assertionMethod).toEqual(
      expect.arrayContaining([`${verifier.did}#controller`]),
    );
    expect(verifier.did).toMatch(new RegExp(`^did:ethr:${network.name}:0x[0-9a-f]{66}$`));
  });

  it('round trip: the exact header and payload, and what the wallet gets back', async () => {
    const claims = claimsFor(verifier.did);
    const kid = `${verifier.did}#controller`;
    const jwt = await sign(claims, { kid });
    const { header, payload } = decodeJWT(jwt);
    expect(header).toEqual({ alg: 'ES256K', typ: 'oauth-authz-req+jwt', kid });
    expect(payload).toEqual({
      iss: verifier.did,
      client_id: verifier.did,
      client_id_scheme: 'did',
      aud: 'https://self-issued.me/v2',
      response_type: 'vp_token',
      response_mode: 'direct_post',
      response_uri: RESPONSE_URI,
      nonce: claims.challenge,
      state: claims.requestId,
      iat: NOW,
      exp: NOW + 300,
      zkrep: claims,
    });
    await expect(verify(jwt)).resolves.toEqual({
      clientId: verifier.did,
      responseUri: RESPONSE_URI,
      iat: NOW,
      exp: NOW + 300,
      claims,
    });
  });

  it('round trip without kid, with a gate binding, and for another DID (its own key)', async () => {
    const gate = claimsFor(verifier.did, {
      binding: {
        kind: 'gate',
        chainId: env.chain.chainId,
        gate: env.gate,
        policyId: '115792089237316195423570985008687907853269984665640564039457584007913129639935',
      },
    });
    const jwt = await sign(gate);
    expect(decodeJWT(jwt).header.kid).toBeUndefined();
    expect((await verify(jwt)).claims).toEqual(gate);

    const own = claimsFor(impostor.did);
    const theirs = await sign(own, { did: impostor.did, signer: impostor.signer });
    expect(await verify(theirs)).toMatchObject({ clientId: impostor.did, claims: own });
  });

  describe('bad_signature', () => {
    it.each<[string, Change[]]>([
      ['the purpose', [['zkrep.policy.purpose', 'Something else entirely']]],
      ['the response_uri', [['response_uri', 'https://attacker.example/collect']]],
      ['the trusted issuers', [['zkrep.policy.trustedIssuers.1', '42']]],
      ['exp', [['exp', NOW + 3_900]]],
      [
        'the challenge (and nonce)',
        [
          ['nonce', `0x${'00'.repeat(32)}`],
          ['zkrep.challenge', `0x${'00'.repeat(32)}`],
        ],
      ],
    ])('a payload with %s changed after signing', async (_what, changes) => {
      const jwt = await sign(claimsFor(verifier.did));
      const [h, p, s] = jwt.split('.');
      const payload = edited(JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')), changes);
      await expect(verify(jwt)).resolves.toBeDefined();
      await expectCode(verify(`${h}.${b64(payload)}.${s}`), 'bad_signature');
    });

    it('a header changed after signing, or the signature of another request object', async () => {
      const a = await sign(claimsFor(verifier.did));
      const b = await sign(claimsFor(verifier.did));
      const [h, p, s] = a.split('.');
      const header = { ...decodeJWT(a).header, kid: `${verifier.did}#controller` };
      await expectCode(verify(`${b64(header)}.${p}.${s}`), 'bad_signature');
      await expectCode(verify(`${h}.${p}.${b.split('.')[2]}`), 'bad_signature');
      // A signature that is not 64 bytes, or whose r and s are not below the group order.
      await expectCode(verify(`${h}.${p}.${s!.slice(0, 40)}`), 'bad_signature');
      const outOfRange = Buffer.alloc(64, 0xff).toString('base64url');
      await expectCode(verify(`${h}.${p}.${outOfRange}`), 'bad_signature');
      await expectCode(
        verify(`${h}.${p}.${Buffer.alloc(64).toString('base64url')}`),
        'bad_signature',
      );
    });

    it("signed by another DID's key while iss and client_id name the verifier", async () => {
      const jwt = await sign(claimsFor(verifier.did), { signer: impostor.signer });
      expect(decodeJWT(jwt).payload.iss).toBe(verifier.did);
      const e = await expectCode(verify(jwt), 'bad_signature');
      expect(e.message).not.toContain('0x');
    });

    it('a DID on a network the resolver does not know', async () => {
      const address = verifier.did.split(':').pop()!;
      const did = `did:ethr:0x1:${address}`;
      const jwt = await sign(claimsFor(did), { did });
      await expectCode(verify(jwt), 'bad_signature');
    });
  });

  describe('expiry', () => {
    it('expires at exp = now − skew, and not one second before', async () => {
      const jwt = await sign(claimsFor(verifier.did), { iat: NOW - 400, exp: NOW - 100 });
      await expect(verify(jwt, { now: NOW - 101 })).resolves.toMatchObject({ exp: NOW - 100 });
      // default skew 60 s
      await expect(verify(jwt, { now: NOW - 41 })).resolves.toBeDefined();
      await expectCode(verify(jwt, { now: NOW - 40 }), 'request_expired');
      await expectCode(verify(jwt), 'request_expired');
      // explicit skew
      await expectCode(verify(jwt, { now: NOW, skewSeconds: 100 }), 'request_expired');
      await expect(verify(jwt, { now: NOW, skewSeconds: 101 })).resolves.toBeDefined();
      await expect(verify(jwt, { now: NOW - 100, skewSeconds: 1 })).resolves.toBeDefined();
      await expectCode(verify(jwt, { now: NOW - 100, skewSeconds: 0 }), 'request_expired');
    });

    it('an expired request with a bad signature is bad_signature (the signature comes first)', async () => {
      const jwt = await sign(claimsFor(verifier.did), {
        iat: NOW - 400,
        exp: NOW - 100,
        signer: impostor.signer,
      });
      await expectCode(verify(jwt), 'bad_signature');
    });

    it('refuses a request object issued in the future (beyond the skew)', async () => {
      const jwt = await sign(claimsFor(verifier.did), { iat: NOW + 61, exp: NOW + 600 });
      await expectCode(verify(jwt), 'bad_input');
      await expect(verify(jwt, { now: NOW + 1 })).resolves.toBeDefined();
    });
  });

  describe('bad_input (shape)', () => {
    it('a hand-made request object with the default payload verifies (the baseline)', async () => {
      const claims = claimsFor(verifier.did);
      await expect(verify(await signRaw(payloadOf(claims)))).resolves.toMatchObject({ claims });
    });

    const predicate = { attribute: 'birthDate', op: 'gte', value: 19_900_101 };
    // Every row has all three entries: jest would take a missing one for a `done` callback.
    it.each<[string, Change[], Record<string, unknown>]>([
      ['typ JWT', [], { typ: 'JWT' }],
      ['alg ES256K-R', [], { alg: 'ES256K-R' }],
      [
        'a kid of another DID',
        [],
        { kid: 'did:ethr:0x1:0x0000000000000000000000000000000000000001#controller' },
      ],
      ['an unknown header field', [], { jku: 'https://attacker.example/keys' }],
      ['a nonce that is not the challenge', [['nonce', `0x${'22'.repeat(32)}`]], {}],
      ['a state that is not the request id', [['state', 'another-request']], {}],
      ['an unknown field in the zkrep claims', [['zkrep.extra', true]], {}],
      ['an unknown field in the policy', [['zkrep.policy.email', 'alice@example.com']], {}],
      ['an unknown field in the payload', [['redirect_uri', 'https://x.example']], {}],
      ['another claims version', [['zkrep.version', 2]], {}],
      ['five predicates', [['zkrep.policy.predicates', Array(5).fill(predicate)]], {}],
      ['no predicates', [['zkrep.policy.predicates', []]], {}],
      ['an unknown predicate op', [['zkrep.policy.predicates.0.op', 'unused']], {}],
      ['a fractional value', [['zkrep.policy.predicates.0.value', 18.5]], {}],
      ['a scope that is not a field element', [['zkrep.scope', '0x12']], {}],
      ['an unknown legal basis', [['zkrep.policy.legalBasis', 'because']], {}],
      ['a purpose over 500 characters', [['zkrep.policy.purpose', 'x'.repeat(501)]], {}],
      ['no trusted issuer', [['zkrep.policy.trustedIssuers', []]], {}],
      ['a challenge of 31 bytes', [['zkrep.challenge', `0x${'33'.repeat(31)}`]], {}],
      [
        'a gate binding without a gate',
        [['zkrep.binding', { kind: 'gate', chainId: 1, policyId: '1' }]],
        {},
      ],
      ['an unknown binding kind', [['zkrep.binding.kind', 'oracle']], {}],
      [
        'client_id ≠ iss',
        [['client_id', 'did:ethr:0x1:0x0000000000000000000000000000000000000001']],
        {},
      ],
      ['another client_id_scheme', [['client_id_scheme', 'redirect_uri']], {}],
      ['another audience', [['aud', 'https://wallet.example']], {}],
      ['another response_mode', [['response_mode', 'fragment']], {}],
      ['a javascript: response_uri', [['response_uri', 'javascript:alert(1)']], {}],
      ['an ftp response_uri', [['response_uri', 'ftp://verifier.example/x']], {}],
      ['a response_uri with credentials', [['response_uri', 'https://u:p@verifier.example/x']], {}],
      ['a fractional exp', [['exp', NOW + 300.5]], {}],
      ['exp before iat', [['exp', NOW - 1]], {}],
      ['no exp', [['exp', undefined]], {}],
    ])('%s', async (_what, changes, header) => {
      const jwt = await signRaw(edited(payloadOf(claimsFor(verifier.did)), changes), header);
      const e = await expectCode(verify(jwt), 'bad_input');
      expect(e.message).not.toMatch(/alice|because|attacker/);
    });

    it.each([
      42,
      null,
      undefined,
      {},
      '',
      'not a jwt',
      'a.b',
      'a.b.c.d',
      '!!!.???.***',
      `${b64({ alg: 'ES256K' })}.bm90IGpzb24.c2ln`,
      `${'a'.repeat(20_000)}.b.c`,
    ])('junk input %#', async (input) => {
      await expectCode(verify(input), 'bad_input');
    });

    it('refuses bad options', async () => {
      const jwt = await sign(claimsFor(verifier.did));
      await expectCode(verify(jwt, { now: Number.NaN }), 'bad_input');
      await expectCode(verify(jwt, { skewSeconds: -1 }), 'bad_input');
    });
  });

  it('a resolver that fails is chain_unreachable, never a raw error', async () => {
    const jwt = await sign(claimsFor(verifier.did));
    const broken: Resolvable = {
      resolve: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:8545');
      },
    };
    const e = await expectCode(verify(jwt, { resolver: broken }), 'chain_unreachable');
    expect(e.message).not.toContain('ECONNREFUSED');
    expect(e.details).toContain('ECONNREFUSED');
  });

  describe('signRequestObject refusals', () => {
    it.each<[string, Partial<Parameters<typeof signRequestObject>[0]>]>([
      ['a did that is no DID', { did: 'verifier' }],
      ['a kid of another DID', { kid: 'did:ethr:0x1:0xabc#controller' }],
      ['a KMS key id as kid', { kid: '02b97c30de767f084ce3080168ee293053ba33b235d7116a' }],
      ['a non-http responseUri', { responseUri: 'openid4vp://x' }],
      ['exp not after iat', { exp: NOW }],
      ['a fractional iat', { iat: NOW + 0.5 }],
    ])('%s', async (_what, over) => {
      await expectCode(sign(claimsFor(verifier.did), over), 'bad_input');
    });

    it('invalid claims (naming the path)', async () => {
      const claims = { ...claimsFor(verifier.did), challenge: '0x1234' } as ProofRequestClaims;
      const e = await expectCode(sign(claims), 'bad_input');
      expect(e.message).toContain('challenge');
      expect(e.message).not.toContain('0x1234');
      await expectCode(sign({ ...claimsFor(verifier.did), extra: 1 } as never), 'bad_input');
    });

    it('a signer that fails is internal', async () => {
      const failing: Signer = async () => {
        throw new Error('kms offline');
      };
      await expectCode(sign(claimsFor(verifier.did), { signer: failing }), 'internal');
    });
  });
});

describe('walletUrl / parseWalletUrl', () => {
  const clientId =
    'did:ethr:0x7a69:0x02b97c30de767f084ce3080168ee293053ba33b235d7116a3263d29f1450936b71';
  const requestUri = 'https://verifier.example/v1/requests/3f2c7f0e-8a44?x=1&y=2';

  it('round trip with percent-encoded parameters', () => {
    const url = walletUrl({ clientId, requestUri });
    expect(url).toBe(
      'openid4vp://?client_id=did%3Aethr%3A0x7a69%3A0x02b97c30de767f084ce3080168ee293053ba33b235d7116a3263d29f1450936b71' +
        '&request_uri=https%3A%2F%2Fverifier.example%2Fv1%2Frequests%2F3f2c7f0e-8a44%3Fx%3D1%26y%3D2',
    );
    expect(parseWalletUrl(url)).toEqual({ clientId, requestUri });
    // The parameters in the other order are the same link.
    const swapped = `openid4vp://?request_uri=${encodeURIComponent(requestUri)}&client_id=${encodeURIComponent(clientId)}`;
    expect(parseWalletUrl(swapped)).toEqual({ clientId, requestUri });
    const local = { clientId, requestUri: 'http://127.0.0.1:8080/r/1' };
    expect(parseWalletUrl(walletUrl(local))).toEqual(local);
  });

  it.each([
    ['a DID', { clientId: 'https://verifier.example', requestUri }],
    ['an http(s) request_uri', { clientId, requestUri: 'javascript:alert(1)' }],
    ['a request_uri without a fragment', { clientId, requestUri: 'https://verifier.example/r#x' }],
  ])('walletUrl requires %s', (_what, p) => {
    expect(() => walletUrl(p)).toThrow(PlatformError);
  });

  const enc = encodeURIComponent;
  it.each<[string, unknown]>([
    ['a number', 42],
    ['another scheme', `https://?client_id=${enc(clientId)}&request_uri=${enc(requestUri)}`],
    [
      'openid4vp with a host',
      `openid4vp://authorize?client_id=${enc(clientId)}&request_uri=${enc(requestUri)}`,
    ],
    ['a missing request_uri', `openid4vp://?client_id=${enc(clientId)}`],
    ['a missing client_id', `openid4vp://?request_uri=${enc(requestUri)}`],
    [
      'an extra parameter',
      `openid4vp://?client_id=${enc(clientId)}&request_uri=${enc(requestUri)}&x=1`,
    ],
    [
      'a repeated parameter',
      `openid4vp://?client_id=${enc(clientId)}&client_id=${enc(clientId)}&request_uri=${enc(requestUri)}`,
    ],
    ['a parameter without a value', `openid4vp://?client_id&request_uri=${enc(requestUri)}`],
    [
      'a javascript: request_uri',
      `openid4vp://?client_id=${enc(clientId)}&request_uri=${enc('javascript:alert(1)')}`,
    ],
    [
      'a client_id that is no DID',
      `openid4vp://?client_id=verifier&request_uri=${enc(requestUri)}`,
    ],
    ['bad percent-encoding', `openid4vp://?client_id=${enc(clientId)}&request_uri=%E0%A4%A`],
    ['a fragment', `openid4vp://?client_id=${enc(clientId)}&request_uri=${enc(requestUri)}#x`],
    ['a +', `openid4vp://?client_id=${enc(clientId)}&request_uri=${enc(requestUri)}+`],
    [
      'an over-long link',
      `openid4vp://?client_id=${enc(clientId)}&request_uri=${enc(`https://v.example/${'a'.repeat(5000)}`)}`,
    ],
  ])('parseWalletUrl refuses %s', (_what, url) => {
    let error: unknown;
    try {
      parseWalletUrl(url);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).code).toBe('bad_input');
  });

  describe('the account hint', () => {
    const account = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

    it('round trips, after the two required parameters', () => {
      const url = walletUrl({ clientId, requestUri, account });
      expect(url).toBe(`${walletUrl({ clientId, requestUri })}&account=${account}`);
      expect(parseWalletUrl(url)).toEqual({ clientId, requestUri, account });
      // In any order, and absent from a link without it.
      const first = `openid4vp://?account=${account}&client_id=${enc(clientId)}&request_uri=${enc(requestUri)}`;
      expect(parseWalletUrl(first)).toEqual({ clientId, requestUri, account });
      expect(parseWalletUrl(walletUrl({ clientId, requestUri }))).not.toHaveProperty('account');
    });

    it('walletUrl refuses an account that is no address', () => {
      expect(() => walletUrl({ clientId, requestUri, account: '0x1234' })).toThrow(
        'account must be an Ethereum address',
      );
    });

    it.each([
      ['a short address', '0x1234'],
      ['a name', 'alice.eth'],
      ['an empty value', ''],
      ['an address with junk', `${account}00`],
    ])('parseWalletUrl refuses %s', (_what, bad) => {
      const url = `${walletUrl({ clientId, requestUri })}&account=${enc(bad)}`;
      expect(() => parseWalletUrl(url)).toThrow('the account hint must be an Ethereum address');
    });

    it('parseWalletUrl refuses a repeated account', () => {
      const url = `${walletUrl({ clientId, requestUri, account })}&account=${account}`;
      expect(() => parseWalletUrl(url)).toThrow(PlatformError);
    });
  });
});
