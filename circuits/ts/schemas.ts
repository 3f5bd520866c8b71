/**
 * The credential schemas: which attribute sits in which claim slot, its kind and its bounds.
 * This is the one claim layout of the project: the issuer encodes attributes with it, the
 * verifier turns readable predicates (`{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }`)
 * into slots with it, the wallet explains requests with it (docs/protocol.md §2).
 */
import { ZK_ERROR, ZkError } from './errors.js';
import { encodeDate, encodeValue } from './field.js';
import { ATTRIBUTE_SLOTS, schemaId } from './claim.js';

export type AttributeKind = 'date' | 'integer' | 'enum';

export interface AttributeSpec {
  readonly slot: number;
  readonly kind: AttributeKind;
  /** Inclusive bounds of an integer. */
  readonly min?: number;
  readonly max?: number;
  /** The values of an enum, encoded as their index. */
  readonly values?: readonly string[];
  /** A date that may not lie after the issuance date (birth date, member since). */
  readonly notInFuture?: boolean;
  readonly description: string;
}

export interface CredentialSchema {
  /** The W3C credential type. */
  readonly type: string;
  /** The zk schema name; its field hash is the claim's `schema`. */
  readonly name: string;
  readonly id: bigint;
  readonly attributes: Readonly<Record<string, AttributeSpec>>;
}

function schema(
  type: string,
  name: string,
  attributes: Record<string, AttributeSpec>,
): CredentialSchema {
  return Object.freeze({ type, name, id: schemaId(name), attributes: Object.freeze(attributes) });
}

/** Age (from a KYC provider): slot 0 birth date, 1 country, 2 KYC level. */
export const AGE_SCHEMA = schema('AgeCredential', 'zkrep.age.v1', {
  birthDate: {
    slot: 0,
    kind: 'date',
    notInFuture: true,
    description: 'date of birth (YYYY-MM-DD, UTC)',
  },
  country: {
    slot: 1,
    kind: 'integer',
    min: 1,
    max: 999,
    description: 'country of residence, ISO 3166-1 numeric',
  },
  kycLevel: {
    slot: 2,
    kind: 'integer',
    min: 1,
    max: 3,
    description: 'KYC assurance level (1 basic, 2 document checked, 3 in person)',
  },
});

/** Marketplace reputation (from the operator): score, trades, disputes, member since, role. */
export const REPUTATION_SCHEMA = schema('MarketplaceReputationCredential', 'zkrep.reputation.v1', {
  score: { slot: 0, kind: 'integer', min: 0, max: 100, description: 'reputation score, 0–100' },
  trades: {
    slot: 1,
    kind: 'integer',
    min: 0,
    max: 4_294_967_295,
    description: 'completed trades that counted',
  },
  disputeRate: {
    slot: 2,
    kind: 'integer',
    min: 0,
    max: 1000,
    description: 'disputed trades per thousand',
  },
  memberSince: {
    slot: 3,
    kind: 'date',
    notInFuture: true,
    description: 'date of the first counted trade (YYYY-MM-DD)',
  },
  role: { slot: 4, kind: 'enum', values: ['buyer', 'seller'], description: 'buyer or seller' },
});

export const CREDENTIAL_SCHEMAS: readonly CredentialSchema[] = Object.freeze([
  AGE_SCHEMA,
  REPUTATION_SCHEMA,
]);

/** The schema of a credential type ('AgeCredential', …) or zk schema name; undefined if none. */
export function findCredentialSchema(typeOrName: string): CredentialSchema | undefined {
  return CREDENTIAL_SCHEMAS.find((s) => s.type === typeOrName || s.name === typeOrName);
}

export type AttributeValues = Readonly<Record<string, string | number>>;

/**
 * Encodes readable attribute values into the claim's 8 slots, refusing anything out of range
 * before it can be signed (I01): an unknown or missing attribute, a non-integer, a value outside
 * its bounds, a date before 1800-01-01 or after `today` where the attribute forbids it.
 * `today` is a YYYYMMDD date (the issuance date).
 */
export function encodeAttributes(
  s: CredentialSchema,
  values: AttributeValues,
  today: number,
): bigint[] {
  if (!values || typeof values !== 'object') {
    throw new ZkError(ZK_ERROR.badInput, 'attributes are required');
  }
  const names = Object.keys(s.attributes);
  for (const key of Object.keys(values)) {
    if (!Object.hasOwn(s.attributes, key)) {
      throw new ZkError(ZK_ERROR.badInput, `${s.type} has no attribute ${key}`);
    }
  }
  const slots = new Array<bigint>(ATTRIBUTE_SLOTS).fill(0n);
  for (const name of names) {
    const spec = s.attributes[name]!;
    const v = Object.hasOwn(values, name) ? values[name] : undefined;
    if (v === undefined) throw new ZkError(ZK_ERROR.badInput, `attribute ${name} is required`);
    slots[spec.slot] = encodeAttribute(name, spec, v, today);
  }
  return slots;
}

function encodeAttribute(
  name: string,
  spec: AttributeSpec,
  v: string | number,
  today: number,
): bigint {
  switch (spec.kind) {
    case 'date': {
      if (typeof v !== 'string')
        throw new ZkError(ZK_ERROR.badEncoding, `${name} must be YYYY-MM-DD`);
      const d = encodeDate(v, name);
      if (spec.notInFuture && d > BigInt(today)) {
        throw new ZkError(ZK_ERROR.outOfRange, `${name} must not be in the future`);
      }
      return d;
    }
    case 'integer': {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
        throw new ZkError(ZK_ERROR.badEncoding, `${name} must be an integer`);
      }
      if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
        throw new ZkError(ZK_ERROR.outOfRange, `${name} must be in [${spec.min}, ${spec.max}]`);
      }
      return encodeValue(v, name);
    }
    case 'enum': {
      const i = typeof v === 'string' ? (spec.values ?? []).indexOf(v) : -1;
      if (i < 0) {
        throw new ZkError(ZK_ERROR.outOfRange, `${name} must be one of ${spec.values?.join(', ')}`);
      }
      return BigInt(i);
    }
  }
}

/** The numeric value a predicate compares for a readable enum value or date ('seller' → 1). */
export function encodePredicateValue(
  s: CredentialSchema,
  attribute: string,
  value: string | number,
): bigint {
  const spec = Object.hasOwn(s.attributes, attribute) ? s.attributes[attribute] : undefined;
  if (!spec) throw new ZkError(ZK_ERROR.badInput, `${s.type} has no attribute ${attribute}`);
  if (spec.kind === 'enum' && typeof value === 'string') {
    return encodeAttribute(attribute, spec, value, Number.MAX_SAFE_INTEGER);
  }
  if (spec.kind === 'date' && typeof value === 'string') return encodeDate(value, attribute);
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new ZkError(ZK_ERROR.badEncoding, `the value for ${attribute} must be an integer`);
  }
  return encodeValue(value, attribute);
}
