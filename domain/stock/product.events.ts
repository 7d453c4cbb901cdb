import type { DomainEvent } from '../shared/domain-event';

/** Stock events; the ones carrying an orderId also appear on that order's timeline. */
export const PRODUCT_EVENT_TYPES = ['StockReserved', 'StockReleased', 'StockShipped', 'StockAdjusted'] as const;

export type ProductEventType = (typeof PRODUCT_EVENT_TYPES)[number];

export type ProductEvent = DomainEvent<ProductEventType>;
