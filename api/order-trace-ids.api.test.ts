// Without a span collector (production's default: no OTEL_EXPORTER_OTLP_ENDPOINT) nothing is recorded,
// but the trace ids still connect the logs: a request's log line, the saga's and the activities' lines
// carry the caller's traceId. The request path binds the response to the span's context only when
// spans are recorded (api/trace-requests.ts), so the request log line takes its ids explicitly.
import { randomBytes } from 'node:crypto';
import { Runtime } from '@temporalio/worker';
import { orderWorkflowId } from '../domain/orders/order.commands';
import { createLogger } from '../platform/logger';
import { startTracing, type Tracing } from '../platform/tracing';
import { runtimeLogger } from '../workers/runtime-logger';
import { startTestStack, type TestStack } from '../test/harness';
import { call, orderBody, shopper } from '../test/api-kit';

const apiLines: Record<string, any>[] = [];
const workerLines: Record<string, any>[] = [];
const into = (lines: Record<string, any>[]) => ({ write: (line: string) => void lines.push(JSON.parse(line)) });

let tracing: Tracing;
let stack: TestStack;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'saga-orders-test', config: {} });
  Runtime.install({ logger: runtimeLogger(createLogger({ level: 'debug' }, into(workerLines))) });
  stack = await startTestStack({ api: true, env: { DISPATCH_DELAY: '0' }, tracing, logger: createLogger({ level: 'info' }, into(apiLines)) });
});

afterAll(async () => {
  await stack?.stop();
  await tracing?.shutdown();
});

const traceparent = (traceId: string) => `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
const requestLine = (method: string, path: string) => apiLines.find((l) => l.msg === 'request' && l.method === method && l.path === path);

it('when nothing records spans and an order is posted with a traceparent, then the request log, the saga\'s and every activity\'s lines carry its trace id', async () => {
  expect(tracing.recording).toBe(false);
  const { token, productId } = await shopper(stack);
  const traceId = randomBytes(16).toString('hex');
  const reply = await call(stack, 'POST', '/orders', { token, body: orderBody(productId), headers: { traceparent: traceparent(traceId) } });
  expect(reply.status).toBe(202);
  const orderId: string = reply.body.orderId;
  await stack.temporal.workflow.getHandle(orderWorkflowId(orderId)).result();

  expect(requestLine('POST', '/orders')).toMatchObject({ traceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/) });
  const completed = workerLines.filter((l) => l.msg === 'Activity completed' && l.orderId === orderId);
  expect(completed.map((l) => l.activityType)).toEqual(expect.arrayContaining(['recordOrderPlaced', 'reserveStock', 'reserveCredit', 'chargePayment', 'bookShipment']));
  expect(completed.filter((l) => l.traceId !== traceId)).toEqual([]);
  // The saga's own lines (written inside the workflow, not by an activity), but the SDK's "Workflow
  // started", which it writes before any interceptor has seen the start's header.
  const sagaLines = workerLines.filter((l) => l.orderId === orderId && l.workflowType === 'placeOrderSaga' && l.activityType === undefined && l.msg !== 'Workflow started');
  expect(sagaLines.map((l) => l.msg)).toContain('Workflow completed');
  expect(sagaLines.filter((l) => l.traceId !== traceId)).toEqual([]);
});

it('when nothing records spans and a GET carries no traceparent, then its log line still has a trace id of its own', async () => {
  const { token, productId } = await shopper(stack);
  const orderId: string = (await call(stack, 'POST', '/orders', { token, body: orderBody(productId) })).body.orderId;
  expect((await call(stack, 'GET', `/orders/${orderId}`, { token })).status).toBe(200);
  const line = requestLine('GET', `/orders/${orderId}`);
  expect(line).toMatchObject({ traceId: expect.stringMatching(/^[0-9a-f]{32}$/), spanId: expect.stringMatching(/^[0-9a-f]{16}$/) });
  expect(line!.traceId).not.toBe(requestLine('POST', '/orders')?.traceId);
});
