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

export const CONTEXTS = ['orders', 'stock', 'credit', 'payment', 'shipment'] as const;
export type Context = (typeof CONTEXTS)[number];

export const WORKFLOWS_PATH = path.resolve(__dirname, '..', 'workflows', 'index.ts');

export interface WorkerDeps {
  connection: NativeConnection;
  prisma: PrismaClient;
  config: Config;
  /** A prebuilt bundle (tests build one per run); otherwise the worker bundles workflows/ itself. */
  workflowBundle?: WorkflowBundleOption;
}

function activitiesFor(context: Context, deps: WorkerDeps) {
  const { prisma, config } = deps;
  switch (context) {
    case 'orders': return createOrderActivities({ prisma });
    case 'stock': return createStockActivities({ prisma });
    case 'credit': return createCreditActivities({ prisma });
    case 'payment': return createPaymentActivities({ prisma, provider: createSimulatedPaymentProvider(prisma) });
    case 'shipment': return createShipmentActivities({ prisma, carrier: createSimulatedCarrier({ unservedCountries: config.CARRIER_UNSERVED_COUNTRIES }) });
  }
}

export async function createContextWorker(context: Context, deps: WorkerDeps): Promise<Worker> {
  const { config } = deps;
  const queues = taskQueues(config);
  const workflows = context === 'orders'
    ? (deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH })
    : {};
  return Worker.create({
    connection: deps.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: queues[context],
    activities: activitiesFor(context, deps),
    interceptors: { activity: [classifiedFailures()] },
    dataConverter: dataConverterFor(payloadKeys(config)),
    ...workflows,
    maxConcurrentActivityTaskExecutions: config.WORKER_ACTIVITY_CONCURRENCY,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_WORKFLOW_CONCURRENCY,
    maxCachedWorkflows: context === 'orders' ? config.WORKER_CACHE_SIZE : 0,
    // In-flight activities get this long to finish on SIGTERM before they are cancelled.
    shutdownGraceTime: '10s',
  });
}
