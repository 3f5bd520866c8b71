/**
 * The HTTP pieces every service shares, so each has the same shape (STYLE.md "Services"):
 * request validation from one zod schema (the same schema feeds `/openapi.json`), an API-key
 * guard, a rate limiter, structured logs without personal data, a 404 fallback, and ONE error
 * middleware that answers `{ code, message }` with the status of the code (`ERROR_CODES`).
 * A 500 carries nothing internal.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  extendZodWithOpenApi,
} from '@asteasolutions/zod-to-openapi';
import express, {
  Router,
  type ErrorRequestHandler,
  type Express,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import { pino, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { z } from 'zod';
import { ZkrepError, isErrorCode, httpStatusOf, type ErrorCode } from '#zk';
import { isHttpUrl } from './url.js';

export { isHttpUrl };

extendZodWithOpenApi(z);
export { z };

/**
 * The JSON body parser every route uses: `application/json` only, objects and arrays only
 * (`strict`), at most `limit` (a larger body is 413 before it is read whole), and no byte-order
 * mark (body-parser would silently strip one; SECURITY-CASES A02 wants it refused). Any other
 * content type leaves the body undefined, which the route's schema refuses as `bad_input`.
 */
export function jsonBody(limit: string): RequestHandler {
  return express.json({
    limit,
    strict: true,
    verify: (_req, _res, buf) => {
      // A plain Error: body-parser sets a status on it (a ZkrepError's is read-only).
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) throw new Error('BOM');
    },
  });
}

/** Throws a ZkrepError; for route handlers. */
export function httpError(code: ErrorCode, message: string): never {
  throw new ZkrepError(code, message);
}

/**
 * Parses `value` with `schema`; a failure is a `bad_input` that names the failing fields' paths,
 * never their values.
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what = 'body',
): z.infer<T> {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const paths = [
    ...new Set(res.error.issues.map((i) => (i.path.length ? i.path.join('.') : what))),
  ];
  throw new ZkrepError('bad_input', `invalid ${what}: ${paths.slice(0, 5).join(', ')}`);
}

/** A structured logger; `LOG_LEVEL` is read by the service's config, not here. */
export function createLogger(options: { level?: string; name: string }): Logger {
  return pino({
    name: options.name,
    level: options.level ?? 'info',
    // Never log credentials of any kind.
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
      remove: true,
    },
  });
}

/**
 * Request logging: method, route path (no query string: it may carry identifiers), status and
 * time. Bodies are never logged.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    serializers: {
      req: (req: { method: string; url: string; id: unknown }) => ({
        id: req.id,
        method: req.method,
        path: String(req.url).split('?')[0],
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
  }) as unknown as RequestHandler;
}

/**
 * Requires `Authorization: Bearer <key>` (or `x-api-key`) equal to one of `keys` (constant-time
 * compare of SHA-256 digests). An empty key list refuses everyone: a missing key never opens.
 */
export function requireApiKey(keys: readonly string[]): RequestHandler {
  return apiKeyPrincipals(keys.map((key) => ({ key, principal: 'admin' })));
}

/**
 * `requireApiKey` for several principals, each with its own key (a marketplace per key): the
 * matching principal is put in `res.locals.principal` for the routes behind it.
 */
export function apiKeyPrincipals(
  entries: readonly { key: string; principal: string }[],
): RequestHandler {
  const digests = entries
    .filter((e) => e.key.length > 0)
    .map((e) => ({ digest: createHash('sha256').update(e.key).digest(), principal: e.principal }));
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    const presented = header?.startsWith('Bearer ') ? header.slice(7) : req.get('x-api-key');
    if (!presented) return next(new ZkrepError('unauthorized', 'an API key is required'));
    const d = createHash('sha256').update(presented).digest();
    // Compare with every key (no early exit): the time does not tell which one matched.
    let principal: string | undefined;
    for (const e of digests) if (timingSafeEqual(e.digest, d)) principal = e.principal;
    if (principal === undefined) {
      return next(new ZkrepError('unauthorized', 'the API key is not valid'));
    }
    res.locals['principal'] = principal;
    next();
  };
}

/**
 * A rate limit answering `rate_limited` in the usual body, with `Retry-After` and the
 * `RateLimit` headers: per client IP by default, or per whatever `key` returns (an API key's
 * principal).
 */
export function rateLimiter(options: {
  windowMs: number;
  limit: number;
  key?: (req: Request, res: Response) => string;
  /** Requests that are not counted (probes). */
  skip?: (req: Request) => boolean;
  /** Where counts live (default: this process's memory; `DatabaseRateLimitStore` to share). */
  store?: Store;
}): RequestHandler {
  return rateLimit({
    ...(options.store ? { store: options.store } : {}),
    windowMs: options.windowMs,
    limit: options.limit,
    ...(options.key ? { keyGenerator: options.key } : {}),
    ...(options.skip ? { skip: options.skip } : {}),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new ZkrepError('rate_limited', 'too many requests')),
  });
}

/** The 404 fallback, registered after every router. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new ZkrepError('not_found', `no route for ${req.method} ${req.path}`.slice(0, 200)));
};

/** The one error middleware: code → status, `{ code, message }`; anything unknown is a bare 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const { status, body } = toErrorResponse(err);
    // Capacity and dependency failures are temporary: tell clients when to come back.
    if (status === 503) res.set('Retry-After', '1');
    if (status >= 500) {
      logger.error({ code: body.code, err: errorSummary(err), path: req.path }, 'request failed');
    }
    res.status(status).json(body);
  };
}

/** Maps any thrown value to the status and body the API answers with. */
export function toErrorResponse(err: unknown): {
  status: number;
  body: { code: ErrorCode; message: string };
} {
  if (err instanceof ZkrepError && isErrorCode(err.code)) {
    return { status: httpStatusOf(err.code), body: { code: err.code, message: err.message } };
  }
  // body-parser errors carry a `type` and a `status`.
  const e = err as { type?: string; status?: number };
  if (e?.type === 'entity.too.large') {
    return {
      status: 413,
      body: { code: 'payload_too_large', message: 'the request body is too large' },
    };
  }
  if (
    e?.type === 'entity.parse.failed' ||
    e?.type === 'entity.verify.failed' ||
    e?.type === 'encoding.unsupported' ||
    e?.type === 'charset.unsupported'
  ) {
    return {
      status: 400,
      body: { code: 'bad_input', message: 'the request body is not valid JSON' },
    };
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return { status: 400, body: { code: 'bad_input', message: 'the request is malformed' } };
  }
  return { status: 500, body: { code: 'internal', message: 'internal error' } };
}

/**
 * What a log may say about an unexpected error: its class and stack frames, not its message
 * (a driver's message can quote the values it choked on).
 */
function errorSummary(err: unknown): { type: string; frames?: string } {
  if (err instanceof Error) {
    return { type: err.name, frames: err.stack?.split('\n').slice(1, 7).join('\n') };
  }
  return { type: typeof err };
}

/** An OpenAPI registry: services register their routes' zod schemas; one document results. */
export function createOpenApi(): OpenAPIRegistry {
  return new OpenAPIRegistry();
}

/** The OpenAPI 3.1 document of a registry. */
export function openApiDocument(
  registry: OpenAPIRegistry,
  info: { title: string; version: string; description?: string },
): object {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info,
  });
}

/** An OpenAPI JSON body or response content of `schema`. */
export const jsonContent = (schema: z.ZodType) => ({
  content: { 'application/json': { schema } },
});

/** An OpenAPI error response: `description` with the `{ code, message }` body. */
export const errorResponse = (description: string) => ({
  description,
  ...jsonContent(ErrorBody),
});

/** The schema of every error body, for the OpenAPI document. */
export const ErrorBody = z.object({ code: z.string(), message: z.string() }).openapi('Error', {
  description: 'Every error: a stable code (docs/protocol.md §8) and a one-line message.',
});

/**
 * `GET /health` (liveness) and `GET /ready` (readiness): 200 when every probe resolves true, else
 * 503 with `Retry-After`, naming each dependency's state. A probe that throws is "down".
 */
export function probeRoutes(
  openapi: OpenAPIRegistry,
  probes: Record<string, () => Promise<boolean>>,
): Router {
  const r = Router();
  const names = Object.keys(probes);
  const Health = z.object({ status: z.literal('ok') }).openapi('Health');
  const Ready = z
    .object({
      status: z.enum(['ready', 'unavailable']),
      ...Object.fromEntries(names.map((n) => [n, z.boolean()])),
    })
    .openapi('Readiness');
  openapi.registerPath({
    method: 'get',
    path: '/health',
    summary: 'Liveness',
    responses: { 200: { description: 'alive', ...jsonContent(Health) } },
  });
  r.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  openapi.registerPath({
    method: 'get',
    path: '/ready',
    summary: `Readiness: ${names.join(', ')}`,
    responses: {
      200: { description: 'ready', ...jsonContent(Ready) },
      503: { description: 'a dependency is down', ...jsonContent(Ready) },
    },
  });
  r.get('/ready', async (_req, res) => {
    const states = await Promise.all(names.map((n) => probes[n]!().catch(() => false)));
    const ok = states.every(Boolean);
    if (!ok) res.set('Retry-After', '5');
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ready' : 'unavailable',
      ...Object.fromEntries(names.map((n, i) => [n, states[i] === true])),
    });
  });
  return r;
}

/**
 * The end of every service's app: `GET /openapi.json` (the document of everything registered),
 * the JSON 404 fallback, and the one error middleware.
 */
export function finishApp(
  app: Express,
  p: {
    openapi: OpenAPIRegistry;
    info: { title: string; version: string; description?: string };
    logger: Logger;
  },
): void {
  const document = openApiDocument(p.openapi, p.info);
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use(notFound);
  app.use(errorHandler(p.logger));
}
