/**
 * `#verifier`: the verifier service's public API. Explicit named exports only.
 */
export { API_VERSION, createApp, type VerifierApp, type VerifierDeps } from './app.js';
export { loadVerifierConfig, type MarketplaceAccount, type VerifierConfig } from './config.js';
export { VerifierError } from './errors.js';
export {
  AUDIT_GENESIS_HASH,
  auditBodyHash,
  auditEntryHash,
  redactAuditEntry,
  verifyAuditLog,
  type AuditCheckpointRef,
  type AuditEntry,
  type AuditHead,
  type AuditLogFailure,
  type AuditLogVerdict,
} from './domain/audit-chain.js';
export { readAuditEntries } from './domain/audit.js';
export {
  ERASURE_TYP,
  type ErasureClaims,
  type ErasedEntry,
  type WithdrawalOutcome,
} from './domain/erasure.js';
export {
  CHECKPOINT_TYP,
  CheckpointClaims,
  signCheckpoint,
  verifyCheckpoint,
} from './domain/audit-checkpoint.js';
export {
  REPORT_TYP,
  signReport,
  verifyReportSignature,
  type ComplianceReport,
  type ReportCheckpoint,
  type ReportCounts,
} from './domain/report.js';
export {
  checkReport,
  REPORT_CHECKS,
  type ReportCheck,
  type ReportCheckDeps,
  type ReportCheckName,
  type ReportCheckResult,
} from './domain/report-check.js';
export {
  signWebhook,
  verifyWebhookSignature,
  WEBHOOK_EVENT_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
} from './domain/webhooks.js';
export { startVerifier, type RunningVerifier, type StartVerifierOptions } from './service.js';
