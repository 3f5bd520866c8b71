/**
 * zkrep platform: the infrastructure the services (issuer, verifier, wallet agent) share, in one
 * place they all import (alias `#platform`): the embedded PostgreSQL launcher, the database
 * connection (SQLite or PostgreSQL, one TypeORM data source), and the HTTP error middleware.
 */
export {};
