// Messages, search attributes and types shared by the order workflow and its clients (API, tests).
// Safe to import from the API: it only uses @temporalio/workflow's message definitions.
import { defineQuery, defineUpdate, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';
import type { OrderLineInput, OrderStatus } from '../domain/orders/order';

// The saga's input, its workflow id and the order commands are contracts below both sides
// (domain/orders/order.commands.ts); the input type is re-exported for the workflow's clients.
// Task-queue names: platform/config.ts `taskQueues`.
export type { PlaceOrderInput } from '../domain/orders/order.commands';

export const CustomerIdKey = defineSearchAttributeKey('CustomerId', 'KEYWORD');
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', 'KEYWORD');
export const OrderTotalCentsKey = defineSearchAttributeKey('OrderTotalCents', 'INT');
/** True while a compensation of the saga keeps failing: `CompensationFailing = true` finds them. */
export const CompensationFailingKey = defineSearchAttributeKey('CompensationFailing', 'BOOL');

export type SagaStep = 'stock' | 'credit' | 'payment' | 'shipment';

export interface OrderSagaState {
  orderId: string;
  status: OrderStatus;
  completedSteps: SagaStep[];
  compensationsRun: string[];
  failedCompensations: string[];
  cancelRequested: boolean;
  dispatchRequested: boolean;
  reason: string | null;
}

export interface OrderSagaResult {
  orderId: string;
  status: OrderStatus;
  reason: string | null;
  compensationsRun: string[];
}

export const statusQuery = defineQuery<OrderSagaState>('status');
/** Customer or admin cancel; the validator refuses at once (→ 409) when the order cannot be cancelled. */
export const cancelUpdate = defineUpdate<{ orderId: string; status: 'CANCEL_PENDING' }>('cancel');
/** Warehouse dispatch; refused unless the order is PAID and waiting for dispatch. */
export const dispatchUpdate = defineUpdate<{ orderId: string; status: OrderStatus }>('dispatch');
export interface ReviseRequest {
  /** The new lines, priced by the API from the catalog. */
  lines: OrderLineInput[];
  totalCents: number;
  orderMinimumCents: number;
}
/** Customer revise; refused (→ 409) unless the order is APPROVED/PAID, before dispatch, with no other lock. */
export const reviseUpdate = defineUpdate<{ orderId: string; status: 'REVISION_PENDING' }, [ReviseRequest]>('revise');

/**
 * Detail of a validator refusal that no later state of the order can lift (e.g. MAX_REVISIONS
 * reached): the API answers 409 at once instead of waiting for the workflow to catch up.
 */
export const FINAL_REFUSAL = 'FINAL_REFUSAL';

/**
 * `Prefer: wait=<n>` on POST /orders: sent with the start (Update-with-Start), completes when the saga
 * has decided (the order left APPROVAL_PENDING) or after `waitMs`, with the status at that moment.
 */
export const decisionUpdate = defineUpdate<{ orderId: string; status: OrderStatus }, [number]>('awaitDecision');
export const MAX_DECISION_WAIT_MS = 30_000;

/** Fire-and-forget dispatch for operators (e.g. from the Web UI's signal form). */
export const dispatchSignal = defineSignal('dispatchNow');
