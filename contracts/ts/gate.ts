/**
 * Helpers for ZkGate's policy registry and verification passes, as services call them.
 * Expected verification failures are results (`{ verified: false, code, message }`), not throws.
 * Reads take `(publicClient, { ...params })`; writes take one `{ publicClient, walletClient, ... }`.
 */
import { parseEventLogs, type Address, type Hex } from 'viem';
import { zkGateAbi } from './abi.js';
import type { ReadClient, WriteClient } from './clients.js';
import { decodeRevert, writeAndWait } from './clients.js';
import {
  ContractsError,
  ContractsErrorCode,
  GATE_ERROR_CODES,
  GATE_ERROR_MESSAGES,
  isGateErrorName,
  type GateErrorCode,
  type GateErrorName,
} from './errors.js';
import {
  NO_CONTEXT,
  PublicSignalIndex,
  type PublicSignalTuple,
  type SolidityProof,
} from './signals.js';

/** Fields of a policy, as given to `createPolicy` (durations in seconds). */
export type PolicyInput = {
  readonly queryHash: bigint;
  readonly schema: bigint;
  readonly issuers: readonly bigint[];
  readonly maxRootAge: number;
  readonly maxProofAge: number;
  readonly passLifetime: number;
};

export type CreatePolicyParameters = {
  publicClient: ReadClient;
  walletClient: WriteClient;
  gate: Address;
  policy: PolicyInput;
};

export type CreatePolicyReturnType = {
  readonly policyId: bigint;
  readonly scope: bigint;
  readonly transactionHash: Hex;
};

/** Creates a policy (the caller becomes its admin); returns the id the contract assigned. */
export async function createPolicy(
  params: CreatePolicyParameters,
): Promise<CreatePolicyReturnType> {
  const { policy } = params;
  const receipt = await writeAndWait({
    publicClient: params.publicClient,
    walletClient: params.walletClient,
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'createPolicy',
    args: [
      {
        queryHash: policy.queryHash,
        schema: policy.schema,
        issuers: [...policy.issuers],
        maxRootAge: policy.maxRootAge,
        maxProofAge: policy.maxProofAge,
        passLifetime: policy.passLifetime,
      },
    ],
  });
  const [created] = parseEventLogs({
    abi: zkGateAbi,
    eventName: 'PolicyCreated',
    logs: receipt.logs,
  });
  if (!created) {
    throw new ContractsError(ContractsErrorCode.txFailed, 'PolicyCreated was not emitted.');
  }
  return {
    policyId: created.args.policyId,
    scope: created.args.scope,
    transactionHash: receipt.transactionHash,
  };
}

/**
 * Disables a policy for good (only its admin, the account that created it): no new passes, and
 * existing ones stop being valid. Idempotent: an already disabled policy is left as it is.
 */
export async function disablePolicy(params: {
  publicClient: ReadClient;
  walletClient: WriteClient;
  gate: Address;
  policyId: bigint;
}): Promise<{ readonly transactionHash: Hex | null }> {
  const current = await getPolicy(params.publicClient, params);
  if (current.disabled) return { transactionHash: null };
  const receipt = await writeAndWait({
    publicClient: params.publicClient,
    walletClient: params.walletClient,
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'disablePolicy',
    args: [params.policyId],
  });
  return { transactionHash: receipt.transactionHash };
}

/** Reads a policy (reverts with PolicyRegistry__PolicyNotFound for an unknown id). */
export async function getPolicy(
  publicClient: ReadClient,
  params: { gate: Address; policyId: bigint },
) {
  return publicClient.readContract({
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'getPolicy',
    args: [params.policyId],
  });
}

export type VerifyOnChainParameters = {
  publicClient: ReadClient;
  /** The submitter: the pass holder itself, or a relayer when `account` is given. */
  walletClient: WriteClient;
  gate: Address;
  policyId: bigint;
  proof: SolidityProof;
  publicSignals: PublicSignalTuple;
  /**
   * The account that gets the pass, when it is not the submitter (a relayer, a marketplace's
   * verifier service, a paymaster): then `ZkGate.verifyFor(account, ...)` is sent. Default: the
   * wallet's own account, with `ZkGate.verify`. Either way the proof's signal hash must commit to
   * the pass holder.
   */
  account?: Address | undefined;
  /** Action data the signal hash commits to; default zero (a plain pass). */
  context?: Hex | undefined;
};

export type VerifyOnChainReturnType =
  | {
      readonly verified: true;
      /** The pass holder. */
      readonly account: Address;
      readonly nullifier: bigint;
      readonly expiresAt: bigint;
      readonly transactionHash: Hex;
      readonly gasUsed: bigint;
    }
  | {
      readonly verified: false;
      readonly code: GateErrorCode;
      readonly errorName: GateErrorName;
      readonly message: string;
    };

/** Maps a thrown viem error to a gate verification failure, if it is one. */
export function toGateFailure(
  error: unknown,
): Extract<VerifyOnChainReturnType, { verified: false }> | undefined {
  const revert = decodeRevert(error);
  if (!revert || !isGateErrorName(revert.errorName)) return undefined;
  return {
    verified: false,
    code: GATE_ERROR_CODES[revert.errorName],
    errorName: revert.errorName,
    message: GATE_ERROR_MESSAGES[revert.errorName],
  };
}

/**
 * Submits a proof to `ZkGate.verify` (or, with `account`, to `ZkGate.verifyFor` on that account's
 * behalf). Simulates first, so a failed check comes back as a result with its stable code and
 * costs no gas; then sends and waits for the receipt.
 */
export async function verifyOnChain(
  params: VerifyOnChainParameters,
): Promise<VerifyOnChainReturnType> {
  const { publicClient, walletClient, proof } = params;
  const tail = [
    params.policyId,
    proof.a,
    proof.b,
    proof.c,
    params.publicSignals,
    params.context ?? NO_CONTEXT,
  ] as const;
  const functionName = params.account === undefined ? 'verify' : 'verifyFor';
  const common = { account: walletClient.account, address: params.gate, abi: zkGateAbi } as const;
  // Simulate; the closure then sends exactly the simulated request.
  let send: () => Promise<Hex>;
  try {
    if (params.account === undefined) {
      const { request } = await publicClient.simulateContract({
        ...common,
        functionName: 'verify',
        args: tail,
      });
      send = () => walletClient.writeContract(request);
    } else {
      const { request } = await publicClient.simulateContract({
        ...common,
        functionName: 'verifyFor',
        args: [params.account, ...tail],
      });
      send = () => walletClient.writeContract(request);
    }
  } catch (error) {
    const failure = toGateFailure(error);
    if (failure) return failure;
    throw new ContractsError(
      ContractsErrorCode.txFailed,
      `ZkGate.${functionName} could not be simulated.`,
      { cause: error },
    );
  }
  const transactionHash = await send();
  const receipt = await publicClient.waitForTransactionReceipt({ hash: transactionHash });
  const [granted] =
    receipt.status === 'success'
      ? parseEventLogs({ abi: zkGateAbi, eventName: 'PassGranted', logs: receipt.logs })
      : [];
  if (!granted) {
    // State changed between simulation and inclusion (e.g. the root expired meanwhile).
    throw new ContractsError(
      ContractsErrorCode.txFailed,
      `ZkGate.${functionName} reverted on-chain.`,
      {
        details: `transaction ${transactionHash}`,
      },
    );
  }
  return {
    verified: true,
    account: granted.args.account,
    nullifier: params.publicSignals[PublicSignalIndex.nullifier],
    expiresAt: granted.args.expiresAt,
    transactionHash,
    gasUsed: receipt.gasUsed,
  };
}

/** The pass an account holds under a policy, as `ZkGate.passOf` reports it. */
export type Pass = {
  /** Unexpired, and the policy enabled. */
  readonly valid: boolean;
  /** The pass is valid while the block time is below this (0 if the account never held one). */
  readonly expiresAt: bigint;
  /** The nullifier of the latest proof that granted or renewed it (0 if none). */
  readonly nullifier: bigint;
};

/** The pass `account` holds under `policyId` (no pass id needed). */
export async function getPass(
  publicClient: ReadClient,
  params: { gate: Address; policyId: bigint; account: Address },
): Promise<Pass> {
  const [valid, expiresAt, nullifier] = await publicClient.readContract({
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'passOf',
    args: [params.policyId, params.account],
  });
  return { valid, expiresAt: BigInt(expiresAt), nullifier };
}

/** Whether `account` holds a valid pass under `policyId` (what marketplace contracts check). */
export async function hasValidPass(
  publicClient: ReadClient,
  params: { gate: Address; policyId: bigint; account: Address },
): Promise<boolean> {
  return publicClient.readContract({
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'hasValidPass',
    args: [params.policyId, params.account],
  });
}

/** The account and policy a nullifier is bound to (account zero and policy 0 if never used). */
export async function getNullifierBinding(
  publicClient: ReadClient,
  params: { gate: Address; nullifier: bigint },
): Promise<{ account: Address; policyId: bigint }> {
  const [account, policyId] = await publicClient.readContract({
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'nullifierBinding',
    args: [params.nullifier],
  });
  return { account, policyId };
}
