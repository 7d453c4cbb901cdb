// The Temporal SDK's logs (workflows' `log`, activities' and the worker's own lines) written to the
// process's pino logger. Every line about an order gets its orderId (from the workflowId) and, when it
// belongs to a trace, its traceId and spanId: workflow lines bring them as the OpenTelemetry
// interceptors' trace_id/span_id, activity lines as traceId/spanId (workers/worker-tracing.ts), so one
// grep by orderId or traceId finds the whole saga across processes.
// Errors in the SDK's fields (e.g. `error` of "Activity failed") are written with message, failure
// type and cause chain; pino would print an ApplicationFailure as {}.
import type { Logger as SdkLogger, LogLevel, LogMetadata } from '@temporalio/worker';
import { orderIdFromWorkflowId } from '../domain/orders/order.commands';
import { describeErrors } from '../platform/errors';
import type { Logger } from '../platform/logger';

function fieldsOf(meta?: LogMetadata): Record<string, unknown> {
  const { trace_id: traceId, span_id: spanId, trace_flags: _flags, ...rest } = describeErrors(meta ?? {}) as Record<string, unknown>;
  const orderId = typeof rest.workflowId === 'string' ? orderIdFromWorkflowId(rest.workflowId) : null;
  return { ...rest, ...(orderId ? { orderId } : {}), ...(traceId ? { traceId, spanId } : {}) };
}

// Expected at every start, not a problem a reader should chase: a context worker without workflows
// says so, and the orders worker reports its workflow bundle. Both go to debug.
const ROUTINE = /^No workflows registered, not polling|^Workflow bundle created|^asset /;

export function runtimeLogger(logger: Logger): SdkLogger {
  const write = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (message: string, meta?: LogMetadata) =>
    logger[ROUTINE.test(message) ? 'debug' : level](fieldsOf(meta), message);
  return {
    log: (level: LogLevel, message, meta) => write(level.toLowerCase() as 'info')(message, meta),
    trace: write('trace'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'),
  };
}
