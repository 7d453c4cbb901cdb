// Structured JSON logs. Secrets are redacted by path so a logged request or config never leaks them.
// A line written inside a trace (a request, an activity: platform/tracing.ts) carries its traceId and
// spanId, so one trace id finds the request's, the workflow's and the activities' lines.
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

function traceFields(): { traceId?: string; spanId?: string } {
  const span = trace.getSpanContext(context.active());
  return span && isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
}

/** `destination`: where lines go (default stdout). */
export function createLogger(options: { level?: string; name?: string } = {}, destination?: DestinationStream): Logger {
  return pino({
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    name: options.name,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceFields,
    redact: {
      paths: ['password', '*.password', 'req.headers.authorization', 'headers.authorization', 'accessToken', '*.accessToken', 'JWT_SECRET', 'ADMIN_PASSWORD', 'paymentMethod.token', '*.paymentMethod.token', 'token'],
      censor: '[redacted]',
    },
  }, destination);
}
