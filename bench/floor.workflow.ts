// The engine's floor: the shape of a shipped order saga with none of its work. Ten no-op activities
// in the saga's order and on the same task-queue split (orders ×4, stock ×2, credit ×2, payment ×1,
// shipment ×1), the same activity options, no search attributes, no database. Bundled on its own.
import { defineSearchAttributeKey } from '@temporalio/common';
import { proxyActivities, upsertSearchAttributes, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { FloorActivities } from './floor.activities';

const forward: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '10s' },
};

function queue(context: 'orders' | 'stock' | 'credit' | 'payment' | 'shipment'): string {
  return `${workflowInfo().taskQueue.replace(/orders$/, '')}${context}`;
}

const OrderStatusKey = defineSearchAttributeKey('OrderStatus', 'KEYWORD');
const CustomerIdKey = defineSearchAttributeKey('CustomerId', 'KEYWORD');
const OrderTotalCentsKey = defineSearchAttributeKey('OrderTotalCents', 'INT');

/**
 * `searchAttributes` (BENCH_FLOOR_VARIANT=search-attributes, an experiment, not the published floor)
 * adds the saga's search-attribute upserts: three at the start, then OrderStatus on each transition.
 */
export async function floorWorkflow(orderId: string, options: { searchAttributes?: boolean } = {}): Promise<{ orderId: string; status: 'SHIPPED' }> {
  const status = (value: string) => { if (options.searchAttributes) upsertSearchAttributes([{ key: OrderStatusKey, value }]); };
  if (options.searchAttributes) {
    upsertSearchAttributes([{ key: CustomerIdKey, value: orderId }, { key: OrderStatusKey, value: 'APPROVAL_PENDING' }, { key: OrderTotalCentsKey, value: 1000 }]);
  }
  const orders = proxyActivities<FloorActivities>({ ...forward, taskQueue: queue('orders') });
  const stock = proxyActivities<FloorActivities>({ ...forward, taskQueue: queue('stock') });
  const credit = proxyActivities<FloorActivities>({ ...forward, taskQueue: queue('credit') });
  const payment = proxyActivities<FloorActivities>({ ...forward, taskQueue: queue('payment') });
  const shipment = proxyActivities<FloorActivities>({ ...forward, taskQueue: queue('shipment') });
  await orders.noop('recordOrderPlaced');
  await stock.noop('reserveStock');
  await credit.noop('reserveCredit');
  await orders.noop('approve');
  status('APPROVED');
  await payment.noop('chargePayment');
  await orders.noop('paid');
  status('PAID');
  await shipment.noop('bookShipment');
  await stock.noop('commitStock');
  await credit.noop('consumeCredit');
  await orders.noop('shipped');
  status('SHIPPED');
  return { orderId, status: 'SHIPPED' };
}
