/**
 * `#wallet`: the wallet agent as a library. Explicit named exports only.
 */
export { WalletError } from './errors.js';
export { loadWalletConfig, type WalletConfig } from './config.js';
export {
  WALLET_FILE,
  WALLET_FORMAT,
  Wallet,
  initWallet,
  openWallet,
  recoverWallet,
  walletExists,
  type CreateParams,
  type WalletChain,
  type WalletParams,
} from './wallet.js';
export {
  DID_KEY_PATH,
  identityFromPhrase,
  newRecoveryPhrase,
  normalizePhrase,
  withdrawKeyFromSeed,
} from './domain/recovery.js';
export { DEFAULT_KDF, MIN_PASSPHRASE_LENGTH } from './domain/vault.js';
export {
  CREDENTIAL_TYPE_ALIASES,
  credentialType,
  listCredentials,
  requestCredential,
  showCredential,
  type CredentialDetails,
  type CredentialSummary,
} from './domain/credentials.js';
export { describeRequest, type Disclosure, type DisclosureWarning } from './domain/disclosure.js';
export type { RegistrationSource } from './domain/registration.js';
export {
  answerInput,
  answerParams,
  fetchRevocation,
  newConsentReceipt,
  openRequest,
  proveAnswer,
  proveRequest,
  respond,
  type AnswerParams,
  type OpenedRequest,
  type ProofResponse,
  type RespondOptions,
  type RespondResult,
  type RespondStage,
  type RequestContext,
} from './domain/respond.js';
export {
  checkErasureRecord,
  clearPresentations,
  consentStatusText,
  listConsents,
  listPresentations,
  withdrawConsent,
  withdrawalsUrl,
  type ConsentView,
  type PresentationView,
  type VerifierNotice,
  type WithdrawOptions,
} from './domain/consents.js';
export { BACKUP_FORMAT, backupWallet, readBackup, restoreWallet } from './domain/backup.js';
export { runCli, renderDisclosure, type CliIo } from './cli.js';
export { createApp, csrfValue, type WalletAppDeps } from './app.js';
export { AGENT_FILE, startWalletAgent, type RunningWalletAgent } from './server.js';
