// OpenTelemetry for one process (the API or a worker): trace context always, spans only when someone
// collects them. A `traceparent` on a request, the Temporal headers the interceptors write and the
// activity contexts carry one trace id through the API, the workflows and the activities, so every
// log line about a request or an order has its traceId (platform/logger.ts) whether or not spans are
// exported. Without OTEL_EXPORTER_OTLP_ENDPOINT (or a test's span processor) nothing is recorded:
// spans are sampled out, which still gives each one its ids and propagates them, and Prisma is not
// instrumented. With it, spans are batched to that OTLP/HTTP endpoint (protobuf), and Prisma's own
// instrumentation adds the SQL spans.
import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResourcesSync, envDetectorSync, hostDetectorSync, processDetectorSync, Resource } from '@opentelemetry/resources';
import { AlwaysOffSampler, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { PrismaInstrumentation, registerInstrumentations } from '@prisma/instrumentation';
import type { Config } from './config';

export interface Tracing {
  /** Whether spans are recorded (an exporter or a test's processor is attached). */
  recording: boolean;
  /** Every span processor of the process: the workers hand the workflows' spans to it too. */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Flushes spans not yet exported and stops the instrumentation (on SIGTERM, after draining). */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** `saga-orders-api` or `saga-orders-worker`; OTEL_SERVICE_NAME wins. */
  serviceName: string;
  config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' | 'OTEL_SERVICE_NAME'>;
  /** Extra processors (tests: an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

// Spans Prisma makes around every query that tell an operator nothing (argument serialisation, query
// compilation): left out, so an activity shows its operations, transactions and SQL statements.
const QUIET_PRISMA_SPANS = ['prisma:client:serialize', 'prisma:client:compile'];

/** Sets up this process's tracer provider; call once, before the first request or task. */
export function startTracing(options: TracingOptions): Tracing {
  const { config } = options;
  const exporting = Boolean(config.OTEL_EXPORTER_OTLP_ENDPOINT || config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  // The exporter reads the standard variables itself (endpoint + /v1/traces, headers, timeout).
  const spanProcessors = [...(exporting ? [new BatchSpanProcessor(new OTLPTraceExporter())] : []), ...(options.spanProcessors ?? [])];
  const recording = spanProcessors.length > 0;
  const resource = Resource.default()
    .merge(new Resource({ [ATTR_SERVICE_NAME]: config.OTEL_SERVICE_NAME ?? options.serviceName }))
    .merge(detectResourcesSync({ detectors: [hostDetectorSync, processDetectorSync, envDetectorSync] }));
  // Not recording: AlwaysOff still gives every span its own id and passes the trace id on, with the
  // sampled flag off, so the workflows' own tracer records nothing either. Recording: the standard
  // OTEL_TRACES_SAMPLER applies (default: sample what the caller sampled, and new traces).
  const provider = new NodeTracerProvider({ resource, spanProcessors, ...(recording ? {} : { sampler: new AlwaysOffSampler() }) });
  // W3C trace context only: a client's baggage is not carried into workflow and activity headers.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const disableInstrumentations = recording
    ? registerInstrumentations({ tracerProvider: provider, instrumentations: [new PrismaInstrumentation({ ignoreSpanTypes: QUIET_PRISMA_SPANS })] })
    : () => undefined;
  return {
    recording,
    spanProcessor: provider.getActiveSpanProcessor(),
    resource,
    async shutdown() {
      disableInstrumentations();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
