/**
 * Issuing credentials: readable attributes → checked and encoded by the zk core's schema
 * (nothing out of range is ever signed, I01) → a claim with a fresh credential id → its
 * EdDSA-Poseidon signature → a W3C verifiable credential as a JWT signed by the issuer's
 * did:ethr key, with `exp` always set and the zk claim and signature in the subject.
 *
 * Data minimisation: the issuer keeps only the credential's id, type, holder DID, validity,
 * status and signing key (what revocation and re-issuance need), never attribute values.
 */
import { withTransaction } from '#platform';
import {
  type AttributeValues,
  type Claim,
  type CredentialSchema,
  MAX_CREDENTIAL_ID,
  claimHash,
  encodeAttributes,
  findCredentialSchema,
  isCanonicalFieldString,
  utcDateOf,
  validateClaim,
} from '#zk';
import type { DataSource, EntityManager } from 'typeorm';
import type { IssuerAgent } from '../agent.js';
import { IssuerError } from '../errors.js';
import { CredentialEntity, type CredentialRow } from '../store/schema.js';
import type { IssuerIdentity } from './identity.js';
import type { IssuerZkKey } from './zk-key.js';

/** The most a credential may be valid for, and the default per type. */
export const MAX_VALIDITY_SECONDS = 2 * 365 * 86_400;
export const DEFAULT_VALIDITY_SECONDS: Readonly<Record<string, number>> = Object.freeze({
  AgeCredential: 365 * 86_400,
  MarketplaceReputationCredential: 30 * 86_400,
});

export interface IssuanceContext {
  agent: IssuerAgent;
  dataSource: DataSource;
  identity: IssuerIdentity;
  zkKey: IssuerZkKey;
  /** Public base URL of the issuer API (the JSON schemas are served under it). */
  baseUrl: string;
  /** Unix seconds. */
  now: () => number;
}

export interface IssueRequest {
  type: string;
  holderDid: string;
  holderCommitment: string;
  attributes: AttributeValues;
  /** Defaults per type; at most MAX_VALIDITY_SECONDS. */
  validitySeconds?: number;
}

export interface IssuedCredential {
  jwt: string;
  credentialId: number;
  type: string;
  issuedAt: number;
  expiresAt: number;
}

/** The zk part of a credential subject: everything the wallet needs to prove. */
export interface ZkClaimJson {
  schema: string;
  holderCommitment: string;
  credentialId: string;
  issuedAt: string;
  expiresAt: string;
  attributes: string[];
  issuerPublicKey: [string, string];
  issuerKeyHash: string;
  signature: { R8: [string, string]; S: string };
}

/** The zk claim, issuer key and signature of a credential subject's `zk` block (fields checked by the caller). */
export function zkPartsOf(zk: ZkClaimJson): {
  claim: Claim;
  issuerPublicKey: readonly [bigint, bigint];
  signature: { R8: readonly [bigint, bigint]; S: bigint };
} {
  return {
    claim: {
      schema: BigInt(zk.schema),
      holderCommitment: BigInt(zk.holderCommitment),
      credentialId: BigInt(zk.credentialId),
      issuedAt: BigInt(zk.issuedAt),
      expiresAt: BigInt(zk.expiresAt),
      attributes: zk.attributes.map((a) => BigInt(a)),
    },
    issuerPublicKey: [BigInt(zk.issuerPublicKey[0]), BigInt(zk.issuerPublicKey[1])],
    signature: {
      R8: [BigInt(zk.signature.R8[0]), BigInt(zk.signature.R8[1])],
      S: BigInt(zk.signature.S),
    },
  };
}

/** Issues one credential; throws IssuerError before signing anything on bad input. */
export async function issueCredential(
  ctx: IssuanceContext,
  req: IssueRequest,
): Promise<IssuedCredential> {
  const schema = findCredentialSchema(req.type);
  if (!schema || schema.type !== req.type) {
    throw new IssuerError('bad_input', `unknown credential type ${String(req.type).slice(0, 64)}`);
  }
  if (!isCanonicalFieldString(req.holderCommitment) || req.holderCommitment === '0') {
    throw new IssuerError('bad_encoding', 'holderCommitment must be a non-zero field element');
  }
  const now = ctx.now();
  const validity = req.validitySeconds ?? DEFAULT_VALIDITY_SECONDS[schema.type]!;
  if (!Number.isSafeInteger(validity) || validity < 60 || validity > MAX_VALIDITY_SECONDS) {
    throw new IssuerError(
      'out_of_range',
      `validitySeconds must be in [60, ${MAX_VALIDITY_SECONDS}]`,
    );
  }
  // Checks and encodes every attribute; throws before an id is taken or anything signed.
  const attributes = encodeAttributes(schema, req.attributes, utcDateOf(now));
  const expiresAt = now + validity;

  return withTransaction(ctx.dataSource, async (tx) => {
    const credentialId = await nextCredentialId(tx);
    const claim: Claim = validateClaim({
      schema: schema.id,
      holderCommitment: BigInt(req.holderCommitment),
      credentialId: BigInt(credentialId),
      issuedAt: BigInt(now),
      expiresAt: BigInt(expiresAt),
      attributes,
    });
    const signature = ctx.zkKey.sign(claimHash(claim));
    const zk: ZkClaimJson = {
      schema: claim.schema.toString(),
      holderCommitment: claim.holderCommitment.toString(),
      credentialId: String(credentialId),
      issuedAt: String(now),
      expiresAt: String(expiresAt),
      attributes: attributes.map(String),
      issuerPublicKey: [ctx.zkKey.publicKey[0].toString(), ctx.zkKey.publicKey[1].toString()],
      issuerKeyHash: ctx.zkKey.keyHash.toString(),
      signature: {
        R8: [signature.R8[0].toString(), signature.R8[1].toString()],
        S: signature.S.toString(),
      },
    };
    const vc = await ctx.agent.createVerifiableCredential({
      credential: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', schema.type],
        issuer: { id: ctx.identity.did },
        issuanceDate: new Date(now * 1000).toISOString(),
        expirationDate: new Date(expiresAt * 1000).toISOString(),
        credentialSchema: { id: schemaUrl(ctx.baseUrl, schema), type: 'JsonSchema' },
        credentialSubject: { id: req.holderDid, ...req.attributes, zk },
      },
      proofFormat: 'jwt',
      keyRef: ctx.identity.controllerKid, // the current controller (after a rotation, the new key)
      save: false,
    });
    const row: CredentialRow = {
      id: credentialId,
      type: schema.type,
      holderDid: req.holderDid,
      keyHash: ctx.zkKey.keyHash.toString(),
      issuedAt: now,
      expiresAt,
      status: 'active',
      revokedAt: null,
    };
    await tx.getRepository(CredentialEntity).insert(row);
    return {
      jwt: (vc.proof as { jwt: string }).jwt,
      credentialId,
      type: schema.type,
      issuedAt: now,
      expiresAt,
    };
  });
}

/**
 * The next credential id: one more than the largest ever issued (ids are never reused, and a
 * revoked id stays revoked). Inside the issuing transaction; a concurrent issuer racing for the
 * same id loses on the primary key and the caller's transaction fails cleanly (retry).
 */
async function nextCredentialId(tx: EntityManager): Promise<number> {
  const raw = await tx
    .getRepository(CredentialEntity)
    .createQueryBuilder('c')
    .select('MAX(c.id)', 'max')
    .getRawOne<{ max: number | string | null }>();
  const next = raw?.max === null || raw?.max === undefined ? 0 : Number(raw.max) + 1;
  if (BigInt(next) > MAX_CREDENTIAL_ID) {
    throw new IssuerError(
      'out_of_range',
      'this issuer key has issued 2^24 credentials: rotate to a new zk key',
    );
  }
  return next;
}

/** Where a type's JSON schema is published. */
export function schemaUrl(baseUrl: string, schema: CredentialSchema): string {
  return `${baseUrl.replace(/\/$/, '')}/schemas/${schema.type}.json`;
}

/** The JSON schema (2020-12) of a credential type's subject, generated from the claim layout. */
export function credentialJsonSchema(baseUrl: string, schema: CredentialSchema): object {
  const properties: Record<string, object> = {
    id: { type: 'string', description: 'the holder DID' },
  };
  for (const [name, spec] of Object.entries(schema.attributes)) {
    properties[name] =
      spec.kind === 'date'
        ? { type: 'string', format: 'date', description: spec.description }
        : spec.kind === 'enum'
          ? { type: 'string', enum: [...(spec.values ?? [])], description: spec.description }
          : {
              type: 'integer',
              minimum: spec.min,
              maximum: spec.max,
              description: spec.description,
            };
  }
  properties.zk = {
    type: 'object',
    description: `the zk claim (${schema.name}) and its EdDSA-Poseidon signature`,
    required: [
      'schema',
      'holderCommitment',
      'credentialId',
      'issuedAt',
      'expiresAt',
      'attributes',
      'signature',
    ],
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: schemaUrl(baseUrl, schema),
    title: schema.type,
    description: `credentialSubject of a ${schema.type} (zk schema ${schema.name})`,
    type: 'object',
    properties,
    required: ['id', ...Object.keys(schema.attributes), 'zk'],
    additionalProperties: false,
  };
}
