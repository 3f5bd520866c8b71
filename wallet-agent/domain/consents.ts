/**
 * The holder's consents and presentation history. A consent receipt is kept from the moment the
 * holder says yes. Withdrawing it (`withdrawConsent`) marks it withdrawn here, with the time, in
 * one transaction before anything else, and then tells the verifier (docs/wallet.md §3):
 *
 * 1. a `zkrep-withdraw/1` withdrawal (`#platform` consent.ts): the verifier's DID, the receipt's
 *    hash and the time, signed (EIP-191) by the receipt's withdraw key, which this wallet derives
 *    from its seed and the receipt id (domain/recovery.ts): a wallet restored from its backup or
 *    recovered from its phrase can still sign it. Local signing; no chain is touched;
 * 2. `POST <verifier>/v1/withdrawals`, the verifier's base URL being the request object's
 *    `response_uri` (signed by the verifier) without its `/v1/requests/<id>/response`;
 * 3. its answer: `200` carries a deletion record (a `zkrep-erasure+jwt` signed by the verifier's
 *    DID), accepted only when its signature checks against the DID document on the chain and it
 *    names this receipt's hash: then the consent is `erased`, with the record kept. `404
 *    not_found` means the verifier holds no record of this receipt (already erased): `no_record`.
 *    Anything else (unreachable, a refusal such as `bad_signature` or `bad_input`, rate limits,
 *    a record that does not check) leaves it `pending`, with the last failure kept; withdrawing
 *    again retries. A verifier that was told is not asked again.
 *
 * The history is the presentation log (attribute names and predicates, outcomes, reasons; never
 * values). Only the holder deletes it, all at once (`history --clear`).
 */
import {
  WITHDRAWAL_VERSION,
  consentReceiptHash,
  parseConsentReceipt,
  verifyDidJwtSignature,
  withTransaction,
  withdrawalMessage,
  z,
  type ConsentReceipt,
  type Withdrawal,
} from '#platform';
import { ZkrepError, isErrorCode } from '#zk';
import { decodeJWT } from 'did-jwt';
import type { Resolvable } from 'did-resolver';
import { getAddress } from 'viem';
import { WalletError } from '../errors.js';
import {
  ConsentEntity,
  PresentationEntity,
  type ConsentRow,
  type ConsentStatus,
  type PresentationRow,
} from '../store/schema.js';
import { storageError, type Wallet } from '../wallet.js';
import { fetchText, serviceError } from './http.js';

/** What the verifier knows of a withdrawal. */
export interface VerifierNotice {
  /**
   * `pending`: not told yet (`error` says why, once tried); `erased`: it recorded the withdrawal
   * and signed a deletion record (checked); `no_record`: it holds no record of this receipt (it
   * was already erased).
   */
  state: 'pending' | 'erased' | 'no_record';
  /** When the verifier recorded the withdrawal (its clock), for `erased`. */
  withdrawnAt: number | null;
  /** Its deletion record (a `zkrep-erasure+jwt` signed by its DID), for `erased`. */
  record: string | null;
  /** The last failed attempt to tell it, while `pending`. */
  error: { code: string; message: string; at: number } | null;
}

export interface ConsentView {
  receiptId: string;
  status: ConsentStatus;
  givenAt: number;
  withdrawnAt: number | null;
  receiptHash: string;
  /** The account the proof was for (kept by the wallet: the receipt does not name it). */
  account: string;
  receipt: ConsentReceipt;
  /** Where telling the verifier of the withdrawal stands; null while the consent is given. */
  verifierNotice: VerifierNotice | null;
}

function viewOf(r: ConsentRow): ConsentView {
  let receipt: ConsentReceipt;
  try {
    receipt = parseConsentReceipt(JSON.parse(r.receipt));
  } catch {
    throw new WalletError('storage_corrupt', `consent receipt ${r.receiptId} is damaged`);
  }
  return {
    receiptId: r.receiptId,
    status: r.status,
    givenAt: r.createdAt,
    withdrawnAt: r.withdrawnAt,
    receiptHash: r.receiptHash,
    account: r.account,
    receipt,
    verifierNotice:
      r.status === 'given'
        ? null
        : {
            state: r.verifierStatus ?? 'pending',
            withdrawnAt: r.verifierWithdrawnAt ?? null,
            record: r.erasureRecord ?? null,
            error:
              r.verifierStatus == null && r.noticeErrorCode != null
                ? {
                    code: r.noticeErrorCode,
                    message: r.noticeError ?? '',
                    at: r.noticeFailedAt ?? 0,
                  }
                : null,
          },
  };
}

/** The status in words: `given`, `withdrawn (verifier not told yet)`, … */
export function consentStatusText(c: ConsentView): string {
  switch (c.verifierNotice?.state) {
    case undefined:
      return 'given';
    case 'erased':
      return 'withdrawn; the verifier erased its record';
    case 'no_record':
      return 'withdrawn; the verifier held no record of it (already erased)';
    default:
      return 'withdrawn (verifier not told yet)';
  }
}

/** Every consent receipt, newest first. */
export async function listConsents(wallet: Wallet): Promise<ConsentView[]> {
  const rows = await wallet.dataSource
    .getRepository(ConsentEntity)
    .find({ order: { createdAt: 'DESC', receiptId: 'ASC' } });
  return rows.map(viewOf);
}

/**
 * Where a verifier takes withdrawals: its base URL — the request's `response_uri` without its
 * `/v1/requests/<id>/response`, or the origin when it has another form — and `/v1/withdrawals`.
 * Null when there is no http(s) URL to go by.
 */
export function withdrawalsUrl(responseUri: string | null): string | null {
  if (!responseUri) return null;
  let u: URL;
  try {
    u = new URL(responseUri);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  const base = u.pathname.replace(/\/v1\/requests\/[^/]+\/response\/?$/, '');
  const prefix = base === u.pathname ? '' : base.replace(/\/+$/, '');
  return `${u.origin}${prefix}/v1/withdrawals`;
}

export interface WithdrawOptions {
  /** Resolves the verifier's DID to check its deletion record (default: the wallet's chain). */
  resolver?: Resolvable;
}

/**
 * Withdraws consent `receiptId` (a unique prefix of ≥ 4 characters is enough): marks it
 * withdrawn here (kept even when the verifier cannot be told), then tells its verifier unless it
 * was told already. The view says where telling it stands (`verifierNotice`); only a failure to
 * save throws once the consent is found.
 */
export async function withdrawConsent(
  wallet: Wallet,
  receiptId: string,
  options: WithdrawOptions = {},
): Promise<ConsentView> {
  const rows = await wallet.dataSource.getRepository(ConsentEntity).find();
  const matches = rows.filter(
    (c) =>
      c.receiptId === receiptId || (receiptId.length >= 4 && c.receiptId.startsWith(receiptId)),
  );
  if (matches.length === 0) throw new WalletError('not_found', `no consent receipt ${receiptId}`);
  if (matches.length > 1)
    throw new WalletError('bad_input', `${receiptId} matches several receipts`);
  let row = matches[0]!;
  const view = viewOf(row); // refuses a damaged receipt before anything is written
  if (row.status === 'given') {
    const at = wallet.now();
    try {
      await withTransaction(wallet.dataSource, (m) =>
        m.update(
          ConsentEntity,
          { receiptId: row.receiptId, status: 'given' },
          { status: 'withdrawn', withdrawnAt: at },
        ),
      );
    } catch (e) {
      throw storageError(e, 'the withdrawal was not saved');
    }
    row = (await reread(wallet, row.receiptId)) ?? { ...row, status: 'withdrawn', withdrawnAt: at };
  }
  if (row.verifierStatus != null) return viewOf(row); // told already

  let outcome: Partial<ConsentRow>;
  try {
    const told = await tellVerifier(wallet, row, view.receipt, options);
    outcome = {
      ...told,
      noticeFailedAt: null,
      noticeErrorCode: null,
      noticeError: null,
    };
  } catch (e) {
    if (!(e instanceof ZkrepError)) throw e;
    outcome = {
      noticeFailedAt: wallet.now(),
      noticeErrorCode: e.code,
      noticeError: e.message.split('\n')[0]!.slice(0, 500),
    };
  }
  try {
    await withTransaction(wallet.dataSource, (m) =>
      m.update(ConsentEntity, { receiptId: row.receiptId }, outcome),
    );
  } catch (e) {
    throw storageError(e, "the verifier's answer was not saved (withdraw again to ask it again)");
  }
  return viewOf({ ...row, ...outcome });
}

async function reread(wallet: Wallet, receiptId: string): Promise<ConsentRow | null> {
  return wallet.dataSource.getRepository(ConsentEntity).findOneBy({ receiptId });
}

/** The verifier's answer to a withdrawal (200). */
const WithdrawnAnswer = z.object({
  status: z.literal('withdrawn'),
  withdrawnAt: z.number().int().min(0),
  record: z.string().min(1).max(100_000),
});

/** The claims of a deletion record this wallet accepts for a withdrawal. */
const ErasureRecordClaims = z.object({
  iss: z.string(),
  erasure: z.object({
    cause: z.literal('withdrawal'),
    receiptHash: z.string(),
    erased: z.array(z.object({ seq: z.number().int().min(0), bodyHash: z.string() })),
    at: z.number().int().min(0),
  }),
});

/**
 * Signs the withdrawal of `receipt`, sends it to the verifier, checks its answer: what to store
 * on success; a `ZkrepError` when the verifier was not told (or its record does not check).
 */
async function tellVerifier(
  wallet: Wallet,
  row: ConsentRow,
  receipt: ConsentReceipt,
  options: WithdrawOptions,
): Promise<Pick<ConsentRow, 'verifierStatus' | 'verifierWithdrawnAt' | 'erasureRecord'>> {
  const url = withdrawalsUrl(row.responseUri);
  if (!url) {
    throw new WalletError(
      'service_unreachable',
      'this wallet did not keep where the verifier answers (a consent kept before withdrawals were sent to verifiers)',
    );
  }
  const account = await wallet.withdrawAccount(receipt.receiptId);
  if (account.address !== getAddress(receipt.withdrawKey)) {
    throw new WalletError(
      'storage_corrupt',
      `the withdraw key of receipt ${receipt.receiptId} is not this wallet's`,
    );
  }
  const unsigned = {
    verifier: receipt.verifier,
    receiptHash: consentReceiptHash(receipt),
    at: wallet.now(),
  };
  const withdrawal: Withdrawal = {
    version: WITHDRAWAL_VERSION,
    ...unsigned,
    signature: await account.signMessage({ message: withdrawalMessage(unsigned) }),
  };
  const { status, text } = await fetchText(
    url,
    { method: 'POST', body: withdrawal },
    'the verifier',
  );
  if (status === 404) {
    const error = serviceError('the verifier', status, text);
    // The platform's fallback for a route it does not have is a 404 too: a verifier that does
    // not take withdrawals has not said it holds no record.
    if (error.code === 'not_found' && !/^the verifier: no route for /.test(error.message)) {
      return { verifierStatus: 'no_record', verifierWithdrawnAt: null, erasureRecord: null };
    }
    throw error.code === 'not_found'
      ? new WalletError('service_unreachable', 'the verifier does not take withdrawals (yet)')
      : error;
  }
  if (status !== 200) throw serviceError('the verifier', status, text);
  let answer: z.infer<typeof WithdrawnAnswer>;
  try {
    answer = WithdrawnAnswer.parse(JSON.parse(text));
  } catch {
    throw new WalletError(
      'service_unreachable',
      'the verifier answered the withdrawal with something that is not a withdrawal record',
    );
  }
  await checkErasureRecord(answer.record, {
    resolver: options.resolver ?? wallet.resolver,
    now: wallet.now(),
    verifier: receipt.verifier,
    receiptHash: withdrawal.receiptHash,
  });
  return {
    verifierStatus: 'erased',
    verifierWithdrawnAt: answer.withdrawnAt,
    erasureRecord: answer.record,
  };
}

/**
 * Checks a deletion record: a `zkrep-erasure+jwt` (ES256K) issued by `verifier` and signed by a
 * key of its DID document, for the withdrawal of the receipt with hash `receiptHash`. Throws
 * `bad_signature` (not signed by that DID, or the record of something else), `chain_unreachable`
 * (the DID could not be resolved), `bad_input` (not such a record).
 */
export async function checkErasureRecord(
  jwt: string,
  p: { resolver: Resolvable; now: number; verifier: string; receiptHash: string },
): Promise<void> {
  const what = "the verifier's deletion record";
  let decoded: { header: { typ?: unknown; alg?: unknown }; payload: unknown };
  try {
    decoded = decodeJWT(jwt, false) as typeof decoded;
  } catch {
    throw new WalletError('bad_input', `${what} is not a JWT`);
  }
  if (decoded.header.typ !== 'zkrep-erasure+jwt' || decoded.header.alg !== 'ES256K') {
    throw new WalletError('bad_input', `${what} is not a zkrep-erasure+jwt (ES256K)`);
  }
  const claims = ErasureRecordClaims.safeParse(decoded.payload);
  if (!claims.success) throw new WalletError('bad_input', `${what} is malformed`);
  if (claims.data.iss !== p.verifier) {
    throw new WalletError('bad_signature', `${what} is issued by another DID than the verifier's`);
  }
  if (claims.data.erasure.receiptHash.toLowerCase() !== p.receiptHash.toLowerCase()) {
    throw new WalletError('bad_signature', `${what} is for another consent receipt`);
  }
  try {
    await verifyDidJwtSignature(jwt, {
      resolver: p.resolver,
      now: p.now,
      what,
      signer: "the verifier's DID",
    });
  } catch (e) {
    if (e instanceof ZkrepError) {
      throw new WalletError(isErrorCode(e.code) ? e.code : 'bad_signature', e.message, {
        cause: e,
      });
    }
    throw e;
  }
}

/** A presentation log entry with its predicates parsed. */
export type PresentationView = Omit<PresentationRow, 'predicates'> & {
  predicates: { attribute: string; op: string; value: unknown }[];
};

/** The presentation log, newest first. */
export async function listPresentations(wallet: Wallet): Promise<PresentationView[]> {
  const rows = await wallet.dataSource
    .getRepository(PresentationEntity)
    .find({ order: { at: 'DESC', id: 'ASC' } });
  return rows.map((r) => ({
    ...r,
    predicates: (() => {
      try {
        return JSON.parse(r.predicates) as PresentationView['predicates'];
      } catch {
        return [];
      }
    })(),
  }));
}

/** Deletes the whole presentation log (the holder's choice only); how many entries went. */
export async function clearPresentations(wallet: Wallet): Promise<number> {
  try {
    return await withTransaction(wallet.dataSource, async (m) => {
      const n = await m.count(PresentationEntity);
      await m.clear(PresentationEntity);
      return n;
    });
  } catch (e) {
    throw storageError(e, 'the history was not cleared');
  }
}
