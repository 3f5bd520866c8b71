/**
 * The wallet's route: its answer to a proof request (proof, public signals, consent receipt,
 * account), validated by one strict schema (SECURITY-CASES A01–A06: size limit, JSON only, no
 * unknown keys, signals as canonical decimal strings, exactly 7 of them; the client never picks a
 * verification key, circuit or verifier). Verdicts are typed `{ verified, code }` with coarse
 * reason codes (A16): 200 when verified, otherwise the status of the code (422, 409 for a
 * nullifier bound to another account) with the same body shape.
 */
import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import {
  ConsentReceipt,
  Withdrawal,
  errorResponse,
  jsonBody,
  jsonContent,
  parseInput,
  z,
} from '#platform';
import { ZkrepError, httpStatusOf, PUBLIC_SIGNAL_COUNT } from '#zk';
import type { VerifierDeps } from '../app.js';
import { answerProofRequest } from '../domain/responses.js';
import type { VerifierMetrics } from '../metrics.js';

const Decimal = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, 'a canonical decimal string');
const Proof = z
  .object({
    pi_a: z.array(Decimal).length(3),
    pi_b: z.array(z.array(Decimal).length(2)).length(3),
    pi_c: z.array(Decimal).length(3),
    protocol: z.literal('groth16'),
    curve: z.literal('bn128'),
  })
  .strict()
  .openapi('Groth16Proof');
export const ProofResponse = z
  .object({
    proof: Proof,
    publicSignals: z.array(Decimal).length(PUBLIC_SIGNAL_COUNT),
    account: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    consentReceipt: ConsentReceipt,
  })
  .strict()
  .openapi('ProofResponse');
const Relay = z
  .object({
    status: z.enum(['requested', 'confirmed', 'failed']),
    transactionHash: z.string().nullable(),
    code: z.string().nullable(),
  })
  .nullable();
const Verdict = z
  .object({
    verified: z.boolean(),
    requestId: z.string(),
    code: z.string().optional(),
    message: z.string().optional(),
    passExpiresAt: z.number().int().optional(),
    relay: Relay,
  })
  .openapi('Verdict');
const RequestId = z.object({ id: z.uuid() });
const Withdrawn = z
  .object({
    status: z.literal('withdrawn'),
    withdrawnAt: z.number().int(),
    record: z.string().openapi({
      description:
        'The deletion record: a JWT (typ zkrep-erasure+jwt) signed by the verifier DID, claim `erasure` { cause, receiptHash, erased: [{ seq, bodyHash }], at }',
    }),
  })
  .openapi('Withdrawn');

export function walletRouter(
  deps: VerifierDeps,
  openapi: OpenAPIRegistry,
  metrics: VerifierMetrics,
): Router {
  const r = Router();

  openapi.registerPath({
    method: 'post',
    path: '/v1/requests/{id}/response',
    summary:
      "The wallet's answer: a zero-knowledge proof bound to the challenge, consent and account",
    request: { params: RequestId, body: jsonContent(ProofResponse) },
    responses: {
      200: { description: 'verified: the account holds a pass', ...jsonContent(Verdict) },
      400: errorResponse('malformed answer'),
      404: errorResponse('unknown request'),
      409: {
        description: 'request already answered, or the credential is bound to another account',
        ...jsonContent(Verdict),
      },
      410: errorResponse('request expired'),
      413: errorResponse('body too large'),
      422: { description: 'refused: the code says which check failed', ...jsonContent(Verdict) },
      503: errorResponse('busy (queue full, shutting down) or the chain is unreachable: retry'),
    },
  });
  r.post('/v1/requests/:id/response', jsonBody('32kb'), async (req, res) => {
    const { id } = parseInput(RequestId, req.params, 'path');
    const body = parseInput(ProofResponse, req.body);
    const started = process.hrtime.bigint();
    try {
      const result = await answerProofRequest(
        {
          dataSource: deps.dataSource,
          pool: deps.pool,
          verifierId: deps.verifierId,
          clock: deps.now,
          rootAccepted: deps.rootAccepted,
          issuerStanding: deps.issuerStanding,
          gate: deps.gate,
          relayer: deps.relayer,
          onFinal: deps.onFinal,
        },
        { requestId: id, ...body },
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (result.relay && result.relay.status !== 'requested') metrics.relay(result.relay.status);
      if (result.verified) {
        metrics.verification('verified', null, seconds);
        res.json({
          verified: true,
          requestId: result.requestId,
          passExpiresAt: result.passExpiresAt,
          relay: result.relay,
        });
      } else {
        metrics.verification('failed', result.code, seconds);
        res.status(httpStatusOf(result.code)).json({
          verified: false,
          requestId: result.requestId,
          code: result.code,
          message: result.message,
          relay: result.relay,
        });
      }
    } catch (e) {
      metrics.refusal(e instanceof ZkrepError ? e.code : 'internal');
      throw e;
    }
  });
  openapi.registerPath({
    method: 'post',
    path: '/v1/withdrawals',
    summary:
      "A holder withdraws a consent (docs/compliance.md §6): signed by the receipt's withdrawKey; the verifier stops using the record, crypto-shreds what it kept and signs a deletion record",
    request: { body: jsonContent(Withdrawal) },
    responses: {
      200: {
        description: 'withdrawn (a repeat answers the same record)',
        ...jsonContent(Withdrawn),
      },
      400: errorResponse(
        "malformed, not recent (more than 300 s off), or not signed by the receipt's withdraw key (bad_signature)",
      ),
      404: errorResponse('no verification with that consent receipt is kept (or it was purged)'),
      429: errorResponse('rate limited (per IP)'),
      503: errorResponse('busy: retry'),
    },
  });
  r.post('/v1/withdrawals', jsonBody('4kb'), async (req, res) => {
    const w = parseInput(Withdrawal, req.body);
    const out = await deps.withdraw(w);
    res.set('cache-control', 'no-store').json({ status: 'withdrawn', ...out });
  });
  return r;
}
