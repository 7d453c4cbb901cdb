// Activity tests call the activity functions directly on the run's real PostgreSQL (test/global-setup.ts).
// What they need besides test/harness.ts: the activity context of a saga run (the SDK's own
// MockActivityEnvironment), the business failure an activity threw, and another writer's uncommitted
// change, so a test can make an activity lose an optimistic-lock race at a known moment.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ApplicationFailure, type Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { orderWorkflowId } from '../domain/orders/order.commands';
import { createPrisma, type PrismaClient } from '../platform/prisma';
import { testConfig } from './harness';

/** A Prisma client on the run's database; a pool big enough for a few concurrent activities. */
export function activityPrisma(): PrismaClient {
  return createPrisma(testConfig().DATABASE_URL!, 12);
}

const quiet: Logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * The context of an attempt of the order saga run `runId`, as a worker would give it to an activity.
 * Its logger is quiet: the failures the tests provoke are asserted, not printed.
 */
export function sagaRun(orderId: string, runId: string = randomUUID(), attempt = 1): MockActivityEnvironment {
  return new MockActivityEnvironment({ workflowExecution: { workflowId: orderWorkflowId(orderId), runId }, activityId: '1', attempt }, { logger: quiet });
}

/** How an activity failed, as Temporal's retry policy sees it: a business failure's type and whether it is final. */
export async function failureOf(work: Promise<unknown>): Promise<{ failure: string; type?: string | null; nonRetryable?: boolean | null; message: string }> {
  try {
    await work;
  } catch (error) {
    if (error instanceof ApplicationFailure) return { failure: 'ApplicationFailure', type: error.type, nonRetryable: error.nonRetryable, message: error.message };
    if (error instanceof Error) return { failure: error.name, message: error.message };
    return { failure: typeof error, message: String(error) };
  }
  throw new Error('expected the activity to fail, but it succeeded');
}

/** The domain events of an order (its timeline and outbox), oldest first. */
export async function eventsOf(prisma: PrismaClient, orderId: string): Promise<{ type: string; context: string; data: Record<string, unknown>; stepKey: string | null }[]> {
  const rows = await prisma.domainEvent.findMany({ where: { orderId }, orderBy: { id: 'asc' }, select: { type: true, context: true, data: true, stepKey: true } });
  return rows.map((r) => ({ ...r, data: r.data as Record<string, unknown> }));
}

/**
 * Another session's transaction that has changed one row and not committed yet, so it holds the
 * row's lock: an activity writing (or locking) that row waits. When this commits, the activity finds
 * the version it read gone (a lost optimistic-lock race, retried by persistence/transaction.ts), or
 * duplicates that were held at the same point go on one after the other.
 */
export async function uncommittedChange(prisma: PrismaClient, sql: string, params: unknown[]) {
  const client = new pg.Client({ connectionString: testConfig().DATABASE_URL! });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const pid = rows[0]!.pid;
  await client.query('BEGIN');
  const { rowCount } = await client.query(sql, params);
  if (rowCount !== 1) throw new Error(`expected to change one row, changed ${rowCount}`);
  return {
    /** Resolves once `sessions` other sessions wait for this transaction's lock. */
    async blocks(sessions = 1, timeoutMs = 5_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      // Asked on another connection: inside a transaction pg_stat_activity is a snapshot. Waiters
      // queue: the second waits for the first (the row's tuple lock), so count them transitively.
      const waiting = async () => (await prisma.$queryRaw<{ n: number }[]>`
        WITH RECURSIVE waiter(pid) AS (
          SELECT pid FROM pg_stat_activity WHERE ${pid}::int = ANY(pg_blocking_pids(pid))
          UNION SELECT a.pid FROM pg_stat_activity a JOIN waiter w ON w.pid = ANY(pg_blocking_pids(a.pid))
        ) SELECT count(*)::int AS n FROM waiter`)[0]!.n;
      while ((await waiting()) < sessions) {
        if (Date.now() > deadline) {
          await client.query('ROLLBACK').finally(() => client.end());
          throw new Error(`fewer than ${sessions} sessions waited for the lock of session ${pid} within ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async commit(): Promise<void> {
      await client.query('COMMIT');
      await client.end();
    },
  };
}
