// Worker process of the floors: the same five task queues as the saga (prefix FLOOR_QUEUE_PREFIX), the
// same worker options as workers/worker-factory.ts, the floor workflow bundle (FLOOR_BUNDLE, prebuilt
// by bench/run.ts) on `<prefix>orders` and the no-op activities on every queue (on `<prefix>orders`
// they also serve the same-shape floor's local activities, which run on the workflow's own worker).
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadConfig } from '../platform/config';
import { floorActivities } from './floor.activities';

const QUEUES = ['orders', 'stock', 'credit', 'payment', 'shipment'] as const;

async function main(): Promise<void> {
  const config = loadConfig(process.env, { secrets: false });
  const prefix = process.env.FLOOR_QUEUE_PREFIX ?? 'floor-';
  const codePath = process.env.FLOOR_BUNDLE;
  if (!codePath) throw new Error('FLOOR_BUNDLE (a prebuilt workflow bundle) is required');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const workers = await Promise.all(QUEUES.map((context) => Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: `${prefix}${context}`,
    activities: floorActivities,
    ...(context === 'orders' ? { workflowBundle: { codePath } } : {}),
    maxConcurrentActivityTaskExecutions: config.WORKER_ACTIVITY_CONCURRENCY,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_WORKFLOW_CONCURRENCY,
    maxCachedWorkflows: context === 'orders' ? config.WORKER_CACHE_SIZE : 0,
    shutdownGraceTime: '10s',
  })));
  console.log('workers running');
  await Promise.all(workers.map((w) => w.run()));
  await connection.close();
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
