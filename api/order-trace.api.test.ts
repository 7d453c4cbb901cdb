// One order, one trace: a POST /orders with a `traceparent` is followed through the API, the Temporal
// client, the saga and every activity (local order steps included) down to the SQL statements, on the
// real dev server and database, with the production tracer set-up (platform/tracing.ts) exporting to
// memory. The API's request log, the activities' and the workflow's log lines carry the same traceId.
import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Runtime } from '@temporalio/worker';
import { orderWorkflowId } from '../domain/orders/order.commands';
import { createLogger } from '../platform/logger';
import { startTracing, type Tracing } from '../platform/tracing';
import { runtimeLogger } from '../workers/runtime-logger';
import { eventually, startTestStack, type TestStack } from '../test/harness';
import { call, orderBody, shopper, untilStatus } from '../test/api-kit';

const exported = new InMemorySpanExporter();
const apiLines: Record<string, any>[] = [];
const workerLines: Record<string, any>[] = [];
const into = (lines: Record<string, any>[]) => ({ write: (line: string) => void lines.push(JSON.parse(line)) });

let tracing: Tracing;
let stack: TestStack;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'saga-orders-test', config: {}, spanProcessors: [new SimpleSpanProcessor(exported)] });
  // The workers' SDK logs as run-workers.ts writes them (debug: the activities' own lines).
  Runtime.install({ logger: runtimeLogger(createLogger({ level: 'debug' }, into(workerLines))) });
  // A dispatch delay leaves time to cancel a paid order (second test); the first waits it out.
  stack = await startTestStack({ api: true, env: { DISPATCH_DELAY: '3s' }, tracing, logger: createLogger({ level: 'info' }, into(apiLines)) });
});

afterAll(async () => {
  await stack?.stop();
  await tracing?.shutdown();
});

/** The order's own steps run as local activities on the orders worker; the others on their contexts' queues. */
const LOCAL_STEPS = ['recordOrderPlaced', 'transitionOrder'];
const CONTEXT_STEPS = ['reserveStock', 'reserveCredit', 'chargePayment', 'bookShipment', 'commitStock', 'consumeCredit'];

const newTrace = () => ({ traceId: randomBytes(16).toString('hex'), callerSpanId: randomBytes(8).toString('hex') });
const traceparent = ({ traceId, callerSpanId }: ReturnType<typeof newTrace>) => `00-${traceId}-${callerSpanId}-01`;

it('when an order is posted with a traceparent, then one trace connects the request, the saga, every activity and their SQL, and the logs carry its id', async () => {
  const { token, productId } = await shopper(stack);
  const caller = newTrace();
  const { traceId, callerSpanId } = caller;
  const reply = await call(stack, 'POST', '/orders', { token, body: orderBody(productId), headers: { traceparent: traceparent(caller) } });
  expect(reply.status).toBe(202);
  const orderId: string = reply.body.orderId;
  await stack.temporal.workflow.getHandle(orderWorkflowId(orderId)).result();

  const ofTrace = () => exported.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  // The workflow's spans leave the sandbox through a sink after its last task: wait for them.
  const spans = await eventually(async () => ofTrace(), (all) => all.some((s) => s.name === 'RunWorkflow:placeOrderSaga'), 10_000);
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const childrenOf = (parent: ReadableSpan, name?: string) =>
    spans.filter((s) => s.parentSpanId === parent.spanContext().spanId && (name === undefined || s.name === name));
  const only = (found: ReadableSpan[], what: string) => {
    expect({ what, count: found.length }).toEqual({ what, count: 1 });
    return found[0]!;
  };
  const descendants = (root: ReadableSpan): ReadableSpan[] => childrenOf(root).flatMap((c) => [c, ...descendants(c)]);
  const sqlUnder = (root: ReadableSpan) => descendants(root).filter((s) => s.name === 'prisma:client:db_query').map((s) => String(s.attributes['db.query.text']));

  // One connected trace: the caller's span is the root's parent, every other span's parent is in it.
  const request = only(spans.filter((s) => s.kind === SpanKind.SERVER), 'HTTP server span');
  expect(request).toMatchObject({ name: 'POST /orders', parentSpanId: callerSpanId, attributes: expect.objectContaining({ 'http.route': '/orders', 'http.response.status_code': 202 }) });
  expect(spans.filter((s) => s !== request && !byId.has(s.parentSpanId!)).map((s) => s.name)).toEqual([]);
  expect(sqlUnder(request).some((sql) => /INSERT INTO[\s\S]*orders/i.test(sql))).toBe(true);

  const start = only(childrenOf(request, 'StartWorkflow:placeOrderSaga'), 'StartWorkflow');
  const run = only(childrenOf(start, 'RunWorkflow:placeOrderSaga'), 'RunWorkflow');
  for (const step of [...LOCAL_STEPS, ...CONTEXT_STEPS]) {
    const scheduled = childrenOf(run, `StartActivity:${step}`);
    expect({ step, scheduled: scheduled.length > 0 }).toEqual({ step, scheduled: true });
    for (const each of scheduled) {
      const attempt = only(childrenOf(each, `RunActivity:${step}`), `RunActivity:${step}`);
      expect(attempt.attributes).toMatchObject({ temporalWorkflowId: orderWorkflowId(orderId) });
      expect({ step, sql: sqlUnder(attempt).length > 0 }).toEqual({ step, sql: true });
    }
  }
  // The local steps: the order recorded once, then one transition per state change.
  expect(childrenOf(run, 'StartActivity:recordOrderPlaced')).toHaveLength(1);
  expect(childrenOf(run, 'StartActivity:transitionOrder').length).toBeGreaterThanOrEqual(3);

  // The API's request log line, and the activities' lines, carry the trace.
  expect(apiLines).toContainEqual(expect.objectContaining({ msg: 'request', method: 'POST', path: '/orders', traceId, spanId: request.spanContext().spanId }));
  const reserved = only(descendants(run).filter((s) => s.name === 'RunActivity:reserveStock'), 'RunActivity:reserveStock');
  expect(workerLines).toContainEqual(expect.objectContaining({
    msg: 'Activity completed', activityType: 'reserveStock', orderId, traceId, spanId: reserved.spanContext().spanId,
  }));
  const completedSteps = workerLines.filter((l) => l.msg === 'Activity completed' && l.orderId === orderId);
  expect(completedSteps.length).toBeGreaterThanOrEqual(LOCAL_STEPS.length + CONTEXT_STEPS.length);
  expect(completedSteps.filter((l) => l.traceId !== traceId)).toEqual([]);
});

it('when an operator cancels the workflow of a traced order, then the workflow\'s log line carries the order\'s trace', async () => {
  const { token, productId } = await shopper(stack);
  const caller = newTrace();
  const reply = await call(stack, 'POST', '/orders', { token, body: orderBody(productId), headers: { traceparent: traceparent(caller) } });
  expect(reply.status).toBe(202);
  const orderId: string = reply.body.orderId;
  await untilStatus(stack, token, orderId, 'PAID');
  // From outside any trace (Web UI, CLI): the workflow still logs in its own span, the order's trace.
  await stack.temporal.workflow.getHandle(orderWorkflowId(orderId)).cancel();
  await untilStatus(stack, token, orderId, 'CANCELLED');

  const line = workerLines.find((l) => l.msg === 'workflow cancelled by an operator: cancelling the order' && l.orderId === orderId);
  const run = await eventually(
    async () => exported.getFinishedSpans().find((s) => s.name === 'RunWorkflow:placeOrderSaga' && s.spanContext().traceId === caller.traceId),
    (span) => span !== undefined, 10_000);
  expect(line).toMatchObject({ level: 40, traceId: caller.traceId, spanId: run!.spanContext().spanId });
  expect(line).not.toHaveProperty('trace_id');
});
