import { DomainError } from '../shared/domain-error';
import type { DomainEvent } from '../shared/domain-event';
import { assertCents, assertNonEmptyString, assertOneOf } from '../shared/guards';
import { illegalTransition } from './order.errors';
import type { OrderEventType } from './order.events';
import { priceLines } from './order.pricing';
import type { OrderLine, OrderLineInput } from './order.pricing';
import { CANCELLATION_REASONS, isFinal, REJECTION_REASONS, REVISION_OVERTAKEN_REASONS, REVISION_REJECTION_REASONS } from './order.status';
import type {
  CancellationReason,
  LockableStatus,
  OrderStatus,
  RejectionReason,
  RevisionOvertakenReason,
  RevisionRejectionReason,
} from './order.status';

export * from './order.status';
export { priceLines, revisionDelta, keepSoldPrices, assertTotalWithin, ORDER_TOTAL_TOO_LARGE, MAX_ORDER_LINES, MAX_LINE_QUANTITY } from './order.pricing';
export type { OrderLine, OrderLineInput, PricedLines, QuantityDelta, RevisionDelta } from './order.pricing';

export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  items: readonly OrderLine[];
  totalCents: number;
  rejectionReason: RejectionReason | null;
  cancellationReason: CancellationReason | null;
  /** Set while CANCEL_PENDING / REVISION_PENDING: the status a rejected revision returns to. */
  statusBeforeLock: LockableStatus | null;
  /** Optimistic-locking counter owned by persistence; the domain copies it and never changes it. */
  version: number;
}

export type OrderChange = { order: Order; events: DomainEvent[] };

function changed(order: Order, patch: Partial<Order>, type: OrderEventType, data: Record<string, unknown> = {}): OrderChange {
  return { order: { ...order, ...patch }, events: [{ type, data }] };
}

export function placeOrder(input: {
  id: string;
  customerId: string;
  lines: readonly OrderLineInput[];
  /** ORDER_MINIMUM_CENTS; optional because the contract only requires it on revision (default 0). */
  orderMinimumCents?: number;
}): OrderChange {
  const id = assertNonEmptyString(input.id, 'id');
  const customerId = assertNonEmptyString(input.customerId, 'customerId');
  const { items, totalCents } = priceLines(input.lines);
  assertMinimum(totalCents, input.orderMinimumCents ?? 0);
  const order: Order = {
    id,
    customerId,
    status: 'APPROVAL_PENDING',
    items,
    totalCents,
    rejectionReason: null,
    cancellationReason: null,
    statusBeforeLock: null,
    version: 0,
  };
  return { order, events: [{ type: 'OrderPlaced', data: { customerId, items, totalCents } }] };
}

/** Stock and credit are both reserved: the order may be charged. */
export function approve(order: Order): OrderChange {
  switch (order.status) {
    case 'APPROVAL_PENDING':
      return changed(order, { status: 'APPROVED' }, 'OrderApproved');
    default:
      throw illegalTransition('ILLEGAL_TRANSITION', 'approve', order.status);
  }
}

/** A saga step failed before the customer was charged (a decline happens while APPROVED). */
export function reject(order: Order, reason: RejectionReason): OrderChange {
  assertOneOf(reason, REJECTION_REASONS, 'reason');
  switch (order.status) {
    case 'APPROVAL_PENDING':
    case 'APPROVED':
      return changed(order, { status: 'REJECTED', rejectionReason: reason }, 'OrderRejected', { reason });
    default:
      throw illegalTransition('ILLEGAL_TRANSITION', 'reject', order.status);
  }
}

export function markPaid(order: Order): OrderChange {
  switch (order.status) {
    case 'APPROVED':
      return changed(order, { status: 'PAID' }, 'OrderPaid');
    default:
      throw illegalTransition('ILLEGAL_TRANSITION', 'mark paid', order.status);
  }
}

/** The warehouse asks to ship now instead of waiting for the dispatch timer; status stays PAID. */
export function requestDispatch(order: Order): OrderChange {
  switch (order.status) {
    case 'PAID':
      return changed(order, {}, 'DispatchRequested');
    default:
      throw illegalTransition('ORDER_NOT_DISPATCHABLE', 'dispatch', order.status);
  }
}

export function markShipped(order: Order): OrderChange {
  switch (order.status) {
    case 'PAID':
      return changed(order, { status: 'SHIPPED' }, 'OrderShipped');
    default:
      throw illegalTransition('ILLEGAL_TRANSITION', 'mark shipped', order.status);
  }
}

/**
 * Locks the order while the saga compensates. The previous status is kept because which
 * compensations run (refund or not) depends on how far the order got.
 */
export function requestCancel(order: Order): OrderChange {
  switch (order.status) {
    case 'APPROVAL_PENDING':
    case 'APPROVED':
    case 'PAID':
      return changed(order, { status: 'CANCEL_PENDING', statusBeforeLock: order.status }, 'CancelRequested', {
        previousStatus: order.status,
      });
    default:
      throw illegalTransition('ORDER_NOT_CANCELLABLE', 'cancel', order.status);
  }
}

/**
 * Compensations are done. A customer cancel always passes through CANCEL_PENDING; a refused
 * shipment cancels straight from PAID because nobody asked for it; an operator's repair closes any
 * order that is not final. Any other pairing is a saga bug.
 */
export function cancel(order: Order, reason: CancellationReason): OrderChange {
  assertOneOf(reason, CANCELLATION_REASONS, 'reason');
  const cancelled = (): OrderChange =>
    changed(order, { status: 'CANCELLED', cancellationReason: reason, statusBeforeLock: null }, 'OrderCancelled', {
      reason,
    });
  if (reason === 'OPERATOR_REPAIR') {
    if (!isFinal(order.status)) return cancelled();
    throw illegalTransition('ILLEGAL_TRANSITION', `cancel (${reason})`, order.status);
  }
  switch (order.status) {
    case 'CANCEL_PENDING':
      if (reason === 'CUSTOMER_REQUEST') return cancelled();
      break;
    case 'PAID':
      if (reason === 'SHIPMENT_FAILED') return cancelled();
      break;
    default:
      break;
  }
  throw illegalTransition('ILLEGAL_TRANSITION', `cancel (${reason})`, order.status);
}

/**
 * Starts a revision. Items stay as they are until the saga confirms stock, credit and payment
 * deltas; the proposed lines travel in the event so the saga and timeline can see them.
 */
export function requestRevision(order: Order, newLines: readonly OrderLineInput[], orderMinimumCents: number): OrderChange {
  switch (order.status) {
    case 'APPROVED':
    case 'PAID': {
      const { items, totalCents } = priceLines(newLines);
      assertMinimum(totalCents, orderMinimumCents);
      return changed(order, { status: 'REVISION_PENDING', statusBeforeLock: order.status }, 'RevisionRequested', {
        items,
        totalCents,
        previousTotalCents: order.totalCents,
      });
    }
    default:
      throw illegalTransition('ORDER_NOT_REVISABLE', 'revise', order.status);
  }
}

/** The revise saga succeeded: new items take effect and the order resumes where it was. */
export function reviseOrder(order: Order, newLines: readonly OrderLineInput[]): OrderChange {
  switch (order.status) {
    case 'REVISION_PENDING': {
      const status = resumeStatus(order, 'confirm revision of');
      const { items, totalCents } = priceLines(newLines);
      return changed(order, { status, statusBeforeLock: null, items, totalCents }, 'OrderRevised', {
        items,
        totalCents,
        previousTotalCents: order.totalCents,
      });
    }
    default:
      throw illegalTransition('ILLEGAL_TRANSITION', 'confirm revision of', order.status);
  }
}

/** The revise saga could not apply the deltas: the order resumes unchanged. */
export function rejectRevision(order: Order, reason: RevisionRejectionReason): OrderChange {
  assertOneOf(reason, REVISION_REJECTION_REASONS, 'reason');
  switch (order.status) {
    case 'REVISION_PENDING': {
      const status = resumeStatus(order, 'reject revision of');
      return changed(order, { status, statusBeforeLock: null }, 'RevisionRejected', { reason });
    }
    default:
      throw illegalTransition('ILLEGAL_TRANSITION', 'reject revision of', order.status);
  }
}

/**
 * A revision was accepted (202) but can no longer be applied as asked — its new total is now under
 * the order minimum (the minimum changed since the API checked it). Nothing was locked or moved;
 * the entry tells the customer what became of the request.
 */
export function refuseRevision(order: Order, reason: 'ORDER_MINIMUM_NOT_MET'): OrderChange {
  assertOneOf(reason, REVISION_REJECTION_REASONS, 'reason');
  if (order.status !== 'APPROVED' && order.status !== 'PAID') throw illegalTransition('ILLEGAL_TRANSITION', 'refuse a revision of', order.status);
  return changed(order, {}, 'RevisionRejected', { reason });
}

/**
 * A revision was accepted (202) but the order was rejected or cancelled before it could run. The
 * order does not change; the entry tells the customer what became of the request.
 */
export function revisionOvertaken(order: Order, reason: RevisionOvertakenReason): OrderChange {
  assertOneOf(reason, REVISION_OVERTAKEN_REASONS, 'reason');
  const decided = reason === 'ORDER_REJECTED' ? 'REJECTED' : 'CANCELLED';
  if (order.status !== decided) throw illegalTransition('ILLEGAL_TRANSITION', `overtake a revision of (${reason})`, order.status);
  return changed(order, {}, 'RevisionRejected', { reason });
}

/** Only APPROVED / PAID can be revised, so anything else recorded here means corrupted state. */
function resumeStatus(order: Order, command: string): 'APPROVED' | 'PAID' {
  const previous = order.statusBeforeLock;
  if (previous === 'APPROVED' || previous === 'PAID') return previous;
  throw illegalTransition('ILLEGAL_TRANSITION', `${command} (no status to return to)`, order.status);
}

function assertMinimum(totalCents: number, orderMinimumCents: number): void {
  assertCents(orderMinimumCents, 'orderMinimumCents');
  if (totalCents < orderMinimumCents) {
    throw new DomainError(
      'ORDER_MINIMUM_NOT_MET',
      `Order total ${totalCents} cents is below the minimum of ${orderMinimumCents} cents`,
    );
  }
}
