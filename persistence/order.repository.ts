// Maps the Order aggregate to its row. The row doubles as the read model, so writing the aggregate
// is also updating the projection — in the same transaction as the events.
import type { Tx } from '../../platform/prisma';
import type { Order, OrderLine } from '../../domain/orders/order';
import { VersionConflict } from '../shared/transaction';

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
