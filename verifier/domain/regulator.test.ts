/**
 * The regulator token's checks, each failing alone (the end-to-end test covers the signature
 * against a real DID document on anvil): its shape, algorithm, issuer list, audience, times and
 * life. The resolver here answers with the signing key's did:ethr document, so a token that
 * passes every check verifies, and each case differs from that token in one claim only.
 */
import { randomBytes } from 'node:crypto';
import { ES256KSigner, createJWT, type JWTHeader } from 'did-jwt';
import { localDid } from '../../test/helpers/local-did.js';
import {
  REGULATOR_TOKEN_MAX_SECONDS,
  createRegulatorToken,
  verifyRegulatorToken,
} from './regulator.js';

const { key, did: DID, resolver } = localDid();
const VERIFIER = 'did:ethr:0x7a69:0x00000000000000000000000000000000000000aa';
const NOW = 1_790_000_000;

const token = (
  claims: Record<string, unknown> = {},
  header: Partial<JWTHeader> = { alg: 'ES256K' },
): Promise<string> =>
  createJWT(
    { aud: VERIFIER, iat: NOW, exp: NOW + 120, ...claims },
    { issuer: DID, signer: ES256KSigner(key), alg: header.alg ?? 'ES256K' },
    header,
  );

const check = (jwt: string, regulators: string[] = [DID]) =>
  verifyRegulatorToken(jwt, { resolver, regulators, audience: VERIFIER, now: NOW });

describe('regulator tokens', () => {
  it('a token by a listed DID, for this verifier, short-lived and current, gives its DID', async () => {
    await expect(check(await token())).resolves.toBe(DID);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    [
      'dated in the future (beyond the skew)',
      { iat: NOW + 61, exp: NOW + 120 },
      'unauthorized',
      /not yet valid/,
    ],
    ['expired', { iat: NOW - 200, exp: NOW }, 'unauthorized', /expired/],
    ['without iat', { iat: undefined }, 'unauthorized', /needs iat and exp/],
    ['without exp', { exp: undefined }, 'unauthorized', /needs iat and exp/],
    [
      'living too long',
      { iat: NOW, exp: NOW + REGULATOR_TOKEN_MAX_SECONDS + 1 },
      'unauthorized',
      /at most 300 s/,
    ],
    [
      'for another verifier',
      { aud: 'did:ethr:0x7a69:0x00000000000000000000000000000000000000bb' },
      'unauthorized',
      /another verifier/,
    ],
  ])('a token %s is refused', async (_name, claims, code, message) => {
    await expect(check(await token(claims))).rejects.toMatchObject({
      code,
      message: expect.stringMatching(message),
    });
  });

  it('a token by a DID that is not listed is forbidden', async () => {
    await expect(
      check(await token(), ['did:ethr:0x7a69:0x00000000000000000000000000000000000000cc']),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('a token not signed with ES256K is refused', async () => {
    const [, payload, signature] = (await token()).split('.');
    const hs256 = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    await expect(check(`${hs256}.${payload}.${signature}`)).rejects.toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/ES256K/),
    });
  });

  it('a token signed by another key than its DID’s is refused', async () => {
    const other = await createJWT(
      { aud: VERIFIER, iat: NOW, exp: NOW + 120 },
      { issuer: DID, signer: ES256KSigner(randomBytes(32)), alg: 'ES256K' },
      { alg: 'ES256K' },
    );
    await expect(check(other)).rejects.toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/not signed by a key of its DID/),
    });
  });

  it('what is not a JWT is refused', async () => {
    await expect(check('not-a-token')).rejects.toMatchObject({ code: 'unauthorized' });
  });
});

describe('createRegulatorToken (zkrep report token)', () => {
  const make = (lifeSeconds?: number) =>
    createRegulatorToken({
      did: DID,
      signer: ES256KSigner(key),
      audience: VERIFIER,
      now: NOW,
      lifeSeconds,
    });

  it('makes a token the verifier accepts, living the maximum by default', async () => {
    const token = await make();
    await expect(check(token)).resolves.toBe(DID);
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(payload).toEqual({
      iss: DID,
      aud: VERIFIER,
      iat: NOW,
      exp: NOW + REGULATOR_TOKEN_MAX_SECONDS,
    });
  });

  it.each([0, REGULATOR_TOKEN_MAX_SECONDS + 1, 1.5])(
    'refuses a life of %s s (bad_input)',
    async (life) => {
      await expect(make(life)).rejects.toMatchObject({ code: 'bad_input' });
    },
  );
});
