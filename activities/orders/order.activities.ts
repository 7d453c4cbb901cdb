// Order bookkeeping (task queue `orders`): every status change of the Order aggregate.
// Each order belongs to the saga run that first recorded it. A run started by a workflow reset
// finds another owner and is refused (SAGA_RESET_REFUSED) before it changes anything: a reset
// rewinds the history but not the database, so replayed step keys would be skipped or misapplied.
import { Context } from '@temporalio/activity';
import type { PrismaClient } from '../../platform/prisma';
import type * as orders from '../../domain/orders/order';
import { applyOrderCommand, type OrderCommand, type PlaceOrderInput } from '../../domain/orders/order.commands';
import { appendEvents, inTransaction, stepAlreadyDone, withRetries } from '../../persistence/transaction';
import { insertPlacedOrder, loadOrderForStep, saveOrderWithEvents } from '../../persistence/order.repository';
import { businessFailure, finalOnDomainError } from '../shared/business-failure';

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
      // The same statement deletes the order's outbox row: its saga has started (the API's sweeper
      // would otherwise start it again — harmlessly, the workflow id is taken).
      const claimed = await prisma.$queryRaw<{ saga_run_id: string }[]>`
        WITH claimed AS (UPDATE orders SET saga_run_id = COALESCE(saga_run_id, ${run}) WHERE id = ${input.orderId}::uuid RETURNING saga_run_id),
        started AS (DELETE FROM saga_starts WHERE order_id = ${input.orderId}::uuid)
        SELECT saga_run_id FROM claimed`;
      if (claimed.length > 0) return refuseUnlessOwner(input.orderId, claimed[0]!.saga_run_id, run);
      const owner = await inTransaction(prisma, async (tx) => {
        await insertPlacedOrder(tx, input, run);
        return (await tx.order.findUniqueOrThrow({ where: { id: input.orderId }, select: { sagaRunId: true } })).sagaRunId;
      });
      refuseUnlessOwner(input.orderId, owner, run);
    },

    /**
     * Applies one Order transition once per step key; returns the resulting status. Two round trips:
     * one read (order, owner, step done?) and one guarded statement (state + events).
     */
    async transitionOrder(request: { orderId: string; step: string; command: OrderCommand }): Promise<orders.OrderStatus> {
      const stepKey = `${request.orderId}:${request.step}`;
      const run = callingRun();
      return finalOnDomainError(() => withRetries(async () => {
        const { order: current, sagaRunId, stepDone } = await loadOrderForStep(prisma, request.orderId, stepKey);
        refuseUnlessOwner(request.orderId, sagaRunId, run);
        if (stepDone) return current.status;
        const { order, events } = applyOrderCommand(current, request.command);
        await saveOrderWithEvents(prisma, order, current.version, source(order.id, stepKey), events, new Date());
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

export type OrderActivities = ReturnType<typeof createOrderActivities>;
