// Process entry shared by every worker entrypoint: config, health endpoints, database, Temporal
// connection, then run the requested contexts until SIGINT/SIGTERM, which drain in-flight work
// (SHUTDOWN_GRACE_MS) before exiting.
import { NativeConnection, Runtime, makeTelemetryFilterString, type Worker } from '@temporalio/worker';
import { loadConfig, taskQueues } from '../platform/config';
import { describeTemporalConnection, temporalConnectionOptions } from '../platform/temporal-connection';
import { createLogger } from '../platform/logger';
import { createPrisma } from '../platform/prisma';
import { describeErrors } from '../platform/errors';
import { makeCurrentIfNone, versionName, workerDeploymentVersion, type DeploymentVersion } from '../platform/worker-deployment';
import { startTracing } from '../platform/tracing';
import { CONTEXTS, createContextWorker, type Context } from './worker-factory';
import { startHealthServer } from './health-server';
import { runtimeLogger } from './runtime-logger';

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
  // Before the first span: the workflows' spans, the activities' and their SQL spans (platform/tracing.ts).
  const tracing = startTracing({ serviceName: 'saga-orders-worker', config });
  Runtime.install({
    logger: runtimeLogger(logger),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
      // The SDK's own worker metrics (task latencies, slots, polls) in Prometheus format.
      ...(config.WORKER_METRICS_ADDRESS ? { metrics: { prometheus: { bindAddress: config.WORKER_METRICS_ADDRESS } } } : {}),
    },
  });
  if (config.WORKER_METRICS_ADDRESS) logger.info({ metrics: `http://${config.WORKER_METRICS_ADDRESS}/metrics` }, 'worker metrics exposed');
  const prisma = createPrisma(config.DATABASE_URL, config.DB_POOL_SIZE);
  const temporalOptions = temporalConnectionOptions(config);
  const workers = new Map<Context, Worker>();
  let connection: NativeConnection | undefined;
  // The SDK's Runtime drains the workers on these signals; this only marks the process as draining so
  // /health/ready turns 503 at once. Once: a second signal keeps its default effect (exit now).
  let draining: string | undefined;
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const onSignal = (signal: NodeJS.Signals) => {
    draining = signal;
    for (const s of signals) process.off(s, onSignal);
  };
  for (const s of signals) process.on(s, onSignal);
  // Up before the Temporal connection and the workflow bundle: live answers while the process starts,
  // ready says what it still waits for.
  const health = config.WORKER_HEALTH_ADDRESS
    ? await startHealthServer(config.WORKER_HEALTH_ADDRESS, {
        contexts: () => Object.fromEntries(contexts.map((c) => [c, workers.get(c)?.getState() ?? 'STARTING'])),
        checks: {
          postgres: () => prisma.$queryRaw`SELECT 1`,
          temporal: async () => {
            if (!connection) throw new Error('not connected yet');
            await connection.workflowService.getSystemInfo({});
          },
        },
        draining: () => draining,
      })
    : undefined;
  if (health) logger.info({ live: `${health.url}/health/live`, ready: `${health.url}/health/ready` }, 'worker health exposed');
  try {
    connection = await NativeConnection.connect(temporalOptions);
    try {
      await Promise.all(contexts.map(async (context) => workers.set(context, await createContextWorker(context, { connection: connection!, prisma, config, tracing }))));
      const running = [...workers.values()];
      const version = workerDeploymentVersion(config);
      logger.info({
        contexts, taskQueues: running.map((w) => w.options.taskQueue), temporal: describeTemporalConnection(temporalOptions), namespace: config.TEMPORAL_NAMESPACE,
        workerDeployment: version ? versionName(version) : 'unversioned',
      }, 'workers running');
      const runs = running.map((w) => w.run());
      if (version) void firstDeploy(connection, version);
      await Promise.all(runs);
      logger.info('workers stopped');
    } finally {
      await connection.close();
    }
  } finally {
    for (const s of signals) process.off(s, onSignal);
    await prisma.$disconnect();
    // The spans of the last activities, drained above, are sent before the process exits.
    await tracing.shutdown();
    // Last: live stays 200 until the process is about to exit.
    await health?.close();
  }

  /**
   * A deployment with no current version sends new orders to unversioned workers (there are none):
   * on a first deploy this build becomes current once all five contexts of it polled. Never a switch
   * from another build (npm run rollout does that). A failure here is logged, the worker keeps running.
   */
  async function firstDeploy(temporal: NativeConnection, version: DeploymentVersion): Promise<void> {
    try {
      const { current, madeCurrent } = await makeCurrentIfNone(temporal.workflowService, config.TEMPORAL_NAMESPACE, version, taskQueues(config), {
        identity: `worker:${contexts.join('+')}`, timeoutMs: 10 * 60_000, stopped: () => draining !== undefined,
      });
      if (madeCurrent) logger.info({ workerDeployment: versionName(version) }, 'first deploy: this build is now the current version');
      else if (current && current !== version.buildId) {
        logger.info({ workerDeployment: versionName(version), current }, `new orders go to build ${current}; \`npm run rollout -- --build ${version.buildId}\` routes them to this one`);
      }
    } catch (error) {
      if (draining) return; // the connection closes under it while the process stops
      logger.warn({ ...describeErrors({ error }), workerDeployment: versionName(version) }, 'could not check the deployment\'s current version');
    }
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
