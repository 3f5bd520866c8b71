/**
 * Strict verification of an issued credential JWT, for the holders' wallets (and anyone who
 * receives one): did-jwt-vc against the chain, then every rule of SECURITY-CASES J01–J08 that
 * did-jwt leaves optional, and the zk claim checked against the JWT and the issuer's DID.
 *
 *   J01 only ES256K (no `none`, no HMAC, nothing else);
 *   J02 the signature by an assertion key of the `iss` DID (did-jwt ignores `kid`), and the zk
 *       claim signed by a zk key the DID document advertises;
 *   J03 `exp` required, expired (beyond 60 s skew) refused, `nbf`/`iat` in the future refused;
 *   J05 `iss` = `vc.issuer`, `sub` = `credentialSubject.id`, the claim's expiry = `exp`;
 *   J07 a resolver error or a deactivated DID fails closed;
 *   J08 a `credentialStatus` (none is issued: revocation is the zk tree) fails closed.
 *   (J04 is about presentations; zkrep presents proofs, never VPs. J06: the policies below are
 *   constants, not configuration.)
 */
import {
  type Claim,
  type Point,
  claimHash,
  findCredentialSchema,
  isCanonicalFieldString,
  issuerKeyHash,
  verifySignature,
} from '#zk';
import { decodeJWT } from 'did-jwt';
import { verifyCredential } from 'did-jwt-vc';
import type { Resolvable } from 'did-resolver';
import { zkPartsOf, type ZkClaimJson } from './domain/credentials.js';
import { resolveIssuerZkKeys } from './domain/identity.js';

export type CredentialCheck =
  | {
      verified: true;
      issuer: string;
      holder: string;
      type: string;
      claim: Claim;
      issuerPublicKey: Point;
      signature: { R8: Point; S: bigint };
      attributes: Record<string, unknown>;
    }
  | { verified: false; code: 'credential_invalid' | 'issuer_untrusted'; message: string };

const SKEW = 60;

export async function verifyIssuedCredential(
  jwt: string,
  options: { resolver: Resolvable; now?: number; trustedIssuers?: readonly string[] },
): Promise<CredentialCheck> {
  const bad = (message: string): CredentialCheck => ({
    verified: false,
    code: 'credential_invalid',
    message,
  });
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (typeof jwt !== 'string' || jwt.length > 16_384 || jwt.split('.').length !== 3) {
    return bad('not a compact JWT');
  }
  let header: { alg?: string };
  let raw: Record<string, unknown>;
  try {
    const d = decodeJWT(jwt);
    header = d.header;
    raw = d.payload as Record<string, unknown>;
  } catch {
    return bad('the JWT cannot be decoded');
  }
  if (header.alg !== 'ES256K') return bad(`algorithm ${String(header.alg)} is not allowed`); // J01
  if (typeof raw.exp !== 'number') return bad('the credential has no exp'); // J03
  const vc = raw.vc as { credentialStatus?: unknown; type?: unknown } | undefined;
  if (vc && vc.credentialStatus !== undefined) {
    return bad('unsupported credentialStatus (revocation is proved in zero knowledge)'); // J08
  }
  if (options.trustedIssuers && !options.trustedIssuers.includes(String(raw.iss))) {
    return { verified: false, code: 'issuer_untrusted', message: 'the issuer is not trusted' };
  }

  let verified;
  try {
    verified = await verifyCredential(jwt, options.resolver, {
      policies: { now, exp: true, nbf: true, iat: true, issuanceDate: true, expirationDate: true },
      skewTime: SKEW,
      proofPurpose: 'assertionMethod', // J02
    } as never);
  } catch (err) {
    const m = String((err as Error)?.message ?? err)
      .split(':')[0]!
      .slice(0, 60);
    if (/resolver|notFound|deactivated|invalidDid/i.test(String((err as Error)?.message))) {
      return {
        verified: false,
        code: 'issuer_untrusted',
        message: `the issuer DID does not verify (${m})`,
      }; // J07
    }
    return bad(`signature or validity check failed (${m})`);
  }
  const p = verified.payload;
  const cred = verified.verifiableCredential;
  const issuerId = typeof cred.issuer === 'string' ? cred.issuer : cred.issuer.id;
  if (p.iss !== issuerId) return bad('iss differs from the credential issuer'); // J05
  const subject = cred.credentialSubject as Record<string, unknown> & {
    id?: string;
    zk?: ZkClaimJson;
  };
  if (!p.sub || p.sub !== subject.id) return bad('sub differs from the credential subject'); // J05
  const type = (Array.isArray(cred.type) ? cred.type : [cred.type]).find(
    (t) => t !== 'VerifiableCredential',
  );
  const schema = type ? findCredentialSchema(type) : undefined;
  if (!schema || schema.type !== type) return bad('unknown credential type');

  const zk = subject.zk;
  const fields = zk
    ? [
        zk.schema,
        zk.holderCommitment,
        zk.credentialId,
        zk.issuedAt,
        zk.expiresAt,
        ...(zk.attributes ?? []),
      ]
    : [];
  if (
    !zk ||
    fields.length !== 13 ||
    !fields.every((f) => isCanonicalFieldString(f)) ||
    !Array.isArray(zk.issuerPublicKey) ||
    !zk.issuerPublicKey.every((f) => isCanonicalFieldString(f)) ||
    !Array.isArray(zk.signature?.R8) ||
    !zk.signature.R8.every((f) => isCanonicalFieldString(f)) ||
    !isCanonicalFieldString(zk.signature.S)
  ) {
    return bad('the zk claim is missing or malformed');
  }
  const { claim, issuerPublicKey: pub, signature } = zkPartsOf(zk);
  if (claim.schema !== schema.id) return bad('the zk claim is of another schema');
  if (claim.expiresAt !== BigInt(p.exp!)) return bad('the zk claim expires at another time'); // J05
  let sigOk = false;
  try {
    sigOk = verifySignature(claimHash(claim), signature, pub);
  } catch {
    sigOk = false;
  }
  if (!sigOk) return bad('the zk claim signature does not verify');
  let advertised: Point[];
  try {
    advertised = await resolveIssuerZkKeys(options.resolver, issuerId);
  } catch {
    return {
      verified: false,
      code: 'issuer_untrusted',
      message: 'the issuer DID cannot be resolved',
    };
  }
  if (!advertised.some((k) => issuerKeyHash(k) === issuerKeyHash(pub))) {
    return bad('the zk key is not advertised by the issuer DID'); // J02
  }
  const { zk: _zk, id: _id, ...attributes } = subject;
  return {
    verified: true,
    issuer: issuerId,
    holder: subject.id!,
    type: schema.type,
    claim,
    issuerPublicKey: pub,
    signature,
    attributes,
  };
}
