import { deepFreeze } from './shared.builders';
import { priceLines } from '../../domain/orders/order';
import type { Order, OrderLineInput, OrderStatus } from '../../domain/orders/order';

export function aLineInput(overrides: Partial<OrderLineInput> = {}): OrderLineInput {
  return { productId: 'product-1', sku: 'SKU-1', name: 'Widget', quantity: 2, unitPriceCents: 1250, ...overrides };
}

/** `count` lines for distinct products, priced 1000, 2000, … cents with quantity 1, 2, …. */
export function someLineInputs(count = 2): OrderLineInput[] {
  return Array.from({ length: count }, (_, index) =>
    aLineInput({
      productId: `product-${index + 1}`,
      sku: `SKU-${index + 1}`,
      name: `Product ${index + 1}`,
      quantity: index + 1,
      unitPriceCents: (index + 1) * 1000,
    }),
  );
}

/** Fields a real order in `status` would carry, so `anOrder({ status })` is always a reachable state. */
function defaultsFor(status: OrderStatus): Partial<Order> {
  switch (status) {
    case 'REJECTED':
      return { rejectionReason: 'OUT_OF_STOCK' };
    case 'CANCELLED':
      return { cancellationReason: 'CUSTOMER_REQUEST' };
    case 'CANCEL_PENDING':
    case 'REVISION_PENDING':
      return { statusBeforeLock: 'APPROVED' };
    default:
      return {};
  }
}

/** A deeply frozen order: any attempt by the domain to mutate it throws. */
export function anOrder(overrides: Partial<Order> = {}): Order {
  const status = overrides.status ?? 'APPROVAL_PENDING';
  const { items, totalCents } = priceLines(someLineInputs(2));
  return deepFreeze({
    id: 'order-1',
    customerId: 'customer-1',
    status,
    items,
    totalCents,
    rejectionReason: null,
    cancellationReason: null,
    statusBeforeLock: null,
    version: 3,
    ...defaultsFor(status),
    ...overrides,
  });
}
