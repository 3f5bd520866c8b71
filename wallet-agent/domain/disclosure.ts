/**
 * What a proof request asks, in plain words, before anything leaves the device: who asks, why,
 * for how long, under which legal basis; what the verifier will learn (each predicate as a
 * sentence, plus what every proof reveals: the issuer that vouched, the time, a pseudonym for
 * this verifier only); what it will not learn (every attribute value, the DID, anything that
 * links two proofs); and warnings where a request asks for more than its purpose needs
 * (SECURITY-CASES W08).
 *
 * Warnings:
 * - `exact_value` (refused by default): an `eq` on a date (an exact birth date) or on an
 *   attribute with many values, where a threshold would do: "age ≥ 18" needs `ageAtLeast`, not a
 *   birth date.
 * - `narrow_range` (refused by default): a lower and an upper bound on one attribute that leave
 *   at most a year of dates or 2 % of an integer range: almost the value itself.
 * - `many_predicates`: three or more predicates on one credential (each one says a bit more).
 * - `long_retention`: the record is kept more than a year.
 * - `beyond_registration` (refused by default): a request bound to an on-chain policy asks for
 *   something other than what its verifier registered in ZkGate's PolicyRegistry: other
 *   predicates (query hash), another credential type (schema), or issuers the registered policy
 *   does not list ("attributes beyond its registration").
 * - `unregistered`: an off-chain policy has no public registration to check the request against,
 *   so the wallet can check it only against its own rules (the ones above).
 * The last two come from checking the request's registration (domain/registration.ts, at the
 * `request` stage of `respond`) and are passed in by `openRequest`; the others from the request
 * itself.
 * Text only; nothing here decides for the holder except that `refuse` warnings need an explicit
 * override.
 */
import { findCredentialSchema, type AttributeSpec, type CredentialSchema } from '#zk';
import type { ProofRequestClaims, RequestPredicate } from '#platform';

export type WarningKind =
  | 'exact_value'
  | 'narrow_range'
  | 'many_predicates'
  | 'long_retention'
  | 'beyond_registration'
  | 'unregistered';

export interface DisclosureWarning {
  kind: WarningKind;
  /** `refuse`: respond stops unless the holder overrides it explicitly. */
  severity: 'refuse' | 'caution';
  message: string;
}

export interface Disclosure {
  verifier: string;
  requestId: string;
  policyId: string;
  credentialType: string;
  purpose: string;
  legalBasis: string;
  /** The legal basis in words ("a legal obligation"). */
  legalBasisWords: string;
  retentionDays: number;
  /** The predicates as sentences ("your age is at least 18"). */
  statements: string[];
  /** What the verifier learns, in plain words. */
  reveals: string[];
  /** What it does not learn. */
  withholds: string[];
  warnings: DisclosureWarning[];
  /** One paragraph for a consent screen. */
  summary: string;
}

const LEGAL_BASIS_WORDS: Record<string, string> = {
  consent: 'your consent',
  contract: 'a contract with you',
  legal_obligation: 'a legal obligation',
  vital_interests: 'vital interests',
  public_task: 'a public task',
  legitimate_interests: 'its legitimate interests',
};

/** Short names of attributes for sentences. */
const ATTRIBUTE_WORDS: Record<string, string> = {
  birthDate: 'date of birth',
  country: 'country of residence',
  kycLevel: 'identity-check level',
  score: 'reputation score',
  trades: 'number of completed trades',
  disputeRate: 'dispute rate (per thousand trades)',
  memberSince: 'date of your first trade',
  role: 'marketplace role',
};

const words = (attribute: string, spec: AttributeSpec | undefined): string =>
  ATTRIBUTE_WORDS[attribute] ?? spec?.description ?? attribute;

function sentence(p: RequestPredicate, spec: AttributeSpec | undefined): string {
  const what = words(p.attribute, spec);
  const v = String(p.value);
  switch (p.op) {
    case 'ageAtLeast':
      return p.attribute === 'birthDate'
        ? `you are at least ${v} years old`
        : `your ${what} was at least ${v} years ago`;
    case 'gte':
      return spec?.kind === 'date'
        ? `your ${what} is on or after ${v}`
        : `your ${what} is at least ${v}`;
    case 'lte':
      return spec?.kind === 'date'
        ? `your ${what} is on or before ${v}`
        : `your ${what} is at most ${v}`;
    case 'eq':
      return `your ${what} is exactly ${v}`;
    case 'neq':
      return `your ${what} is not ${v}`;
    default:
      return `${p.attribute} ${p.op} ${v}`;
  }
}

const DAY_MS = 86_400_000;
const dateMs = (v: unknown): number => Date.parse(`${String(v)}T00:00:00Z`);

function warningsOf(
  predicates: RequestPredicate[],
  schema: CredentialSchema | undefined,
  retentionDays: number,
): DisclosureWarning[] {
  const out: DisclosureWarning[] = [];
  const spec = (a: string): AttributeSpec | undefined => schema?.attributes[a];
  for (const p of predicates) {
    const s = spec(p.attribute);
    if (p.op !== 'eq' || !s) continue;
    const wide =
      s.kind === 'date' ||
      (s.kind === 'integer' && (s.max ?? Number.MAX_SAFE_INTEGER) - (s.min ?? 0) >= 100);
    if (wide) {
      out.push({
        kind: 'exact_value',
        severity: 'refuse',
        message: `it asks for your exact ${words(p.attribute, s)}${
          s.kind === 'date' && p.attribute === 'birthDate'
            ? '; an age check needs only "at least N years old"'
            : '; a threshold (at least / at most) would reveal less'
        }`,
      });
    }
  }
  const byAttribute = new Map<string, { lo?: unknown; hi?: unknown }>();
  for (const p of predicates) {
    const b = byAttribute.get(p.attribute) ?? {};
    if (p.op === 'gte') b.lo = p.value;
    if (p.op === 'lte') b.hi = p.value;
    byAttribute.set(p.attribute, b);
  }
  for (const [attribute, { lo, hi }] of byAttribute) {
    const s = spec(attribute);
    if (lo === undefined || hi === undefined || !s) continue;
    const narrow =
      s.kind === 'date'
        ? dateMs(hi) - dateMs(lo) <= 366 * DAY_MS
        : s.kind === 'integer' &&
          Number(hi) - Number(lo) <= 0.02 * ((s.max ?? Number.MAX_SAFE_INTEGER) - (s.min ?? 0));
    if (narrow) {
      out.push({
        kind: 'narrow_range',
        severity: 'refuse',
        message: `its bounds on your ${words(attribute, s)} leave a range so narrow that it nearly reveals the value`,
      });
    }
  }
  if (predicates.length >= 3) {
    out.push({
      kind: 'many_predicates',
      severity: 'caution',
      message: `it checks ${predicates.length} facts at once; each says a little more about you`,
    });
  }
  if (retentionDays > 365) {
    out.push({
      kind: 'long_retention',
      severity: 'caution',
      message: `it keeps its record for ${retentionDays} days (more than a year)`,
    });
  }
  return out;
}

/**
 * The plain-words view of a verified request object's claims from `verifier` (its DID);
 * `registration`: the warnings from its on-chain registration (domain/registration.ts), listed
 * first.
 */
export function describeRequest(
  claims: ProofRequestClaims,
  verifier: string,
  registration: readonly DisclosureWarning[] = [],
): Disclosure {
  const { policy } = claims;
  const schema = findCredentialSchema(policy.schema);
  const statements = policy.predicates.map((p) => sentence(p, schema?.attributes[p.attribute]));
  const asked = new Set(policy.predicates.map((p) => p.attribute));
  const attributes = schema ? Object.keys(schema.attributes) : [];
  const withheld = attributes.map((a) =>
    asked.has(a)
      ? `your ${words(a, schema?.attributes[a])} itself`
      : `your ${words(a, schema?.attributes[a])}`,
  );
  const reveals = [
    ...statements.map((s) => `that ${s}`),
    'which of the issuers it trusts vouched for this credential, and that it is not revoked',
    'the time of the proof',
    'a pseudonym that is the same each time you prove to it for this policy, and different everywhere else',
  ];
  const withholds = [
    ...withheld,
    'your DID, your name or any other identifier',
    'anything that links this proof to your proofs for other marketplaces or policies',
  ];
  const warnings = [
    ...registration,
    ...warningsOf(policy.predicates, schema, policy.retentionDays),
  ];
  const basis = LEGAL_BASIS_WORDS[policy.legalBasis] ?? policy.legalBasis;
  const summary =
    `${verifier} asks you to prove that ${statements.join(' and that ')}, for this purpose: ` +
    `"${policy.purpose.replace(/[.!?]+$/, '')}". It learns only that, which of the issuers it trusts vouched for you, ` +
    `and when; not ${withheld.join(', ')}, and nothing that links this proof to your others. ` +
    `It may keep its record for ${policy.retentionDays} days, on the basis of ${basis}.`;
  return {
    verifier,
    requestId: claims.requestId,
    policyId: policy.id,
    credentialType: policy.schema,
    purpose: policy.purpose,
    legalBasis: policy.legalBasis,
    legalBasisWords: basis,
    retentionDays: policy.retentionDays,
    statements,
    reveals,
    withholds,
    warnings,
    summary,
  };
}
