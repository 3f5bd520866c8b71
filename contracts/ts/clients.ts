/**
 * viem clients for a chain handle, and the one write helper every module uses
 * (send, wait for the receipt, fail with a `ContractsError` carrying the decoded revert).
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ContractsError, ContractsErrorCode } from './errors.js';

/** A public client bound to a known chain. */
export type ReadClient = PublicClient<Transport, Chain>;
/** A wallet client bound to a known chain and account. */
export type WriteClient = WalletClient<Transport, Chain, Account>;

/** A viem chain object for an RPC endpoint (local or external). */
export function chainFor(params: { chainId: number; rpcUrl: string; name?: string }): Chain {
  return defineChain({
    id: params.chainId,
    name: params.name ?? `chain-${params.chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [params.rpcUrl] } },
  });
}

export type CreateClientsParameters = {
  rpcUrl: string;
  chainId: number;
  /**
   * The signer: an address unlocked on the node (anvil's dev accounts), or a private key
   * (e.g. `DEPLOYER_PRIVATE_KEY` for an external chain). Omit for a read-only client.
   */
  account?: Address | { privateKey: Hex } | undefined;
  /**
   * How often viem polls (receipts, blocks). Default: 100 ms for a loopback RPC (the embedded
   * anvil mines instantly), viem's default (4 s) otherwise.
   */
  pollingInterval?: number | undefined;
};

/** A public client, and a wallet client when an account is given. */
export function createClients(
  params: CreateClientsParameters & { account: Address | { privateKey: Hex } },
): {
  publicClient: ReadClient;
  walletClient: WriteClient;
};
export function createClients(params: CreateClientsParameters): {
  publicClient: ReadClient;
  walletClient: WriteClient | undefined;
};
export function createClients(params: CreateClientsParameters): {
  publicClient: ReadClient;
  walletClient: WriteClient | undefined;
} {
  const chain = chainFor(params);
  const transport = http(params.rpcUrl);
  const loopback = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(params.rpcUrl);
  const pollingInterval = params.pollingInterval ?? (loopback ? 100 : undefined);
  const publicClient = createPublicClient({ chain, transport, pollingInterval }) as ReadClient;
  if (params.account === undefined) return { publicClient, walletClient: undefined };
  const account: Account | Address =
    typeof params.account === 'string'
      ? params.account
      : privateKeyToAccount(params.account.privateKey);
  const walletClient = createWalletClient({
    chain,
    transport,
    account,
    pollingInterval,
  }) as WriteClient;
  return { publicClient, walletClient };
}

/** A contract's custom error, decoded from a viem error (undefined if it is not a revert). */
export type DecodedRevert = { readonly errorName: string; readonly args: readonly unknown[] };

/** Finds the decoded custom error inside a viem error chain. */
export function decodeRevert(error: unknown): DecodedRevert | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError) || !reverted.data) return undefined;
  return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
}

export type WriteParameters<
  abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
> = {
  publicClient: ReadClient;
  walletClient: WriteClient;
  address: Address;
  abi: abi;
  functionName: functionName;
  args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>;
  value?: bigint | undefined;
};

/**
 * Simulates (so a revert surfaces as a decoded custom error), sends, and waits for the receipt.
 * Throws `ContractsError('tx_failed')` with the custom error name in `details` on a revert.
 */
export async function writeAndWait<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
>(params: WriteParameters<abi, functionName>): Promise<TransactionReceipt> {
  const { publicClient, walletClient } = params;
  try {
    const { request } = await publicClient.simulateContract({
      account: walletClient.account,
      address: params.address,
      abi: params.abi,
      functionName: params.functionName,
      args: params.args,
      value: params.value,
    } as never);
    const hash = await walletClient.writeContract(request as never);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
    return receipt;
  } catch (cause) {
    const revert = decodeRevert(cause);
    throw new ContractsError(
      ContractsErrorCode.txFailed,
      `${params.functionName} failed${revert ? `: ${revert.errorName}` : ''}.`,
      { details: revert?.errorName, cause },
    );
  }
}

/** Sends `value` wei to `to` and waits for the receipt (e.g. gas for a service's own account). */
export async function sendValue(params: {
  publicClient: ReadClient;
  walletClient: WriteClient;
  to: Address;
  value: bigint;
}): Promise<Hex> {
  try {
    const hash = await params.walletClient.sendTransaction({
      to: params.to,
      value: params.value,
    } as never);
    const receipt = await params.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
    return hash;
  } catch (cause) {
    throw new ContractsError(ContractsErrorCode.txFailed, 'sending value failed.', { cause });
  }
}

/** What became of a transaction: mined (success or reverted), still pending, or unknown. */
export async function getTransactionOutcome(
  publicClient: ReadClient,
  params: { hash: Hex },
): Promise<'success' | 'reverted' | 'pending' | 'unknown'> {
  try {
    const receipt = await publicClient.getTransactionReceipt({ hash: params.hash });
    return receipt.status === 'success' ? 'success' : 'reverted';
  } catch {
    try {
      await publicClient.getTransaction({ hash: params.hash });
      return 'pending';
    } catch {
      return 'unknown';
    }
  }
}
