import type { DomainEvent } from '../shared/domain-event';

/** Every event an Order transition can emit; each becomes one timeline entry of the same name. */
export const ORDER_EVENT_TYPES = [
  'OrderPlaced',
  'OrderApproved',
  'OrderRejected',
  'OrderPaid',
  'DispatchRequested',
  'OrderShipped',
  'CancelRequested',
  'OrderCancelled',
  'RevisionRequested',
  'OrderRevised',
  'RevisionRejected',
] as const;

export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

export type OrderEvent = DomainEvent<OrderEventType>;
