/**
 * The proof request as a signed request object (OpenID4VP style, `client_id_scheme: did`): the
 * verifier signs what it asks for with its did:ethr DID, and the wallet checks that signature
 * against the verifier's DID document before it shows the user anything. Both sides import this
 * module, so the shape is defined once:
 *
 *   header  { alg: 'ES256K', typ: 'oauth-authz-req+jwt', kid? }   kid: a DID URL of `iss`
 *   payload { iss = client_id (the verifier's DID), client_id_scheme: 'did',
 *             aud: 'https://self-issued.me/v2', response_type: 'vp_token',
 *             response_mode: 'direct_post', response_uri, nonce = challenge, state = requestId,
 *             iat, exp, zkrep: ProofRequestClaims }
 *
 * `ProofRequestClaims` is pure data: the policy in readable form with its data-protection terms
 * (what the user is shown and consents to), the scope, and the `binding` that tells the holder
 * how its proof's signal hash is computed (`requestSignalHash` for an off-chain verifier,
 * `gateSignalHash` for an on-chain gate; `#zk` signals.ts).
 *
 * `verifyRequestObject` checks, in order: the shape (strict; `bad_input`), the signature by a key
 * of the `iss` DID document (did-jwt, `assertionMethod`; `bad_signature`), then the expiry
 * (`request_expired`). It never throws anything but a `PlatformError`; a resolver that fails
 * (the chain is down) is `chain_unreachable`. `walletUrl`/`parseWalletUrl` are the
 * `openid4vp://?client_id=…&request_uri=…` link a QR code carries.
 */
import { createJWT, decodeJWT, type JWTHeader, type Signer } from 'did-jwt';
import type { Resolvable } from 'did-resolver';
import { Op, isCanonicalFieldString } from '#zk';
import { PlatformError } from './errors.js';
import { isHttpUrl, z } from './http.js';
import { verifyDidJwtSignature } from './identity.js';

/** The JOSE `typ` of an OAuth authorization request object (RFC 9101). */
export const REQUEST_OBJECT_TYP = 'oauth-authz-req+jwt';
/** The audience of a request object for a self-issued wallet (OpenID4VP, SIOPv2). */
export const REQUEST_OBJECT_AUDIENCE = 'https://self-issued.me/v2';
/** Longest request object `verifyRequestObject` reads. */
export const MAX_REQUEST_OBJECT_LENGTH = 16_384;
/** Longest wallet URL `parseWalletUrl` reads. */
export const MAX_WALLET_URL_LENGTH = 4_096;
const MAX_URI_LENGTH = 2_048;
const DEFAULT_SKEW_SECONDS = 60;
/** Seconds fields are uint32 in ZkGate's PolicyRegistry (as in verifier policies). */
const MAX_SECONDS = 4_294_967_295;
const UINT256_MAX = (1n << 256n) - 1n;

/** A DID without path, query or fragment (`did:ethr:0x7a69:0x…`). */
const DID_RE = /^did:[a-z0-9]+(?::[A-Za-z0-9._%-]+)+$/;
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const ATTRIBUTE_RE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const BYTES32_RE = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const DECIMAL_RE = /^(0|[1-9][0-9]{0,77})$/;
const JWS_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Whether `s` is a DID (no path, query or fragment). */
export function isDid(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 256 && DID_RE.test(s);
}

/** Whether `s` is an absolute http(s) URL without credentials or fragment. */
export function isPlainHttpUrl(s: unknown): s is string {
  if (typeof s !== 'string' || s.length > MAX_URI_LENGTH || !isHttpUrl(s)) return false;
  const url = new URL(s);
  return url.username === '' && url.password === '' && !s.includes('#');
}

// ---- the claims ----

const Did = z.string().refine(isDid, 'must be a DID');
const Identifier = z.string().regex(ID_RE);
const FieldDecimal = z.string().refine((s) => isCanonicalFieldString(s), {
  message: 'must be a canonical decimal field element',
});
const Uint256Decimal = z
  .string()
  .refine((s) => DECIMAL_RE.test(s) && BigInt(s) <= UINT256_MAX, 'must be a decimal uint256');

/** Predicate operators in readable form: the names of the zk core's `Op`, without `unused`. */
export const REQUEST_PREDICATE_OPS = Object.keys(Op).filter((k) => k !== 'unused') as [
  Exclude<keyof typeof Op, 'unused'>,
  ...Exclude<keyof typeof Op, 'unused'>[],
];

/** The lawful bases of GDPR art. 6(1)(a)–(f). */
export const REQUEST_LEGAL_BASES = [
  'consent',
  'contract',
  'legal_obligation',
  'vital_interests',
  'public_task',
  'legitimate_interests',
] as const;

/** One predicate in readable form (`{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }`). */
export const RequestPredicate = z.strictObject({
  attribute: z.string().regex(ATTRIBUTE_RE),
  op: z.enum(REQUEST_PREDICATE_OPS),
  /** An integer, an enum value, a date (YYYY-MM-DD) or years for `ageAtLeast`. */
  value: z.union([z.number().int(), z.string().min(1).max(64)]),
});
export type RequestPredicate = z.infer<typeof RequestPredicate>;

/** The predicates of one request: 1–4 (the circuit's predicate count). */
export const RequestPredicates = z.array(RequestPredicate).min(1).max(4);
/** Why the verifier asks: shown to the user, recorded in the consent receipt. */
export const RequestPurpose = z.string().min(1).max(500);
/** Days the verifier keeps its verification record (the bounds of verifier policies). */
export const RequestRetentionDays = z.number().int().min(1).max(3650);
export const RequestLegalBasis = z.enum(REQUEST_LEGAL_BASES);

/** The policy as the holder sees it: the query with its data-protection and freshness terms. */
export const RequestPolicy = z.strictObject({
  id: Identifier,
  /** The credential type (a zk core schema's W3C type). */
  schema: z.string().min(1).max(128),
  predicates: RequestPredicates,
  purpose: RequestPurpose,
  retentionDays: RequestRetentionDays,
  legalBasis: RequestLegalBasis,
  /** Issuer key hashes the verifier trusts (decimal field elements). */
  trustedIssuers: z.array(FieldDecimal).min(1).max(32),
  /** The query hash the proof must carry (decimal field element). */
  queryHash: FieldDecimal,
  passLifetimeSeconds: z.number().int().min(1).max(MAX_SECONDS),
  maxProofAgeSeconds: z.number().int().min(1).max(MAX_SECONDS),
});
export type RequestPolicy = z.infer<typeof RequestPolicy>;

/**
 * How the holder computes the proof's signal hash: for an off-chain verifier
 * `requestSignalHash(challenge, consentReceiptHash, account)` under `verifierScope(verifierId,
 * policy.id)`; for an on-chain gate `gateSignalHash(sender, context)` under
 * `gateScope(chainId, gate, policyId)`.
 */
export const RequestBinding = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('verifier'), verifierId: z.string().min(1).max(256) }),
  z.strictObject({
    kind: z.literal('gate'),
    chainId: z.number().int().min(1),
    gate: z.string().regex(ADDRESS_RE),
    policyId: Uint256Decimal,
  }),
]);
export type RequestBinding = z.infer<typeof RequestBinding>;

/** What the verifier asks (the `zkrep` claim of the request object). */
export const ProofRequestClaims = z
  .strictObject({
    version: z.literal(1),
    requestId: Identifier,
    /** The single-use challenge (bytes32); the request object's `nonce`. */
    challenge: z.string().regex(BYTES32_RE),
    policy: RequestPolicy,
    /** The proof's scope (decimal field element). */
    scope: FieldDecimal,
    binding: RequestBinding,
  })
  .openapi('ProofRequestClaims', {
    description: 'What a verifier asks of a holder, as signed in its request object.',
  });
export type ProofRequestClaims = z.infer<typeof ProofRequestClaims>;

// ---- the request object ----

const RequestObjectHeader = z.strictObject({
  alg: z.literal('ES256K'),
  typ: z.literal(REQUEST_OBJECT_TYP),
  kid: z.string().max(512).optional(),
});

const UnixSeconds = z.number().int().min(0);

const RequestObjectPayload = z.strictObject({
  iss: Did,
  client_id: Did,
  client_id_scheme: z.literal('did'),
  aud: z.literal(REQUEST_OBJECT_AUDIENCE),
  response_type: z.literal('vp_token'),
  response_mode: z.literal('direct_post'),
  response_uri: z.string().refine(isPlainHttpUrl, 'must be an http(s) URL'),
  nonce: z.string(),
  state: z.string(),
  iat: UnixSeconds,
  exp: UnixSeconds,
  zkrep: ProofRequestClaims,
});

/** A verified request object. */
export interface VerifiedRequestObject {
  /** The verifier's DID (`iss` = `client_id`), whose key signed the request object. */
  clientId: string;
  /** Where the wallet posts its answer. */
  responseUri: string;
  iat: number;
  exp: number;
  claims: ProofRequestClaims;
}

const badInput = (message: string) => new PlatformError('bad_input', message);

/** A zod failure as a `bad_input` naming the failing paths (never values). */
function shapeError(what: string, error: z.ZodError): PlatformError {
  const paths = [...new Set(error.issues.map((i) => (i.path.length ? i.path.join('.') : what)))];
  return badInput(`invalid ${what}: ${paths.slice(0, 5).join(', ')}`);
}

/** `kid`, when given, must be a DID URL of the issuer (`<did>#<fragment>`). */
function checkKid(kid: string | undefined, did: string): void {
  if (kid !== undefined && (!kid.startsWith(`${did}#`) || kid.length === did.length + 1)) {
    throw badInput('kid must be a DID URL of the issuer (<did>#<key>)');
  }
}

/**
 * Signs a request object with the verifier's DID key. `kid`, if given, is the DID URL of the
 * signing key (`${did}#controller`), not the KMS key id (that one is inside `signer`).
 * Everything is validated before signing: `bad_input` otherwise; a signer failure is `internal`.
 */
export async function signRequestObject(p: {
  did: string;
  kid?: string;
  signer: Signer;
  responseUri: string;
  claims: ProofRequestClaims;
  iat: number;
  exp: number;
}): Promise<string> {
  if (!isDid(p.did)) throw badInput('did must be a DID');
  checkKid(p.kid, p.did);
  if (!isPlainHttpUrl(p.responseUri)) throw badInput('responseUri must be an http(s) URL');
  if (!Number.isSafeInteger(p.iat) || p.iat < 0 || !Number.isSafeInteger(p.exp) || p.exp <= p.iat) {
    throw badInput('iat and exp must be unix seconds with exp > iat');
  }
  const parsed = ProofRequestClaims.safeParse(p.claims);
  if (!parsed.success) throw shapeError('claims', parsed.error);
  const claims = parsed.data;
  const payload = {
    iss: p.did,
    client_id: p.did,
    client_id_scheme: 'did',
    aud: REQUEST_OBJECT_AUDIENCE,
    response_type: 'vp_token',
    response_mode: 'direct_post',
    response_uri: p.responseUri,
    nonce: claims.challenge,
    state: claims.requestId,
    iat: p.iat,
    exp: p.exp,
    zkrep: claims,
  };
  // did-jwt types `typ` as 'JWT' only; any `typ` is written as given.
  const header = {
    alg: 'ES256K',
    typ: REQUEST_OBJECT_TYP,
    ...(p.kid !== undefined ? { kid: p.kid } : {}),
  };
  try {
    return await createJWT(
      payload,
      { issuer: p.did, signer: p.signer, alg: 'ES256K' },
      header as unknown as Partial<JWTHeader>,
    );
  } catch (cause) {
    if (cause instanceof PlatformError) throw cause;
    throw new PlatformError('internal', 'signing the request object failed', { cause });
  }
}

/**
 * Verifies a request object: its shape, the signature by a key of the `iss` DID document
 * (resolved with `resolver`), and its validity at `now` (± `skewSeconds`, default 60).
 * `bad_input` (shape, typ, iss ≠ client_id, nonce ≠ challenge, state ≠ requestId, issued in the
 * future), `bad_signature` (no key of the DID document signed it, or the DID cannot be
 * resolved), `request_expired` (exp ≤ now − skew), `chain_unreachable` (the resolver failed).
 */
export async function verifyRequestObject(
  jwt: unknown,
  options: { resolver: Resolvable; now: number; skewSeconds?: number },
): Promise<VerifiedRequestObject> {
  if (typeof options !== 'object' || options === null || typeof options.resolver !== 'object') {
    throw badInput('a resolver is required');
  }
  const { now } = options;
  const skew = options.skewSeconds ?? DEFAULT_SKEW_SECONDS;
  if (!Number.isSafeInteger(now) || now < 0 || !Number.isSafeInteger(skew) || skew < 0) {
    throw badInput('now and skewSeconds must be non-negative integers (seconds)');
  }
  if (typeof jwt !== 'string' || jwt.length > MAX_REQUEST_OBJECT_LENGTH || !JWS_RE.test(jwt)) {
    throw badInput('a request object must be a compact JWS');
  }
  let decoded: { header: unknown; payload: unknown };
  try {
    decoded = decodeJWT(jwt, false);
  } catch {
    throw badInput('the request object cannot be decoded');
  }
  const header = RequestObjectHeader.safeParse(decoded.header);
  if (!header.success) throw shapeError('request object header', header.error);
  const parsed = RequestObjectPayload.safeParse(decoded.payload);
  if (!parsed.success) throw shapeError('request object', parsed.error);
  const payload = parsed.data;
  if (payload.iss !== payload.client_id) throw badInput('iss and client_id differ');
  checkKid(header.data.kid, payload.iss);
  if (payload.nonce !== payload.zkrep.challenge) throw badInput('nonce is not the challenge');
  if (payload.state !== payload.zkrep.requestId) throw badInput('state is not the request id');
  if (payload.exp <= payload.iat) throw badInput('exp is not after iat');
  if (payload.iat > now + skew) throw badInput('the request object is issued in the future');

  await verifyDidJwtSignature(jwt, {
    resolver: options.resolver,
    now,
    what: 'the request object',
    signer: "the verifier's DID",
  });

  if (payload.exp <= now - skew) throw new PlatformError('request_expired', 'the request expired');
  return {
    clientId: payload.client_id,
    responseUri: payload.response_uri,
    iat: payload.iat,
    exp: payload.exp,
    claims: payload.zkrep,
  };
}

// ---- the wallet link ----

const WALLET_URL_PREFIX = 'openid4vp://?';

/**
 * The link a QR code carries: `openid4vp://?client_id=<enc>&request_uri=<enc>[&account=0x…]`.
 * `account` is an unsigned hint (e.g. a marketplace's account for this user): the wallet proves
 * for it by default and shows it plainly; the holder may override it.
 */
export function walletUrl(p: { clientId: string; requestUri: string; account?: string }): string {
  if (!isDid(p.clientId)) throw badInput('clientId must be a DID');
  if (!isPlainHttpUrl(p.requestUri)) throw badInput('requestUri must be an http(s) URL');
  if (p.account !== undefined && !ADDRESS_RE.test(p.account)) {
    throw badInput('account must be an Ethereum address (0x + 40 hex)');
  }
  return (
    `${WALLET_URL_PREFIX}client_id=${encodeURIComponent(p.clientId)}` +
    `&request_uri=${encodeURIComponent(p.requestUri)}` +
    (p.account === undefined ? '' : `&account=${p.account}`)
  );
}

const WALLET_URL_KEYS = new Set(['client_id', 'request_uri', 'account']);

/**
 * Reads a wallet link strictly: exactly `client_id` (a DID) and `request_uri` (an http(s) URL),
 * and optionally the `account` hint (an Ethereum address), each once, percent-encoded, nothing
 * else; `bad_input` otherwise.
 */
export function parseWalletUrl(url: unknown): {
  clientId: string;
  requestUri: string;
  account?: string;
} {
  if (
    typeof url !== 'string' ||
    url.length > MAX_WALLET_URL_LENGTH ||
    !url.startsWith(WALLET_URL_PREFIX)
  ) {
    throw badInput('not an openid4vp:// link');
  }
  const query = url.slice(WALLET_URL_PREFIX.length);
  if (/[#\s+]/.test(query)) throw badInput('the link has a fragment or unencoded characters');
  const params = new Map<string, string>();
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (eq < 0 || !WALLET_URL_KEYS.has(key) || params.has(key)) {
      throw badInput('the link must carry exactly client_id and request_uri (and maybe account)');
    }
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1));
    } catch {
      throw badInput(`${key} is not percent-encoded`);
    }
    params.set(key, value);
  }
  const clientId = params.get('client_id');
  const requestUri = params.get('request_uri');
  const account = params.get('account');
  if (!isDid(clientId)) throw badInput('client_id must be a DID');
  if (!isPlainHttpUrl(requestUri)) throw badInput('request_uri must be an http(s) URL');
  if (account !== undefined && !ADDRESS_RE.test(account)) {
    throw badInput('the account hint must be an Ethereum address (0x + 40 hex)');
  }
  return account === undefined ? { clientId, requestUri } : { clientId, requestUri, account };
}
