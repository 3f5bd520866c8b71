/**
 * Answering a proof request, in stages, each logged locally if it fails (SECURITY-CASES W10):
 *
 * 1. `request`: read the link (an `openid4vp://` link or the request object's http(s) URL), fetch
 *    the request object, verify its signature against the verifier's DID document on the chain
 *    (`verifyRequestObject`), and insist that the link's `client_id` is its signer; recompile its
 *    readable predicates (`compilePolicy`, the verifier's own compiler) and insist on the same
 *    query hash and the scope its binding gives: what the holder is shown is what is proved.
 *    Then the request against its verifier's registration (domain/registration.ts): a request
 *    bound to ZkGate is compared with the policy registered there, read on the wallet's chain
 *    (another chain or gate, an unknown or disabled policy: `request_untrusted`; the chain
 *    unreadable: `chain_unreachable`; other predicates, schema or issuers: `beyond_registration`
 *    warnings); an off-chain one gets an `unregistered` caution.
 * 2. `review`: the plain-words disclosure and its warnings (domain/disclosure.ts); a `refuse`
 *    warning stops here unless the holder overrides it explicitly.
 * 3. `consent`: the holder says yes or no (`consent_declined`); on yes the consent receipt is
 *    written (ISO/IEC TS 27560 / Kantara fields, no personal data: `#platform` consent.ts; its
 *    `withdrawKey` derived for this receipt from the seed) and kept, with the account it is for
 *    beside it (the holder's own record; the receipt names none) and the request's
 *    `response_uri` (where the verifier is told of a withdrawal: domain/consents.ts).
 * 4. `prove`: a credential of the policy's type from an issuer it trusts, still valid and ours;
 *    the issuer's current revocation snapshot, from which the non-membership proof is built
 *    locally; the witness and the Groth16 proof, with the signal hash binding the challenge, the
 *    receipt and the account.
 * 5. `submit`: post the proof to the request's `response_uri`; the verifier's verdict.
 *
 * The presentation log holds who asked, the policy, the attribute names and predicates, the
 * outcome, the stage and the reason code: never an attribute value. Who asked and what are known
 * once the request's signature is verified (a request refused for its registration names them);
 * before that they are `unknown`.
 */
import { randomUUID } from 'node:crypto';
import {
  MAX_REQUEST_OBJECT_LENGTH,
  buildConsentReceipt,
  canonicalConsentReceipt,
  compilePolicy,
  consentReceiptHash,
  expectedScope,
  expectedSignalHash,
  parseWalletUrl,
  verifyRequestObject,
  withTransaction,
  type ConsentReceipt,
  type ProofRequestClaims,
} from '#platform';
import {
  RevocationTree,
  ZkrepError,
  buildWitnessInput,
  issuerKeyHash,
  prove,
  type CircuitInput,
  type Groth16Proof,
} from '#zk';
import type { Resolvable } from 'did-resolver';
import { getAddress, isAddress, type Address, type Hex } from 'viem';
import { WalletError } from '../errors.js';
import {
  ConsentEntity,
  PresentationEntity,
  type ConsentRow,
  type PresentationOutcome,
} from '../store/schema.js';
import { storageError, type Wallet } from '../wallet.js';
import type { CredentialCheck } from '#issuer';
import { checkOwnCredential, openCredential } from './credentials.js';
import { CredentialEntity } from '../store/schema.js';
import { describeRequest, type Disclosure } from './disclosure.js';
import { checkRegistration, type RegistrationSource, type RequestedQuery } from './registration.js';
import { fetchJson, fetchText, serviceError } from './http.js';

export type RespondStage = 'request' | 'review' | 'consent' | 'prove' | 'submit' | 'done';

/** A fetched, verified and checked proof request. */
export interface OpenedRequest {
  /** The verifier's DID (the request object's signer). */
  verifier: string;
  requestUri: string;
  responseUri: string;
  claims: ProofRequestClaims;
  disclosure: Disclosure;
  /**
   * The link's `account` hint (unsigned, e.g. a marketplace's account for this user): the
   * default account the proof is for, shown to the holder; an explicit account overrides it.
   */
  accountHint?: string;
}

/**
 * What checking a request needs: a DID resolver for the chain, the clock (unix seconds), and the
 * chain's policy registry (a `Wallet` gives its own). Without `registration`, a request bound to
 * an on-chain policy is refused (`chain_unreachable`): it cannot be checked.
 */
export interface RequestContext {
  resolver: Resolvable;
  now(): number;
  registration?: RegistrationSource | undefined;
}

/** A request signed by its verifier and consistent in itself, before its registration is checked. */
type VerifiedRequest = Omit<OpenedRequest, 'disclosure'> & { requested: RequestedQuery };

/** Fetches and checks the request behind `link` (stage `request`). */
export async function openRequest(wallet: RequestContext, link: string): Promise<OpenedRequest> {
  return withRegistration(wallet, await verifiedRequest(wallet, link));
}

/** The request against its verifier's registration (domain/registration.ts), described. */
async function withRegistration(
  wallet: RequestContext,
  r: VerifiedRequest,
): Promise<OpenedRequest> {
  const { requested, ...request } = r;
  const registration = await checkRegistration(wallet.registration, r.claims, requested);
  return { ...request, disclosure: describeRequest(r.claims, r.verifier, registration) };
}

/** Fetches the request behind `link`, verifies its signature, recompiles its policy. */
async function verifiedRequest(wallet: RequestContext, link: string): Promise<VerifiedRequest> {
  let clientId: string | undefined;
  let requestUri: string;
  let accountHint: string | undefined;
  if (typeof link === 'string' && link.startsWith('openid4vp://')) {
    ({ clientId, requestUri, account: accountHint } = parseWalletUrl(link));
  } else if (typeof link === 'string' && /^https?:\/\//.test(link)) {
    requestUri = link;
  } else {
    throw new WalletError('bad_input', 'give an openid4vp:// link or the request URL');
  }
  const { status, text } = await fetchText(requestUri, {}, 'the verifier');
  if (status !== 200) throw serviceError('the verifier', status, text);
  if (text.length > MAX_REQUEST_OBJECT_LENGTH) {
    throw new WalletError('request_untrusted', 'the request object is too large');
  }
  let ro;
  try {
    ro = await verifyRequestObject(text.trim(), { resolver: wallet.resolver, now: wallet.now() });
  } catch (e) {
    if (e instanceof ZkrepError && e.code === 'chain_unreachable') throw e;
    throw new WalletError(
      'request_untrusted',
      `the request is not signed by its verifier: ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (clientId !== undefined && ro.clientId !== clientId) {
    throw new WalletError('request_untrusted', 'the request object is signed by another verifier');
  }
  const { claims } = ro;
  const { queryHash, ...readable } = claims.policy;
  let compiled;
  try {
    compiled = compilePolicy({ ...readable, marketplaceId: 'wallet', maxRootAgeSeconds: 0 });
  } catch (e) {
    throw new WalletError(
      'request_untrusted',
      `the request's policy is invalid: ${(e as Error).message}`,
    );
  }
  if (compiled.queryHash.toString() !== queryHash) {
    throw new WalletError(
      'request_untrusted',
      'the request names a query hash its predicates do not give: it would prove something else',
    );
  }
  if (expectedScope(claims.binding, claims.policy.id).toString() !== claims.scope) {
    throw new WalletError(
      'request_untrusted',
      'the request names a scope its binding does not give',
    );
  }
  return {
    verifier: ro.clientId,
    requestUri,
    responseUri: ro.responseUri,
    claims,
    requested: { queryHash: compiled.queryHash, schema: compiled.query.schema },
    ...(accountHint === undefined ? {} : { accountHint }),
  };
}

export interface RespondOptions {
  /**
   * The marketplace account the result is for (default: the link's account hint, else the wallet
   * DID's address).
   */
  account?: string;
  /** Asks the holder, showing the account the proof is for; true = consent. Not called when `yes` is set. */
  consent?: (d: Disclosure, account: Address) => Promise<boolean>;
  /** Consent given in advance (scripts: `--yes`). */
  yes?: boolean;
  /** Go on despite `refuse` warnings (W08); the holder's explicit choice. */
  allowWarnings?: boolean;
  /** Told when each stage starts. */
  onStage?: (stage: RespondStage) => void;
}

export interface RespondResult {
  verified: boolean;
  code: string | null;
  requestId: string;
  verifier: string;
  receiptId: string;
  account: string;
  disclosure: Disclosure;
  /** The relay's outcome when the verifier sent the proof on-chain for the account. */
  relay?: unknown;
}

/** The body the verifier's response endpoint takes. */
export interface ProofResponse {
  proof: Groth16Proof;
  publicSignals: string[];
  account: Address;
  consentReceipt: ConsentReceipt;
}

interface LogEntry {
  outcome: PresentationOutcome;
  stage: RespondStage;
  reasonCode: string | null;
  receiptId: string | null;
  account: string | null;
}

async function logPresentation(
  wallet: Wallet,
  opened: Pick<OpenedRequest, 'verifier' | 'claims'> | undefined,
  e: LogEntry,
): Promise<void> {
  const claims = opened?.claims;
  await withTransaction(wallet.dataSource, (m) =>
    m.insert(PresentationEntity, {
      id: randomUUID(),
      at: wallet.now(),
      verifier: opened?.verifier ?? 'unknown',
      requestId: claims?.requestId ?? 'unknown',
      policyId: claims?.policy.id ?? 'unknown',
      schema: claims?.policy.schema ?? 'unknown',
      // The verifier's predicates (attribute, operator, its threshold): never our values.
      predicates: JSON.stringify(claims?.policy.predicates ?? []),
      outcome: e.outcome,
      stage: e.stage,
      reasonCode: e.reasonCode,
      receiptId: e.receiptId,
      account: e.account,
    }),
  ).catch(() => undefined); // the log never hides the error being reported
}

/** The account a proof for `opened` is for: the explicit one, else the link's hint, else ours. */
export function accountFor(
  wallet: Pick<Wallet, 'address'>,
  opened: Pick<OpenedRequest, 'accountHint'>,
  account?: string,
): Address {
  return accountOf(wallet, account ?? opened.accountHint);
}

function accountOf(wallet: Pick<Wallet, 'address'>, account: string | undefined): Address {
  const a = account ?? wallet.address;
  if (typeof a !== 'string' || !isAddress(a, { strict: false })) {
    throw new WalletError('bad_input', 'the account must be an Ethereum address (0x + 40 hex)');
  }
  return getAddress(a);
}

/**
 * A new consent receipt for an opened request, now: a fresh receipt id, and as its `withdrawKey`
 * the address of the key this wallet derives for that id (domain/recovery.ts), so that only this
 * holder, or this wallet restored or recovered, can withdraw it.
 */
export async function newConsentReceipt(
  wallet: Wallet,
  opened: Pick<OpenedRequest, 'verifier' | 'claims'>,
): Promise<ConsentReceipt> {
  const receiptId = randomUUID();
  const { address } = await wallet.withdrawAccount(receiptId);
  return buildConsentReceipt(opened.claims, {
    verifier: opened.verifier,
    now: wallet.now(),
    withdrawKey: address,
    receiptId,
  });
}

/** Builds the proof for an opened request (stage `prove`). */
export async function proveRequest(
  wallet: Wallet,
  opened: OpenedRequest,
  receipt: ConsentReceipt,
  account: Address,
): Promise<ProofResponse> {
  return proveAnswer(await answerParams(wallet, opened, receipt, account));
}

/**
 * What proving an opened request takes: the newest valid credential of its type from an issuer it
 * trusts (`credential_missing` if none) and that issuer's current revocation tree.
 */
export async function answerParams(
  wallet: Wallet,
  opened: OpenedRequest,
  receipt: ConsentReceipt,
  account: Address,
): Promise<AnswerParams> {
  const { claims } = opened;
  const now = wallet.now();
  const rows = await wallet.dataSource
    .getRepository(CredentialEntity)
    .find({ where: { type: claims.policy.schema }, order: { createdAt: 'DESC', id: 'ASC' } });
  let chosen;
  let issuerUrl = '';
  let problem = '';
  for (const row of rows) {
    if (row.expiresAt !== null && row.expiresAt <= now) continue;
    // A credential that no longer checks (e.g. its issuer's DID cannot be resolved) is skipped,
    // and why is said if none is left.
    const checked = await checkOwnCredential(wallet, await openCredential(wallet, row)).catch(
      (e: unknown) => {
        if (!(e instanceof ZkrepError)) throw e;
        problem = e.message;
        return undefined;
      },
    );
    if (!checked) continue;
    if (!claims.policy.trustedIssuers.includes(issuerKeyHash(checked.issuerPublicKey).toString())) {
      continue;
    }
    chosen = checked;
    issuerUrl = row.issuerUrl;
    break;
  }
  if (!chosen) {
    throw new WalletError(
      'credential_missing',
      `no valid ${claims.policy.schema} from an issuer this verifier trusts (request one first)${
        problem ? `; a stored one failed its check: ${problem}` : ''
      }`,
    );
  }
  const revocation = await fetchRevocation(issuerUrl);
  return {
    claims,
    receipt,
    account,
    holderSecret: wallet.holderSecret,
    credential: chosen,
    revocation,
    now,
  };
}

/** The issuer's current revocation snapshot, from which the non-membership proof is built. */
export async function fetchRevocation(issuerUrl: string): Promise<RevocationTree> {
  const snapshot = await fetchJson<Parameters<typeof RevocationTree.deserialize>[0]>(
    `${issuerUrl.replace(/\/+$/, '')}/revocation`,
    {},
    'the issuer',
  );
  try {
    return RevocationTree.deserialize(snapshot);
  } catch (e) {
    throw new WalletError(
      'service_unreachable',
      `the issuer's revocation snapshot is invalid: ${(e as Error).message}`,
    );
  }
}

export type AnswerParams = {
  claims: ProofRequestClaims;
  receipt: ConsentReceipt;
  account: Address;
  holderSecret: bigint;
  credential: Extract<CredentialCheck, { verified: true }>;
  revocation: RevocationTree;
  now: number;
};

/**
 * The circuit input answering `claims` with `credential` (checked), the issuer's `revocation`
 * tree and the holder secret, bound to the consent `receipt` and `account` at `now`.
 */
export function answerInput(p: AnswerParams): CircuitInput {
  const { claims } = p;
  const { queryHash: _queryHash, ...readable } = claims.policy;
  const compiled = compilePolicy({ ...readable, marketplaceId: 'wallet', maxRootAgeSeconds: 0 });
  return buildWitnessInput({
    secret: p.holderSecret,
    claim: p.credential.claim,
    issuerPublicKey: p.credential.issuerPublicKey,
    signature: p.credential.signature,
    revocation: p.revocation,
    query: compiled.query,
    time: BigInt(p.now),
    scope: BigInt(claims.scope),
    signalHash: expectedSignalHash(claims.binding, {
      challenge: claims.challenge as Hex,
      consentReceiptHash: consentReceiptHash(p.receipt),
      account: p.account,
    }),
  });
}

/** The proof of `answerInput(p)`: the body the verifier's response endpoint takes. */
export async function proveAnswer(p: AnswerParams): Promise<ProofResponse> {
  const { proof, publicSignals } = await prove(answerInput(p));
  return { proof, publicSignals, account: p.account, consentReceipt: p.receipt };
}

/** Answers the request behind `link`: every stage, logged. */
export async function respond(
  wallet: Wallet,
  link: string,
  options: RespondOptions = {},
): Promise<RespondResult> {
  let stage: RespondStage = 'request';
  let opened: OpenedRequest | undefined;
  /** The signed request, once verified: who asked and what, for the log. */
  let asked: VerifiedRequest | undefined;
  let receiptId: string | null = null;
  let account: Address | null = null;
  const enter = (s: RespondStage): void => {
    stage = s;
    options.onStage?.(s);
  };
  try {
    enter('request');
    if (options.account !== undefined) accountOf(wallet, options.account); // refused before fetching
    asked = await verifiedRequest(wallet, link);
    account = accountFor(wallet, asked, options.account);
    opened = await withRegistration(wallet, asked);

    enter('review');
    const refusals = opened.disclosure.warnings.filter((w) => w.severity === 'refuse');
    if (refusals.length > 0 && !options.allowWarnings) {
      throw new WalletError(
        'request_untrusted',
        `refused: ${refusals.map((w) => w.message).join('; ')} (answer anyway only with --allow-warnings)`,
      );
    }

    enter('consent');
    const yes =
      options.yes === true || (await (options.consent?.(opened.disclosure, account) ?? false));
    if (!yes) throw new WalletError('consent_declined', 'you did not consent; nothing was sent');
    const receipt = await newConsentReceipt(wallet, opened);
    receiptId = receipt.receiptId;
    const consent: ConsentRow = {
      receiptId: receipt.receiptId,
      requestId: receipt.requestId,
      verifier: receipt.verifier,
      policyId: receipt.policyId,
      receipt: canonicalConsentReceipt(receipt),
      receiptHash: consentReceiptHash(receipt),
      account,
      status: 'given',
      createdAt: receipt.consentedAt,
      withdrawnAt: null,
      // Signed by the verifier in the request object: where it is told of a withdrawal.
      responseUri: opened.responseUri,
      verifierStatus: null,
      verifierWithdrawnAt: null,
      erasureRecord: null,
      noticeFailedAt: null,
      noticeErrorCode: null,
      noticeError: null,
    };
    try {
      await withTransaction(wallet.dataSource, (m) => m.insert(ConsentEntity, consent));
    } catch (e) {
      throw storageError(e, 'the consent receipt was not saved');
    }

    enter('prove');
    const body = await proveRequest(wallet, opened, receipt, account);

    enter('submit');
    const { status, text } = await fetchText(
      opened.responseUri,
      { method: 'POST', body },
      'the verifier',
    );
    let verdict: { verified?: unknown; code?: unknown; relay?: unknown } = {};
    try {
      verdict = JSON.parse(text) as typeof verdict;
    } catch {
      // handled below
    }
    if (typeof verdict.verified !== 'boolean') throw serviceError('the verifier', status, text);
    const code = typeof verdict.code === 'string' ? verdict.code : null;
    enter('done');
    await logPresentation(wallet, opened, {
      outcome: verdict.verified ? 'verified' : 'failed',
      stage,
      reasonCode: verdict.verified ? null : code,
      receiptId,
      account,
    });
    return {
      verified: verdict.verified,
      code,
      requestId: opened.claims.requestId,
      verifier: opened.verifier,
      receiptId: receipt.receiptId,
      account,
      disclosure: opened.disclosure,
      ...(verdict.relay !== undefined ? { relay: verdict.relay } : {}),
    };
  } catch (e) {
    const declined = e instanceof ZkrepError && e.code === 'consent_declined';
    await logPresentation(wallet, opened ?? asked, {
      outcome: declined ? 'declined' : 'failed',
      stage,
      reasonCode: e instanceof ZkrepError ? e.code : 'internal',
      receiptId,
      account,
    });
    throw e;
  }
}
