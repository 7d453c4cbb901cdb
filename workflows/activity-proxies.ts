// One activity proxy per bounded context, each on its own task queue. The queue names come from the
// workflow's own queue (`<prefix>orders`), so isolated deployments (and tests) keep their prefix.
import {
  ActivityCancellationType, ActivityFailure, ApplicationFailure, proxyActivities, proxyLocalActivities, workflowInfo,
  type ActivityFunctionWithOptions, type ActivityOptions, type LocalActivityFunctionWithOptions, type LocalActivityOptions,
} from '@temporalio/workflow';
import type { OrderActivities } from '../activities/orders/order.activities';
import type { StockActivities } from '../activities/stock/stock.activities';
import type { CreditActivities } from '../activities/credit/credit.activities';
import type { PaymentActivities } from '../activities/payment/payment.activities';
import type { ShipmentActivities } from '../activities/shipment/shipment.activities';

// Business declines are thrown as non-retryable failures by the activities, and unexpected errors
// are given up after a bounded number of attempts (workers/activity-failures.interceptor.ts), so the
// retry policy retries outages without limit: quickly at first, then backing off to 10 s.
// A cancelled step waits for the attempt under way to finish (its effect is then known) but does
// not start another: a failed attempt committed nothing, so a cancel takes effect between attempts.
const forward: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '10s' },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};

// Compensations must eventually succeed. The first burst is bounded so the workflow sees a
// persistent failure and records it (CompensationFailed); then Temporal's own retry takes over with
// unlimited attempts and a back-off growing to a 10-minute cap. Server-side retries add no history
// events, so a compensation failing for days keeps the history the same length.
export const COMPENSATION_ATTEMPTS_PER_ROUND = 5;
const compensating: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: COMPENSATION_ATTEMPTS_PER_ROUND },
};
export const PERSISTENT_RETRY_CAP = '10m';
const persisting: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: PERSISTENT_RETRY_CAP },
};

// The same names as platform/config.ts `taskQueues` (`<TASK_QUEUE_PREFIX><context>`), which the
// workers poll and the API starts the saga on. The bundle cannot import platform/ (lint forbids it),
// so the prefix is read back from the queue this workflow runs on: change both together.
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

// The orders context's own steps (record the order, its transitions) run as local activities on the
// orders worker, which also runs the saga: the projection write happens in the worker that decides
// it, without a task-queue round trip through the server (as Temporal's order reference app does).
// Same timeout and retry policy as a regular step; a local activity retrying past a minute is
// rescheduled by a durable timer, so an outage of Postgres is still waited out without limit.
const local: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: forward.retry,
};

/** The order's own steps as local activities (the saga shape since the patch `local-order-steps`). */
export function localOrderActivities() {
  return proxyLocalActivities<OrderActivities>(local);
}

/** Compensations and releases: `persistent` is the round after a recorded failure (retried for ever). */
export function compensationActivities(persistent = false) {
  const options = persistent ? persisting : compensating;
  return {
    stock: proxyActivities<StockActivities>({ ...options, taskQueue: queue('stock') }),
    credit: proxyActivities<CreditActivities>({ ...options, taskQueue: queue('credit') }),
    payment: proxyActivities<PaymentActivities>({ ...options, taskQueue: queue('payment') }),
  };
}
export type UndoActivities = ReturnType<typeof compensationActivities>;

/**
 * Calls an activity with a one-line summary that the Web UI shows on the event (no personal data:
 * counts, amounts and country only).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function summarized<F extends (...args: any[]) => Promise<any>>(fn: ActivityFunctionWithOptions<F> | LocalActivityFunctionWithOptions<F>, summary: string, ...args: Parameters<F>): ReturnType<F> {
  return fn.executeWithOptions({ summary }, args) as ReturnType<F>;
}

/**
 * The failure type (business code) of a non-retryable activity decline, if it is one. A regular
 * activity's failure reaches the workflow wrapped in an ActivityFailure; a local activity's as the
 * bare ApplicationFailure (found by the time-skipping workflow tests once the order's steps became
 * local activities).
 */
export function declineCode(error: unknown): string | null {
  const failure = error instanceof ActivityFailure ? error.cause : error;
  if (failure instanceof ApplicationFailure && failure.nonRetryable) return failure.type ?? null;
  return null;
}
