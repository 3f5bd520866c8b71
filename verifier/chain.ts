/**
 * The verifier's chain side, through `#contracts` only:
 * - `registryIssuerCheck`: the issuer active in `IssuerRegistry` and allowed the policy's schema.
 * - `registryRootCheck`: whether a revocation root is one the issuer published on
 *   `RevocationRegistry` and still acceptable under a policy (current, or superseded less than the
 *   policy's maximum root age ago). An RPC failure is an error, never a "yes" (SECURITY-CASES A11).
 * - `gateMirror`: policies mirrored into ZkGate (created and disabled by the relayer key, which
 *   becomes their admin) and `checkMirror`, which compares a stored policy with the chain's.
 * - `gateRelayer`: sends a verified proof to `ZkGate.verifyFor(account, …)`, one transaction at a
 *   time (one key, one nonce sequence); a gate refusal is a result with its shared code.
 * - `auditAnchorer`: anchors the audit log's head in `AuditAnchor` from the relayer key; an index
 *   not above the sender's latest (another node was faster) is a `stale` result, not an error.
 * The three share one queue of the relayer key's transactions (`serialQueue`).
 */
import {
  ContractsError,
  anchorAuditHead,
  createPolicy as createChainPolicy,
  disablePolicy as disableChainPolicy,
  getIssuer,
  getLatestAnchor,
  getPolicy,
  isRootAccepted,
  isSchemaAllowed,
  parseSignalTuple,
  toSolidityProof,
  verifyOnChain,
  type ReadClient,
  type SnarkjsProof,
  type WriteClient,
} from '#contracts';
import { ZkrepError } from '#zk';
import type { Address, Hex } from 'viem';
import type { AuditAnchorer } from './domain/audit.js';
import type { PolicyMirror } from './domain/policy-store.js';
import type { CompiledPolicy } from '#platform';
import type { Relayer } from './domain/responses.js';
import type { StoredPolicy } from './domain/requests.js';
import type { IssuerRefusal, RootTerms } from './domain/verification.js';
import { VerifierError } from './errors.js';

/** Runs `f`, turning a failure that is not already a zkrep error into `chain_unreachable`. */
async function onChain<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (cause) {
    if (cause instanceof ZkrepError) throw cause;
    throw new VerifierError('chain_unreachable', `${what}: the chain cannot be reached`, {
      cause,
    });
  }
}

export function registryRootCheck(
  publicClient: ReadClient,
  gate: `0x${string}`,
): (issuerKeyHash: bigint, root: bigint, terms: RootTerms) => Promise<boolean> {
  return async (issuerKeyHash, root, terms) =>
    onChain('the revocation registry cannot be read', () =>
      isRootAccepted(publicClient, {
        gate,
        issuerKeyHash,
        root,
        maxRootAge: BigInt(terms.maxRootAgeSeconds),
        now: BigInt(terms.now),
      }),
    );
}

/**
 * The issuer's standing in `IssuerRegistry`, as ZkGate checks it: `issuer_inactive` unless its
 * status is active, `issuer_schema_not_allowed` unless it may issue the policy's schema, else
 * null. An RPC failure is `chain_unreachable` (fail closed, A11).
 */
export function registryIssuerCheck(
  publicClient: ReadClient,
  gate: Address,
): (issuerKeyHash: bigint, schema: bigint) => Promise<IssuerRefusal | null> {
  return (issuerKeyHash, schema) =>
    onChain('the issuer registry cannot be read', async () => {
      const [issuer, allowed] = await Promise.all([
        getIssuer(publicClient, { gate, keyHash: issuerKeyHash }),
        isSchemaAllowed(publicClient, { gate, keyHash: issuerKeyHash, schema }),
      ]);
      if (issuer.status !== 'active') return 'issuer_inactive';
      if (!allowed) return 'issuer_schema_not_allowed';
      return null;
    });
}

/** How far (seconds) the verifier's clock may be from the chain's before readiness fails. */
export const MAX_CLOCK_DRIFT_SECONDS = 300;

/**
 * Whether the verifier's clock agrees with the chain's (SECURITY-CASES A14): the timestamp the
 * node gives its pending block (about now on an idle dev chain and on a live one) is within
 * `MAX_CLOCK_DRIFT_SECONDS` of `now()`. A node without a pending block is compared with its
 * latest block instead, and only for a clock that lags it (the latest block of an idle chain can be
 * old).
 */
export function clockProbe(publicClient: ReadClient, now: () => number): () => Promise<boolean> {
  return async () => {
    const pending = await publicClient
      .getBlock({ blockTag: 'pending' })
      .then((b) => (b ? Number(b.timestamp) : undefined))
      .catch(() => undefined);
    if (pending !== undefined) return Math.abs(now() - pending) <= MAX_CLOCK_DRIFT_SECONDS;
    const latest = await publicClient.getBlock({ blockTag: 'latest' });
    return now() + MAX_CLOCK_DRIFT_SECONDS >= Number(latest.timestamp);
  };
}

/** One transaction at a time from one key. */
export function serialQueue(): <T>(f: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(f: () => Promise<T>): Promise<T> => {
    const run = tail.then(f, f);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** Policies mirrored into ZkGate by the relayer key (their admin). */
export function gateMirror(p: {
  publicClient: ReadClient;
  walletClient: WriteClient;
  gate: Address;
  queue?: <T>(f: () => Promise<T>) => Promise<T>;
}): PolicyMirror {
  const queue = p.queue ?? serialQueue();
  return {
    create: (policy: CompiledPolicy) =>
      queue(() =>
        onChain('the policy could not be mirrored', async () => {
          const created = await createChainPolicy({
            publicClient: p.publicClient,
            walletClient: p.walletClient,
            gate: p.gate,
            policy: {
              queryHash: policy.queryHash,
              schema: policy.query.schema,
              issuers: policy.trustedIssuers.map((k) => BigInt(k)),
              maxRootAge: policy.maxRootAgeSeconds,
              maxProofAge: policy.maxProofAgeSeconds,
              passLifetime: policy.passLifetimeSeconds,
            },
          });
          return created.policyId.toString();
        }),
      ),
    disable: (chainPolicyId: string) =>
      queue(() =>
        onChain('the chain policy could not be disabled', async () => {
          await disableChainPolicy({
            publicClient: p.publicClient,
            walletClient: p.walletClient,
            gate: p.gate,
            policyId: BigInt(chainPolicyId),
          });
        }),
      ),
  };
}

/**
 * Differences between a stored mirrored policy and the chain's (empty: consistent). Reads the
 * chain; an RPC failure is `chain_unreachable`.
 */
export async function checkMirror(
  publicClient: ReadClient,
  gate: Address,
  policy: StoredPolicy & { status: 'active' | 'disabled' },
): Promise<string[]> {
  if (!policy.chainPolicyId) return [];
  const chain = await onChain('the chain policy cannot be read', () =>
    getPolicy(publicClient, { gate, policyId: BigInt(policy.chainPolicyId!) }),
  );
  const problems: string[] = [];
  if (chain.queryHash !== policy.queryHash) problems.push('queryHash');
  if (chain.schema !== policy.query.schema) problems.push('schema');
  const issuers = [...chain.issuers].map(String).sort();
  const mine = [...policy.trustedIssuers].sort();
  if (issuers.join() !== mine.join()) problems.push('trustedIssuers');
  if (chain.maxRootAge !== policy.maxRootAgeSeconds) problems.push('maxRootAgeSeconds');
  if (chain.maxProofAge !== policy.maxProofAgeSeconds) problems.push('maxProofAgeSeconds');
  if (chain.passLifetime !== policy.passLifetimeSeconds) problems.push('passLifetimeSeconds');
  if (chain.disabled !== (policy.status === 'disabled')) problems.push('disabled');
  return problems;
}

/** Relays verified proofs to `ZkGate.verifyFor(account, …)` from the relayer key. */
export function gateRelayer(p: {
  publicClient: ReadClient;
  walletClient: WriteClient;
  gate: Address;
  queue?: <T>(f: () => Promise<T>) => Promise<T>;
}): Relayer {
  const queue = p.queue ?? serialQueue();
  return {
    relay: ({ chainPolicyId, proof, publicSignals, account, context }) =>
      queue(() =>
        onChain('the proof could not be relayed', async () => {
          const result = await verifyOnChain({
            publicClient: p.publicClient,
            walletClient: p.walletClient,
            gate: p.gate,
            policyId: chainPolicyId,
            proof: toSolidityProof(proof as SnarkjsProof),
            publicSignals: parseSignalTuple(publicSignals),
            account,
            context,
          });
          return result.verified
            ? {
                ok: true as const,
                transactionHash: result.transactionHash,
                expiresAt: Number(result.expiresAt),
              }
            : { ok: false as const, code: result.code };
        }),
      ),
  };
}

/** The custom error AuditAnchor reverts with when an index does not exceed the sender's latest. */
const STALE_ANCHOR = 'AuditAnchor__IndexNotIncreasing';

/** Anchors audit-log heads in `AuditAnchor` from the relayer key (`AuditAnchorer`). */
export function auditAnchorer(p: {
  publicClient: ReadClient;
  walletClient: WriteClient;
  anchor: Address;
  queue?: <T>(f: () => Promise<T>) => Promise<T>;
}): AuditAnchorer {
  const queue = p.queue ?? serialQueue();
  const sender = p.walletClient.account.address;
  return {
    sender,
    anchorHead: (index, head) =>
      queue(() =>
        onChain('the audit head could not be anchored', async () => {
          try {
            const transactionHash = await anchorAuditHead({
              publicClient: p.publicClient,
              walletClient: p.walletClient,
              anchor: p.anchor,
              index: BigInt(index),
              head: head as Hex,
            });
            return { ok: true as const, transactionHash };
          } catch (e) {
            if (e instanceof ContractsError && e.details === STALE_ANCHOR) {
              return { ok: false as const, reason: 'stale' as const };
            }
            if (e instanceof ContractsError) {
              throw new VerifierError('tx_failed', 'the audit anchor transaction failed', {
                cause: e,
              });
            }
            throw e;
          }
        }),
      ),
    latest: () =>
      onChain('the audit anchor cannot be read', async () => {
        const latest = await getLatestAnchor(p.publicClient, {
          anchor: p.anchor,
          verifier: sender,
        });
        return latest
          ? {
              index: Number(latest.index),
              head: latest.head,
              anchoredAt: Number(latest.anchoredAt),
            }
          : null;
      }),
  };
}
