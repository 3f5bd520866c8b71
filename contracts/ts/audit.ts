/** Helpers for AuditAnchor: a verifier anchors its audit-log head; anyone reads checkpoints. */
import type { Address, Hex } from 'viem';
import { auditAnchorAbi } from './abi.js';
import type { ReadClient, WriteClient } from './clients.js';
import { decodeRevert, writeAndWait } from './clients.js';

export type AuditCheckpoint = {
  readonly index: bigint;
  readonly head: Hex;
  readonly anchoredAt: bigint;
};

/** Anchors the sender's log head; `index` (the log length covered) must exceed the previous one. */
export async function anchorAuditHead(params: {
  publicClient: ReadClient;
  walletClient: WriteClient;
  anchor: Address;
  index: bigint;
  head: Hex;
}): Promise<Hex> {
  const receipt = await writeAndWait({
    publicClient: params.publicClient,
    walletClient: params.walletClient,
    address: params.anchor,
    abi: auditAnchorAbi,
    functionName: 'anchor',
    args: [params.index, params.head],
  });
  return receipt.transactionHash;
}

/** A verifier's latest checkpoint, or null if it never anchored. */
export async function getLatestAnchor(
  publicClient: ReadClient,
  params: { anchor: Address; verifier: Address },
): Promise<AuditCheckpoint | null> {
  const [index, checkpoint] = await publicClient.readContract({
    address: params.anchor,
    abi: auditAnchorAbi,
    functionName: 'latest',
    args: [params.verifier],
  });
  if (index === 0n) return null;
  return { index, head: checkpoint.head, anchoredAt: BigInt(checkpoint.anchoredAt) };
}

/** The head `verifier` anchored at `index`, or null if it anchored nothing there. */
export async function getAnchorAt(
  publicClient: ReadClient,
  params: { anchor: Address; verifier: Address; index: bigint },
): Promise<AuditCheckpoint | null> {
  let checkpoint: { head: Hex; anchoredAt: bigint | number };
  try {
    checkpoint = await publicClient.readContract({
      address: params.anchor,
      abi: auditAnchorAbi,
      functionName: 'anchorAt',
      args: [params.verifier, params.index],
    });
  } catch (error) {
    if (decodeRevert(error)?.errorName === 'AuditAnchor__NoSuchAnchor') return null;
    throw error;
  }
  return { index: params.index, head: checkpoint.head, anchoredAt: BigInt(checkpoint.anchoredAt) };
}
