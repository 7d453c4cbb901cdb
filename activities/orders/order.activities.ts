// Order bookkeeping (task queue `orders`): every status change of the Order aggregate.
import type { PrismaClient, Tx } from '../../platform/prisma';
import * as orders from '../../domain/orders/order';
import type { PlaceOrderInput } from '../../workflows/definitions';
import { appendEvents, inTransaction, stepAlreadyDone } from '../shared/transaction';
import { loadOrder, saveOrder } from './order.repository';
import { finalOnDomainError } from '../shared/business-failure';

export type OrderCommand =
  | { type: 'approve' }
  | { type: 'reject'; reason: orders.RejectionReason }
  | { type: 'markPaid' }
  | { type: 'requestDispatch' }
  | { type: 'markShipped' }
  | { type: 'requestCancel' }
  | { type: 'cancel'; reason: orders.CancellationReason }
  | { type: 'requestRevision'; lines: orders.OrderLineInput[]; orderMinimumCents: number }
  | { type: 'reviseOrder'; lines: orders.OrderLineInput[] }
  | { type: 'rejectRevision'; reason: orders.RevisionRejectionReason }
  | { type: 'overtakeRevision'; reason: orders.RevisionOvertakenReason };

function apply(order: orders.Order, command: OrderCommand): orders.OrderChange {
  switch (command.type) {
    case 'approve': return orders.approve(order);
    case 'reject': return orders.reject(order, command.reason);
    case 'markPaid': return orders.markPaid(order);
    case 'requestDispatch': return orders.requestDispatch(order);
    case 'markShipped': return orders.markShipped(order);
    case 'requestCancel': return orders.requestCancel(order);
    case 'cancel': return orders.cancel(order, command.reason);
    case 'requestRevision': return orders.requestRevision(order, command.lines, command.orderMinimumCents);
    case 'reviseOrder': return orders.reviseOrder(order, command.lines);
    case 'rejectRevision': return orders.rejectRevision(order, command.reason);
    case 'overtakeRevision': return orders.revisionOvertaken(order, command.reason);
  }
}

export function createOrderActivities(deps: { prisma: PrismaClient }) {
  const { prisma } = deps;
  const source = (orderId: string, stepKey: string) => ({ orderId, context: 'orders', aggregateId: orderId, stepKey });

  return {
    /** Creates the order and its OrderPlaced event; the API may have done it already (same result). */
    async recordOrderPlaced(input: PlaceOrderInput): Promise<void> {
      const stepKey = `${input.orderId}:placed`;
      // Usually the API has written it already: one plain read, no transaction.
      if (await stepAlreadyDone(prisma, stepKey)) return;
      await inTransaction(prisma, async (tx) => {
        if (await stepAlreadyDone(tx, stepKey)) return;
        await insertPlacedOrder(tx, input);
      });
    },

    /** Applies one Order transition once per step key; returns the resulting status. */
    async transitionOrder(request: { orderId: string; step: string; command: OrderCommand }): Promise<orders.OrderStatus> {
      const stepKey = `${request.orderId}:${request.step}`;
      return finalOnDomainError(() => inTransaction(prisma, async (tx) => {
        const current = await loadOrder(tx, request.orderId);
        if (await stepAlreadyDone(tx, stepKey)) return current.status;
        const { order, events } = apply(current, request.command);
        const now = new Date();
        await saveOrder(tx, order, current.version, now);
        await appendEvents(tx, source(order.id, stepKey), events, now);
        return order.status;
      }));
    },

    /** Makes a compensation that keeps failing visible on the order's timeline. */
    async recordCompensationFailed(request: { orderId: string; compensation: string; attempt: number; message: string }): Promise<void> {
      // Once per (compensation, round): a retry after a lost result finds its own entry.
      const stepKey = `${request.orderId}:compensation-failed:${request.compensation}:${request.attempt}`;
      await inTransaction(prisma, async (tx) => {
        if (await stepAlreadyDone(tx, stepKey)) return;
        await appendEvents(tx, source(request.orderId, stepKey), [
          { type: 'CompensationFailed', data: { compensation: request.compensation, attempt: request.attempt, message: request.message } },
        ]);
      });
    },
  };
}

/** Shared by the API (so GET works right after 202) and the saga's first step (so a crash in between loses nothing). */
export async function insertPlacedOrder(tx: Tx, input: PlaceOrderInput): Promise<boolean> {
  const stepKey = `${input.orderId}:placed`;
  const { order, events } = orders.placeOrder({ id: input.orderId, customerId: input.customerId, lines: input.items });
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
      version: 0,
      createdAt: at,
      updatedAt: at,
    }],
    skipDuplicates: true,
  });
  if (count === 0) return false;
  await appendEvents(tx, { orderId: order.id, context: 'orders', aggregateId: order.id, stepKey }, events, at);
  return true;
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;
