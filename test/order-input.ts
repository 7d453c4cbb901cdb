// A saga input as the API would build it, for tests that start sagas themselves (on the dev server or
// the time-skipping one): by default one line of 3 × 1000¢ for a new customer, shipping at once.
import { randomUUID } from 'node:crypto';
import type { OrderLine } from '../domain/orders/order';
import type { PlaceOrderInput } from '../domain/orders/order.commands';

export interface OrderInputSpec {
  customerId?: string;
  lines?: { productId?: string; quantity: number; unitPriceCents?: number }[];
  token?: string;
  country?: string;
  dispatchDelayMs?: number;
  maxRevisions?: number;
}

export function sagaInput(spec: OrderInputSpec = {}): PlaceOrderInput {
  const items: OrderLine[] = (spec.lines ?? [{ quantity: 3 }]).map((l) => {
    const productId = l.productId ?? randomUUID();
    const unitPriceCents = l.unitPriceCents ?? 1000;
    return { productId, sku: `SKU-${productId.slice(0, 8)}`, name: 'Test Product', quantity: l.quantity, unitPriceCents, lineTotalCents: unitPriceCents * l.quantity };
  });
  return {
    orderId: randomUUID(),
    customerId: spec.customerId ?? randomUUID(),
    items,
    totalCents: items.reduce((sum, i) => sum + i.lineTotalCents, 0),
    shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: spec.country ?? 'US' },
    paymentToken: spec.token ?? 'tok_visa',
    placedAt: new Date().toISOString(),
    dispatchDelayMs: spec.dispatchDelayMs ?? 0,
    ...(spec.maxRevisions !== undefined ? { maxRevisions: spec.maxRevisions } : {}),
  };
}
