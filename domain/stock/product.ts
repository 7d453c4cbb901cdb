import { DomainError } from '../shared/domain-error';
import type { DomainEvent } from '../shared/domain-event';
import { assertCents, assertInteger, assertNonEmptyString, assertPositiveQuantity } from '../shared/guards';
import type { ProductEventType } from './product.events';

/**
 * Invariant: 0 <= reserved <= onHand. `reserved` is stock promised to orders in flight; it leaves
 * `onHand` only when the order ships, so a cancelled order simply releases its reservation.
 */
export interface Product {
  id: string;
  sku: string;
  name: string;
  priceCents: number;
  onHand: number;
  reserved: number;
  /** Optimistic-locking counter owned by persistence; the domain never changes it. */
  version: number;
}

export type ProductChange = { product: Product; events: DomainEvent[] };

function changed(product: Product, patch: Partial<Product>, type: ProductEventType, data: Record<string, unknown>): ProductChange {
  return { product: { ...product, ...patch }, events: [{ type, data: { productId: product.id, ...data } }] };
}

/** Builds a catalog entry with validated price and opening stock; ids come from the caller. */
export function createProduct(input: { id: string; sku: string; name: string; priceCents: number; stock: number }): Product {
  return {
    id: assertNonEmptyString(input.id, 'id'),
    sku: assertNonEmptyString(input.sku, 'sku'),
    name: assertNonEmptyString(input.name, 'name'),
    priceCents: assertCents(input.priceCents, 'priceCents'),
    onHand: assertInteger(input.stock, 'stock', 0),
    reserved: 0,
    version: 0,
  };
}

/** What a new order can still take: the `stockAvailable` the catalog shows. */
export function available(product: Product): number {
  return product.onHand - product.reserved;
}

export function reserve(product: Product, quantity: number, orderId: string): ProductChange {
  assertPositiveQuantity(quantity, 'quantity');
  if (available(product) < quantity) {
    throw new DomainError(
      'OUT_OF_STOCK',
      `Product ${product.id} has ${available(product)} available, ${quantity} requested`,
    );
  }
  return changed(product, { reserved: product.reserved + quantity }, 'StockReserved', { quantity, orderId });
}

/** Compensation for `reserve`. Releasing more than is reserved would mean a double release: refuse it. */
export function release(product: Product, quantity: number, orderId: string): ProductChange {
  assertPositiveQuantity(quantity, 'quantity');
  if (product.reserved < quantity) {
    throw new DomainError(
      'ILLEGAL_TRANSITION',
      `Cannot release ${quantity} of product ${product.id}: only ${product.reserved} reserved`,
    );
  }
  return changed(product, { reserved: product.reserved - quantity }, 'StockReleased', { quantity, orderId });
}

/** The order shipped: its reserved units physically leave the warehouse. */
export function commit(product: Product, quantity: number, orderId: string): ProductChange {
  assertPositiveQuantity(quantity, 'quantity');
  if (product.reserved < quantity) {
    throw new DomainError(
      'ILLEGAL_TRANSITION',
      `Cannot ship ${quantity} of product ${product.id}: only ${product.reserved} reserved`,
    );
  }
  const patch = { onHand: product.onHand - quantity, reserved: product.reserved - quantity };
  return changed(product, patch, 'StockShipped', { quantity, orderId });
}

/** Admin stock correction. It may not take away units already promised to orders in flight. */
export function adjust(product: Product, delta: number): ProductChange {
  assertInteger(delta, 'delta', Number.MIN_SAFE_INTEGER);
  const onHand = product.onHand + delta;
  if (onHand < 0 || onHand < product.reserved) {
    throw new DomainError(
      'INSUFFICIENT_STOCK',
      `Cannot adjust product ${product.id} by ${delta}: ${product.onHand} on hand, ${product.reserved} reserved`,
    );
  }
  return changed(product, { onHand }, 'StockAdjusted', { delta, onHand });
}
