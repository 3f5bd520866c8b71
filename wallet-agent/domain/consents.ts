/**
 * The holder's consents and presentation history. A consent receipt is kept from the moment the
 * holder says yes; withdrawing it marks it withdrawn here (with the time). Telling the verifier,
 * which must then stop using its record and erase it, is the compliance part of the protocol
 * (docs/wallet.md §5).
 *
 * The history is the presentation log (attribute names and predicates, outcomes, reasons; never
 * values). Only the holder deletes it, all at once (`history --clear`).
 */
import { parseConsentReceipt, withTransaction, type ConsentReceipt } from '#platform';
import { WalletError } from '../errors.js';
import {
  ConsentEntity,
  PresentationEntity,
  type ConsentStatus,
  type PresentationRow,
} from '../store/schema.js';
import { storageError, type Wallet } from '../wallet.js';

export interface ConsentView {
  receiptId: string;
  status: ConsentStatus;
  givenAt: number;
  withdrawnAt: number | null;
  receiptHash: string;
  /** The account the proof was for (kept by the wallet: the receipt does not name it). */
  account: string;
  receipt: ConsentReceipt;
}

/** Every consent receipt, newest first. */
export async function listConsents(wallet: Wallet): Promise<ConsentView[]> {
  const rows = await wallet.dataSource
    .getRepository(ConsentEntity)
    .find({ order: { createdAt: 'DESC', receiptId: 'ASC' } });
  return rows.map((r) => {
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
    };
  });
}

/** Withdraws consent `receiptId` (a unique prefix of ≥ 4 characters is enough). */
export async function withdrawConsent(wallet: Wallet, receiptId: string): Promise<ConsentView> {
  const all = await listConsents(wallet);
  const matches = all.filter(
    (c) =>
      c.receiptId === receiptId || (receiptId.length >= 4 && c.receiptId.startsWith(receiptId)),
  );
  if (matches.length === 0) throw new WalletError('not_found', `no consent receipt ${receiptId}`);
  if (matches.length > 1)
    throw new WalletError('bad_input', `${receiptId} matches several receipts`);
  const c = matches[0]!;
  if (c.status === 'withdrawn') return c;
  const at = wallet.now();
  try {
    await withTransaction(wallet.dataSource, (m) =>
      m.update(
        ConsentEntity,
        { receiptId: c.receiptId, status: 'given' },
        { status: 'withdrawn', withdrawnAt: at },
      ),
    );
  } catch (e) {
    throw storageError(e, 'the withdrawal was not saved');
  }
  return { ...c, status: 'withdrawn', withdrawnAt: at };
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
