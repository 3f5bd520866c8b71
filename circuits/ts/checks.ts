/**
 * The checks every verifier (the verifier API, and ZkGate on-chain in Solidity) must make
 * on a proof's public signals outside the circuit. The circuit proves relations; only these
 * checks tie them to this verifier, this policy, a trusted issuer and the present.
 */
import type { ErrorCode } from './errors.js';
import { decodeProofTime, utcDateOf } from './field.js';
import type { PublicSignals } from './signals.js';

export const SIGNAL_CHECK = {
  nullifierZero: 'nullifier_zero',
  scopeMismatch: 'scope_mismatch',
  queryMismatch: 'query_mismatch',
  issuerUntrusted: 'issuer_untrusted',
  rootUnknown: 'root_unknown',
  proofFromFuture: 'proof_from_future',
  proofDateMismatch: 'proof_date_mismatch',
  proofTooOld: 'proof_too_old',
  signalMismatch: 'signal_mismatch',
} as const satisfies Record<string, ErrorCode>;
export type SignalCheckCode = (typeof SIGNAL_CHECK)[keyof typeof SIGNAL_CHECK];

export type SignalCheckResult =
  { ok: true } | { ok: false; code: SignalCheckCode; message: string };

export interface SignalExpectations {
  /** The verifier's own scope for this policy (recomputed, never taken from the prover). */
  scope: bigint;
  /** The policy's stored query hash. */
  queryHash: bigint;
  /** The signal hash this verifier computed for the request (challenge, consent, account). */
  signalHash: bigint;
  /** Issuer key hashes trusted for this policy; an empty set trusts no one. */
  trustedIssuers: ReadonlySet<bigint>;
  /** Whether `root` is acceptable for `issuerKeyHash` now (current, or recent per policy). */
  rootAccepted: (issuerKeyHash: bigint, root: bigint) => boolean;
  /** The verifier's clock, unix seconds (its UTC date bounds the proof's date). */
  now: bigint;
  /** Oldest acceptable proof time: now − maxProofAge. */
  maxProofAge: bigint;
  /** Allowed clock skew into the future (default 300 s). */
  maxFutureSkew?: bigint;
}

const fail = (code: SignalCheckCode, message: string): SignalCheckResult => ({
  ok: false,
  code,
  message,
});

/** Runs every check in a fixed order; the first failure is returned. */
export function checkPublicSignals(s: PublicSignals, e: SignalExpectations): SignalCheckResult {
  if (s.nullifier === 0n) return fail(SIGNAL_CHECK.nullifierZero, 'nullifier must not be 0');
  if (s.scope !== e.scope)
    return fail(SIGNAL_CHECK.scopeMismatch, 'proof was made for another scope');
  if (s.queryHash !== e.queryHash)
    return fail(SIGNAL_CHECK.queryMismatch, 'proof answers another query');
  if (s.signalHash !== e.signalHash)
    return fail(SIGNAL_CHECK.signalMismatch, 'proof is bound to another request or account');
  if (!e.trustedIssuers.has(s.issuerKeyHash))
    return fail(SIGNAL_CHECK.issuerUntrusted, 'issuer is not trusted for this policy');
  if (!e.rootAccepted(s.issuerKeyHash, s.revocationRoot)) {
    return fail(SIGNAL_CHECK.rootUnknown, 'revocation root is not a current root of the issuer');
  }
  // The time signal packs the UTC date above the unix seconds (docs/protocol.md §4).
  let unix: bigint;
  let date: number;
  try {
    ({ unix, date } = decodeProofTime(s.time));
  } catch {
    return fail(SIGNAL_CHECK.proofDateMismatch, 'proof time is not a packed date and time');
  }
  if (date !== utcDateOf(unix))
    return fail(SIGNAL_CHECK.proofDateMismatch, 'proof date is not the UTC date of its time');
  // A proof may never carry a later UTC date than the verifier's: "age ≥ N" must not pass
  // even minutes before the birthday, whatever the clock-skew allowance.
  if (unix > e.now + (e.maxFutureSkew ?? 300n) || date > utcDateOf(e.now))
    return fail(SIGNAL_CHECK.proofFromFuture, 'proof time is in the future');
  if (unix + e.maxProofAge < e.now) return fail(SIGNAL_CHECK.proofTooOld, 'proof is too old');
  return { ok: true };
}
