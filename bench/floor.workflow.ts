// The engine's floors: the shape of a shipped order saga with none of its work, no database.
// Bundled on its own and run by bench/floor.worker.ts, which registers the no-op activities on every
// queue (the orders queue's worker also runs the local ones).
import { proxyActivities, proxyLocalActivities, upsertSearchAttributes, workflowInfo, type ActivityOptions, type LocalActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import type { FloorActivities } from './floor.activities';
import { CustomerIdKey, OrderStatusKey, OrderTotalCentsKey, type FloorOrderInput, type FloorResult } from './floor.definitions';

// The saga's options (workflows/activity-proxies.ts `forward`), copied: the floors must not move when
// the saga's code does. Local activities get the same timeout and retry.
const retry: RetryPolicy = { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '10s' };
const forward: ActivityOptions = { startToCloseTimeout: '10s', retry };
const local: LocalActivityOptions = { startToCloseTimeout: '10s', retry };

function queue(context: 'orders' | 'stock' | 'credit' | 'payment' | 'shipment'): string {
  return `${workflowInfo().taskQueue.replace(/orders$/, '')}${context}`;
}

function proxies() {
  return {
    orders: proxyActivities<FloorActivities>({ ...forward, taskQueue: queue('orders') }),
    stock: proxyActivities<FloorActivities>({ ...forward, taskQueue: queue('stock') }),
    credit: proxyActivities<FloorActivities>({ ...forward, taskQueue: queue('credit') }),
    payment: proxyActivities<FloorActivities>({ ...forward, taskQueue: queue('payment') }),
    shipment: proxyActivities<FloorActivities>({ ...forward, taskQueue: queue('shipment') }),
  };
}

type Steps = ReturnType<typeof proxies>;

/** The middle both floors share, as the saga runs it: approve, charge, mark paid, book the shipment. */
async function approvePayBook(orderId: string, orders: Pick<Steps['orders'], 'approve' | 'paid'>, payment: Steps['payment'], shipment: Steps['shipment'], status: (value: string) => unknown): Promise<void> {
  await orders.approve(orderId);
  status('APPROVED');
  await payment.chargePayment(orderId);
  await orders.paid(orderId);
  status('PAID');
  await shipment.bookShipment(orderId);
}

/**
 * The naive floor: the saga's ten steps as regular activities one after another, on the same
 * task-queue split (orders ×4, stock ×2, credit ×2, payment, shipment), no search attributes.
 * `searchAttributes` (BENCH_FLOOR_VARIANT=search-attributes, an experiment, not the published floor)
 * adds the saga's upserts: three at the start, then OrderStatus on each transition.
 */
export async function floorWorkflow(orderId: string, options: { searchAttributes?: boolean } = {}): Promise<FloorResult> {
  const status = (value: string) => { if (options.searchAttributes) upsertSearchAttributes([{ key: OrderStatusKey, value }]); };
  if (options.searchAttributes) {
    upsertSearchAttributes([{ key: CustomerIdKey, value: orderId }, { key: OrderStatusKey, value: 'APPROVAL_PENDING' }, { key: OrderTotalCentsKey, value: 1000 }]);
  }
  const { orders, stock, credit, payment, shipment } = proxies();
  await orders.recordOrderPlaced(orderId);
  await stock.reserveStock(orderId);
  await credit.reserveCredit(orderId);
  await approvePayBook(orderId, orders, payment, shipment, status);
  await stock.commitStock(orderId);
  await credit.consumeCredit(orderId);
  await orders.shipped(orderId);
  status('SHIPPED');
  return { orderId, status: 'SHIPPED' };
}

/**
 * The same-shape floor: the saga's shape (issue 14) with no-op bodies. The orders context's four
 * steps are local activities on this workflow's own worker; the other contexts' steps are regular
 * activities on their queues, stock and credit side by side; the saga's search-attribute upserts.
 * It differs from the saga only by what the activities do.
 */
export async function sameShapeFloorWorkflow(input: FloorOrderInput): Promise<FloorResult> {
  const { orderId } = input;
  const status = (value: string) => upsertSearchAttributes([{ key: OrderStatusKey, value }]);
  upsertSearchAttributes([
    { key: CustomerIdKey, value: input.customerId },
    { key: OrderStatusKey, value: 'APPROVAL_PENDING' },
    { key: OrderTotalCentsKey, value: input.totalCents },
  ]);
  const orders = proxyLocalActivities<FloorActivities>(local);
  const { stock, credit, payment, shipment } = proxies();
  await orders.recordOrderPlaced(orderId);
  await Promise.all([stock.reserveStock(orderId), credit.reserveCredit(orderId)]);
  await approvePayBook(orderId, orders, payment, shipment, status);
  await Promise.all([stock.commitStock(orderId), credit.consumeCredit(orderId)]);
  await orders.shipped(orderId);
  status('SHIPPED');
  return { orderId, status: 'SHIPPED' };
}
