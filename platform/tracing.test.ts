// The process's tracer set-up: without an OTLP endpoint nothing is recorded, yet a caller's trace id
// is kept and every span gets its own id, so log lines carry them; the endpoint is checked at boot.
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { startTracing } from './tracing';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpanId = '00f067aa0ba902b7';
const incoming = { traceparent: `00-${traceId}-${callerSpanId}-01`, baggage: 'tenant=someone-else' };

function lines() {
  const written: Record<string, unknown>[] = [];
  return { written, logger: createLogger({ level: 'info' }, { write: (line: string) => void written.push(JSON.parse(line)) }) };
}

describe('startTracing', () => {
  it('when no OTLP endpoint is set, then spans are not recorded but keep the caller\'s trace id, and log lines carry it', async () => {
    const tracing = startTracing({ serviceName: 'saga-orders-api', config: {} });
    try {
      expect(tracing.recording).toBe(false);
      const parent = propagation.extract(ROOT_CONTEXT, incoming);
      const span = trace.getTracer('test').startSpan('POST /orders', {}, parent);
      expect(span.isRecording()).toBe(false);
      expect(span.spanContext()).toMatchObject({ traceId, spanId: expect.not.stringMatching(new RegExp(`^(${callerSpanId}|0{16})$`)) });
      const { written, logger } = lines();
      context.with(trace.setSpan(parent, span), () => logger.info('inside'));
      logger.info('outside');
      expect(written).toEqual([
        expect.objectContaining({ msg: 'inside', traceId, spanId: span.spanContext().spanId }),
        expect.not.objectContaining({ traceId: expect.anything() }),
      ]);
      // Only the trace context travels on: a client's baggage is not passed to workflows and activities.
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(parent, span), carrier);
      expect(carrier).toEqual({ traceparent: `00-${traceId}-${span.spanContext().spanId}-00` });
    } finally {
      await tracing.shutdown();
    }
  });

  it('when a span processor is attached, then spans are recorded under the caller\'s span with the service name (OTEL_SERVICE_NAME wins)', async () => {
    const exported = new InMemorySpanExporter();
    const tracing = startTracing({ serviceName: 'saga-orders-worker', config: { OTEL_SERVICE_NAME: 'orders-eu' }, spanProcessors: [new SimpleSpanProcessor(exported)] });
    try {
      expect(tracing.recording).toBe(true);
      trace.getTracer('test').startSpan('RunActivity:reserveStock', {}, propagation.extract(ROOT_CONTEXT, incoming)).end();
      await tracing.spanProcessor.forceFlush(); // export waits for the host's resource attributes
      expect(exported.getFinishedSpans()).toEqual([expect.objectContaining({ name: 'RunActivity:reserveStock', parentSpanId: callerSpanId })]);
      expect(exported.getFinishedSpans()[0]!.resource.attributes['service.name']).toBe('orders-eu');
      expect(tracing.resource.attributes['service.name']).toBe('orders-eu');
    } finally {
      await tracing.shutdown();
    }
  });
});

describe('tracing configuration', () => {
  it.each(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'])('when %s is not an http(s) URL, then the process refuses to start naming it', (name) => {
    expect(() => loadConfig({ NODE_ENV: 'test', [name]: 'localhost:4318' })).toThrow(name);
  });

  it('when the endpoint is an http URL, then it is accepted', () => {
    expect(loadConfig({ NODE_ENV: 'test', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' })).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' });
  });
});
