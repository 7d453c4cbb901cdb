// The HTTP server span of each request, made with the OpenTelemetry API (the tracer provider is set up
// by platform/tracing.ts; without one, this costs a no-op span). The request joins the trace of its
// `traceparent` header or starts a new one. Everything the request does runs in the span's context:
// its log lines (platform/logger.ts), Prisma's SQL spans and the Temporal client's spans, whose
// headers carry the trace on to the workflow and its activities.
//
// Made here rather than by @opentelemetry/instrumentation-http/-express: those patch `http` and
// `express` through require hooks, so they work only when loaded before those modules (a preload
// flag for every entry point) and not at all under jest's module registry, where the trace test runs.
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH, ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { Request, RequestHandler, Response } from 'express';

const tracer = trace.getTracer('saga-orders-api');

/** The route template (`/orders/:id`), not the path: span names must not grow with ids. */
function routeOf(req: Request): string | undefined {
  if (!req.route) return undefined;
  const path = `${req.baseUrl}${req.route.path === '/' ? '' : String(req.route.path)}`;
  return path || '/';
}

/** The request's span ids, for its request log line (written from the response's 'finish' event). */
export function requestTraceIds(res: Response): { traceId: string; spanId: string } | undefined {
  const span = res.locals.span as Span | undefined;
  const ids = span?.spanContext();
  return ids && isSpanContextValid(ids) ? { traceId: ids.traceId, spanId: ids.spanId } : undefined;
}

export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    // Most requests carry no traceparent: extracting from nothing still walks the propagator.
    const parent = req.headers.traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER }, parent);
    // Attributes only for a span that is kept: req.protocol alone runs Express's trust-proxy check.
    if (span.isRecording()) span.setAttributes({ [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_URL_PATH]: req.originalUrl.split('?')[0], [ATTR_URL_SCHEME]: req.protocol });
    const active = trace.setSpan(parent, span);
    res.locals.span = span;
    // The handlers run in the span's context (context.with below); so do those after body parsing,
    // whose callback raw-body binds to the context it was called in. The response's listeners (the
    // request log, metrics) need the span's context only to record spans under it, and binding an
    // emitter wraps every listener method of it per request (it was ~40 % of a GET's CPU): it is
    // bound only when spans are recorded, and the request log takes the ids from res.locals.
    if (span.isRecording()) context.bind(active, res);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (span.isRecording()) {
        const route = routeOf(req);
        if (route) {
          span.updateName(`${req.method} ${route}`);
          span.setAttribute(ATTR_HTTP_ROUTE, route);
        }
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    };
    res.once('finish', end);
    res.once('close', end); // the client went away before the response was complete
    context.with(active, next);
  };
}
