/**
 * The holder's side of a proof request for tests and the bench, without a wallet folder: the
 * wallet agent's own steps (`#wallet`: `openRequest` fetches the request object, checks its
 * signature, query hash and scope, and a request bound to an on-chain policy against its
 * registration in ZkGate when `chain` is given; `proveAnswer` proves) for a bare test holder and
 * credential. Returns the body of `POST /v1/requests/{id}/response`.
 */
import { verifyIssuedCredential } from '#issuer';
import { buildConsentReceipt } from '#platform';
import { createClients, type AnvilChain } from '#contracts';
import type { RunningIssuer } from '#issuer';
import {
  fetchRevocation,
  initWallet,
  openRequest,
  proveAnswer,
  requestCredential,
  type ProofResponse,
  type Wallet,
} from '#wallet';
import type { Resolvable } from 'did-resolver';
import type { Address, Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { recordKyc, type Holder } from './holder.js';
import { TEST_ADMIN_KEY } from './stack.js';

export type WalletAnswer = ProofResponse;

export async function answerRequest(p: {
  requestUri: string;
  /** The verifier DID the request object must be signed by. */
  verifierDid: string;
  holder: Holder;
  /** The credential (VC JWT) the issuer issued to the holder. */
  credential: string;
  issuerUrl: string;
  account: Address;
  resolver: Resolvable;
  /**
   * The chain and its ZkGate, where a request bound to an on-chain policy is checked against its
   * registration (without them such a request is refused, as by a wallet without chain access).
   */
  chain?: { chain: AnvilChain; gate: string };
  /** Unix seconds (default: the system clock). */
  now?: number;
  /** The receipt's withdraw key (its private key; default: a fresh one). */
  withdrawKey?: Hex;
}): Promise<WalletAnswer> {
  const now = p.now ?? Math.floor(Date.now() / 1000);
  const registration = p.chain && {
    chainId: p.chain.chain.chainId,
    gate: p.chain.gate,
    publicClient: createClients({ rpcUrl: p.chain.chain.rpcUrl, chainId: p.chain.chain.chainId })
      .publicClient,
  };
  const opened = await openRequest(
    { resolver: p.resolver, now: () => now, registration },
    p.requestUri,
  );
  if (opened.verifier !== p.verifierDid)
    throw new Error('the request object is from another verifier');
  const receipt = buildConsentReceipt(opened.claims, {
    verifier: opened.verifier,
    now,
    withdrawKey: privateKeyToAccount(p.withdrawKey ?? generatePrivateKey()).address,
  });
  const credential = await verifyIssuedCredential(p.credential, { resolver: p.resolver });
  if (!credential.verified) throw new Error(credential.message);
  return proveAnswer({
    claims: opened.claims,
    receipt,
    account: p.account,
    holderSecret: p.holder.secret,
    credential,
    revocation: await fetchRevocation(p.issuerUrl),
    now,
  });
}

/**
 * A real wallet (`#wallet`) in `dir` on `chain`, holding an age credential from `issuer` (the
 * KYC record made through the issuer's admin API first).
 */
export async function walletWithAge(p: {
  dir: string;
  chain: AnvilChain;
  issuer: RunningIssuer;
  passphrase: string;
  birthDate?: string;
  now?: () => number;
}): Promise<Wallet> {
  const { wallet } = await initWallet({
    dir: p.dir,
    passphrase: p.passphrase,
    rpcUrl: p.chain.rpcUrl,
    chain: {
      name: `0x${p.chain.chainId.toString(16)}`,
      chainId: p.chain.chainId,
      registry: p.issuer.deployment.contracts.didRegistry.address,
      gate: p.issuer.deployment.contracts.zkGate.address,
    },
    ...(p.now ? { now: p.now } : {}),
  });
  await recordKyc(p.issuer.url, TEST_ADMIN_KEY, wallet.did, p.birthDate);
  await requestCredential(wallet, { issuerUrl: p.issuer.url, type: 'age' });
  return wallet;
}
