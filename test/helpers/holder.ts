/**
 * A holder for end-to-end tests: a secp256k1 key with its did:ethr (address form) and a zk
 * secret, and the holder's side of the issuer's API (DID authentication, an age credential after
 * an admin's KYC record). The wallet agent does this for real users.
 */
import { randomBytes } from 'node:crypto';
import { holderCommitment, holderSecretFromSeed } from '#zk';
import { ES256KSigner, createJWT } from 'did-jwt';
import { Wallet } from 'ethers';

/** A holder on the did:ethr network `network` (e.g. `0x7a69`). */
export function newHolder(network: string) {
  const wallet = Wallet.createRandom();
  const did = `did:ethr:${network}:${wallet.address}`;
  const secret = holderSecretFromSeed(randomBytes(32));
  const signer = ES256KSigner(Buffer.from(wallet.privateKey.slice(2), 'hex'));
  return { wallet, did, secret, signer };
}
export type Holder = ReturnType<typeof newHolder>;

export const postJson = (
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** A DID-authentication JWT for `POST /credentials` on the issuer at `issuerUrl`. */
export async function authJwt(
  issuerUrl: string,
  h: Holder,
  payload: Record<string, unknown> = {},
): Promise<string> {
  const challenge = (await (await postJson(`${issuerUrl}/auth/challenge`, {})).json()) as {
    nonce: string;
    audience: string;
  };
  const now = Math.floor(Date.now() / 1000);
  return createJWT(
    {
      aud: challenge.audience,
      nonce: challenge.nonce,
      credentialType: 'AgeCredential',
      holderCommitment: holderCommitment(h.secret).toString(),
      exp: now + 120,
      ...payload,
    },
    { issuer: h.did, signer: h.signer },
    { alg: 'ES256K' },
  );
}

/** The KYC provider's record at the issuer: `did`'s verified data, collected with the credential. */
export async function recordKyc(
  issuerUrl: string,
  adminKey: string,
  did: string,
  birthDate = '1990-02-28',
): Promise<void> {
  const kyc = await postJson(
    `${issuerUrl}/admin/kyc`,
    { holderDid: did, birthDate, country: 276, kycLevel: 2 },
    { authorization: `Bearer ${adminKey}` },
  );
  if (kyc.status !== 200) throw new Error(`KYC record refused: ${kyc.status}`);
}

/** An AgeCredential (JWT) for `h`: the admin records the KYC result, the holder collects it. */
export async function issueAge(
  issuerUrl: string,
  adminKey: string,
  h: Holder,
  birthDate = '1990-02-28',
): Promise<string> {
  await recordKyc(issuerUrl, adminKey, h.did, birthDate);
  const res = await postJson(`${issuerUrl}/credentials`, { proof: await authJwt(issuerUrl, h) });
  if (res.status !== 200) throw new Error(`credential refused: ${res.status}`);
  return ((await res.json()) as { credential: string }).credential;
}
