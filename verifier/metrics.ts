/**
 * The verifier's Prometheus metrics (prom-client), on a registry of its own per app (two apps in
 * one process, as in the tests, do not share counters). Labels are coarse and bounded: an
 * outcome, a reason code from the fixed vocabulary, a route pattern, a status class. Never an
 * account, a nullifier, a request id or any attribute.
 *
 * - `zkrep_verifier_verifications_total{outcome,code}`: verdicts (verified / failed + code).
 * - `zkrep_verifier_verification_seconds{outcome}`: time to a verdict, pool included.
 * - `zkrep_verifier_pool_queue_depth`, `zkrep_verifier_pool_in_flight`,
 *   `zkrep_verifier_pool_worker_restarts`: read from the pool at scrape time.
 * - `zkrep_verifier_http_request_duration_seconds{method,route,status}`.
 * - `zkrep_verifier_relays_total{status}`, `zkrep_verifier_refusals_total{code}` (answers refused
 *   before a verdict: busy, consent_mismatch, request_completed, …).
 * - the process's default metrics (CPU, memory, event-loop lag), prefixed `zkrep_verifier_`.
 */
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface PoolGauges {
  readonly queued: number;
  readonly inFlight: number;
  readonly workerRestarts: number;
}

export interface VerifierMetrics {
  registry: Registry;
  verification(outcome: 'verified' | 'failed', code: string | null, seconds: number): void;
  refusal(code: string): void;
  relay(status: string): void;
  /** Express middleware timing every request by its route pattern. */
  http: RequestHandler;
}

export function createVerifierMetrics(pool: PoolGauges | undefined): VerifierMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'zkrep_verifier_' });
  const verifications = new Counter({
    name: 'zkrep_verifier_verifications_total',
    help: 'Verdicts on proof submissions, by outcome and reason code.',
    labelNames: ['outcome', 'code'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'zkrep_verifier_verification_seconds',
    help: 'Time from a submission to its verdict (checks, pool, transaction).',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'zkrep_verifier_refusals_total',
    help: 'Submissions refused before a verdict, by code.',
    labelNames: ['code'],
    registers: [registry],
  });
  const relays = new Counter({
    name: 'zkrep_verifier_relays_total',
    help: 'Relays of verified proofs to ZkGate, by status.',
    labelNames: ['status'],
    registers: [registry],
  });
  const http = new Histogram({
    name: 'zkrep_verifier_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'zkrep_verifier_pool_queue_depth',
    help: 'Proofs waiting for a verifier worker.',
    registers: [registry],
    collect() {
      this.set(pool?.queued ?? 0);
    },
  });
  new Gauge({
    name: 'zkrep_verifier_pool_in_flight',
    help: 'Proofs a verifier worker is checking now.',
    registers: [registry],
    collect() {
      this.set(pool?.inFlight ?? 0);
    },
  });
  new Gauge({
    name: 'zkrep_verifier_pool_worker_restarts',
    help: 'Verifier workers replaced after a failure since start.',
    registers: [registry],
    collect() {
      this.set(pool?.workerRestarts ?? 0);
    },
  });

  return {
    registry,
    verification: (outcome, code, seconds) => {
      verifications.inc({ outcome, code: code ?? 'none' });
      latency.observe({ outcome }, seconds);
    },
    refusal: (code) => refusals.inc({ code }),
    relay: (status) => relays.inc({ status }),
    http: (req, res, next) => {
      const end = http.startTimer({ method: req.method });
      res.on('finish', () => {
        // The route pattern (`/v1/requests/:id`), never the concrete path.
        const route = (req.route?.path as string | undefined) ?? 'unmatched';
        end({ route: `${req.baseUrl}${route}`, status: String(res.statusCode) });
      });
      next();
    },
  };
}
