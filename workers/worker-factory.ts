// Builds the worker of one bounded context: its task queue, its activities and their adapters.
// Each context can run in its own process (workers/<context>.worker.ts) or all together (all.worker.ts).
import path from 'node:path';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Config } from '../platform/config';
import { taskQueues } from '../platform/config';
import type { PrismaClient } from '../platform/prisma';
import { createOrderActivities } from '../activities/orders/order.activities';
import { createStockActivities } from '../activities/stock/stock.activities';
import { createCreditActivities } from '../activities/credit/credit.activities';
import { createPaymentActivities } from '../activities/payment/payment.activities';
import { createSimulatedPaymentProvider } from '../activities/payment/simulated-payment-provider';
import { createShipmentActivities } from '../activities/shipment/shipment.activities';
import { createSimulatedCarrier } from '../activities/shipment/simulated-carrier';
import { classifiedFailures } from './activity-failures.interceptor';
import { dataConverterFor, payloadKeys } from '../platform/payload-codec';
import { workerDeploymentVersion } from '../platform/worker-deployment';
import type { Tracing } from '../platform/tracing';
import { activityTracing, workflowInterceptorModules, workflowSpanSinks } from './worker-tracing';

export const CONTEXTS = ['orders', 'stock', 'credit', 'payment', 'shipment'] as const;
export type Context = (typeof CONTEXTS)[number];

export const WORKFLOWS_PATH = path.resolve(__dirname, '..', 'workflows', 'index.ts');

/**
 * The longest startToCloseTimeout of any activity the sagas schedule, local ones included
 * (workflows/activity-proxies.ts: 10 s for every step, compensation and order step). The bundle cannot
 * export it to us without changing that file, so workers/shutdown-grace.test.ts reads the file and
 * fails when a timeout there grows past this.
 */
export const LONGEST_ACTIVITY_START_TO_CLOSE_MS = 10_000;
/**
 * On SIGTERM a worker stops polling and gives in-flight activities this long before cancelling them.
 * An attempt that began just before the signal may run its whole start-to-close; waiting longer is
 * useless (the server has timed it out by then and retries it elsewhere). The 5 s margin lets such an
 * attempt still report its result and the orders worker complete the workflow task that records a
 * local activity's result, instead of both being redone. Whoever stops a worker waits longer than
 * this before SIGKILL (compose stop_grace_period 30 s, `npm start` SHUTDOWN_GRACE_MS + 5 s).
 */
export const SHUTDOWN_GRACE_MS = LONGEST_ACTIVITY_START_TO_CLOSE_MS + 5_000;
/**
 * How long a workflow task waits on the sticky queue of the worker that cached the saga before any
 * orders worker may take it. When that worker died (kill -9, a host lost), every saga it cached pays
 * this once on its next task; a revise or cancel arriving then waits for it, and the API gives an
 * update 10 s (api/routes/orders.routes.ts): with the SDK's default of 10 s such a request was
 * answered 503 (found by `npm run cluster`, killing the orders host). 3 s keeps it well inside; the
 * cost is a full-history replay when a busy worker leaves a task on its sticky queue longer than that.
 */
export const STICKY_QUEUE_TIMEOUT_MS = 3_000;

export interface WorkerDeps {
  connection: NativeConnection;
  prisma: PrismaClient;
  config: Config;
  /** A prebuilt bundle (tests build them per run, with workflowInterceptorModules); otherwise the worker bundles workflows/ itself. */
  workflowBundle?: WorkflowBundleOption;
  /** The process's tracer provider (platform/tracing.ts): where the workflows' spans go. */
  tracing?: Pick<Tracing, 'spanProcessor' | 'resource' | 'recording'>;
}

function activitiesFor(context: Context, deps: WorkerDeps) {
  const { prisma, config } = deps;
  switch (context) {
    case 'orders': return createOrderActivities({ prisma });
    case 'stock': return createStockActivities({ prisma });
    case 'credit': return createCreditActivities({ prisma });
    case 'payment': {
      const latency = { latencyMs: config.PAYMENT_PROVIDER_LATENCY_MS, jitterMs: config.PAYMENT_PROVIDER_JITTER_MS };
      return createPaymentActivities({ prisma, provider: createSimulatedPaymentProvider(prisma, { latency }) });
    }
    case 'shipment': return createShipmentActivities({ prisma, carrier: createSimulatedCarrier({ unservedCountries: config.CARRIER_UNSERVED_COUNTRIES }) });
  }
}

export async function createContextWorker(context: Context, deps: WorkerDeps): Promise<Worker> {
  const { config } = deps;
  const queues = taskQueues(config);
  const workflows = context === 'orders'
    ? (deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH })
    : {};
  // Versioned (WORKER_DEPLOYMENT_NAME set): every context worker of a build is one deployment
  // version, so a pinned saga's activities go to the workers of the build it started on too.
  // PINNED: an order finishes on the saga code it started with; a change that must reach orders in
  // flight is written with patched() and the orders moved (README, "Deploy a saga change").
  const version = workerDeploymentVersion(config);
  const versioning = version
    ? { workerDeploymentOptions: { version, useWorkerVersioning: true as const, defaultVersioningBehavior: 'PINNED' as const } }
    : {};
  return Worker.create({
    connection: deps.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: queues[context],
    activities: activitiesFor(context, deps),
    interceptors: {
      activity: [...activityTracing(), classifiedFailures()],
      // Only read when the worker bundles; a prebuilt bundle has them built in.
      ...(deps.workflowBundle ? {} : { workflowModules: workflowInterceptorModules(deps.tracing?.recording ?? false) }),
    },
    sinks: workflowSpanSinks(deps.tracing),
    dataConverter: dataConverterFor(payloadKeys(config)),
    ...workflows,
    ...versioning,
    // The payment worker's own limit: with a slow provider, each process holds this many charges at
    // once and throughput grows by adding processes (npm run cluster, SCALING.md).
    maxConcurrentActivityTaskExecutions: context === 'payment' ? config.PAYMENT_WORKER_CONCURRENCY ?? config.WORKER_ACTIVITY_CONCURRENCY : config.WORKER_ACTIVITY_CONCURRENCY,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_WORKFLOW_CONCURRENCY,
    maxCachedWorkflows: context === 'orders' ? config.WORKER_CACHE_SIZE : 0,
    shutdownGraceTime: SHUTDOWN_GRACE_MS,
    stickyQueueScheduleToStartTimeout: STICKY_QUEUE_TIMEOUT_MS,
  });
}
