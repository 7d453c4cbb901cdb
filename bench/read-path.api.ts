// The API as bench/read-path.compare.ts runs it: tracing started as api/server.ts starts it, createApp
// on the real config, Prisma and logger (one JSON line per request to stdout, which the harness sends
// to a file), with a lazy Temporal client that never connects — GET /orders/:id touches no workflow,
// so no Temporal server is needed.
import type { Server } from 'node:http';
import { Client } from '@temporalio/client';
import { loadConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { createPrisma } from '../platform/prisma';
import { startTracing } from '../platform/tracing';
import { createApp } from '../api/app';

const config = loadConfig({ ...process.env });
const tracing = startTracing({ serviceName: 'saga-orders-api', config });
const logger = createLogger({ level: config.LOG_LEVEL, name: 'api' });
const prisma = createPrisma(config.DATABASE_URL!, config.DB_POOL_SIZE);
const app = createApp({ prisma, temporal: new Client(), config, logger });
const server: Server = app.listen(config.PORT, '127.0.0.1', () => {
  const address = server.address();
  logger.info({ port: typeof address === 'object' && address ? address.port : '?' }, 'read-path api listening');
});
server.keepAliveTimeout = 65_000;
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void app.close().then(() => prisma.$disconnect()).then(() => tracing.shutdown()).then(() => process.exit(0)));
});
