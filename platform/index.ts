/**
 * zkrep platform: the infrastructure the services (issuer, verifier, wallet agent) share, in one
 * place they all import (alias `#platform`): the embedded PostgreSQL launcher, the database
 * connection (SQLite or PostgreSQL, one TypeORM data source), the did:ethr Veramo agent and
 * resolver, and the HTTP pieces (validation, auth, limits, logs, errors, OpenAPI).
 */
export { PlatformError } from './errors.js';
export { startPostgres, type StartPostgresParameters, type EmbeddedPostgres } from './postgres.js';
export {
  openDatabase,
  insertIfAbsent,
  withDatabaseLock,
  withTransaction,
  type OpenDatabaseParameters,
} from './database.js';
export {
  z,
  ErrorBody,
  createLogger,
  createOpenApi,
  errorHandler,
  errorResponse,
  finishApp,
  apiKeyPrincipals,
  httpError,
  isHttpUrl,
  jsonBody,
  jsonContent,
  notFound,
  openApiDocument,
  parseInput,
  probeRoutes,
  rateLimiter,
  requestLogger,
  requireApiKey,
  toErrorResponse,
} from './http.js';
export {
  agentJwtSigner,
  connectChain,
  createEthrAgent,
  ethrProvider,
  ethrResolver,
  ttlCache,
  verifyDidJwtSignature,
  type CreateEthrAgentParameters,
  type EthrAgent,
  type EthrNetwork,
} from './identity.js';
export {
  MAX_REQUEST_OBJECT_LENGTH,
  REQUEST_LEGAL_BASES,
  REQUEST_PREDICATE_OPS,
  ProofRequestClaims,
  isPlainHttpUrl,
  type RequestPredicate,
  parseWalletUrl,
  signRequestObject,
  verifyRequestObject,
  walletUrl,
} from './request-object.js';
export {
  compilePolicy,
  expectedContext,
  expectedScope,
  expectedSignalHash,
  LEGAL_BASES,
  MAX_PREDICATES,
  MAX_TRUSTED_ISSUERS,
  POLICY_SCHEMAS,
  PREDICATE_OPS,
  type CompiledPolicy,
  type PolicyInput,
  type PredicateInput,
  type RequestBinding,
} from './policy.js';
export {
  ConsentReceipt,
  buildConsentReceipt,
  canonicalConsentReceipt,
  consentReceiptHash,
  parseConsentReceipt,
  parseWithdrawal,
  Withdrawal,
  WITHDRAWAL_VERSION,
  withdrawalMessage,
  withdrawalSignedFor,
} from './consent.js';
export { runServer, type StartedService } from './main.js';
export { DatabaseRateLimitStore } from './rate-limit-store.js';
export {
  LOG_LEVELS,
  envReader,
  serviceSettings,
  type EnvReader,
  type ServiceSettings,
} from './config.js';
export { bigintColumn, createTablesMigration, ddl, nullableBigintColumn } from './schema.js';
