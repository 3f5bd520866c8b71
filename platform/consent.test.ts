/**
 * The consent receipt (v2): its hash is keccak256 of the UTF-8 of its RFC 8785 form (checked
 * against a canonical string written out here), does not depend on key order, changes with every
 * field, and feeds the request signal hash, which a regulator recomputes from the receipt and the
 * request digest alone; it holds no account (a v1 receipt, with its account or its version, is
 * refused); unknown fields, non-integer times and other malformed receipts are bad_input naming
 * paths, never values; `buildConsentReceipt` copies exactly what the request shows.
 */
import { requestDigest, requestSignalHash, requestSignalHashOf } from '#zk';
import { keccak256, stringToBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { PlatformError } from './errors.js';
import {
  CONSENT_RECEIPT_VERSION,
  buildConsentReceipt,
  canonicalConsentReceipt,
  consentReceiptHash,
  parseConsentReceipt,
  parseWithdrawal,
  withdrawalMessage,
  withdrawalSignedFor,
  type ConsentReceipt,
  type Withdrawal,
} from './consent.js';
import type { ProofRequestClaims } from './request-object.js';

const VERIFIER =
  'did:ethr:0x7a69:0x02b97c30de767f084ce3080168ee293053ba33b235d7116a3263d29f1450936b71';
/** anvil's first dev account, EIP-55 spelling. */
const ACCOUNT = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const ACCOUNT_LOWER = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';

/** A withdraw key (a fixed test key) and its address. */
const WITHDRAW_KEY = `0x${'42'.repeat(32)}` as const;
const WITHDRAW_ADDRESS = privateKeyToAccount(WITHDRAW_KEY).address;

const RECEIPT = {
  version: 'zkrep-consent/2',
  receiptId: '5b0c2f4e-6f1a-4c3b-9d2e-8a7b6c5d4e3f',
  requestId: '3f2c7f0e-8a44-4d7e-9a41-3e1c1e0c9b1d',
  verifier: VERIFIER,
  policyId: 'adult-buyers',
  purpose: 'Prüfung des Alters "18+" vor dem Kauf',
  legalBasis: 'legal_obligation',
  retentionDays: 30,
  predicates: [
    { attribute: 'birthDate', op: 'ageAtLeast', value: 18 },
    { attribute: 'country', op: 'neq', value: 'XX' },
  ],
  consentedAt: 1_790_000_000,
  withdrawKey: WITHDRAW_ADDRESS,
} as const;

/** RFC 8785 of RECEIPT, by hand: keys sorted, no whitespace, "ü" raw. */
const CANONICAL =
  '{"consentedAt":1790000000,' +
  '"legalBasis":"legal_obligation","policyId":"adult-buyers","predicates":[' +
  '{"attribute":"birthDate","op":"ageAtLeast","value":18},' +
  '{"attribute":"country","op":"neq","value":"XX"}],' +
  '"purpose":"Prüfung des Alters \\"18+\\" vor dem Kauf",' +
  '"receiptId":"5b0c2f4e-6f1a-4c3b-9d2e-8a7b6c5d4e3f",' +
  '"requestId":"3f2c7f0e-8a44-4d7e-9a41-3e1c1e0c9b1d","retentionDays":30,' +
  `"verifier":"${VERIFIER}","version":"zkrep-consent/2",` +
  `"withdrawKey":"${WITHDRAW_ADDRESS}"}`;

const receipt = (over: Record<string, unknown> = {}): ConsentReceipt =>
  ({ ...structuredClone(RECEIPT), ...over }) as unknown as ConsentReceipt;

/** The same object with the keys of every object (deeply) in reverse order. */
function reversedKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(reversedKeys);
  if (x && typeof x === 'object') {
    return Object.fromEntries(
      Object.entries(x)
        .reverse()
        .map(([k, v]) => [k, reversedKeys(v)]),
    );
  }
  return x;
}

function expectBadInput(f: () => unknown): PlatformError {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PlatformError);
  expect((error as PlatformError).code).toBe('bad_input');
  return error as PlatformError;
}

describe('consentReceiptHash', () => {
  it('is keccak256 of the UTF-8 bytes of the RFC 8785 form', () => {
    expect(canonicalConsentReceipt(receipt())).toBe(CANONICAL);
    // "ü" is two UTF-8 bytes: the hash is over bytes, not UTF-16 code units.
    const bytes = Buffer.from(CANONICAL, 'utf8');
    expect(bytes.length).toBe(CANONICAL.length + 1);
    expect(consentReceiptHash(receipt())).toBe(keccak256(new Uint8Array(bytes)));
    expect(consentReceiptHash(receipt())).toBe(keccak256(stringToBytes(CANONICAL)));
    expect(consentReceiptHash(receipt())).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('does not depend on key order or formatting', () => {
    const h = consentReceiptHash(receipt());
    const reordered = reversedKeys(receipt()) as ConsentReceipt;
    expect(Object.keys(reordered)[0]).toBe('withdrawKey');
    expect(consentReceiptHash(reordered)).toBe(h);
    expect(consentReceiptHash(JSON.parse(JSON.stringify(receipt(), null, 2)))).toBe(h);
  });

  it.each<[string, Record<string, unknown>]>([
    ['receiptId', { receiptId: '5b0c2f4e-6f1a-4c3b-9d2e-8a7b6c5d4e40' }],
    ['requestId', { requestId: '3f2c7f0e-8a44-4d7e-9a41-3e1c1e0c9b1e' }],
    ['verifier', { verifier: 'did:ethr:0x7a69:0x70997970C51812dc3A010C7d01b50e0d17dc79C8' }],
    ['policyId', { policyId: 'adult-buyers-2' }],
    ['purpose', { purpose: 'Prüfung des Alters "18+" vor dem Kauf.' }],
    ['legalBasis', { legalBasis: 'consent' }],
    ['retentionDays', { retentionDays: 31 }],
    [
      'predicates (a value)',
      {
        predicates: [
          { attribute: 'birthDate', op: 'ageAtLeast', value: 21 },
          { attribute: 'country', op: 'neq', value: 'XX' },
        ],
      },
    ],
    [
      'predicates (the order)',
      {
        predicates: [
          { attribute: 'country', op: 'neq', value: 'XX' },
          { attribute: 'birthDate', op: 'ageAtLeast', value: 18 },
        ],
      },
    ],
    [
      'predicates (a number as a string)',
      {
        predicates: [
          { attribute: 'birthDate', op: 'ageAtLeast', value: '18' },
          { attribute: 'country', op: 'neq', value: 'XX' },
        ],
      },
    ],
    ['consentedAt', { consentedAt: 1_790_000_001 }],
    ['withdrawKey', { withdrawKey: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' }],
  ])('changes with %s', (_field, over) => {
    expect(consentReceiptHash(receipt(over))).not.toBe(consentReceiptHash(receipt()));
  });

  it('binds the request signal hash: another receipt, another signal', () => {
    const challenge = `0x${'ab'.repeat(32)}` as const;
    const a = requestSignalHash(challenge, consentReceiptHash(receipt()), ACCOUNT);
    const b = requestSignalHash(
      challenge,
      consentReceiptHash(receipt({ retentionDays: 365 })),
      ACCOUNT,
    );
    expect(a).not.toBe(b);
    expect(
      requestSignalHash(
        challenge,
        consentReceiptHash(reversedKeys(receipt()) as never),
        ACCOUNT_LOWER,
      ),
    ).toBe(a);
  });

  it('lets a regulator recompute the signal hash from the receipt and the request digest', () => {
    const challenge = `0x${'ab'.repeat(32)}` as const;
    const signal = requestSignalHash(challenge, consentReceiptHash(receipt()), ACCOUNT);
    // What a report carries: the receipt as the verifier stored it, and the request digest.
    const stored = JSON.parse(canonicalConsentReceipt(receipt())) as unknown;
    const digest = requestDigest(challenge, ACCOUNT);
    expect(requestSignalHashOf(consentReceiptHash(parseConsentReceipt(stored)), digest)).toBe(
      signal,
    );
    // Another receipt (here: another retention) with the same digest does not match.
    expect(
      requestSignalHashOf(consentReceiptHash(receipt({ retentionDays: 365 })), digest),
    ).not.toBe(signal);
  });
});

describe('parseConsentReceipt', () => {
  it('returns the receipt, which has exactly the v2 fields and no account', () => {
    const parsed = parseConsentReceipt(receipt());
    expect(parsed).toEqual(RECEIPT);
    expect(Object.keys(parsed).sort()).toEqual([
      'consentedAt',
      'legalBasis',
      'policyId',
      'predicates',
      'purpose',
      'receiptId',
      'requestId',
      'retentionDays',
      'verifier',
      'version',
      'withdrawKey',
    ]);
    expect(CONSENT_RECEIPT_VERSION).toBe('zkrep-consent/2');
  });

  it.each<[string, unknown, string]>([
    ['an unknown field', { ...RECEIPT, email: 'alice@example.com' }, 'consent receipt'],
    [
      'an unknown predicate field',
      { ...RECEIPT, predicates: [{ ...RECEIPT.predicates[0], note: 'x' }] },
      'predicates.0',
    ],
    ['a v2 receipt with an account', { ...RECEIPT, account: ACCOUNT }, 'consent receipt'],
    ['a v1 version', { ...RECEIPT, version: 'zkrep-consent/1' }, 'version'],
    [
      'a whole v1 receipt',
      { ...RECEIPT, version: 'zkrep-consent/1', account: ACCOUNT_LOWER },
      'version',
    ],
    ['a fractional time', { ...RECEIPT, consentedAt: 1_790_000_000.5 }, 'consentedAt'],
    ['a time as a string', { ...RECEIPT, consentedAt: '1790000000' }, 'consentedAt'],
    ['a negative time', { ...RECEIPT, consentedAt: -1 }, 'consentedAt'],
    ['a later version', { ...RECEIPT, version: 'zkrep-consent/3' }, 'version'],
    ['a receipt id that is no uuid', { ...RECEIPT, receiptId: 'receipt-1' }, 'receiptId'],
    ['a verifier that is no DID', { ...RECEIPT, verifier: 'https://verifier.example' }, 'verifier'],
    ['an unknown legal basis', { ...RECEIPT, legalBasis: 'because' }, 'legalBasis'],
    ['no predicates', { ...RECEIPT, predicates: [] }, 'predicates'],
    ['a missing field', { ...RECEIPT, purpose: undefined }, 'purpose'],
    ['no withdraw key', { ...RECEIPT, withdrawKey: undefined }, 'withdrawKey'],
    [
      'a withdraw key not in EIP-55 spelling',
      { ...RECEIPT, withdrawKey: WITHDRAW_ADDRESS.toLowerCase() },
      'withdrawKey',
    ],
  ])('refuses %s (bad_input naming the path, not the value)', (_what, input, path) => {
    const e = expectBadInput(() => parseConsentReceipt(input));
    expect(e.message).toContain(path);
    expect(e.message).not.toMatch(/alice|0x[0-9a-fA-F]{8}|1790000000|because/);
    // A refused receipt has no hash either.
    expectBadInput(() => consentReceiptHash(input as ConsentReceipt));
  });

  it.each([null, 'receipt', 42, [], undefined])('refuses %p', (input) => {
    expectBadInput(() => parseConsentReceipt(input));
  });
});

describe('buildConsentReceipt', () => {
  const claims: ProofRequestClaims = {
    version: 1,
    requestId: RECEIPT.requestId,
    challenge: `0x${'11'.repeat(32)}`,
    policy: {
      id: 'adult-buyers',
      schema: 'AgeCredential',
      predicates: structuredClone(
        RECEIPT.predicates,
      ) as unknown as ProofRequestClaims['policy']['predicates'],
      purpose: RECEIPT.purpose,
      retentionDays: 30,
      legalBasis: 'legal_obligation',
      trustedIssuers: ['123456789'],
      queryHash: '42',
      passLifetimeSeconds: 86_400,
      maxProofAgeSeconds: 600,
    },
    scope: '7',
    binding: { kind: 'verifier', verifierId: VERIFIER },
  };

  it('copies what the request shows, and nothing else', () => {
    const built = buildConsentReceipt(claims, {
      verifier: VERIFIER,
      now: RECEIPT.consentedAt,
      receiptId: RECEIPT.receiptId,
      withdrawKey: WITHDRAW_ADDRESS,
    });
    expect(built).toEqual(RECEIPT);
    expect(consentReceiptHash(built)).toBe(keccak256(stringToBytes(CANONICAL)));
    // The verifier receives it as JSON and gets the same hash.
    expect(consentReceiptHash(JSON.parse(JSON.stringify(built)))).toBe(consentReceiptHash(built));
  });

  it('draws a fresh receipt id when none is given', () => {
    const p = { verifier: VERIFIER, now: 1_790_000_000, withdrawKey: WITHDRAW_ADDRESS };
    const a = buildConsentReceipt(claims, p);
    const b = buildConsentReceipt(claims, p);
    expect(a.receiptId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(b.receiptId).not.toBe(a.receiptId);
    expect(a.version).toBe(CONSENT_RECEIPT_VERSION);
    expect(consentReceiptHash(a)).not.toBe(consentReceiptHash(b));
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a non-integer time', { now: 1.5 }, 'consentedAt'],
    ['a verifier that is no DID', { verifier: 'verifier' }, 'verifier'],
    ['a withdraw key that is no address', { withdrawKey: '0x1234' }, 'withdrawKey'],
  ])('refuses %s', (_what, over, path) => {
    const e = expectBadInput(() =>
      buildConsentReceipt(claims, {
        verifier: VERIFIER,
        now: 1_790_000_000,
        withdrawKey: WITHDRAW_ADDRESS,
        ...over,
      } as never),
    );
    expect(e.message).toContain(path);
  });

  it('refuses malformed claims', () => {
    expectBadInput(() =>
      buildConsentReceipt({ ...claims, extra: 1 } as never, {
        verifier: VERIFIER,
        now: 1,
        withdrawKey: WITHDRAW_ADDRESS,
      }),
    );
  });
});

describe('withdrawals', () => {
  const at = 1_790_000_500;
  const signed = async (
    over: Partial<Withdrawal> = {},
    key: `0x${string}` = WITHDRAW_KEY,
  ): Promise<Withdrawal> => {
    const base = {
      version: 'zkrep-withdraw/1' as const,
      verifier: VERIFIER,
      receiptHash: consentReceiptHash(receipt()),
      at,
      ...over,
    };
    const signature = await privateKeyToAccount(key).signMessage({
      message: withdrawalMessage(base),
    });
    return parseWithdrawal({
      ...base,
      signature,
      ...(over.signature ? { signature: over.signature } : {}),
    });
  };

  it('signs one line per field, nothing else', () => {
    expect(withdrawalMessage({ verifier: VERIFIER, receiptHash: '0xab', at: 5 })).toBe(
      `zkrep-withdraw/1\nverifier: ${VERIFIER}\nreceipt: 0xab\nat: 5`,
    );
  });

  it("accepts a withdrawal signed by the receipt's withdraw key", async () => {
    expect(await withdrawalSignedFor(await signed(), receipt())).toBe(true);
  });

  it('refuses one signed by another key', async () => {
    expect(await withdrawalSignedFor(await signed({}, `0x${'43'.repeat(32)}`), receipt())).toBe(
      false,
    );
  });

  it('refuses one for another receipt (its hash), even signed by the right key', async () => {
    const other = receipt({ retentionDays: 31 });
    expect(await withdrawalSignedFor(await signed(), other)).toBe(false);
  });

  it('refuses one naming another verifier, even signed by the right key', async () => {
    const w = await signed({
      verifier: 'did:ethr:0x7a69:0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    });
    expect(await withdrawalSignedFor(w, receipt())).toBe(false);
  });

  it('refuses one whose time was changed after signing', async () => {
    const w = await signed();
    expect(await withdrawalSignedFor({ ...w, at: at + 1 }, receipt())).toBe(false);
  });

  it('answers false (never throws) for a signature that recovers to nothing', async () => {
    const w = await signed();
    const broken = { ...w, signature: `0x${'00'.repeat(64)}1b` };
    expect(await withdrawalSignedFor(broken, receipt())).toBe(false);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['another version', { version: 'zkrep-withdraw/2' }, 'version'],
    ['an uppercase receipt hash', { receiptHash: `0x${'AB'.repeat(32)}` }, 'receiptHash'],
    ['a short signature', { signature: '0x1234' }, 'signature'],
    ['a fractional time', { at: 1.5 }, 'at'],
    ['a verifier that is no DID', { verifier: 'https://v.example' }, 'verifier'],
    ['an unknown field', { account: ACCOUNT }, 'withdrawal'],
  ])('refuses %s (bad_input naming the path)', async (_what, over, path) => {
    const w = { ...(await signed()), ...over };
    const e = expectBadInput(() => parseWithdrawal(w));
    expect(e.message).toContain(path);
  });
});
