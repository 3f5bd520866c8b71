/**
 * Helpers for the trust registry inside ZkGate: issuers (owner-managed) and their revocation
 * roots (published by each issuer's controller). Reads take `(publicClient, { ...params })`;
 * writes take one `{ publicClient, walletClient, gate, ... }`.
 */
import { parseEventLogs, type Address, type Hex } from 'viem';
import { zkGateAbi } from './abi.js';
import type { ReadClient, WriteClient } from './clients.js';
import { writeAndWait } from './clients.js';
import { ContractsError, ContractsErrorCode } from './errors.js';

/** `IssuerRegistry.IssuerStatus`, by name. */
export const IssuerStatus = { none: 0, active: 1, suspended: 2, removed: 3 } as const;
export type IssuerStatusName = keyof typeof IssuerStatus;
const STATUS_NAMES = ['none', 'active', 'suspended', 'removed'] as const;

type WriteBase = { publicClient: ReadClient; walletClient: WriteClient; gate: Address };

/** Registers an active issuer (owner only). */
export async function registerIssuer(
  params: WriteBase & {
    keyHash: bigint;
    did: string;
    controller: Address;
    schemas: readonly bigint[];
  },
): Promise<Hex> {
  const receipt = await writeAndWait({
    ...params,
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'registerIssuer',
    args: [params.keyHash, params.did, params.controller, [...params.schemas]],
  });
  return receipt.transactionHash;
}

/** Allows or denies a schema for an issuer (owner only). */
export async function setIssuerSchema(
  params: WriteBase & { keyHash: bigint; schema: bigint; allowed: boolean },
): Promise<Hex> {
  const receipt = await writeAndWait({
    ...params,
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'setIssuerSchema',
    args: [params.keyHash, params.schema, params.allowed],
  });
  return receipt.transactionHash;
}

/** Suspends, re-activates or removes (final) an issuer (owner only). */
export async function setIssuerStatus(
  params: WriteBase & { keyHash: bigint; status: Exclude<IssuerStatusName, 'none'> },
): Promise<Hex> {
  const receipt = await writeAndWait({
    ...params,
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'setIssuerStatus',
    args: [params.keyHash, IssuerStatus[params.status]],
  });
  return receipt.transactionHash;
}

/** Changes the address allowed to publish an issuer's revocation roots (owner only). */
export async function setIssuerController(
  params: WriteBase & { keyHash: bigint; controller: Address },
): Promise<Hex> {
  const receipt = await writeAndWait({
    ...params,
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'setIssuerController',
    args: [params.keyHash, params.controller],
  });
  return receipt.transactionHash;
}

/** Publishes a new current revocation root (the issuer's controller only). */
export async function publishRevocationRoot(
  params: WriteBase & { issuerKeyHash: bigint; root: bigint },
): Promise<{ index: bigint; transactionHash: Hex; blockNumber: bigint }> {
  const receipt = await writeAndWait({
    ...params,
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'publishRoot',
    args: [params.issuerKeyHash, params.root],
  });
  const [published] = parseEventLogs({
    abi: zkGateAbi,
    eventName: 'RootPublished',
    logs: receipt.logs,
  });
  if (!published) throw new ContractsError(ContractsErrorCode.txFailed, 'RootPublished missing.');
  return {
    index: published.args.index,
    transactionHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
  };
}

/** Whether the registry allows issuer `keyHash` to issue `schema` (what ZkGate checks). */
export async function isSchemaAllowed(
  publicClient: ReadClient,
  params: { gate: Address; keyHash: bigint; schema: bigint },
): Promise<boolean> {
  return publicClient.readContract({
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'isSchemaAllowed',
    args: [params.keyHash, params.schema],
  });
}

/** Reads an issuer. */
export async function getIssuer(
  publicClient: ReadClient,
  params: { gate: Address; keyHash: bigint },
): Promise<{ status: IssuerStatusName; controller: Address; did: string }> {
  const [status, controller, did] = await publicClient.readContract({
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'getIssuer',
    args: [params.keyHash],
  });
  return { status: STATUS_NAMES[status] ?? 'none', controller, did };
}

/** The issuer's current root, or null if it never published one. */
export async function getCurrentRoot(
  publicClient: ReadClient,
  params: { gate: Address; issuerKeyHash: bigint },
): Promise<{ root: bigint; publishedAt: bigint } | null> {
  const [exists, root, publishedAt] = await publicClient.readContract({
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'currentRoot',
    args: [params.issuerKeyHash],
  });
  return exists ? { root, publishedAt: BigInt(publishedAt) } : null;
}

/** The issuer's whole root history, oldest first. */
export async function getRootHistory(
  publicClient: ReadClient,
  params: { gate: Address; issuerKeyHash: bigint },
): Promise<{ root: bigint; publishedAt: bigint; supersededAt: bigint }[]> {
  const { gate, issuerKeyHash } = params;
  const count = await publicClient.readContract({
    address: gate,
    abi: zkGateAbi,
    functionName: 'rootCount',
    args: [issuerKeyHash],
  });
  const history = [];
  for (let i = 0n; i < count; i++) {
    const record = await publicClient.readContract({
      address: gate,
      abi: zkGateAbi,
      functionName: 'rootAt',
      args: [issuerKeyHash, i],
    });
    history.push({
      root: record.root,
      publishedAt: BigInt(record.publishedAt),
      supersededAt: BigInt(record.supersededAt),
    });
  }
  return history;
}

/**
 * Whether the gate would accept `root` for the issuer at time `now` under `maxRootAge`: published,
 * and current or superseded strictly less than `maxRootAge` seconds before `now` (the same rule as
 * `ZkGate`, for off-chain verifiers).
 */
export async function isRootAccepted(
  publicClient: ReadClient,
  params: { gate: Address; issuerKeyHash: bigint; root: bigint; maxRootAge: bigint; now: bigint },
): Promise<boolean> {
  const times = await publicClient.readContract({
    address: params.gate,
    abi: zkGateAbi,
    functionName: 'rootTimes',
    args: [params.issuerKeyHash, params.root],
  });
  if (times.publishedAt === 0n) return false;
  if (times.supersededAt === 0n) return true;
  return params.now - BigInt(times.supersededAt) < params.maxRootAge;
}
