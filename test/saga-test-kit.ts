// Test helpers for driving the order saga directly on the dev server (no API in between).
import { orderWorkflowId, type PlaceOrderInput } from '../domain/orders/order.commands';
import type { PrismaClient } from '../platform/prisma';
import type { OrderSagaResult } from '../workflows/definitions';
import { queuesOf, type TestStack } from './harness';
import { sagaInput } from './order-input';

export interface OrderSpec {
  customerId: string;
  lines: { productId: string; quantity: number; unitPriceCents?: number }[];
  token?: string;
  country?: string;
  dispatchDelayMs?: number;
}

export const orderInput = (spec: OrderSpec): PlaceOrderInput => sagaInput(spec);

export async function startSaga(stack: TestStack, input: PlaceOrderInput) {
  return stack.temporal.workflow.start('placeOrderSaga', {
    workflowId: orderWorkflowId(input.orderId),
    taskQueue: queuesOf(stack).orders,
    args: [input],
  });
}

export async function runSaga(stack: TestStack, spec: OrderSpec): Promise<{ input: PlaceOrderInput; result: OrderSagaResult }> {
  const input = orderInput(spec);
  const handle = await startSaga(stack, input);
  return { input, result: (await handle.result()) as OrderSagaResult };
}

/** Steps the saga runs at once (stock ∥ credit): their entries commit in either order. */
const CONCURRENT_PAIRS: [string, string][] = [['StockReserved', 'CreditReserved'], ['StockShipped', 'CreditConsumed']];

/**
 * The order's timeline entry types in commit order, except that the entries of steps the saga runs at
 * once (reserve stock ∥ reserve credit, commit stock ∥ consume credit) are put stock first, as the
 * contract lists them: which of the two commits first is a race, not part of the contract.
 */
export async function timelineTypes(prisma: PrismaClient, orderId: string): Promise<string[]> {
  const rows = await prisma.domainEvent.findMany({ where: { orderId }, orderBy: { id: 'asc' }, select: { type: true } });
  const types = rows.map((r) => r.type);
  for (let i = 0; i + 1 < types.length; i++) {
    if (CONCURRENT_PAIRS.some(([first, second]) => types[i] === second && types[i + 1] === first)) [types[i], types[i + 1]] = [types[i + 1]!, types[i]!];
  }
  return types;
}

/**
 * How the saga's activity `activityType` ended so far, from the workflow's history: 'completed',
 * 'failed' (e.g. a decline), or null while it has not ended. For steps that leave no timeline entry
 * when they fail, and for steps whose sibling (run at the same time) is held up.
 */
export async function activityOutcome(handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }, activityType: string): Promise<'completed' | 'failed' | null> {
  type Event = { eventId?: unknown; activityTaskScheduledEventAttributes?: { activityType?: { name?: string } }; activityTaskCompletedEventAttributes?: { scheduledEventId?: unknown }; activityTaskFailedEventAttributes?: { scheduledEventId?: unknown } };
  const events = ((await handle.fetchHistory()).events ?? []) as Event[];
  const scheduled = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType).map((e) => String(e.eventId)));
  if (events.some((e) => scheduled.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)))) return 'completed';
  if (events.some((e) => scheduled.has(String(e.activityTaskFailedEventAttributes?.scheduledEventId)))) return 'failed';
  return null;
}
