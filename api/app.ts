// createApp(deps): the whole HTTP surface, with no I/O of its own at construction — tests build it
// on real Postgres and Temporal and listen on port 0.
import { randomUUID } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../platform/prisma';
import type { Config } from '../platform/config';
import type { Logger } from '../platform/logger';
import { errorMiddleware, HttpError, unknownRoute } from './problem';
import { authRouter } from './routes/auth.routes';
import { productsRouter } from './routes/products.routes';
import { ordersRouter } from './routes/orders.routes';
import { healthRouter } from './routes/health.routes';
import { adminRouter } from './routes/admin.routes';
import { customersRouter } from './routes/customers.routes';
import { codecRouter } from './routes/codec.routes';
import { consoleRouter } from './routes/console.routes';
import { buildOpenApiDocument, renderDocsPage } from './openapi';
import { createMetrics } from './metrics';
import { StreamLimits, TimelineFeed } from './orders/timeline-feed';
import { requestTraceIds, traceRequests } from './trace-requests';

const API_VERSION = '1.0.0';

export interface AppDeps { prisma: PrismaClient; temporal: Client; config: Config; logger: Logger }

const SECURITY_HEADERS = Object.entries({
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
});
// Node's setHeader directly: res.set's coercions (arrays, charset on Content-Type) have nothing to do here.
const securityHeaders: RequestHandler = (_req, res, next) => {
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
  next();
};

function cors(origins: string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('Origin');
    if (origin && (origins.includes('*') || origins.includes(origin)) && !req.path.startsWith('/codec/')) { // the codec has its own
      res.set({ 'Access-Control-Allow-Origin': origin, Vary: 'Origin', 'Access-Control-Allow-Headers': 'Authorization, Content-Type, Idempotency-Key, Last-Event-ID, Prefer', 'Access-Control-Allow-Methods': 'GET, POST, OPTIONS', 'Access-Control-Expose-Headers': 'Location, Preference-Applied, Retry-After' });
      if (req.method === 'OPTIONS') return void res.status(204).end();
    }
    next();
  };
}

function requestLog(logger: Logger): RequestHandler {
  // The line's fields are fixed and none is a secret, so redaction could never change it; skipping it
  // (a child with no redact paths, made once) saves ~5 µs a line: the wildcard paths of
  // platform/logger.ts check every key of every object logged. Add no field here that could hold one.
  const lines = logger.child({}, { redact: [] });
  return (req, res, next) => {
    const incoming = req.get('X-Request-Id');
    req.id = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The full path as the client sent it: routers mounted on a prefix see (and leave) req.path relative to it.
      const path = req.originalUrl.split('?')[0]!;
      const orderId = res.locals.orderId ?? /^\/orders\/([0-9a-f-]{36})/i.exec(path)?.[1];
      lines.info({ ...requestTraceIds(res), requestId: req.id, ...(orderId ? { orderId, workflowId: `order-${orderId}` } : {}), method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}

/** The app plus what it holds open (the timeline feed's LISTEN connection): `close` releases it. */
export type App = express.Express & { close(): Promise<void> };

export function createApp(deps: AppDeps): App {
  const { config, logger } = deps;
  // Connects lazily, on the first live stream: building the app does no I/O.
  const feed = new TimelineFeed(config.DATABASE_URL ?? '', logger);
  const streams = { feed, limits: new StreamLimits(config.SSE_MAX_STREAMS_PER_CUSTOMER, config.SSE_MAX_STREAMS_PER_PROCESS), heartbeatMs: config.SSE_HEARTBEAT };
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');
  const metrics = createMetrics(deps.prisma, config);
  // The span first: the request log and every handler's lines carry its traceId.
  app.use(traceRequests(), requestLog(logger), metrics.middleware, securityHeaders, cors(config.CORS_ORIGINS));
  app.use('/codec', codecRouter(deps)); // before the JSON-only body rules: it reads its own bodies (the sign-in form too)
  app.get('/metrics', metrics.authorize, metrics.handler);
  // A request without a body (every GET) skips the parser: it would only find there is none.
  const json = express.json({ limit: '1mb', strict: true, type: ['application/json', 'application/*+json'] });
  app.use((req, res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody) return next();
    // JSON only; anything else that carries a body is refused, never half-parsed.
    if (req.method === 'POST' && !req.is(['application/json', 'application/*+json'])) {
      return next(new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json'));
    }
    json(req, res, (error?: unknown) => (error ? next(error) : next()));
  });

  // /orders first: its GET /orders/:id is the hottest request, and no route before it would match a
  // path under /orders, so the order changes only how many routes are tried on the way.
  app.use('/orders', ordersRouter({ ...deps, streams }));

  const openApi = buildOpenApiDocument(API_VERSION);
  const docsPage = renderDocsPage(openApi);
  app.get('/openapi.json', (_req, res) => void res.json(openApi));
  app.get('/docs', (_req, res) => void res.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'").type('html').send(docsPage));

  app.use(healthRouter(deps));
  app.use(authRouter(deps));
  app.use(customersRouter(deps));
  app.use('/products', productsRouter(deps));
  app.use(adminRouter(deps));
  app.use(consoleRouter(deps));
  app.use(unknownRoute);
  app.use(errorMiddleware(logger));
  return Object.assign(app, { close: () => feed.close() });
}
