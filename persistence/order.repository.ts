// Maps the Order aggregate to its row. The row doubles as the read model, so writing the aggregate
// is also updating the projection — in the same transaction as the events.
import type { PrismaClient, Tx } from '../platform/prisma';
import type { DomainEvent } from '../domain/shared/domain-event';
import { placeOrder, type Order, type OrderLine } from '../domain/orders/order';
import type { PlaceOrderInput } from '../domain/orders/order.commands';
import { appendEvents, eventRows, eventsAfter, VersionConflict, type EventSource } from './transaction';

type OrderRow = NonNullable<Awaited<ReturnType<Tx['order']['findUnique']>>>;

export function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    customerId: row.customerId,
    status: row.status as Order['status'],
    items: row.items as unknown as OrderLine[],
    totalCents: Number(row.totalCents),
    rejectionReason: row.rejectionReason as Order['rejectionReason'],
    cancellationReason: row.cancellationReason as Order['cancellationReason'],
    statusBeforeLock: row.statusBeforeLock as Order['statusBeforeLock'],
    version: row.version,
  };
}

export async function loadOrder(tx: Tx, orderId: string): Promise<Order> {
  return (await loadOwnedOrder(tx, orderId)).order;
}

/** The order and the saga run that owns it (null for orders placed before ownership was recorded). */
export async function loadOwnedOrder(tx: Tx, orderId: string): Promise<{ order: Order; sagaRunId: string | null }> {
  const row = await tx.order.findUnique({ where: { id: orderId } });
  if (!row) throw new Error(`order ${orderId} not found`);
  return { order: toOrder(row), sagaRunId: row.sagaRunId };
}

/**
 * The order, the run that owns it and whether the step `stepKey` already committed, in one statement
 * (one snapshot): a step that commits after this read bumps the version, so the guarded write below
 * then fails and the caller reads again.
 */
export async function loadOrderForStep(db: PrismaClient, orderId: string, stepKey: string): Promise<{ order: Order; sagaRunId: string | null; stepDone: boolean }> {
  const rows = await db.$queryRaw<(OrderRow & { stepDone: boolean })[]>`
    SELECT o.id, o.customer_id AS "customerId", o.status, o.items, o.total_cents AS "totalCents",
           o.rejection_reason AS "rejectionReason", o.cancellation_reason AS "cancellationReason",
           o.status_before_lock AS "statusBeforeLock", o.saga_run_id AS "sagaRunId", o.version,
           EXISTS (SELECT 1 FROM domain_events WHERE step_key = ${`${stepKey}#0`}) AS "stepDone"
    FROM orders o WHERE o.id = ${orderId}::uuid`;
  const row = rows[0];
  if (!row) throw new Error(`order ${orderId} not found`);
  return { order: toOrder(row), sagaRunId: row.sagaRunId, stepDone: row.stepDone };
}

/**
 * The order's new state and its events in ONE statement, only if nobody changed the order since
 * `expectedVersion` was read (else VersionConflict, retried on fresh data). Atomic on its own: no
 * transaction round trips. The events carry the step key, so a step commits once.
 */
export async function saveOrderWithEvents(db: PrismaClient, order: Order, expectedVersion: number, source: EventSource, events: readonly DomainEvent[], at: Date): Promise<void> {
  const appended = eventsAfter('saved', events.length === 0 ? null : eventRows(source, events, at));
  const rows = await db.$queryRaw<{ updated: number }[]>`
    WITH saved AS (
      UPDATE orders SET status = ${order.status}, items = ${JSON.stringify(order.items)}::jsonb, total_cents = ${order.totalCents},
             rejection_reason = ${order.rejectionReason}, cancellation_reason = ${order.cancellationReason},
             status_before_lock = ${order.statusBeforeLock}, version = ${expectedVersion + 1}, updated_at = ${at}
      WHERE id = ${order.id}::uuid AND version = ${expectedVersion}
      RETURNING id
    ), appended AS (${appended})
    SELECT (SELECT count(*) FROM saved)::int AS updated`;
  if (rows[0]?.updated !== 1) throw new VersionConflict(`order ${order.id}`);
}

/** Writes the new state only if nobody changed the order since `expectedVersion` was read. */
export async function saveOrder(tx: Tx, order: Order, expectedVersion: number, at: Date): Promise<void> {
  const { count } = await tx.order.updateMany({
    where: { id: order.id, version: expectedVersion },
    data: {
      status: order.status,
      items: order.items as unknown as object,
      totalCents: order.totalCents,
      rejectionReason: order.rejectionReason,
      cancellationReason: order.cancellationReason,
      statusBeforeLock: order.statusBeforeLock,
      version: expectedVersion + 1,
      updatedAt: at,
    },
  });
  if (count !== 1) throw new VersionConflict(`order ${order.id}`);
}

/**
 * POST /orders' write in ONE statement: the order row (APPROVAL_PENDING, owned by no saga run yet),
 * its OrderPlaced entry and the outbox row holding the saga's input (`saga_starts`) — only if the
 * customer exists. Returns false (nothing written) when it does not. Atomic on its own; inside a
 * transaction (with an Idempotency-Key) it commits with the key.
 */
export async function insertOrderWithSagaStart(db: Tx | PrismaClient, input: PlaceOrderInput): Promise<boolean> {
  const { order, events } = placeOrder({ id: input.orderId, customerId: input.customerId, lines: input.items });
  const at = new Date(input.placedAt);
  const source = { orderId: order.id, context: 'orders', aggregateId: order.id, stepKey: `${input.orderId}:placed` };
  const rows = await db.$queryRaw<{ customers: number }[]>`
    WITH customer AS (SELECT id FROM customers WHERE id = ${order.customerId}::uuid),
    placed AS (
      INSERT INTO orders (id, customer_id, status, items, total_cents, shipping_address, version, created_at, updated_at)
      SELECT ${order.id}::uuid, customer.id, ${order.status}, ${JSON.stringify(order.items)}::jsonb, ${order.totalCents},
             ${JSON.stringify(input.shippingAddress)}::jsonb, 0, ${at}, ${at}
      FROM customer
      RETURNING id
    ), appended AS (${eventsAfter('placed', eventRows(source, events, at))}), outbox AS (
      INSERT INTO saga_starts (order_id, input) SELECT placed.id, ${JSON.stringify(input)}::jsonb FROM placed
    )
    SELECT count(*)::int AS customers FROM customer`;
  return rows[0]?.customers === 1;
}

/** Shared by the API (so GET works right after 202) and the saga's first step (so a crash in between loses nothing). */
export async function insertPlacedOrder(tx: Tx, input: PlaceOrderInput, sagaRunId: string | null = null): Promise<boolean> {
  const stepKey = `${input.orderId}:placed`;
  const { order, events } = placeOrder({ id: input.orderId, customerId: input.customerId, lines: input.items });
  const at = new Date(input.placedAt);
  // The API and the saga's first step may insert at the same moment: whoever comes second waits on
  // the primary key, then skips (INSERT … ON CONFLICT DO NOTHING) instead of failing.
  const { count } = await tx.order.createMany({
    data: [{
      id: order.id,
      customerId: order.customerId,
      status: order.status,
      items: order.items as unknown as object,
      totalCents: order.totalCents,
      shippingAddress: input.shippingAddress as unknown as object,
      sagaRunId,
      version: 0,
      createdAt: at,
      updatedAt: at,
    }],
    skipDuplicates: true,
  });
  if (count === 0) {
    // The API's row won the race: claim it for the run now.
    if (sagaRunId) await tx.$executeRaw`UPDATE orders SET saga_run_id = COALESCE(saga_run_id, ${sagaRunId}) WHERE id = ${input.orderId}::uuid`;
    return false;
  }
  await appendEvents(tx, { orderId: order.id, context: 'orders', aggregateId: order.id, stepKey }, events, at);
  return true;
}
