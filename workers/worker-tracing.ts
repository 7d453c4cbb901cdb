// Temporal's OpenTelemetry interceptors (@temporalio/interceptors-opentelemetry) on the workers:
//  - in the workflow bundle, RunWorkflow / HandleUpdate / HandleSignal spans continue the trace the
//    client's header brought, and StartActivity spans pass it on to every activity, local ones too;
//    workflow log lines get its trace_id and span_id (renamed traceId/spanId in workers/runtime-logger.ts);
//  - on the activity side, a RunActivity span per attempt, under which Prisma's SQL spans are made.
// Workflow spans are made inside the sandbox and leave it through the `exporter` sink (never called
// while replaying): every worker that runs the bundle registers it, or the SDK logs an error per task.
import path from 'node:path';
import { context, isSpanContextValid, trace, type SpanContext } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import type {
  ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, ActivityOutboundCallsInterceptor,
  GetLogAttributesInput, InjectedSinks, Next,
} from '@temporalio/worker';
import type { Tracing } from '../platform/tracing';

/**
 * The workflow interceptor modules bundled with the workflows: by the worker when it bundles
 * (workers/worker-factory.ts) and by the tests' prebuilt bundles (test/global-setup.ts). When spans
 * are recorded, OpenTelemetry's: a span per workflow run, update and activity. When not, ours
 * (workflows/trace-ids.interceptors.ts): the same header passed on and the same ids on the log
 * lines, without making spans nobody records. Either kind replays the other's histories; a bundle
 * with neither still runs, but passes no trace on.
 */
export function workflowInterceptorModules(recording: boolean): string[] {
  return recording
    ? [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')]
    : [path.resolve(__dirname, '..', 'workflows', 'trace-ids.interceptors.ts')];
}

/** The sink the workflows' spans leave the sandbox through; without tracing, they are dropped. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function workflowSpanSinks(tracing?: Pick<Tracing, 'spanProcessor' | 'resource'>): InjectedSinks<any> {
  return { exporter: makeWorkflowExporter(tracing?.spanProcessor ?? new NoopSpanProcessor(), tracing?.resource ?? Resource.empty()) };
}

/**
 * The activity's span on each of its log lines, also those the SDK writes once the span has ended
 * ("Activity completed", "Activity failed": the ones an operator looks for). Registered inside the
 * OpenTelemetry interceptor, so the active span at `execute` is the activity's.
 */
class ActivitySpanOnLogs implements ActivityInboundCallsInterceptor, ActivityOutboundCallsInterceptor {
  private span: SpanContext | undefined;

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const span = trace.getSpanContext(context.active());
    this.span = span && isSpanContextValid(span) ? span : undefined;
    return next(input);
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<ActivityOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    return next(this.span ? { traceId: this.span.traceId, spanId: this.span.spanId, ...input } : input);
  }
}

/** Outermost first: the span covers the whole attempt and records its failure as classified inside it. */
export function activityTracing(): ActivityInterceptorsFactory[] {
  return [
    (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx) }),
    () => {
      const logs = new ActivitySpanOnLogs();
      return { inbound: logs, outbound: logs };
    },
  ];
}
