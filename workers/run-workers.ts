// Process entry shared by every worker entrypoint: config, database, Temporal connection, then run
// the requested contexts until SIGINT/SIGTERM, which drain in-flight work before exiting.
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { loadConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { createPrisma } from '../platform/prisma';
import { describeErrors } from '../platform/errors';
import { orderIdFromWorkflowId } from '../domain/orders/order.commands';
import { CONTEXTS, createContextWorker, type Context } from './worker-factory';

export function parseContexts(arg: string | undefined): Context[] {
  if (!arg || arg === 'all') return [...CONTEXTS];
  const asked = arg.split(',').map((s) => s.trim());
  const unknown = asked.filter((c) => !(CONTEXTS as readonly string[]).includes(c));
  if (unknown.length) throw new Error(`unknown worker context(s): ${unknown.join(', ')} (known: ${CONTEXTS.join(', ')})`);
  return asked as Context[];
}

export async function runWorkers(contexts: Context[]): Promise<void> {
  const config = loadConfig(process.env, { secrets: false });
  const logger = createLogger({ level: config.LOG_LEVEL, name: `worker:${contexts.join('+')}` });
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required for workers');
  // Workflow and activity logs arrive here from the SDK with workflowId; every line about an order
  // also gets its orderId, so one grep finds the whole saga across processes.
  // Errors in the SDK's fields (e.g. `error` of "Activity failed") are written with message, failure
  // type and cause chain; pino would print an ApplicationFailure as {}.
  const withOrder = (meta?: Record<string, unknown>) => {
    const fields = describeErrors(meta ?? {});
    const orderId = typeof fields.workflowId === 'string' ? orderIdFromWorkflowId(fields.workflowId) : null;
    return orderId ? { ...fields, orderId } : fields;
  };
  // Expected at every start, not a problem a reader should chase: a context worker without workflows
  // says so, and the orders worker reports its workflow bundle. Both go to debug.
  const routine = /^No workflows registered, not polling|^Workflow bundle created|^asset /;
  const write = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (message: string, meta?: Record<string, unknown>) =>
    logger[routine.test(message) ? 'debug' : level](withOrder(meta), message);
  Runtime.install({
    logger: {
      log: (level, message, meta) => write(level.toLowerCase() as 'info')(message, meta),
      trace: write('trace'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'),
    },
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
      // The SDK's own worker metrics (task latencies, slots, polls) in Prometheus format.
      ...(config.WORKER_METRICS_ADDRESS ? { metrics: { prometheus: { bindAddress: config.WORKER_METRICS_ADDRESS } } } : {}),
    },
  });
  if (config.WORKER_METRICS_ADDRESS) logger.info({ metrics: `http://${config.WORKER_METRICS_ADDRESS}/metrics` }, 'worker metrics exposed');
  const prisma = createPrisma(config.DATABASE_URL, config.DB_POOL_SIZE);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const workers = await Promise.all(contexts.map((context) => createContextWorker(context, { connection, prisma, config })));
    logger.info({ contexts, taskQueues: workers.map((w) => w.options.taskQueue) }, 'workers running');
    await Promise.all(workers.map((w) => w.run()));
    logger.info('workers stopped');
  } finally {
    await connection.close();
    await prisma.$disconnect();
  }
}

export function main(contexts: Context[]): void {
  runWorkers(contexts).then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
