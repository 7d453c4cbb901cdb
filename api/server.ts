// The API process: tracing, config, database, Temporal client, admin bootstrap, then listen.
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { loadConfig, type Config } from '../platform/config';
import { createLogger, type Logger } from '../platform/logger';
import { createPrisma } from '../platform/prisma';
import { temporalConnectionOptions } from '../platform/temporal-connection';
import { createApp } from './app';
import { dataConverterFor, payloadKeys } from '../platform/payload-codec';
import { bootstrapAdmin } from './routes/auth.routes';
import { startOutboxSweeper } from './orders/outbox-sweeper';
import { startTracing } from '../platform/tracing';

export interface RunningApi { server: Server; port: number; stop(): Promise<void> }

export async function startWebServer(config: Config = loadConfig(), logger: Logger = createLogger({ level: config.LOG_LEVEL, name: 'api' })): Promise<RunningApi> {
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required for the API');
  const prisma = createPrisma(config.DATABASE_URL, config.DB_POOL_SIZE);
  const connection = await Connection.connect(temporalConnectionOptions(config));
  // Starting a saga, an update or a signal is a span of the request's trace, and its header takes the
  // trace to the workflow (and from there to the activities).
  const temporal = new Client({
    connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverterFor(payloadKeys(config)),
    interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
  });
  await bootstrapAdmin(prisma, config);
  const app = createApp({ prisma, temporal, config, logger });
  const sweeper = startOutboxSweeper({ prisma, temporal, config }, logger);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
  });
  server.keepAliveTimeout = 65_000;
  // A client trickling its headers or body (slowloris) is cut off; responses such as the SSE stream
  // are not limited by these.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ port }, 'api listening');
  return {
    server,
    port,
    async stop() {
      server.closeIdleConnections();
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close(); // ends open event streams, which would otherwise hold the server open
      await sweeper.stop();
      await closing;
      await connection.close();
      await prisma.$disconnect();
    },
  };
}

if (require.main === module) {
  (async () => {
    const config = loadConfig();
    const tracing = startTracing({ serviceName: 'saga-orders-api', config });
    const api = await startWebServer(config);
    // Spans still batched are sent once the last request has ended.
    const shutdown = () => void api.stop().then(() => tracing.shutdown()).then(() => process.exit(0));
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  })().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
