/**
 * A compliance report as a W3C Verifiable Credential (JWT-VC; docs/compliance.md §5.4), for
 * tools that keep credentials: type `['VerifiableCredential', 'ComplianceReportCredential']`,
 * issued by the verifier DID and signed with the key that signs the report (ES256K):
 *
 *   header  { alg: 'ES256K', typ: 'JWT', kid: '<did>#controller' }
 *   payload { iss: <did>, sub: <did>, nbf, vc: { @context, type,
 *             credentialSubject: { id: <did>, report: <ComplianceReport>, signedReport: <JWT> } } }
 *
 * The signed report (typ `zkrep-report+jwt`) travels inside, so a checker runs every report check
 * on it (report-check.ts `checkReportCredential`), and the report shown must be the one it
 * carries. No express, no database.
 */
import { decodeJWT, type Signer } from 'did-jwt';
import { createVerifiableCredentialJwt, type JwtCredentialPayload } from 'did-jwt-vc';
import type { Resolvable } from 'did-resolver';
import { VerifierError } from '../errors.js';
import { MAX_REPORT_LENGTH, verifyVerifierSignature, type ComplianceReport } from './report.js';

/** The VC type of a report credential (besides `VerifiableCredential`). */
export const REPORT_CREDENTIAL_TYPE = 'ComplianceReportCredential';
const VC_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
const JWS_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Signs `report` (with its signed JWT `jwt`) as a credential of the verifier DID `did`. */
export async function signReportCredential(p: {
  did: string;
  signer: Signer;
  jwt: string;
  report: ComplianceReport;
  iat: number;
}): Promise<string> {
  const payload: JwtCredentialPayload = {
    sub: p.did,
    nbf: p.iat,
    vc: {
      '@context': [VC_CONTEXT],
      type: ['VerifiableCredential', REPORT_CREDENTIAL_TYPE],
      credentialSubject: { id: p.did, report: p.report, signedReport: p.jwt },
    },
  };
  try {
    return await createVerifiableCredentialJwt(
      payload,
      { did: p.did, signer: p.signer, alg: 'ES256K' },
      { header: { alg: 'ES256K', kid: `${p.did}#controller` } },
    );
  } catch (cause) {
    throw new VerifierError('internal', 'signing the report credential failed', { cause });
  }
}

/** Whether a compact JWS is a JWT-VC (its payload has a `vc` claim), without verifying it. */
export function isReportCredential(jwt: string): boolean {
  try {
    const vc = (decodeJWT(jwt, false).payload as { vc?: unknown }).vc;
    return typeof vc === 'object' && vc !== null;
  } catch {
    return false;
  }
}

const badInput = (message: string) => new VerifierError('bad_input', message);

/**
 * Verifies a report credential's shape and its signature by a key of its issuer's did:ethr
 * document (resolved with `resolver`, as the report JWT's is), and that it is issued by and about
 * the verifier the report names. Returns the signed report inside and the report shown, not yet
 * compared or checked (report-check.ts does that). `bad_input` (not a report credential),
 * `bad_signature`, `chain_unreachable`.
 */
export async function verifyReportCredential(
  vcJwt: string,
  options: { resolver: Resolvable },
): Promise<{ iss: string; signedReport: string; report: ComplianceReport }> {
  // The credential holds the report twice (shown, and inside the signed report).
  if (vcJwt.length > 3 * MAX_REPORT_LENGTH || !JWS_RE.test(vcJwt)) {
    throw badInput('a report credential must be a compact JWS');
  }
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    ({ header, payload } = decodeJWT(vcJwt, false) as unknown as {
      header: Record<string, unknown>;
      payload: Record<string, unknown>;
    });
  } catch {
    throw badInput('the report credential cannot be decoded');
  }
  const vc = payload['vc'] as
    { type?: unknown; credentialSubject?: Record<string, unknown> | null } | undefined;
  const iss = payload['iss'];
  const nbf = payload['nbf'];
  if (
    header['alg'] !== 'ES256K' ||
    typeof vc !== 'object' ||
    vc === null ||
    !Array.isArray(vc.type) ||
    !vc.type.includes('VerifiableCredential') ||
    !vc.type.includes(REPORT_CREDENTIAL_TYPE)
  ) {
    throw badInput('not a ComplianceReportCredential (ES256K)');
  }
  const subject = vc.credentialSubject;
  if (
    typeof iss !== 'string' ||
    typeof nbf !== 'number' ||
    typeof subject !== 'object' ||
    !subject
  ) {
    throw badInput('the report credential lacks iss, nbf or credentialSubject');
  }
  const report = subject['report'] as ComplianceReport | undefined;
  const signedReport = subject['signedReport'];
  if (typeof report !== 'object' || report === null || typeof signedReport !== 'string') {
    throw badInput('the report credential lacks its report or signed report');
  }
  if (payload['sub'] !== iss || subject['id'] !== iss || report.verifier !== iss) {
    throw badInput('the report credential is not issued by and about the verifier it names');
  }
  await verifyVerifierSignature(vcJwt, {
    resolver: options.resolver,
    now: nbf,
    what: 'the report credential',
  });
  return { iss, signedReport, report };
}
