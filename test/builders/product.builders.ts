import { deepFreeze } from './shared.builders';
import type { Product } from '../../domain/stock/product';

/** A deeply frozen product with 10 on hand and 3 reserved (7 available). */
export function aProduct(overrides: Partial<Product> = {}): Product {
  return deepFreeze({
    id: 'product-1',
    sku: 'SKU-1',
    name: 'Widget',
    priceCents: 1250,
    onHand: 10,
    reserved: 3,
    version: 2,
    ...overrides,
  });
}
