/**
 * The consent receipt: what the holder agreed to when they said "yes" to a proof request — the
 * verifier, the request, the policy's purpose, legal basis, retention and predicates, the
 * pseudonymous account the result is for, and when. No personal data beyond that account.
 *
 * The wallet writes it (`buildConsentReceipt`), keeps it, and sends it with its proof; the proof's
 * signal hash commits to `consentReceiptHash(receipt)` (`requestSignalHash(challenge,
 * consentReceiptHash, account)`, `#zk` signals.ts), and the verifier recomputes that hash from
 * the receipt it receives. So the hash must be the same on both sides for the same receipt:
 *
 *   consentReceiptHash = keccak256(UTF-8(JCS(parseConsentReceipt(receipt))))
 *
 * JCS is RFC 8785 (sorted keys, no whitespace, ECMAScript number and string forms), so key
 * order and formatting do not matter. The account is accepted in any valid spelling (lowercase
 * or EIP-55) and parsed to lowercase, so the hash does not depend on it either.
 */
import { randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { isAddress, keccak256, stringToBytes, type Hex } from 'viem';
import { ZkrepError } from '#zk';
import { PlatformError } from './errors.js';
import { parseInput, z } from './http.js';
import {
  ProofRequestClaims,
  RequestLegalBasis,
  RequestPredicates,
  RequestPurpose,
  RequestRetentionDays,
  isDid,
} from './request-object.js';

export const CONSENT_RECEIPT_VERSION = 'zkrep-consent/1';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/** A 20-byte account address; a mixed-case one must carry a valid EIP-55 checksum. */
const Account = z
  .string()
  .refine((a) => ADDRESS_RE.test(a) && isAddress(a, { strict: true }), 'must be an address')
  .transform((a) => a.toLowerCase() as Hex);

/** The consent receipt (strict: unknown fields are refused). */
export const ConsentReceipt = z
  .strictObject({
    version: z.literal(CONSENT_RECEIPT_VERSION),
    receiptId: z.uuid(),
    requestId: z.string().regex(ID_RE),
    /** The verifier's DID (the request object's `client_id`). */
    verifier: z.string().refine(isDid, 'must be a DID'),
    policyId: z.string().regex(ID_RE),
    purpose: RequestPurpose,
    legalBasis: RequestLegalBasis,
    retentionDays: RequestRetentionDays,
    predicates: RequestPredicates,
    /** The pseudonymous account the result is for (lowercase once parsed). */
    account: Account,
    /** When the holder consented, unix seconds. */
    consentedAt: z.number().int().min(0),
  })
  .openapi('ConsentReceipt', {
    description: 'What the holder consented to; the proof commits to its keccak256 (JCS).',
  });
export type ConsentReceipt = z.infer<typeof ConsentReceipt>;

/** Parses a consent receipt; `bad_input` naming the failing paths (never their values). */
export function parseConsentReceipt(x: unknown): ConsentReceipt {
  try {
    return parseInput(ConsentReceipt, x, 'consent receipt');
  } catch (e) {
    if (e instanceof ZkrepError) throw new PlatformError(e.code, e.message, { cause: e });
    throw e;
  }
}

/** The RFC 8785 canonical JSON of a (parsed) receipt. */
export function canonicalConsentReceipt(receipt: ConsentReceipt): string {
  const json = canonicalize(parseConsentReceipt(receipt));
  if (json === undefined) throw new PlatformError('internal', 'the receipt has no JSON form');
  return json;
}

/** keccak256 of the UTF-8 of the receipt's canonical JSON: what the proof's signal hash binds. */
export function consentReceiptHash(receipt: ConsentReceipt): Hex {
  return keccak256(stringToBytes(canonicalConsentReceipt(receipt)));
}

/**
 * The receipt for consenting to `claims` (a verified request object's claims) from `verifier`
 * (its `clientId`) for `account` at `now`. `bad_input` if any part is malformed.
 */
export function buildConsentReceipt(
  claims: ProofRequestClaims,
  p: { verifier: string; account: string; now: number; receiptId?: string },
): ConsentReceipt {
  const parsed = ProofRequestClaims.safeParse(claims);
  if (!parsed.success) throw new PlatformError('bad_input', 'the request claims are invalid');
  const { requestId, policy } = parsed.data;
  return parseConsentReceipt({
    version: CONSENT_RECEIPT_VERSION,
    receiptId: p.receiptId ?? randomUUID(),
    requestId,
    verifier: p.verifier,
    policyId: policy.id,
    purpose: policy.purpose,
    legalBasis: policy.legalBasis,
    retentionDays: policy.retentionDays,
    predicates: policy.predicates,
    account: p.account,
    consentedAt: p.now,
  });
}
