/**
 * The witness input builder: turns a credential, the holder secret, a query and the
 * verifier's request into the circuit's input object. It checks everything the circuit
 * will check, so a bad request fails here with a clear error instead of a failed witness.
 */
import { ZK_ERROR, ZkError } from './errors.js';
import { assertField, encodeProofTime, encodeTime } from './field.js';
import { type Claim, claimHash, validateClaim } from './claim.js';
import {
  type Point,
  type Signature,
  assertHolderSecret,
  holderCommitment,
  verifySignature,
} from './keys.js';
import { type Query, evaluateQuery, normalizeQuery } from './query.js';
import { type RevocationTree, verifyNonMembership } from './smt.js';

export interface WitnessRequest {
  /** The holder's secret (< l). */
  secret: bigint;
  /** The signed claim and the issuer's public key and signature over claimHash(claim). */
  claim: Claim;
  issuerPublicKey: Point;
  signature: Signature;
  /** Either the issuer's tree, or a root with a non-membership path for claim.credentialId. */
  revocation: RevocationTree | { root: bigint; siblings: readonly bigint[] };
  query: Query;
  /** Unix seconds; the public time signal packs its UTC date above it (`encodeProofTime`). */
  time: bigint;
  scope: bigint;
  signalHash: bigint;
}

/** The circuit's input signals as decimal strings. */
export type CircuitInput = Record<string, string | string[]>;

const dec = (x: bigint): string => x.toString();

/** Builds the circuit input; throws ZkError with a clear reason when a proof cannot succeed. */
export function buildWitnessInput(req: WitnessRequest): CircuitInput {
  const secret = assertHolderSecret(req.secret);
  const claim = validateClaim(req.claim);
  if (claim.holderCommitment !== holderCommitment(secret)) {
    throw new ZkError(ZK_ERROR.badInput, 'the credential was not issued to this holder secret');
  }
  const message = claimHash(claim);
  if (!verifySignature(message, req.signature, req.issuerPublicKey)) {
    throw new ZkError(ZK_ERROR.badSignature, 'the issuer signature does not verify for this claim');
  }
  const time = encodeTime(req.time);
  if (time < claim.issuedAt)
    throw new ZkError(ZK_ERROR.badInput, 'the credential is not valid yet');
  if (time >= claim.expiresAt) throw new ZkError(ZK_ERROR.badInput, 'the credential has expired');

  let root: bigint;
  let siblings: readonly bigint[];
  if ('nonMembershipProof' in req.revocation) {
    root = req.revocation.root;
    siblings = req.revocation.nonMembershipProof(claim.credentialId);
  } else {
    root = assertField(req.revocation.root, 'revocation root');
    siblings = req.revocation.siblings;
    if (!verifyNonMembership(root, claim.credentialId, siblings)) {
      throw new ZkError(
        ZK_ERROR.revoked,
        'the revocation path does not prove the credential unrevoked',
      );
    }
  }

  const query = normalizeQuery(req.query);
  if (query.schema !== claim.schema)
    throw new ZkError(ZK_ERROR.badInput, 'the query is for another schema');
  if (!evaluateQuery(query, claim.attributes, time)) {
    throw new ZkError(ZK_ERROR.badInput, 'the credential does not satisfy the query');
  }

  return {
    secret: dec(secret),
    issuerAx: dec(req.issuerPublicKey[0]),
    issuerAy: dec(req.issuerPublicKey[1]),
    sigS: dec(req.signature.S),
    sigR8x: dec(req.signature.R8[0]),
    sigR8y: dec(req.signature.R8[1]),
    schema: dec(claim.schema),
    credentialId: dec(claim.credentialId),
    issuedAt: dec(claim.issuedAt),
    expiresAt: dec(claim.expiresAt),
    attrs: claim.attributes.map(dec),
    revSiblings: siblings.map(dec),
    predSlot: query.predicates.map((p) => String(p.slot)),
    predOp: query.predicates.map((p) => String(p.op)),
    predValue: query.predicates.map((p) => dec(p.value)),
    revocationRoot: dec(root),
    time: dec(encodeProofTime(time)),
    scope: dec(assertField(req.scope, 'scope')),
    signalHash: dec(assertField(req.signalHash, 'signal hash')),
  };
}
