/**
 * zkrep zk core: the one public API of circuits/ts. Every other component imports from
 * here (alias `#zk`); nothing else does field arithmetic or imports circomlibjs/snarkjs.
 */
export {
  ERROR_CODES,
  type ErrorCode,
  isErrorCode,
  httpStatusOf,
  ZkrepError,
  ZK_ERROR,
  ZkError,
  type ZkErrorCode,
} from './errors.js';
export {
  SNARK_FIELD_SIZE,
  BASE_FIELD_SIZE,
  SUBGROUP_ORDER,
  TIME_BITS,
  MAX_TIME,
  VALUE_BITS,
  MAX_VALUE,
  MIN_DATE,
  MAX_DATE,
  DATE_BITS,
  PROOF_TIME_BITS,
  REVOCATION_DEPTH,
  MAX_CREDENTIAL_ID,
  isCanonicalFieldString,
  parseFieldElement,
  assertField,
  encodeValue,
  encodeTime,
  encodeDate,
  decodeDate,
  daysInMonth,
  utcDateOf,
  encodeProofTime,
  decodeProofTime,
  hashToField,
} from './field.js';
export { poseidon } from './poseidon.js';
export {
  type Point,
  type Signature,
  isValidPublicKey,
  generateIssuerPrivateKey,
  issuerPublicKey,
  issuerKeyHash,
  signMessage,
  verifySignature,
  holderSecretFromSeed,
  assertHolderSecret,
  holderCommitment,
  computeNullifier,
} from './keys.js';
export {
  ATTRIBUTE_SLOTS,
  type Claim,
  schemaId,
  validateClaim,
  claimFields,
  claimHash,
} from './claim.js';
export {
  type AttributeKind,
  type AttributeSpec,
  type AttributeValues,
  type CredentialSchema,
  AGE_SCHEMA,
  REPUTATION_SCHEMA,
  CREDENTIAL_SCHEMAS,
  findCredentialSchema,
  encodeAttributes,
  encodePredicateValue,
} from './schemas.js';
export {
  ZERO_HASHES,
  EMPTY_REVOCATION_ROOT,
  RevocationTree,
  type SerializedRevocationTree,
  verifyNonMembership,
} from './smt.js';
export {
  PREDICATE_COUNT,
  Op,
  type OpCode,
  type Predicate,
  type Query,
  normalizeQuery,
  queryFields,
  queryHash,
  evaluatePredicate,
  evaluateQuery,
} from './query.js';
export {
  PUBLIC_SIGNAL_NAMES,
  PUBLIC_SIGNAL_COUNT,
  SIGNAL_INDEX,
  type PublicSignalName,
  type PublicSignals,
  parsePublicSignals,
  formatPublicSignals,
  gateScope,
  verifierScope,
  gateSignalHash,
  requestContext,
  requestDigest,
  requestSignalHash,
  requestSignalHashOf,
} from './signals.js';
export { type WitnessRequest, type CircuitInput, buildWitnessInput } from './inputs.js';
export {
  type Groth16Proof,
  type ProofResult,
  type CircuitWitness,
  createWitnessCalculator,
  calculateWitness,
  calculateWitnessValues,
  prove,
  proveFromWitness,
  shutdownZk,
  warmProver,
} from './prove.js';
export {
  VERIFY_FAILURE,
  type VerifyFailureCode,
  type VerifyResult,
  type VerifyItem,
  type NormalizedVerifyItem,
  type VerifyFailure,
  checkProofEncoding,
  isVerifyFailure,
  normalizeVerifyItem,
  normalizeVerifyRequest,
  preparedKeyCacheStats,
  verify,
  verifyBatch,
} from './verify.js';
export {
  ARTIFACT_FILES,
  type ArtifactName,
  type ArtifactsLock,
  buildDir,
  artifactPath,
  loadArtifact,
  loadVerificationKey,
  readLock,
  verifierSolidityPath,
  sha256,
} from './artifacts.js';
export {
  type R1cs,
  type LinearCombination,
  readR1csFile,
  readSymFile,
  constraintHolds,
  failingConstraints,
  constraintsByWire,
} from './r1cs.js';
export {
  SIGNAL_CHECK,
  type SignalCheckCode,
  type SignalCheckResult,
  type SignalExpectations,
  checkPublicSignals,
} from './checks.js';
export { type VerifierPool, type VerifierPoolOptions, createVerifierPool } from './pool.js';
