/**
 * The credential claim: what an issuer signs and the circuit re-hashes.
 *
 *   claimHash = Poseidon(schema, holderCommitment, credentialId, issuedAt, expiresAt,
 *                        attributes[0], ..., attributes[7])
 *
 * All fields are validated here with the circuit's bounds, so an issuer cannot sign a
 * claim that the circuit would later refuse (I01).
 */
import { toHex } from 'viem';
import { ZK_ERROR, ZkError } from './errors.js';
import { MAX_CREDENTIAL_ID, assertField, encodeTime, encodeValue, hashToField } from './field.js';
import { poseidon } from './poseidon.js';

/** Attribute slots in a claim (the circuit's nAttrs). */
export const ATTRIBUTE_SLOTS = 8;

export interface Claim {
  /** Schema id (see `schemaId`). */
  schema: bigint;
  /** Poseidon(holder secret). */
  holderCommitment: bigint;
  /** The issuer's revocation key for this credential, in [0, 2^24). */
  credentialId: bigint;
  /** Unix seconds. */
  issuedAt: bigint;
  /** Unix seconds; the credential is valid while time < expiresAt. */
  expiresAt: bigint;
  /** Exactly 8 encoded attribute values, each in [0, 2^64); unused slots are 0. */
  attributes: readonly bigint[];
}

/** A schema id: the field hash of its name, e.g. `schemaId('zkrep.age.v1')`. */
export function schemaId(name: string): bigint {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw new ZkError(ZK_ERROR.badInput, 'schema name must be a non-empty string');
  }
  return hashToField(toHex(`zkrep:schema:${name}`));
}

/** Validates every field of a claim against the circuit's bounds; returns it normalised. */
export function validateClaim(claim: Claim): Claim {
  if (!claim || typeof claim !== 'object')
    throw new ZkError(ZK_ERROR.badInput, 'claim is required');
  const schema = assertField(claim.schema, 'schema');
  if (schema === 0n) throw new ZkError(ZK_ERROR.badInput, 'schema must not be 0');
  const holder = assertField(claim.holderCommitment, 'holderCommitment');
  if (
    typeof claim.credentialId !== 'bigint' ||
    claim.credentialId < 0n ||
    claim.credentialId > MAX_CREDENTIAL_ID
  ) {
    throw new ZkError(ZK_ERROR.outOfRange, 'credentialId must be in [0, 2^24)');
  }
  const issuedAt = encodeTime(claim.issuedAt, 'issuedAt');
  const expiresAt = encodeTime(claim.expiresAt, 'expiresAt');
  if (expiresAt <= issuedAt)
    throw new ZkError(ZK_ERROR.badInput, 'expiresAt must be after issuedAt');
  if (!Array.isArray(claim.attributes) || claim.attributes.length !== ATTRIBUTE_SLOTS) {
    throw new ZkError(ZK_ERROR.badInput, `a claim has exactly ${ATTRIBUTE_SLOTS} attribute slots`);
  }
  // Array.from visits holes of a sparse array (map skips them), so a missing slot is an error.
  const attributes = Array.from(claim.attributes, (a, i) => encodeValue(a, `attribute ${i}`));
  return {
    schema,
    holderCommitment: holder,
    credentialId: claim.credentialId,
    issuedAt,
    expiresAt,
    attributes,
  };
}

/** The claim's field elements in circuit order. */
export function claimFields(claim: Claim): bigint[] {
  const c = validateClaim(claim);
  return [c.schema, c.holderCommitment, c.credentialId, c.issuedAt, c.expiresAt, ...c.attributes];
}

/** Poseidon hash of the claim: the message the issuer signs. */
export function claimHash(claim: Claim): bigint {
  return poseidon(claimFields(claim));
}
