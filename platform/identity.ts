/**
 * The services' Veramo 7 agent (issuer, verifier, wallet agent): a did:ethr identifier on the
 * configured chain (that chain's ERC-1056 registry), its keys in kms-local behind a mandatory
 * SecretBox (encrypted at rest), the DID and key stores on the service's one TypeORM connection,
 * a did:ethr resolver on the same ethers provider (KNOWN-FACTS: sharing it and caching cut JWT
 * verification 52 → 4 ms), and JWT credentials. No DataStore plugin: credentials can hold
 * personal data and are never stored by a service (data minimisation, docs/issuer.md).
 * `agentJwtSigner` signs any JWT (a proof request object, an audit checkpoint) with a KMS key;
 * `verifyDidJwtSignature` checks such a JWT's signature against its issuer's DID document.
 */
import {
  createAgent,
  type ICredentialPlugin,
  type IDIDManager,
  type IKeyManager,
  type IResolver,
  type TAgent,
} from '@veramo/core';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { DIDStore, KeyStore, PrivateKeyStore } from '@veramo/data-store';
import { DIDManager } from '@veramo/did-manager';
import { EthrDIDProvider } from '@veramo/did-provider-ethr';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { KeyManager } from '@veramo/key-manager';
import { KeyManagementSystem, SecretBox } from '@veramo/kms-local';
import { Resolver, type DIDCache, type DIDResolutionResult, type Resolvable } from 'did-resolver';
import { JsonRpcProvider } from 'ethers';
import { getResolver as ethrDidResolver } from 'ethr-did-resolver';
import type { DataSource } from 'typeorm';
import { verifyJWT, type Signer } from 'did-jwt';
import { readDeployment, rpcChainId, type Deployment } from '#contracts';
import { PlatformError } from './errors.js';

export type EthrAgent = TAgent<IDIDManager & IKeyManager & IResolver & ICredentialPlugin>;

/** One did:ethr network: the same object for the DID provider and the resolver. */
export interface EthrNetwork {
  /** The DID method's network name: DIDs are `did:ethr:<name>:0x…`. */
  name: string;
  chainId: number;
  rpcUrl: string;
  /** The ERC-1056 registry address on that chain. */
  registry: string;
}

export interface CreateEthrAgentParameters {
  dataSource: DataSource;
  /** 32-byte hex key of the kms-local SecretBox. Required: keys are never stored in plain text. */
  kmsSecretKey: string;
  network: EthrNetwork;
  /** Validity (seconds) of the DID attributes the agent sets (default ten years). */
  attributeTtlSeconds?: number;
}

const HEX32 = /^[0-9a-fA-F]{64}$/;

/** The ethers provider for a network (static network: no chain-id probing on every call). */
export function ethrProvider(network: EthrNetwork): JsonRpcProvider {
  return new JsonRpcProvider(network.rpcUrl, network.chainId, { staticNetwork: true });
}

/**
 * A resolution cache with a time limit: did-resolver's own cache keeps a document (and even a
 * resolver error) for the life of the process, which would hide a key rotation or a
 * deactivation (SECURITY-CASES I03/I04). Only successful resolutions are kept, for `ttlMs`;
 * `?no-cache=true` bypasses it.
 */
export function ttlCache(ttlMs: number, now: () => number = Date.now): DIDCache {
  const cache = new Map<string, { at: number; result: DIDResolutionResult }>();
  return async (parsed, resolve) => {
    if (parsed.params?.['no-cache'] === 'true') return resolve();
    const hit = cache.get(parsed.didUrl);
    if (hit && now() - hit.at < ttlMs) return hit.result;
    const result = await resolve();
    if (!result.didResolutionMetadata?.error && result.didDocument) {
      cache.set(parsed.didUrl, { at: now(), result });
    } else {
      cache.delete(parsed.didUrl);
    }
    return result;
  };
}

/** A did:ethr resolver for one network, usable on its own (verifiers, wallets, tests). */
export function ethrResolver(
  network: EthrNetwork,
  options: { provider?: JsonRpcProvider; cacheTtlMs?: number } = {},
): Resolver {
  const provider = options.provider ?? ethrProvider(network);
  // ethr-did-resolver's typings name ethers' CommonJS build and ours its ESM build: the same
  // class at run time, two nominal types for tsc (a `#private` field), hence the cast.
  const config = {
    networks: [
      { name: network.name, chainId: network.chainId, provider, registry: network.registry },
    ],
  } as unknown as Parameters<typeof ethrDidResolver>[0];
  const ttl = options.cacheTtlMs ?? 30_000;
  return new Resolver(ethrDidResolver(config), { cache: ttl > 0 ? ttlCache(ttl) : false });
}

/** Builds an agent; refuses to start without a well-formed KMS secret. */
export function createEthrAgent(params: CreateEthrAgentParameters): EthrAgent {
  if (typeof params.kmsSecretKey !== 'string' || !HEX32.test(params.kmsSecretKey)) {
    throw new PlatformError(
      'config_invalid',
      'the KMS secret key must be 32 bytes of hex (64 characters); keys are never stored unencrypted',
    );
  }
  const { dataSource, network } = params;
  const provider = ethrProvider(network);
  const providerName = `did:ethr:${network.name}`;
  return createAgent<IDIDManager & IKeyManager & IResolver & ICredentialPlugin>({
    plugins: [
      new KeyManager({
        store: new KeyStore(dataSource),
        kms: {
          local: new KeyManagementSystem(
            new PrivateKeyStore(dataSource, new SecretBox(params.kmsSecretKey)),
          ),
        },
      }),
      new DIDManager({
        store: new DIDStore(dataSource),
        defaultProvider: providerName,
        providers: {
          [providerName]: new EthrDIDProvider({
            defaultKms: 'local',
            networks: [
              {
                name: network.name,
                chainId: network.chainId,
                provider,
                registry: network.registry,
              },
            ],
            // Attributes (the issuer's zk key) stay valid for ten years by default; a start after
            // that finds the key no longer listed and advertises it again (advertiseZkKey).
            ttl: params.attributeTtlSeconds ?? 10 * 365 * 86_400,
          }),
        },
      }),
      new DIDResolverPlugin({ resolver: ethrResolver(network, { provider }) }),
      new CredentialPlugin([new CredentialProviderJWT()]),
    ],
  });
}

/**
 * A did-jwt signer over a KMS key of the agent (ES256K, the did:ethr controller's key type): the
 * key never leaves the KMS. Use with did-jwt `createJWT(payload, { issuer: did, signer, alg })`.
 */
export function agentJwtSigner(agent: EthrAgent, kid: string): Signer {
  return async (data) =>
    agent.keyManagerSign({
      keyRef: kid,
      algorithm: 'ES256K',
      data: typeof data === 'string' ? data : Buffer.from(data).toString('utf-8'),
      encoding: 'utf-8',
    });
}

/**
 * Checks that `jwt` (a compact JWS, ES256K) is signed by a key of the DID document of its `iss`
 * (did-jwt, proof purpose `assertionMethod`), and nothing else: its shape, times and audience are
 * the caller's to check (before, so a malformed token never reaches the resolver). `what` names
 * the token in messages ("the request object"), `signer` its signer ("the verifier's DID").
 * Errors, all `PlatformError`: `chain_unreachable` (the resolver itself failed: the chain RPC),
 * `bad_signature` (a malformed signature, a DID that cannot be resolved, or no key of it signed),
 * `bad_input` (not a JWT).
 */
export async function verifyDidJwtSignature(
  jwt: string,
  p: { resolver: Resolvable; now: number; what: string; signer: string },
): Promise<void> {
  // An ES256K signature is r ‖ s, 64 bytes: 86 base64url characters.
  if (jwt.length - jwt.lastIndexOf('.') - 1 !== 86) {
    throw new PlatformError('bad_signature', `${p.what} signature is malformed`);
  }
  // A failure of the resolver itself (the chain RPC) is told apart from a failed verification.
  let resolverFailure: { error: unknown } | undefined;
  const resolver: Resolvable = {
    resolve: async (...args) => {
      try {
        return await p.resolver.resolve(...args);
      } catch (error) {
        resolverFailure = { error };
        throw error;
      }
    },
  };
  try {
    await verifyJWT(jwt, {
      resolver,
      proofPurpose: 'assertionMethod',
      // Times and audience are the caller's to check.
      policies: { now: p.now, iat: false, nbf: false, exp: false, aud: false },
    });
  } catch (cause) {
    throw jwtVerifyError(resolverFailure ? resolverFailure.error : cause, {
      ...p,
      resolverFailed: resolverFailure !== undefined,
    });
  }
}

/** did-jwt's failures (prefixed messages), or the resolver's own, as platform errors. */
function jwtVerifyError(
  cause: unknown,
  p: { what: string; signer: string; resolverFailed: boolean },
): PlatformError {
  if (cause instanceof PlatformError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (p.resolverFailed) {
    return new PlatformError('chain_unreachable', `${p.signer} could not be resolved`, {
      cause,
      details: message.slice(0, 500),
    });
  }
  if (message.startsWith('resolver_error')) {
    return new PlatformError('bad_signature', `${p.what}'s DID cannot be resolved`, {
      cause,
      details: message.slice(0, 500),
    });
  }
  if (message.startsWith('invalid_jwt')) {
    return new PlatformError('bad_input', `${p.what} is not a valid JWT`, { cause });
  }
  // invalid_signature, no_suitable_keys, not_supported, or the curve library refusing the
  // signature bytes (r or s out of range).
  return new PlatformError('bad_signature', `${p.what} is not signed by a key of its DID`, {
    cause,
  });
}

/**
 * The chain a service or wallet works on, from its RPC URL: the chain id, the zkrep deployment
 * recorded for it, and the did:ethr network on it (named `didNetwork`, else the chain id in hex).
 * `config_invalid` when nothing is deployed there; `chain_unreachable` when the RPC is down.
 */
export async function connectChain(p: {
  rpcUrl: string;
  deploymentsDir?: string | undefined;
  didNetwork?: string | undefined;
}): Promise<{ chainId: number; deployment: Deployment; network: EthrNetwork }> {
  const chainId = await rpcChainId(p.rpcUrl);
  const deployment = await readDeployment(chainId, p.deploymentsDir);
  if (!deployment) {
    throw new PlatformError(
      'config_invalid',
      `no zkrep deployment for chain ${chainId}: deploy first`,
    );
  }
  return {
    chainId,
    deployment,
    network: {
      name: p.didNetwork ?? `0x${chainId.toString(16)}`,
      chainId,
      rpcUrl: p.rpcUrl,
      registry: deployment.contracts.didRegistry.address,
    },
  };
}
