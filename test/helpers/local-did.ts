/**
 * A did:ethr identity for unit tests, without a chain: a fresh secp256k1 key, its did:ethr DID
 * (chain 0x7a69), an ES256K signer, and a resolver that answers with that DID's default document
 * (its own address as the controller key) — what the ERC-1056 registry answers for a DID that
 * never changed its keys. So a JWT signed by `signer` verifies as `did`'s, and one signed by
 * any other key does not. (End-to-end tests resolve against the real registry on anvil.)
 */
import { randomBytes } from 'node:crypto';
import { ES256KSigner, type Signer } from 'did-jwt';
import type { Resolvable } from 'did-resolver';
import { privateKeyToAccount } from 'viem/accounts';

export interface LocalDid {
  /** The private key (32 bytes). */
  key: Buffer;
  address: `0x${string}`;
  did: string;
  signer: Signer;
  resolver: Resolvable;
}

export function localDid(key: Buffer = randomBytes(32)): LocalDid {
  const address = privateKeyToAccount(`0x${key.toString('hex')}`).address;
  const did = `did:ethr:0x7a69:${address}`;
  const resolver: Resolvable = {
    resolve: async (asked: string) => ({
      didResolutionMetadata: {},
      didDocumentMetadata: {},
      didDocument: {
        id: asked,
        verificationMethod: [
          {
            id: `${asked}#controller`,
            type: 'EcdsaSecp256k1RecoveryMethod2020',
            controller: asked,
            blockchainAccountId: `eip155:31337:${address}`,
          },
        ],
        authentication: [`${asked}#controller`],
        assertionMethod: [`${asked}#controller`],
      },
    }),
  };
  return { key, address, did, signer: ES256KSigner(key), resolver };
}
