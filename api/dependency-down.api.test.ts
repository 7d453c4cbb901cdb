// When PostgreSQL is unreachable, requests fail with 503 SERVICE_UNAVAILABLE (retryable) and
// readiness names the failing check — never a 500.
import { Client, Connection } from '@temporalio/client';
import { createApp } from './app';
import { createLogger } from '../platform/logger';
import { createPrisma, type PrismaClient } from '../platform/prisma';
import { freePort } from '../test/free-port';
import { listen, testConfig } from '../test/harness';

let close: (() => Promise<void>) | undefined;
let baseUrl: string;
let prisma: PrismaClient;
let connection: Connection;

beforeAll(async () => {
  const config = testConfig();
  prisma = createPrisma(`postgresql://postgres@127.0.0.1:${await freePort()}/nowhere`, 2);
  connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const app = createApp({ prisma, temporal: new Client({ connection }), config, logger: createLogger({ level: 'silent' }) });
  ({ baseUrl, close } = await listen(app));
});
afterAll(async () => {
  await close?.();
  await connection?.close();
  await prisma?.$disconnect().catch(() => undefined);
});

it('when the database is down, then reads answer 503 SERVICE_UNAVAILABLE with Retry-After', async () => {
  const res = await fetch(`${baseUrl}/products`);
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('5');
  expect(await res.json()).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
});

it('when the database is down, then /health/ready is 503 naming postgres, and /health/live stays 200', async () => {
  const ready = await fetch(`${baseUrl}/health/ready`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ checks: { postgres: expect.stringMatching(/^failing/), temporal: 'ok' } });
  expect((await fetch(`${baseUrl}/health/live`)).status).toBe(200);
});
