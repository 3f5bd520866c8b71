/**
 * The marketplace's chain access, all through `#contracts`: its own Marketplace instance (deployed
 * once per chain by the funder key, bound to the deployment's ZkGate and the verifier's two
 * mirrored policies, its address kept in the database and reused while a Marketplace bound the
 * same way answers there), funding new demo accounts, and list/buy sent from a demo account.
 * Writes from one key go one at a time (one nonce sequence per key).
 */
import {
  buyItem,
  compileContracts,
  createClients,
  deployMarketplace,
  getListing,
  getListings,
  getMarketplaceBinding,
  hasValidPass,
  listItem,
  sendValue,
  type ReadClient,
  type WriteClient,
} from '#contracts';
import type { DataSource } from 'typeorm';
import { getAddress, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { MarketChain } from './domain/actions.js';
import { ContractEntity } from './store/schema.js';

/** Runs `f` after every earlier call with the same key has settled. */
function perKeyQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, f: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(f, f);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => tails.get(key) === tail && tails.delete(key));
    return run;
  };
}

export interface ChainParams {
  rpcUrl: string;
  chainId: number;
  funderKey: Hex;
}

/**
 * The Marketplace this app uses on the chain: the recorded one if a Marketplace bound to `gate`
 * and the two policy ids still answers at its address, else a fresh deployment (recorded).
 */
export async function ensureMarketplaceContract(
  dataSource: DataSource,
  p: ChainParams & {
    gate: Address;
    reputationPolicyId: bigint;
    agePolicyId: bigint;
    build?: Parameters<typeof compileContracts>[0];
    now: () => number;
  },
): Promise<Address> {
  const { publicClient, walletClient } = createClients({
    rpcUrl: p.rpcUrl,
    chainId: p.chainId,
    account: { privateKey: p.funderKey },
  });
  const repo = dataSource.getRepository(ContractEntity);
  const recorded = await repo.findOneBy({ chainId: p.chainId });
  if (recorded) {
    const binding = await getMarketplaceBinding(publicClient, {
      marketplace: recorded.address as Address,
    });
    if (
      binding &&
      binding.gate === getAddress(p.gate) &&
      binding.reputationPolicyId === p.reputationPolicyId &&
      binding.agePolicyId === p.agePolicyId
    ) {
      return getAddress(recorded.address);
    }
  }
  const deployed = await deployMarketplace({
    publicClient,
    walletClient,
    gate: p.gate,
    reputationPolicyId: p.reputationPolicyId,
    agePolicyId: p.agePolicyId,
    build: p.build,
  });
  await repo.save({
    chainId: p.chainId,
    address: deployed.address,
    gate: getAddress(p.gate),
    reputationPolicyId: p.reputationPolicyId.toString(),
    agePolicyId: p.agePolicyId.toString(),
    deployTx: deployed.transactionHash ?? null,
    createdAt: p.now(),
  });
  return deployed.address;
}

/** The Marketplace at `contract` as the actions use it, and the funder that pays new accounts. */
export function marketChain(
  p: ChainParams & { contract: Address; gate: Address; fundingWei: bigint },
): MarketChain & { fund(address: Address): Promise<Hex>; publicClient: ReadClient } {
  const { publicClient } = createClients({ rpcUrl: p.rpcUrl, chainId: p.chainId });
  const serial = perKeyQueue();
  const writer = (key: Hex): WriteClient =>
    createClients({ rpcUrl: p.rpcUrl, chainId: p.chainId, account: { privateKey: key } })
      .walletClient;
  const signer = (key: Hex) => privateKeyToAccount(key).address;
  const marketplace = p.contract;
  return {
    contract: marketplace,
    publicClient,
    getListing: (listingId) => getListing(publicClient, { marketplace, listingId }),
    getListings: () => getListings(publicClient, { marketplace }),
    hasPass: (policyId, account) => hasValidPass(publicClient, { gate: p.gate, policyId, account }),
    list: (key, item) =>
      serial(signer(key), () =>
        listItem({ publicClient, walletClient: writer(key), marketplace, ...item }),
      ),
    buy: (key, listingId) =>
      serial(signer(key), () =>
        buyItem({ publicClient, walletClient: writer(key), marketplace, listingId }),
      ),
    fund: (to) =>
      serial(signer(p.funderKey), () =>
        sendValue({ publicClient, walletClient: writer(p.funderKey), to, value: p.fundingWei }),
      ),
  };
}
