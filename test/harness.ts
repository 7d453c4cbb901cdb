// A real stack for a test file: Prisma on the run's database, a Temporal client on the run's dev
// server, the workers of every context on task queues unique to this file, and optionally the API.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import bcrypt from 'bcryptjs';
import { loadConfig, taskQueues, type Config } from '../platform/config';
import { createLogger, type Logger } from '../platform/logger';
import type { Tracing } from '../platform/tracing';
import { createPrisma, type PrismaClient } from '../platform/prisma';
import { dataConverterFor, payloadKeys } from '../platform/payload-codec';
import { createApp } from '../api/app';
import { issueToken, type Role } from '../api/auth';
import { bootstrapAdmin } from '../api/routes/auth.routes';
import { CONTEXTS, createContextWorker, type Context } from '../workers/worker-factory';

export interface TestStack {
  config: Config;
  prisma: PrismaClient;
  temporal: Client;
  baseUrl: string;
  workers: Map<Context, { worker: Worker; running: Promise<void> }>;
  startWorker(context: Context): Promise<void>;
  stopWorker(context: Context): Promise<void>;
  stop(): Promise<void>;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
    TASK_QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}-`,
    DISPATCH_DELAY: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    BCRYPT_ROUNDS: '4',
    TOKEN_RATE_LIMIT: '1000',
    REGISTER_RATE_LIMIT: '1000',
    ADMIN_EMAIL: `admin-${randomBytes(4).toString('hex')}@example.com`,
    // One key ring for the whole run (test/global-setup.ts), so processes a test spawns agree.
    ...(process.env.PAYLOAD_KEYS ? { PAYLOAD_KEYS: process.env.PAYLOAD_KEYS } : {}),
    ...overrides,
  });
}

// Lines the SDK logs in tests because the test provokes them; printed as one short line that says so.
const EXPECTED_IN_TESTS: Record<string, string> = {
  'compensation keeps failing; will retry': 'expected: this test makes a compensation fail',
  'saga step failed for good; rejecting the order': 'expected: this test makes a step fail for good',
};

let runtimeInstalled = false;
/** The SDK's logs in tests: errors only (TEST_WORKER_LOG_LEVEL to see more), one line each. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger((process.env.TEST_WORKER_LOG_LEVEL as 'ERROR') ?? 'ERROR', ({ level, message, meta }) => {
        const { workflowId, compensation, step, code, round } = (meta ?? {}) as Record<string, unknown>;
        const why = EXPECTED_IN_TESTS[message];
        process.stderr.write(`[worker ${level}] ${message} ${JSON.stringify({ workflowId, compensation, step, code, round })}${why ? ` (${why})` : ''}\n`);
      }),
    });
  } catch {
    // already installed by another test in this module registry
  }
}

export interface TestStackOptions {
  env?: Record<string, string>;
  contexts?: readonly Context[];
  api?: boolean;
  /** The API's logger (default: silent at the config's LOG_LEVEL). */
  logger?: Logger;
  /** A tracer provider the test started (platform/tracing.ts): the workers hand it the workflows' spans. */
  tracing?: Pick<Tracing, 'spanProcessor' | 'resource' | 'recording'>;
  /** Where the API listens (default: any free port) — for a Web UI that must know it before it starts. */
  apiPort?: number;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  quietRuntime();
  const config = testConfig(options.env);
  const prisma = createPrisma(config.DATABASE_URL!, 20);
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  // As the API's client (api/server.ts): starts and updates carry the active trace to the workflow.
  const temporal = new Client({ connection: clientConnection, dataConverter: dataConverterFor(payloadKeys(config)), interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } });
  const nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const workers = new Map<Context, { worker: Worker; running: Promise<void> }>();
  // The bundle the workers would make themselves (workers/worker-tracing.ts): OpenTelemetry's
  // interceptors only when this stack records spans.
  const workflowBundle = { codePath: (options.tracing?.recording ? process.env.TEST_WORKFLOW_BUNDLE_TRACED : process.env.TEST_WORKFLOW_BUNDLE)! };

  async function startWorker(context: Context) {
    const worker = await createContextWorker(context, { connection: nativeConnection, prisma, config, workflowBundle, tracing: options.tracing });
    workers.set(context, { worker, running: worker.run() });
  }
  async function stopWorker(context: Context) {
    const entry = workers.get(context);
    if (!entry) return;
    workers.delete(context);
    if (entry.worker.getState() === 'RUNNING') entry.worker.shutdown();
    await entry.running;
  }
  await Promise.all((options.contexts ?? CONTEXTS).map(startWorker));

  let served: Awaited<ReturnType<typeof listen>> | undefined;
  if (options.api) {
    await bootstrapAdmin(prisma, config);
    const app = createApp({ prisma, temporal, config, logger: options.logger ?? createLogger({ level: config.LOG_LEVEL }) });
    const listening = await listen(app, options.apiPort);
    served = { ...listening, close: async () => { await listening.close(); await app.close(); } };
  }

  return {
    config, prisma, temporal, baseUrl: served?.baseUrl ?? '', workers, startWorker, stopWorker,
    async stop() {
      await served?.close();
      await Promise.all([...workers.keys()].map(stopWorker));
      await nativeConnection.close();
      await clientConnection.close();
      await prisma.$disconnect();
    },
  };
}

/** Serves an Express app on a free loopback port; `close` drops open connections (SSE too). */
export async function listen(app: { listen: (port: number, host: string, cb: () => void) => Server }, port = 0) {
  const server = await new Promise<Server>((resolve) => { const s = app.listen(port, '127.0.0.1', () => resolve(s)); });
  const address = server.address();
  return {
    baseUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const queuesOf = (stack: TestStack) => taskQueues(stack.config);

/** A customer with a credit line, created directly in the database (fresh email each time). */
export async function aCustomer(prisma: PrismaClient, options: { creditLimitCents?: number; password?: string } = {}) {
  const id = randomUUID();
  const email = `customer-${id}@example.com`;
  await prisma.$transaction([
    prisma.customer.create({ data: { id, email, name: 'Test Customer', passwordHash: bcrypt.hashSync(options.password ?? 'password123', 4) } }),
    prisma.creditLine.create({ data: { customerId: id, limitCents: options.creditLimitCents ?? 100_000 } }),
  ]);
  return { customerId: id, email };
}

/** A product with stock, created directly in the database (fresh sku each time). */
export async function aProduct(prisma: PrismaClient, options: { stock?: number; priceCents?: number } = {}) {
  const id = randomUUID();
  await prisma.product.create({ data: { id, sku: `SKU-${id.slice(0, 8)}`, name: 'Test Product', priceCents: options.priceCents ?? 1000, onHand: options.stock ?? 10 } });
  return { productId: id };
}

export function tokenFor(config: Config, customerId: string, role: Role = 'customer'): string {
  return issueToken(config, { customerId, role }).accessToken;
}

export async function balances(prisma: PrismaClient, ids: { productId?: string; customerId?: string }) {
  const product = ids.productId ? await prisma.product.findUniqueOrThrow({ where: { id: ids.productId } }) : null;
  const credit = ids.customerId ? await prisma.creditLine.findUniqueOrThrow({ where: { customerId: ids.customerId } }) : null;
  return {
    onHand: product?.onHand, reserved: product?.reserved,
    creditHeld: credit ? Number(credit.heldCents) : undefined, creditConsumed: credit ? Number(credit.consumedCents) : undefined,
  };
}

export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < deadline);
  throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
}

/** The data converter of a stack: custom workers in tests must encrypt and decrypt like the others. */
export const dataConverterOf = (stack: TestStack) => dataConverterFor(payloadKeys(stack.config));
