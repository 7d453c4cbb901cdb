// The workflow interceptors the orders worker bundles when nothing records spans (no
// OTEL_EXPORTER_OTLP_ENDPOINT; workers/worker-tracing.ts chooses): the trace the client's header
// brought — the API request that placed the order — is passed on unchanged in the header of every
// activity the saga schedules, local ones included, and the workflow's log lines carry its ids. That
// is what the OpenTelemetry workflow interceptors (@temporalio/interceptors-opentelemetry) give
// when nothing is recorded, without their cost: they start a span per workflow run, update and
// activity that nobody records and load the OpenTelemetry SDK into every workflow's context, and
// every promise they add is one more the SDK's stack-trace hook captures (~14 ms of the orders
// worker's CPU per order; bench/findings.md).
// The header is theirs (`_tracer-data`, a W3C traceparent), so the activities' OpenTelemetry
// interceptor continues the trace either way. Neither kind of bundle makes or reorders a command, so
// each replays the other's histories (workflows/replay.test.ts replays the recorded ones with both).
// Not carried: an update's or signal's own trace (a revise request's); the activities it starts log
// under the order's trace, where an operator looking at the order finds them.
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/workflow';
import type {
  ActivityInput, GetLogAttributesInput, LocalActivityInput, Next, WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor, WorkflowInterceptorsFactory, WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

export const TRACE_HEADER = '_tracer-data';

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;

/** The ids of a `_tracer-data` header, or nothing when it is absent or not a W3C traceparent. */
export function traceIdsOf(header: Payload | undefined): { trace_id: string; span_id: string; trace_flags: string } | undefined {
  if (!header) return undefined;
  try {
    const carrier = defaultPayloadConverter.fromPayload<{ traceparent?: unknown }>(header);
    const match = typeof carrier?.traceparent === 'string' ? TRACEPARENT.exec(carrier.traceparent) : null;
    return match ? { trace_id: match[1]!, span_id: match[2]!, trace_flags: match[3]! } : undefined;
  } catch {
    return undefined;
  }
}

class TraceIds implements WorkflowInboundCallsInterceptor, WorkflowOutboundCallsInterceptor {
  private header: Payload | undefined;
  private ids: ReturnType<typeof traceIdsOf>;

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    this.header = input.headers[TRACE_HEADER];
    this.ids = traceIdsOf(this.header);
    return next(input);
  }

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return next(this.withTrace(input));
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    return next(this.withTrace(input));
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    return next(this.ids ? { ...this.ids, ...input } : input);
  }

  private withTrace<T extends { headers: Record<string, Payload> }>(input: T): T {
    return this.header && !input.headers[TRACE_HEADER] ? { ...input, headers: { ...input.headers, [TRACE_HEADER]: this.header } } : input;
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  const traceIds = new TraceIds();
  return { inbound: [traceIds], outbound: [traceIds] };
};
