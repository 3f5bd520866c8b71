/**
 * `#issuer`: the issuer service's public API. Explicit named exports only.
 */
export { API_VERSION, createApp, type IssuerDeps, type ReputationSource } from './app.js';
export { createIssuerAgent, type IssuerAgent } from './agent.js';
export { loadIssuerConfig, type IssuerConfig } from './config.js';
export { IssuerError } from './errors.js';
export {
  ZK_KEY_METHOD_TYPE,
  resolveIssuerZkKeys,
  advertisesZkKey,
  type IssuerIdentity,
} from './domain/identity.js';
export { parseZkPublicKeyHex, zkPublicKeyHex } from './domain/zk-key.js';
export { credentialJsonSchema, type ZkClaimJson } from './domain/credentials.js';
export { batchDigest, canonicalEvents, type PostedTradeEvent } from './domain/signed-events.js';
export { verifyIssuedCredential, type CredentialCheck } from './credential-verify.js';
export { startIssuer, type RunningIssuer, type StartIssuerOptions } from './service.js';
