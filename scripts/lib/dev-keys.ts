/**
 * anvil's public dev keys (funded on every anvil, known to everyone): the launcher's defaults on
 * the embedded chain and the tests' keys. Never use them on a real chain.
 */
export const DEV_KEYS = {
  /** Deploys the contracts and owns the issuer registry (anvil account 0). */
  owner: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  /** Pays the issuer's DID controller gas (account 1). */
  funder: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  /** The verifier's relayer: mirrors policies and relays proofs (account 2). */
  relayer: '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  /** The demo marketplace: deploys its Marketplace and funds its demo accounts (account 3); a
   *  key of its own, so its transactions never race the issuer's for a nonce. */
  marketplace: '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
} as const;
