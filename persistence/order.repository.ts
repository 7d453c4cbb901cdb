// Maps the Order aggregate to its row. The row doubles as the read model, so writing the aggregate
// is also updating the projection — in the same transaction as the events.
import type { Tx } from '../platform/prisma';
import { placeOrder, type Order, type OrderLine } from '../domain/orders/order';
import type { PlaceOrderInput } from '../domain/orders/order.commands';
import { appendEvents, VersionConflict } from './transaction';

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
