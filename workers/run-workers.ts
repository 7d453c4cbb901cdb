// Process entry shared by every worker entrypoint: config, database, Temporal connection, then run
// the requested contexts until SIGINT/SIGTERM, which drain in-flight work before exiting.
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { loadConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { createPrisma } from '../platform/prisma';
import { CONTEXTS, createContextWorker, type Context } from './worker-factory';

export function parseContexts(arg: string | undefined): Context[] {
  if (!arg || arg === 'all') return [...CONTEXTS];
  const asked = arg.split(',').map((s) => s.trim());
  const unknown = asked.filter((c) => !(CONTEXTS as readonly string[]).includes(c));
  if (unknown.length) throw new Error(`unknown worker context(s): ${unknown.join(', ')} (known: ${CONTEXTS.join(', ')})`);
  return asked as Context[];
}

export async function runWorkers(contexts: Context[]): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, name: `worker:${contexts.join('+')}` });
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required for workers');
  Runtime.install({
    logger: {
      log: (level, message, meta) => logger[level.toLowerCase() as 'info'](meta ?? {}, message),
      trace: (m, meta) => logger.trace(meta ?? {}, m), debug: (m, meta) => logger.debug(meta ?? {}, m),
      info: (m, meta) => logger.info(meta ?? {}, m), warn: (m, meta) => logger.warn(meta ?? {}, m),
      error: (m, meta) => logger.error(meta ?? {}, m),
    },
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
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
