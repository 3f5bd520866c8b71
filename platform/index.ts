/**
 * zkrep platform: the infrastructure the services (issuer, verifier, wallet agent) share, in one
 * place they all import (alias `#platform`): the embedded PostgreSQL launcher, the database
 * connection (SQLite or PostgreSQL, one TypeORM data source), and the HTTP error middleware.
 */
export { PlatformError } from './errors.js';
export { startPostgres, type StartPostgresParameters, type EmbeddedPostgres } from './postgres.js';
export {
  openDatabase,
  insertIfAbsent,
  withTransaction,
  type OpenDatabaseParameters,
} from './database.js';
export {
  z,
  ErrorBody,
  createLogger,
  createOpenApi,
  errorHandler,
  httpError,
  notFound,
  openApiDocument,
  parseInput,
  rateLimiter,
  requestLogger,
  requireApiKey,
  toErrorResponse,
} from './http.js';
export { bigintColumn, createTablesMigration, ddl, nullableBigintColumn } from './schema.js';
