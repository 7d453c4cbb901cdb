// One activity (or one API write) = one transaction on one aggregate. Writes are guarded by `version` (optimistic
// locking); a lost race, a serialization failure or a duplicate step-key insert rolls the whole
// transaction back and runs it again on fresh data, so concurrent sagas never lose an update.
import { POOL_WAIT_MS, Prisma, type PrismaClient, type Tx } from '../platform/prisma';
import type { DomainEvent } from '../domain/shared/domain-event';

export class VersionConflict extends Error {
  constructor(what: string) {
    super(`version conflict on ${what}`);
    this.name = 'VersionConflict';
  }
}

const RETRYABLE_PRISMA_CODES = new Set(['P2002', 'P2034', 'P2028']);

function isRetryable(error: unknown): boolean {
  if (error instanceof VersionConflict) return true;
  const code = (error as { code?: string }).code;
  if (code && RETRYABLE_PRISMA_CODES.has(code)) return true;
  const message = String((error as Error)?.message ?? '');
  return /could not serialize|deadlock detected|duplicate key value/.test(message);
}

// The time budget of one activity attempt, which must end inside its start-to-close timeout (10 s,
// workflows/activity-proxies.ts) so a timed-out attempt never overlaps its retry as a zombie:
//   waiting for a connection ≤ 2 s (POOL_WAIT_MS) + one transaction ≤ 3 s, and a conflict is retried
//   only while that worst case still ends within 8 s of the first try — 2 s to spare.
const TX_MAX_WAIT_MS = POOL_WAIT_MS;
const TX_TIMEOUT_MS = 3_000;
const ATTEMPT_BUDGET_MS = 8_000;

export async function inTransaction<T>(prisma: PrismaClient, work: (tx: Tx) => Promise<T>, maxAttempts = 30): Promise<T> {
  return withRetries(() => prisma.$transaction(work, { maxWait: TX_MAX_WAIT_MS, timeout: TX_TIMEOUT_MS }), maxAttempts);
}

/**
 * Runs `work` again on a lost race (a version conflict, a serialization failure, a duplicate key),
 * within the same attempt budget as inTransaction. For work that is a read plus ONE guarded
 * statement (atomic on its own): no BEGIN/COMMIT round trips, no connection held between them.
 */
export async function withRetries<T>(work: () => Promise<T>, maxAttempts = 30): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
      if (Date.now() - started + TX_MAX_WAIT_MS + TX_TIMEOUT_MS > ATTEMPT_BUDGET_MS) throw error;
      // Jittered backoff spreads out competitors for the same hot row (e.g. a popular product).
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
    }
  }
}

export interface EventSource { orderId: string | null; context: string; aggregateId: string; stepKey?: string }

/** Appends events in the caller's transaction; the first carries the step key that makes the step happen once. */
export async function appendEvents(tx: Tx, source: EventSource, events: readonly DomainEvent[], at = new Date()): Promise<void> {
  if (events.length === 0) return;
  await tx.domainEvent.createMany({
    data: events.map((event, i) => ({
      orderId: source.orderId,
      context: source.context,
      aggregateId: source.aggregateId,
      type: event.type,
      data: event.data as object,
      stepKey: source.stepKey ? `${source.stepKey}#${i}` : null,
      at,
    })),
  });
}

/**
 * The events as rows of a VALUES list for a hand-written guarded statement (same columns and step
 * keys as appendEvents): `INSERT INTO domain_events (…) SELECT … FROM (VALUES ${eventRows(…)}) …`.
 */
export function eventRows(source: EventSource, events: readonly DomainEvent[], at: Date): Prisma.Sql {
  return Prisma.join(events.map((event, i) => Prisma.sql`(${source.orderId}::uuid, ${source.context}, ${source.aggregateId}, ${event.type}, ${JSON.stringify(event.data)}::jsonb, ${source.stepKey ? `${source.stepKey}#${i}` : null}, ${at}::timestamptz)`));
}

/**
 * The body of a guarded statement's `appended` CTE: inserts the event rows (eventRows) only if the
 * statement's write CTE `written` returned a row — the events commit with that write or not at all.
 * Without events, a no-op. Use as `appended AS (${eventsAfter('saved', rows)})`.
 */
export function eventsAfter(written: 'saved' | 'placed', rows: Prisma.Sql | null): Prisma.Sql {
  if (rows === null) return Prisma.sql`SELECT 0`;
  return Prisma.sql`
      INSERT INTO domain_events (order_id, context, aggregate_id, type, data, step_key, at)
      SELECT e.* FROM (VALUES ${rows}) AS e(order_id, context, aggregate_id, type, data, step_key, at)
      WHERE EXISTS (SELECT 1 FROM ${Prisma.raw(written)})
      RETURNING 1`;
}

/** True when the saga step with this key already committed (a retry or a duplicate delivery). */
export async function stepAlreadyDone(tx: Tx | PrismaClient, stepKey: string): Promise<boolean> {
  const found = await tx.domainEvent.findUnique({ where: { stepKey: `${stepKey}#0` }, select: { id: true } });
  return found !== null;
}
