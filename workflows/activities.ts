// One activity proxy per bounded context, each on its own task queue. The queue names come from the
// workflow's own queue (`<prefix>orders`), so isolated deployments (and tests) keep their prefix.
import { proxyActivities, workflowInfo, type ActivityFunctionWithOptions, type ActivityOptions } from '@temporalio/workflow';
import type { OrderActivities } from '../activities/orders/order.activities';
import type { StockActivities } from '../activities/stock/stock.activities';
import type { CreditActivities } from '../activities/credit/credit.activities';
import type { PaymentActivities } from '../activities/payment/payment.activities';
import type { ShipmentActivities } from '../activities/shipment/shipment.activities';

// Business declines are thrown as non-retryable failures by the activities, so the retry policy
// only ever retries outages: quickly at first, then backing off to 10 s between attempts.
const forward: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '10s' },
};

// Compensations must eventually succeed. Each burst is bounded so the workflow sees a persistent
// failure, records it (CompensationFailed) and tries again instead of failing silently.
export const COMPENSATION_ATTEMPTS_PER_ROUND = 5;
const compensating: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: COMPENSATION_ATTEMPTS_PER_ROUND },
};

function queue(context: 'orders' | 'stock' | 'credit' | 'payment' | 'shipment'): string {
  const prefix = workflowInfo().taskQueue.replace(/orders$/, '');
  return `${prefix}${context}`;
}

export function sagaActivities() {
  return {
    orders: proxyActivities<OrderActivities>({ ...forward, taskQueue: queue('orders') }),
    stock: proxyActivities<StockActivities>({ ...forward, taskQueue: queue('stock') }),
    credit: proxyActivities<CreditActivities>({ ...forward, taskQueue: queue('credit') }),
    payment: proxyActivities<PaymentActivities>({ ...forward, taskQueue: queue('payment') }),
    shipment: proxyActivities<ShipmentActivities>({ ...forward, taskQueue: queue('shipment') }),
  };
}

export function compensationActivities() {
  return {
    stock: proxyActivities<StockActivities>({ ...compensating, taskQueue: queue('stock') }),
    credit: proxyActivities<CreditActivities>({ ...compensating, taskQueue: queue('credit') }),
    payment: proxyActivities<PaymentActivities>({ ...compensating, taskQueue: queue('payment') }),
  };
}

/**
 * Calls an activity with a one-line summary that the Web UI shows on the event (no personal data:
 * counts, amounts and country only).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function summarized<F extends (...args: any[]) => Promise<any>>(fn: ActivityFunctionWithOptions<F>, summary: string, ...args: Parameters<F>): ReturnType<F> {
  return fn.executeWithOptions({ summary }, args) as ReturnType<F>;
}
