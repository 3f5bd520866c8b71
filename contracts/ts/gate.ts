/**
 * Helpers for ZkGate's policy registry and verification passes, as services call them.
 * Expected verification failures are results (`{ verified: false, code, message }`), not throws.
 */
import { parseEventLogs, type Address, type Hex } from 'viem';
import { zkGateAbi } from './abi.js';
import type { ReadClient, WriteClient } from './clients.js';
import { decodeRevert, writeAndWait } from './clients.js';
import type { PolicyInput } from './deploy.js';
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
  type PublicSignals,
  type SolidityProof,
} from './signals.js';

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

/** Reads a policy (reverts with PolicyRegistry__PolicyNotFound for an unknown id). */
export async function getPolicy(publicClient: ReadClient, gate: Address, policyId: bigint) {
  return publicClient.readContract({
    address: gate,
    abi: zkGateAbi,
    functionName: 'getPolicy',
    args: [policyId],
  });
}

export type VerifyOnChainParameters = {
  publicClient: ReadClient;
  /** The account that will hold the pass; the proof's signal hash must commit to it. */
  walletClient: WriteClient;
  gate: Address;
  policyId: bigint;
  proof: SolidityProof;
  publicSignals: PublicSignals;
  /** Action data the signal hash commits to; default zero (a plain pass). */
  context?: Hex | undefined;
};

export type VerifyOnChainReturnType =
  | {
      readonly verified: true;
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
 * Submits a proof to `ZkGate.verify`. Simulates first, so a failed check comes back as a result
 * with its stable code and costs no gas; then sends and waits for the receipt.
 */
export async function verifyOnChain(
  params: VerifyOnChainParameters,
): Promise<VerifyOnChainReturnType> {
  const { publicClient, walletClient, proof } = params;
  const args = [
    params.policyId,
    proof.a,
    proof.b,
    proof.c,
    params.publicSignals,
    params.context ?? NO_CONTEXT,
  ] as const;
  let request;
  try {
    ({ request } = await publicClient.simulateContract({
      account: walletClient.account,
      address: params.gate,
      abi: zkGateAbi,
      functionName: 'verify',
      args,
    }));
  } catch (error) {
    const failure = toGateFailure(error);
    if (failure) return failure;
    throw new ContractsError(ContractsErrorCode.txFailed, 'ZkGate.verify could not be simulated.', {
      cause: error,
    });
  }
  const transactionHash = await walletClient.writeContract(request);
  const receipt = await publicClient.waitForTransactionReceipt({ hash: transactionHash });
  const [granted] =
    receipt.status === 'success'
      ? parseEventLogs({ abi: zkGateAbi, eventName: 'PassGranted', logs: receipt.logs })
      : [];
  if (!granted) {
    // State changed between simulation and inclusion (e.g. the root expired meanwhile).
    throw new ContractsError(ContractsErrorCode.txFailed, 'ZkGate.verify reverted on-chain.', {
      details: `transaction ${transactionHash}`,
    });
  }
  return {
    verified: true,
    nullifier: params.publicSignals[PublicSignalIndex.nullifier],
    expiresAt: granted.args.expiresAt,
    transactionHash,
    gasUsed: receipt.gasUsed,
  };
}

/** Whether `account` holds a valid pass `nullifier` under `policyId` (what marketplaces check). */
export async function hasValidPass(
  publicClient: ReadClient,
  params: { gate: Address; policyId: bigint; account: Address; nullifier: bigint },
): Promise<boolean> {
  return publicClient.readContract({
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'hasValidPass',
    args: [params.policyId, params.account, params.nullifier],
  });
}

/** The pass stored under a nullifier (account zero if never used). */
export async function getPass(
  publicClient: ReadClient,
  gate: Address,
  nullifier: bigint,
): Promise<{ account: Address; policyId: bigint; expiresAt: bigint }> {
  const [account, policyId, expiresAt] = await publicClient.readContract({
    address: gate,
    abi: zkGateAbi,
    functionName: 'getPass',
    args: [nullifier],
  });
  return { account, policyId, expiresAt };
}
