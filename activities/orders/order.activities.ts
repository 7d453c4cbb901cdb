// Order bookkeeping (task queue `orders`): every status change of the Order aggregate.
// Each order belongs to the saga run that first recorded it. A run started by a workflow reset
// finds another owner and is refused (SAGA_RESET_REFUSED) before it changes anything: a reset
// rewinds the history but not the database, so replayed step keys would be skipped or misapplied.
import { Context } from '@temporalio/activity';
import type { PrismaClient, Tx } from '../../platform/prisma';
import * as orders from '../../domain/orders/order';
import type { PlaceOrderInput } from '../../workflows/definitions';
import { appendEvents, inTransaction, stepAlreadyDone } from '../shared/transaction';
import { loadOwnedOrder, saveOrder } from './order.repository';
import { businessFailure, finalOnDomainError } from '../shared/business-failure';

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

export const SAGA_RESET_REFUSED = 'SAGA_RESET_REFUSED';

/** The run of the saga calling this activity (null when not called by a workflow, e.g. a benchmark). */
function callingRun(): string | null {
  try {
    return Context.current().info.workflowExecution?.runId ?? null;
  } catch {
    return null; // not inside an activity
  }
}

function refuseUnlessOwner(orderId: string, owner: string | null, run: string | null): void {
  if (owner !== null && run !== null && owner !== run) {
    throw businessFailure(SAGA_RESET_REFUSED, `order ${orderId} belongs to saga run ${owner}, not ${run}: a workflow reset is refused (the database is not rolled back); repair with npm run repair-order -- ${orderId}`);
  }
}

export function createOrderActivities(deps: { prisma: PrismaClient }) {
  const { prisma } = deps;
  const source = (orderId: string, stepKey: string) => ({ orderId, context: 'orders', aggregateId: orderId, stepKey });

  return {
    /** Creates the order and its OrderPlaced event (the API may have done it already) and claims it for this run. */
    async recordOrderPlaced(input: PlaceOrderInput): Promise<void> {
      const run = callingRun();
      // Usually the API has written the row: one statement claims it (first run wins) and says who owns it.
      const claimed = await prisma.$queryRaw<{ saga_run_id: string }[]>`
        UPDATE orders SET saga_run_id = COALESCE(saga_run_id, ${run}) WHERE id = ${input.orderId}::uuid RETURNING saga_run_id`;
      if (claimed.length > 0) return refuseUnlessOwner(input.orderId, claimed[0]!.saga_run_id, run);
      const owner = await inTransaction(prisma, async (tx) => {
        await insertPlacedOrder(tx, input, run);
        return (await tx.order.findUniqueOrThrow({ where: { id: input.orderId }, select: { sagaRunId: true } })).sagaRunId;
      });
      refuseUnlessOwner(input.orderId, owner, run);
    },

    /** Applies one Order transition once per step key; returns the resulting status. */
    async transitionOrder(request: { orderId: string; step: string; command: OrderCommand }): Promise<orders.OrderStatus> {
      const stepKey = `${request.orderId}:${request.step}`;
      const run = callingRun();
      return finalOnDomainError(() => inTransaction(prisma, async (tx) => {
        const { order: current, sagaRunId } = await loadOwnedOrder(tx, request.orderId);
        refuseUnlessOwner(request.orderId, sagaRunId, run);
        if (await stepAlreadyDone(tx, stepKey)) return current.status;
        const { order, events } = apply(current, request.command);
        const now = new Date();
        await saveOrder(tx, order, current.version, now);
        await appendEvents(tx, source(order.id, stepKey), events, now);
        return order.status;
      }));
    },

    /**
     * Repair only (after a refused reset): the calling run takes the order over. Returns its status
     * so the repair saga knows whether anything is left to do.
     */
    async adoptOrder(request: { orderId: string }): Promise<orders.OrderStatus> {
      const run = callingRun();
      if (!run) throw businessFailure('ILLEGAL_TRANSITION', 'only a repair saga may adopt an order');
      const rows = await prisma.$queryRaw<{ status: orders.OrderStatus }[]>`
        UPDATE orders SET saga_run_id = ${run} WHERE id = ${request.orderId}::uuid RETURNING status`;
      if (rows.length === 0) throw businessFailure('ORDER_NOT_FOUND', `order ${request.orderId} not found`);
      return rows[0]!.status;
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
export async function insertPlacedOrder(tx: Tx, input: PlaceOrderInput, sagaRunId: string | null = null): Promise<boolean> {
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

export type OrderActivities = ReturnType<typeof createOrderActivities>;
