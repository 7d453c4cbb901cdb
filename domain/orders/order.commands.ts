// The order contracts that the API, the saga and the order activities all speak: the saga's input,
// the workflow id derived from the order id, and the commands the saga sends to the Order aggregate.
// They live below all three so none of them imports another sideways.
import type { ShippingAddress } from '../shipment/carrier.port';
import * as orders from './order';

export interface PlaceOrderInput {
  orderId: string;
  customerId: string;
  items: orders.OrderLine[];
  totalCents: number;
  shippingAddress: ShippingAddress;
  /**
   * The payment method the saga charges: the provider's reference (`pm_…`) the API got for the card
   * token in exchange; histories recorded before that hold the card token itself (the provider takes both).
   */
  paymentToken: string;
  placedAt: string;
  dispatchDelayMs: number;
  /** MAX_REVISIONS when the order was placed (absent in histories recorded before it existed: 5). */
  maxRevisions?: number;
}

const WORKFLOW_ID_PREFIX = 'order-';

/** One saga per order: the id is derived from the order id, so a second start of it is refused. */
export const orderWorkflowId = (orderId: string): string => `${WORKFLOW_ID_PREFIX}${orderId}`;

/** The order id of an order saga's workflow id; null for any other workflow. */
export function orderIdFromWorkflowId(workflowId: string): string | null {
  return workflowId.startsWith(WORKFLOW_ID_PREFIX) ? workflowId.slice(WORKFLOW_ID_PREFIX.length) : null;
}

/** One transition of the Order aggregate, as the saga asks for it (the activity applies it once per step). */
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
  | { type: 'refuseRevision'; reason: 'ORDER_MINIMUM_NOT_MET' }
  | { type: 'overtakeRevision'; reason: orders.RevisionOvertakenReason };

export function applyOrderCommand(order: orders.Order, command: OrderCommand): orders.OrderChange {
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
    case 'refuseRevision': return orders.refuseRevision(order, command.reason);
    case 'overtakeRevision': return orders.revisionOvertaken(order, command.reason);
  }
}
