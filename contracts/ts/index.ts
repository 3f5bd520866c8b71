/**
 * `#contracts`: the public API of the contracts component. Explicit named exports only.
 */
export {
  auditAnchorAbi,
  ethereumDidRegistryAbi,
  groth16VerifierAbi,
  marketplaceAbi,
  zkGateAbi,
} from './abi.js';
export { anchorAuditHead, getAnchorAt, getLatestAnchor } from './audit.js';
export type { AuditCheckpoint } from './audit.js';
export { openChain, resolveAnvilBinary, rpcChainId, startAnvil } from './chain.js';
export type {
  AnvilChain,
  ChainHandle,
  OpenChainParameters,
  StartAnvilParameters,
} from './chain.js';
export {
  chainFor,
  createClients,
  decodeRevert,
  getTransactionOutcome,
  sendValue,
  writeAndWait,
} from './clients.js';
export type {
  CreateClientsParameters,
  DecodedRevert,
  ReadClient,
  WriteClient,
  WriteParameters,
} from './clients.js';
export {
  CONTRACTS_DIR,
  SOLC_SETTINGS,
  SOLC_VERSION,
  TEST_VERIFIER_MARKER,
  compileContracts,
} from './compile.js';
export type { CompileOutput, CompileParameters, ContractArtifact } from './compile.js';
export { loadContractsConfig } from './config.js';
export type { ContractsConfig } from './config.js';
export {
  DEFAULT_DEPLOYMENTS_DIR,
  codeMatchesArtifact,
  deploy,
  isDeploymentLive,
  readDeployment,
} from './deploy.js';
export type { DeployParameters, DeployReturnType, DeployedContract, Deployment } from './deploy.js';
export {
  changeDidOwner,
  ethereumDidRegistryArtifact,
  knownDidRegistryAddress,
} from './did-registry.js';
export type { EthereumDidRegistryArtifact } from './did-registry.js';
export {
  ContractsError,
  ContractsErrorCode,
  GATE_ERROR_CODES,
  GATE_ERROR_MESSAGES,
  isGateErrorName,
} from './errors.js';
export type { GateErrorCode, GateErrorName } from './errors.js';
export {
  createPolicy,
  disablePolicy,
  getNullifierBinding,
  getPass,
  getPolicy,
  hasValidPass,
  toGateFailure,
  verifyOnChain,
} from './gate.js';
export type {
  CreatePolicyParameters,
  CreatePolicyReturnType,
  Pass,
  PolicyInput,
  VerifyOnChainParameters,
  VerifyOnChainReturnType,
} from './gate.js';
export {
  LISTING_STATES,
  buyItem,
  deployMarketplace,
  getListing,
  getListings,
  getMarketplaceBinding,
  getMarketplaceEvents,
  getSellerTrades,
  listItem,
} from './marketplace.js';
export type {
  DeployMarketplaceParameters,
  Listing,
  ListingState,
  MarketplaceBinding,
  MarketplaceEvent,
  SellerTrade,
} from './marketplace.js';
export {
  IssuerStatus,
  getCurrentRoot,
  getIssuer,
  getRootHistory,
  isRootAccepted,
  isSchemaAllowed,
  publishRevocationRoot,
  registerIssuer,
  setIssuerController,
  setIssuerSchema,
  setIssuerStatus,
} from './registry.js';
export type { IssuerStatusName } from './registry.js';
export {
  FIELD_SIZE,
  NO_CONTEXT,
  PUBLIC_SIGNAL_COUNT,
  PublicSignalIndex,
  computeScope,
  computeSignalHash,
  fromSignalTuple,
  parseSignalTuple,
  toSignalTuple,
  toSolidityProof,
} from './signals.js';
export type {
  PublicSignalName,
  PublicSignalTuple,
  SnarkjsProof,
  SolidityProof,
} from './signals.js';
export {
  PLACEHOLDER_VERIFICATION_KEY,
  VERIFICATION_KEY_UNIT,
  parseVerificationKey,
  readVerificationKeyFromSolidity,
  renderVerificationKeySource,
  verificationKeyHash,
  verificationKeysEqual,
} from './verifier-key.js';
export type { G1Point, G2Point, VerificationKey } from './verifier-key.js';
