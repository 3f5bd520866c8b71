/**
 * The consent receipt (v2, `zkrep-consent/2`): what the holder agreed to when they said "yes" to a
 * proof request — the verifier, the request, the policy's purpose, legal basis, retention and
 * predicates, and when. No personal data: not even the account the result is for. The holder's
 * pseudonym towards a verifier is the proof's per-scope nullifier.
 *
 * The wallet writes it (`buildConsentReceipt`), keeps it, and sends it with its proof; the proof's
 * signal hash commits to `consentReceiptHash(receipt)`, and the verifier recomputes that hash from
 * the receipt it receives. So the hash must be the same on both sides for the same receipt:
 *
 *   consentReceiptHash = keccak256(UTF-8(JCS(parseConsentReceipt(receipt))))
 *
 * JCS is RFC 8785 (sorted keys, no whitespace, ECMAScript number and string forms), so key
 * order and formatting do not matter. The account is bound by the signal hash, beside the
 * receipt (`#zk` signals.ts): off-chain `requestSignalHashOf(consentReceiptHash,
 * requestDigest(challenge, account))`, so a regulator holding the receipt, the request digest and
 * the proof checks the binding without learning the account; for a policy mirrored into ZkGate
 * `gateSignalHash(account, requestContext(challenge, consentReceiptHash))` (docs/protocol.md §4).
 */
import { randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import {
  getAddress,
  isAddress,
  keccak256,
  recoverMessageAddress,
  stringToBytes,
  type Address,
  type Hex,
} from 'viem';
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

export const CONSENT_RECEIPT_VERSION = 'zkrep-consent/2';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** The consent receipt (strict: unknown fields, such as v1's `account`, are refused). */
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
    /** When the holder consented, unix seconds. */
    consentedAt: z.number().int().min(0),
    /**
     * An address whose key is the holder's alone, fresh for this receipt (the wallet derives it
     * from its seed and the receipt id): a withdrawal signed by it is the holder's. The proof binds
     * the receipt, so only the holder who proved can withdraw; it links to nothing else.
     */
    withdrawKey: z
      .string()
      .refine((a) => isAddress(a) && getAddress(a) === a, 'must be an EIP-55 checksummed address'),
  })
  .openapi('ConsentReceipt', {
    description:
      'What the holder consented to (zkrep-consent/2, no personal data); the proof commits to its keccak256 (JCS).',
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
 * (its `clientId`) at `now`. `bad_input` if any part is malformed.
 */
export function buildConsentReceipt(
  claims: ProofRequestClaims,
  p: { verifier: string; now: number; withdrawKey: Address; receiptId?: string },
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
    consentedAt: p.now,
    withdrawKey: isAddress(p.withdrawKey) ? getAddress(p.withdrawKey) : p.withdrawKey,
  });
}

// ---- withdrawal (docs/compliance.md §6) ----

export const WITHDRAWAL_VERSION = 'zkrep-withdraw/1';

/**
 * A holder's withdrawal of one consent, sent to the verifier that holds the receipt: signed
 * (EIP-191 personal message of `withdrawalMessage`) by the receipt's `withdrawKey`. No personal
 * data: the receipt hash, the verifier's DID and a time.
 */
export const Withdrawal = z
  .strictObject({
    version: z.literal(WITHDRAWAL_VERSION),
    /** The verifier's DID (the receipt's `verifier`). */
    verifier: z.string().refine(isDid, 'must be a DID'),
    /** `consentReceiptHash` of the withdrawn receipt. */
    receiptHash: z
      .string()
      .regex(/^0x[0-9a-f]{64}$/, 'must be a 0x-prefixed lowercase 32-byte hex'),
    /** When the holder withdrew, unix seconds. */
    at: z.number().int().min(0),
    /** The 65-byte signature (0x-hex) of `withdrawalMessage(...)` by the receipt's withdrawKey. */
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'must be a 65-byte 0x-hex signature'),
  })
  .openapi('Withdrawal', {
    description:
      "A holder's withdrawal of a consent (zkrep-withdraw/1), signed by the receipt's withdrawKey",
  });
export type Withdrawal = z.infer<typeof Withdrawal>;

/** The text a withdrawal's signature covers (one line per field; nothing else signs this). */
export function withdrawalMessage(w: Pick<Withdrawal, 'verifier' | 'receiptHash' | 'at'>): string {
  return [
    WITHDRAWAL_VERSION,
    `verifier: ${w.verifier}`,
    `receipt: ${w.receiptHash}`,
    `at: ${w.at}`,
  ].join('\n');
}

/** Parses a withdrawal; `bad_input` naming the failing paths. */
export function parseWithdrawal(x: unknown): Withdrawal {
  try {
    return parseInput(Withdrawal, x, 'withdrawal');
  } catch (e) {
    if (e instanceof ZkrepError) throw new PlatformError(e.code, e.message, { cause: e });
    throw e;
  }
}

/**
 * Whether `w` is signed by `receipt.withdrawKey` and names that receipt (by hash) and its
 * verifier. Never throws for a bad signature: false.
 */
export async function withdrawalSignedFor(
  w: Withdrawal,
  receipt: ConsentReceipt,
): Promise<boolean> {
  if (w.verifier !== receipt.verifier || w.receiptHash !== consentReceiptHash(receipt))
    return false;
  try {
    const signer = await recoverMessageAddress({
      message: withdrawalMessage(w),
      signature: w.signature as Hex,
    });
    return signer === getAddress(receipt.withdrawKey);
  } catch {
    return false;
  }
}
