/**
 * Verification policies (shared by the verifier, which compiles what a marketplace asks, and the
 * wallet, which recompiles what a request object shows to check its query hash): what a marketplace asks of a holder, in readable form
 * (`{ attribute: 'birthDate', op: 'ageAtLeast', value: 18 }`), with the data-protection terms
 * that go with it (purpose, retention, legal basis) and the freshness terms of ZkGate's
 * PolicyRegistry (pass lifetime, maximum proof and root ages).
 *
 * `compilePolicy` validates a policy completely and compiles it to the zk `Query` and its
 * `queryHash` with the zk core's schema table and encoders only (`findCredentialSchema`,
 * `encodePredicateValue`, `Op`, `queryHash`): the verifier does no field arithmetic of its own.
 * Every refusal is a `PlatformError` with one code: `bad_input` (wrong shape, unknown names,
 * a predicate that makes no sense for its attribute), `bad_encoding` (a value not in its
 * readable encoding) or `out_of_range` (a number outside its bounds).
 */
import {
  CREDENTIAL_SCHEMAS,
  Op,
  ZkrepError,
  encodePredicateValue,
  findCredentialSchema,
  isCanonicalFieldString,
  gateScope,
  gateSignalHash,
  queryHash,
  requestContext,
  requestSignalHash,
  verifierScope,
  type AttributeSpec,
  type CredentialSchema,
  type OpCode,
  type Query,
} from '#zk';
import type { Address, Hex } from 'viem';
import { PlatformError } from './errors.js';
import {
  REQUEST_LEGAL_BASES,
  REQUEST_PREDICATE_OPS,
  type ProofRequestClaims,
} from './request-object.js';

/** The credential types a policy can ask about: the W3C types of the zk core's schemas. */
export const POLICY_SCHEMAS: readonly string[] = CREDENTIAL_SCHEMAS.map((s) => s.type);
export type PolicySchema = string;

/** Predicate operators in readable form: the names of the zk core's `Op`, without `unused`. */
export type PredicateOp = Exclude<keyof typeof Op, 'unused'>;
/** The operators and the lawful bases a request object carries (one list, `#platform`). */
export const PREDICATE_OPS: readonly PredicateOp[] = REQUEST_PREDICATE_OPS;
export const LEGAL_BASES = REQUEST_LEGAL_BASES;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/** Most predicates in one policy (the circuit's PREDICATE_COUNT). */
export const MAX_PREDICATES = 4;
/** Most trusted issuer keys per policy. */
export const MAX_TRUSTED_ISSUERS = 32;
/** Bounds of `ageAtLeast` (years). */
export const MIN_AGE_YEARS = 1;
export const MAX_AGE_YEARS = 150;
/** Retention of verification records: 1 day to 10 years. */
export const MAX_RETENTION_DAYS = 3650;
/** Seconds fields are uint32 in ZkGate's PolicyRegistry. */
export const MAX_SECONDS = 4_294_967_295;
export const MAX_PURPOSE_LENGTH = 500;

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export interface PredicateInput {
  attribute: string;
  op: PredicateOp;
  /** An integer, an enum value ('seller'), a date ('YYYY-MM-DD'), or years for `ageAtLeast`. */
  value: number | string;
}

export interface PolicyInput {
  id: string;
  marketplaceId: string;
  schema: PolicySchema;
  /** Issuer key hashes (decimal field elements) trusted for this policy; at least one. */
  trustedIssuers: string[];
  predicates: PredicateInput[];
  /** Why the marketplace asks (shown to the holder, kept in the audit trail). */
  purpose: string;
  /** Days a verification record is kept. */
  retentionDays: number;
  legalBasis: LegalBasis;
  /** Seconds a pass lasts, counted from min(proof time, now); > 0. */
  passLifetimeSeconds: number;
  /** A proof's time may lag the verifier's clock by at most this many seconds. */
  maxProofAgeSeconds: number;
  /** A superseded revocation root is accepted for this many seconds; 0 = the current root only. */
  maxRootAgeSeconds: number;
}

/** A validated policy with its zk query and query hash. */
export interface CompiledPolicy extends PolicyInput {
  /** The zk query (unpadded; `queryHash` pads it). */
  query: Query;
  queryHash: bigint;
}

const POLICY_KEYS = [
  'id',
  'marketplaceId',
  'schema',
  'trustedIssuers',
  'predicates',
  'purpose',
  'retentionDays',
  'legalBasis',
  'passLifetimeSeconds',
  'maxProofAgeSeconds',
  'maxRootAgeSeconds',
] as const;
const PREDICATE_KEYS = ['attribute', 'op', 'value'];

const badInput = (message: string) => new PlatformError('bad_input', message);

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function onlyKeys(x: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(x)) {
    if (!allowed.includes(key)) throw badInput(`${what} has no field ${key}`);
  }
}

function identifier(x: unknown, what: string): string {
  if (typeof x !== 'string' || !ID.test(x)) {
    throw badInput(
      `${what} must be 1–64 letters, digits or . _ : - (starting with one of the first two)`,
    );
  }
  return x;
}

function integerIn(x: unknown, min: number, max: number, what: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) {
    throw new PlatformError('bad_encoding', `${what} must be an integer`);
  }
  if (x < min || x > max)
    throw new PlatformError('out_of_range', `${what} must be in [${min}, ${max}]`);
  return x;
}

function oneOf<T extends string>(x: unknown, values: readonly T[], what: string): T {
  if (typeof x !== 'string' || !(values as readonly string[]).includes(x)) {
    throw badInput(`${what} must be one of ${values.join(', ')}`);
  }
  return x as T;
}

function trustedIssuers(x: unknown): string[] {
  if (!Array.isArray(x) || x.length === 0) {
    throw badInput('trustedIssuers must list at least one issuer key hash');
  }
  if (x.length > MAX_TRUSTED_ISSUERS) {
    throw new PlatformError(
      'out_of_range',
      `trustedIssuers has at most ${MAX_TRUSTED_ISSUERS} keys`,
    );
  }
  const seen = new Set<string>();
  return Array.from(x, (k: unknown, i) => {
    if (!isCanonicalFieldString(k) || k === '0') {
      throw new PlatformError(
        'bad_encoding',
        `trustedIssuers[${i}] must be a non-zero issuer key hash (a canonical decimal below r)`,
      );
    }
    if (seen.has(k)) throw badInput(`trustedIssuers[${i}] is listed twice`);
    seen.add(k);
    return k;
  });
}

interface CompiledPredicate {
  readable: PredicateInput;
  zk: { slot: number; op: OpCode; value: bigint };
}

function predicate(s: CredentialSchema, x: unknown, i: number): CompiledPredicate {
  const what = `predicates[${i}]`;
  if (!isRecord(x)) throw badInput(`${what} must be an object`);
  onlyKeys(x, PREDICATE_KEYS, what);
  const { attribute, value } = x;
  if (typeof attribute !== 'string' || !Object.hasOwn(s.attributes, attribute)) {
    throw badInput(`${what}: ${s.type} has no attribute ${String(attribute)}`);
  }
  const spec: AttributeSpec = s.attributes[attribute]!;
  const op = oneOf(x.op, PREDICATE_OPS, `${what}.op`);
  const readable = { attribute, op, value: value as number | string };

  if (op === 'ageAtLeast') {
    if (spec.kind !== 'date') {
      throw badInput(`${what}: ageAtLeast applies to a date attribute, not ${attribute}`);
    }
    const years = integerIn(value, MIN_AGE_YEARS, MAX_AGE_YEARS, `${what}.value (years)`);
    return {
      readable,
      zk: { slot: spec.slot, op: Op[op], value: zkValue(s, attribute, years) },
    };
  }
  if ((op === 'gte' || op === 'lte') && spec.kind === 'enum') {
    throw badInput(`${what}: ${attribute} is an enum; only eq and neq apply to it`);
  }
  switch (spec.kind) {
    case 'date':
      if (typeof value !== 'string') {
        throw new PlatformError('bad_encoding', `${what}.value must be a date (YYYY-MM-DD)`);
      }
      break;
    case 'enum':
      if (typeof value !== 'string') {
        throw new PlatformError(
          'bad_encoding',
          `${what}.value must be one of ${spec.values?.join(', ')}`,
        );
      }
      break;
    case 'integer':
      integerIn(value, spec.min ?? 0, spec.max ?? Number.MAX_SAFE_INTEGER, `${what}.value`);
      break;
  }
  return {
    readable,
    zk: {
      slot: spec.slot,
      op: Op[op],
      value: zkValue(s, attribute, value as string | number),
    },
  };
}

/** The zk core's encoding of a predicate value, its errors re-thrown as the verifier's. */
function zkValue(s: CredentialSchema, attribute: string, value: string | number): bigint {
  try {
    return encodePredicateValue(s, attribute, value);
  } catch (e) {
    if (e instanceof ZkrepError) throw new PlatformError(e.code, e.message, { cause: e });
    throw e;
  }
}

/** Validates a policy and compiles it to its zk query and query hash. */
export function compilePolicy(input: unknown): CompiledPolicy {
  if (!isRecord(input)) throw badInput('a policy must be an object');
  onlyKeys(input, POLICY_KEYS, 'a policy');
  const id = identifier(input.id, 'id');
  const marketplaceId = identifier(input.marketplaceId, 'marketplaceId');
  const schemaType = oneOf(input.schema, POLICY_SCHEMAS, 'schema');
  const s = findCredentialSchema(schemaType);
  if (!s || s.type !== schemaType)
    throw badInput(`schema ${schemaType} is not known to the zk core`);
  const issuers = trustedIssuers(input.trustedIssuers);

  if (!Array.isArray(input.predicates) || input.predicates.length === 0) {
    throw badInput('predicates must list at least one predicate');
  }
  if (input.predicates.length > MAX_PREDICATES) {
    throw new PlatformError('out_of_range', `a policy has at most ${MAX_PREDICATES} predicates`);
  }
  const compiled = Array.from(input.predicates, (p: unknown, i) => predicate(s, p, i));
  const pairs = new Set<string>();
  compiled.forEach(({ readable }, i) => {
    const pair = `${readable.attribute} ${readable.op}`;
    if (pairs.has(pair)) {
      throw badInput(`predicates[${i}] repeats ${readable.op} on ${readable.attribute}`);
    }
    pairs.add(pair);
  });

  if (typeof input.purpose !== 'string' || input.purpose.trim() === '') {
    throw badInput('purpose must say why the marketplace asks');
  }
  if (input.purpose.length > MAX_PURPOSE_LENGTH) {
    throw new PlatformError('out_of_range', `purpose has at most ${MAX_PURPOSE_LENGTH} characters`);
  }
  const retentionDays = integerIn(input.retentionDays, 1, MAX_RETENTION_DAYS, 'retentionDays');
  const legalBasis = oneOf(input.legalBasis, LEGAL_BASES, 'legalBasis');
  const passLifetimeSeconds = integerIn(
    input.passLifetimeSeconds,
    1,
    MAX_SECONDS,
    'passLifetimeSeconds',
  );
  const maxProofAgeSeconds = integerIn(
    input.maxProofAgeSeconds,
    1,
    MAX_SECONDS,
    'maxProofAgeSeconds',
  );
  const maxRootAgeSeconds = integerIn(input.maxRootAgeSeconds, 0, MAX_SECONDS, 'maxRootAgeSeconds');

  const query: Query = { schema: s.id, predicates: compiled.map((p) => p.zk) };
  return {
    id,
    marketplaceId,
    schema: schemaType,
    trustedIssuers: issuers,
    predicates: compiled.map((p) => p.readable),
    purpose: input.purpose,
    retentionDays,
    legalBasis,
    passLifetimeSeconds,
    maxProofAgeSeconds,
    maxRootAgeSeconds,
    query,
    queryHash: queryHash(query),
  };
}

// ---- how a proof for a request is bound ----

/**
 * How the holder binds a proof: off-chain to the verifier's scope and
 * `requestSignalHash(challenge, consentReceiptHash, account)` (v2:
 * `requestSignalHashOf(consentReceiptHash, requestDigest(challenge, account))`, which a regulator
 * recomputes from the receipt and the request digest alone); for a policy mirrored into ZkGate
 * to the gate's scope and `gateSignalHash(account, requestContext(challenge, consentReceiptHash))`,
 * so that one proof passes both the verifier and `ZkGate.verifyFor(account, …)`.
 */
export type RequestBinding = ProofRequestClaims['binding'];

/** The scope a proof under `binding` must carry. */
export function expectedScope(binding: RequestBinding, policyId: string): bigint {
  return binding.kind === 'gate'
    ? gateScope(binding.chainId, binding.gate as Address, BigInt(binding.policyId))
    : verifierScope(binding.verifierId, policyId);
}

/** The gate `context` of a request under a gate binding (undefined off-chain). */
export function expectedContext(
  binding: RequestBinding,
  challenge: Hex,
  consentReceiptHash: Hex,
): Hex | undefined {
  return binding.kind === 'gate' ? requestContext(challenge, consentReceiptHash) : undefined;
}

/** The signal hash a proof under `binding` must carry. */
export function expectedSignalHash(
  binding: RequestBinding,
  p: { challenge: Hex; consentReceiptHash: Hex; account: Address },
): bigint {
  return binding.kind === 'gate'
    ? gateSignalHash(p.account, requestContext(p.challenge, p.consentReceiptHash))
    : requestSignalHash(p.challenge, p.consentReceiptHash, p.account);
}
