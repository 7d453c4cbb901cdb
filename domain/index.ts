// One namespace per bounded context: names such as `reserve` or `refund` stay unambiguous.
export * as shared from './shared';
export * as orders from './orders/order';
export * as stock from './stock/product';
export * as credit from './credit/credit-line';
export * as payment from './payment/payment';
export * as shipment from './shipment/shipment';

// The few names every layer uses are also exported flat.
export { DomainError, isDomainError } from './shared/domain-error';
export type { DomainEvent } from './shared/domain-event';
export type { Order, OrderChange, OrderLine, OrderStatus } from './orders/order';
