/**
 * The Order state space. Kept apart from the transitions so validators (API, workflow update
 * validators) can ask "is this allowed?" without pulling in the whole aggregate.
 */
export const ORDER_STATUSES = [
  'APPROVAL_PENDING',
  'APPROVED',
  'PAID',
  'SHIPPED',
  'REJECTED',
  'CANCEL_PENDING',
  'CANCELLED',
  'REVISION_PENDING',
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Once here, the saga is over: no command moves the order again and the event stream closes. */
export const FINAL_STATUSES = ['SHIPPED', 'REJECTED', 'CANCELLED'] as const satisfies readonly OrderStatus[];

export type FinalStatus = (typeof FINAL_STATUSES)[number];

/** Statuses an order can be locked from (CANCEL_PENDING / REVISION_PENDING) and return to. */
export type LockableStatus = 'APPROVAL_PENDING' | 'APPROVED' | 'PAID';

// UNKNOWN_PRODUCT / UNKNOWN_CUSTOMER: the product or the customer's credit line is gone (e.g. a token
// outliving its data); SAGA_STEP_FAILED: a step failed for good for another reason (see its history).
export const REJECTION_REASONS = ['OUT_OF_STOCK', 'CREDIT_LIMIT_EXCEEDED', 'PAYMENT_DECLINED', 'UNKNOWN_PRODUCT', 'UNKNOWN_CUSTOMER', 'SAGA_STEP_FAILED'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

// OPERATOR_REPAIR: an operator closed an order whose saga can no longer run (its workflow was reset,
// which is refused); everything is given back.
export const CANCELLATION_REASONS = ['CUSTOMER_REQUEST', 'SHIPMENT_FAILED', 'OPERATOR_REPAIR'] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];

export const REVISION_REJECTION_REASONS = [
  'OUT_OF_STOCK',
  'CREDIT_LIMIT_EXCEEDED',
  'PAYMENT_DECLINED',
  'ORDER_MINIMUM_NOT_MET',
  'UNKNOWN_PRODUCT',
] as const;
export type RevisionRejectionReason = (typeof REVISION_REJECTION_REASONS)[number];

/** Why an accepted revision never ran: the order was decided first (shared/API.md, "every 202 leaves a trace"). */
export const REVISION_OVERTAKEN_REASONS = ['ORDER_REJECTED', 'ORDER_CANCELLED'] as const;
export type RevisionOvertakenReason = (typeof REVISION_OVERTAKEN_REASONS)[number];

export function isOrderStatus(value: unknown): value is OrderStatus {
  return typeof value === 'string' && (ORDER_STATUSES as readonly string[]).includes(value);
}

export function isFinal(status: OrderStatus): boolean {
  return (FINAL_STATUSES as readonly OrderStatus[]).includes(status);
}

/** Mirrors `requestCancel`: a cancel is accepted until the order has been handed to the carrier. */
export function canCancel(status: OrderStatus): boolean {
  return status === 'APPROVAL_PENDING' || status === 'APPROVED' || status === 'PAID';
}

/** Mirrors `requestRevision`: only once approved and before dispatch, and never during another lock. */
export function canRevise(status: OrderStatus): boolean {
  return status === 'APPROVED' || status === 'PAID';
}
