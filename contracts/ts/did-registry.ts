/**
 * The ERC-1056 `EthereumDIDRegistry` (did:ethr) from the npm package `ethr-did-registry`, which
 * ships its ABI and bytecode. The package is CommonJS with getter exports, so it is reached
 * through its default export (a named import fails under ESM).
 */
import ethrDidRegistry from 'ethr-did-registry';
import { getAddress, type Abi, type Address, type Hex } from 'viem';
import { ethereumDidRegistryAbi } from './abi.js';
import { writeAndWait, type ReadClient, type WriteClient } from './clients.js';

export type EthereumDidRegistryArtifact = {
  readonly abi: Abi;
  readonly bytecode: Hex;
  readonly deployedBytecode: Hex;
};

/** The registry's ABI and bytecode as published in ethr-did-registry 1.3.0. */
export function ethereumDidRegistryArtifact(): EthereumDidRegistryArtifact {
  const artifact = (
    ethrDidRegistry as unknown as {
      EthereumDIDRegistry: { abi: Abi; bytecode: string; deployedBytecode: string };
    }
  ).EthereumDIDRegistry;
  return {
    abi: artifact.abi,
    bytecode: artifact.bytecode as Hex,
    deployedBytecode: artifact.deployedBytecode as Hex,
  };
}

/** The registry's canonical address on public chains, as listed by ethr-did-registry. */
export function knownDidRegistryAddress(chainId: number): Address | undefined {
  const { deployments } = ethrDidRegistry as unknown as {
    deployments: readonly { chainId: number; registry: string }[];
  };
  const known = deployments.find((d) => d.chainId === chainId);
  return known ? getAddress(known.registry) : undefined;
}

/**
 * Changes the owner of a did:ethr identity (its current owner signs). `newOwner` = the zero
 * address deactivates the DID for good: every credential it signed stops verifying.
 */
export async function changeDidOwner(params: {
  publicClient: ReadClient;
  walletClient: WriteClient;
  registry: Address;
  identity: Address;
  newOwner: Address;
}): Promise<Hex> {
  const receipt = await writeAndWait({
    publicClient: params.publicClient,
    walletClient: params.walletClient,
    address: params.registry,
    abi: ethereumDidRegistryAbi,
    functionName: 'changeOwner',
    args: [params.identity, params.newOwner],
  });
  return receipt.transactionHash;
}
