/**
 * A proof request against its verifier's public registration (SECURITY-CASES W08, "attributes
 * beyond its registration"), checked at the `request` stage of `respond`.
 *
 * A request bound to ZkGate (`binding.kind === 'gate'`) names the chain, the gate and the policy
 * id its verifier registered in ZkGate's PolicyRegistry. The wallet reads that policy on its own
 * chain through `#contracts` (`getPolicy`) and compares it with what the signed request asks:
 * - the binding's chain must be the wallet's chain, and its gate the chain's zkrep gate when the
 *   wallet knows it (recorded from the deployment at `init`); else `request_untrusted`: the
 *   wallet cannot read, or would not trust, that registration;
 * - the RPC must serve the wallet's chain (`config_invalid` otherwise);
 * - the policy must exist and not be disabled: else `request_untrusted`;
 * - the registered query hash (the predicates), schema (the zk core's schema id of the
 *   credential type) and issuers must be the request's (its issuers a subset of the registered
 *   ones): each difference is a `beyond_registration` warning of severity `refuse`: the request
 *   asks for something the verifier did not register.
 * A chain that cannot be read is `chain_unreachable`, never a silent accept; so is a
 * gate-bound request opened without chain access.
 *
 * A request for an off-chain policy (`kind: 'verifier'`) has no public registration: it gets an
 * `unregistered` caution, and the wallet checks it only against its own rules (disclosure.ts).
 * A wallet that does not know its chain's gate (made without one) reads the registration at the
 * gate the request names, with an `unregistered` caution that it cannot tell that gate is ZkGate.
 *
 * Not compared: pass lifetime, proof and root ages (they say nothing about what is disclosed).
 */
import { getPolicy, toGateFailure, type ReadClient } from '#contracts';
import type { ProofRequestClaims } from '#platform';
import { ZkrepError } from '#zk';
import { BaseError, ContractFunctionZeroDataError, isAddressEqual, type Address } from 'viem';
import { WalletError } from '../errors.js';
import type { DisclosureWarning } from './disclosure.js';

/** Where the wallet reads registered policies: its own chain, through `#contracts`. */
export interface RegistrationSource {
  /** The wallet's chain id. */
  chainId: number;
  /** The chain's ZkGate, when the wallet knows it. */
  gate?: string | undefined;
  /** A read client on the wallet's chain (`#contracts` `createClients`). */
  publicClient: ReadClient;
}

/** What the wallet recompiled from the request's readable policy. */
export interface RequestedQuery {
  queryHash: bigint;
  /** The zk core's schema id of the credential type. */
  schema: bigint;
}

const UNREGISTERED_OFF_CHAIN: DisclosureWarning = {
  kind: 'unregistered',
  severity: 'caution',
  message:
    'its policy is not registered on-chain, so there is no public record of what it may ask: ' +
    'the wallet can check it only against its own rules',
};

/** The registered policy could not be read: a revert or no contract is the gate's answer. */
function readError(e: unknown, gate: string, policyId: string): unknown {
  if (e instanceof ZkrepError) return e;
  const refused = toGateFailure(e); // the gate's own revert, decoded by #contracts
  if (refused) {
    return new WalletError(
      'request_untrusted',
      refused.errorName === 'PolicyRegistry__PolicyNotFound'
        ? `the on-chain policy ${policyId} the request names is not registered at the gate ${gate}`
        : `the gate ${gate} refused to show the on-chain policy ${policyId}`,
      { cause: e },
    );
  }
  if (e instanceof BaseError && e.walk((x) => x instanceof ContractFunctionZeroDataError)) {
    return new WalletError('request_untrusted', `there is no gate at ${gate}`, { cause: e });
  }
  return new WalletError(
    'chain_unreachable',
    "the chain cannot be reached to check the request against the verifier's registration",
    { cause: e },
  );
}

/**
 * The warnings a request earns from its registration (none when it matches); throws for a
 * registration that cannot be trusted or read (see the module comment).
 */
export async function checkRegistration(
  source: RegistrationSource | undefined,
  claims: ProofRequestClaims,
  requested: RequestedQuery,
): Promise<DisclosureWarning[]> {
  const { binding } = claims;
  if (binding.kind !== 'gate') return [UNREGISTERED_OFF_CHAIN];
  if (!source) {
    throw new WalletError(
      'chain_unreachable',
      "the request is bound to an on-chain policy and there is no chain access to check it against the verifier's registration",
    );
  }
  if (binding.chainId !== source.chainId) {
    throw new WalletError(
      'request_untrusted',
      `the request is bound to a gate on chain ${binding.chainId}, but this wallet is on chain ${source.chainId}: its registration cannot be checked`,
    );
  }
  const gate = binding.gate as Address;
  if (source.gate !== undefined && !isAddressEqual(gate, source.gate as Address)) {
    throw new WalletError(
      'request_untrusted',
      `the request names the gate ${gate}, which is not this chain's zkrep gate (${source.gate})`,
    );
  }
  const [rpcChainId, registered] = await Promise.all([
    source.publicClient.getChainId(),
    getPolicy(source.publicClient, { gate, policyId: BigInt(binding.policyId) }),
  ]).catch((e: unknown) => {
    throw readError(e, gate, binding.policyId);
  });
  if (rpcChainId !== source.chainId) {
    throw new WalletError(
      'config_invalid',
      `the RPC serves chain ${rpcChainId}, but this wallet is on chain ${source.chainId}`,
    );
  }
  if (registered.disabled) {
    throw new WalletError(
      'request_untrusted',
      `the verifier has disabled the on-chain policy ${binding.policyId} this request is bound to`,
    );
  }

  const out: DisclosureWarning[] = [];
  const where = `its registered policy (${binding.policyId} at the gate ${gate})`;
  if (registered.queryHash !== requested.queryHash) {
    out.push({
      kind: 'beyond_registration',
      severity: 'refuse',
      message: `it asks you to prove something other than what it registered on-chain: its predicates differ from those of ${where}`,
    });
  }
  if (registered.schema !== requested.schema) {
    out.push({
      kind: 'beyond_registration',
      severity: 'refuse',
      message: `it asks about a ${claims.policy.schema}, which is not the credential type of ${where}`,
    });
  }
  const registeredIssuers = new Set(registered.issuers.map(String));
  if (!claims.policy.trustedIssuers.every((k) => registeredIssuers.has(k))) {
    out.push({
      kind: 'beyond_registration',
      severity: 'refuse',
      message: `it trusts issuers that ${where} does not list`,
    });
  }
  if (source.gate === undefined) {
    out.push({
      kind: 'unregistered',
      severity: 'caution',
      message: `this wallet does not know its chain's zkrep gate, so it cannot tell whether ${gate}, where the registration was read, is it`,
    });
  }
  return out;
}
