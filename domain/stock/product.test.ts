import { codeOf } from '../../test/builders/shared.builders';
import { adjust, available, commit, createProduct, release, reserve } from './product';
import { aProduct } from '../../test/builders/product.builders';

// aProduct(): 10 on hand, 3 reserved, 7 available.
const badQuantities = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2' as unknown as number];

describe('available', () => {
  it('when some stock is reserved, then available is on hand minus reserved', () => {
    expect(available(aProduct())).toBe(7);
  });
});

describe('reserve', () => {
  it.each([1, 7])('when %p of 7 available are reserved, then reserved grows and StockReserved is emitted', (quantity) => {
    const product = aProduct();
    const { product: next, events } = reserve(product, quantity, 'order-1');
    expect(next).toEqual({ ...product, reserved: 3 + quantity });
    expect(events).toEqual([{ type: 'StockReserved', data: { productId: 'product-1', quantity, orderId: 'order-1' } }]);
  });

  it('when one more than available is requested, then it throws OUT_OF_STOCK', () => {
    expect(codeOf(() => reserve(aProduct(), 8, 'order-1'))).toBe('OUT_OF_STOCK');
  });

  it('when nothing is available, then even one unit is OUT_OF_STOCK', () => {
    expect(codeOf(() => reserve(aProduct({ onHand: 3, reserved: 3 }), 1, 'order-1'))).toBe('OUT_OF_STOCK');
  });

  it.each(badQuantities)('when the quantity is %p, then it throws VALIDATION_FAILED', (quantity) => {
    expect(codeOf(() => reserve(aProduct(), quantity, 'order-1'))).toBe('VALIDATION_FAILED');
  });
});

describe('release', () => {
  it.each([1, 3])('when %p of 3 reserved are released, then reserved shrinks and on hand stays', (quantity) => {
    const { product, events } = release(aProduct(), quantity, 'order-1');
    expect(product).toMatchObject({ onHand: 10, reserved: 3 - quantity });
    expect(events).toEqual([{ type: 'StockReleased', data: { productId: 'product-1', quantity, orderId: 'order-1' } }]);
  });

  it('when more than is reserved is released, then it throws ILLEGAL_TRANSITION', () => {
    expect(codeOf(() => release(aProduct(), 4, 'order-1'))).toBe('ILLEGAL_TRANSITION');
  });

  it.each(badQuantities)('when the quantity is %p, then it throws VALIDATION_FAILED', (quantity) => {
    expect(codeOf(() => release(aProduct(), quantity, 'order-1'))).toBe('VALIDATION_FAILED');
  });
});

describe('commit', () => {
  it('when a reservation ships, then on hand and reserved both drop and available is unchanged', () => {
    const before = aProduct();
    const { product, events } = commit(before, 3, 'order-1');
    expect(product).toMatchObject({ onHand: 7, reserved: 0 });
    expect(available(product)).toBe(available(before));
    expect(events).toEqual([{ type: 'StockShipped', data: { productId: 'product-1', quantity: 3, orderId: 'order-1' } }]);
  });

  it('when more than is reserved would ship, then it throws ILLEGAL_TRANSITION', () => {
    expect(codeOf(() => commit(aProduct(), 4, 'order-1'))).toBe('ILLEGAL_TRANSITION');
  });

  it.each(badQuantities)('when the quantity is %p, then it throws VALIDATION_FAILED', (quantity) => {
    expect(codeOf(() => commit(aProduct(), quantity, 'order-1'))).toBe('VALIDATION_FAILED');
  });
});

describe('adjust', () => {
  it.each([
    { delta: 5, onHand: 15 },
    { delta: 0, onHand: 10 },
    { delta: -7, onHand: 3 },
  ])('when stock is adjusted by $delta, then on hand becomes $onHand', ({ delta, onHand }) => {
    const { product, events } = adjust(aProduct(), delta);
    expect(product.onHand).toBe(onHand);
    expect(events).toEqual([{ type: 'StockAdjusted', data: { productId: 'product-1', delta, onHand } }]);
  });

  it('when an adjustment would dip below the reserved units, then it throws INSUFFICIENT_STOCK', () => {
    expect(codeOf(() => adjust(aProduct(), -8))).toBe('INSUFFICIENT_STOCK');
  });

  it('when an adjustment would go below zero, then it throws INSUFFICIENT_STOCK', () => {
    expect(codeOf(() => adjust(aProduct({ reserved: 0 }), -11))).toBe('INSUFFICIENT_STOCK');
  });

  it('when nothing is reserved, then stock can go to exactly zero', () => {
    expect(adjust(aProduct({ reserved: 0 }), -10).product.onHand).toBe(0);
  });

  it.each([1.5, Number.NaN, '3' as unknown as number])('when the delta is %p, then it throws VALIDATION_FAILED', (delta) => {
    expect(codeOf(() => adjust(aProduct(), delta))).toBe('VALIDATION_FAILED');
  });
});

describe('createProduct', () => {
  it('when created, then all stock is available and version is 0', () => {
    const product = createProduct({ id: 'p', sku: 'S', name: 'N', priceCents: 0, stock: 4 });
    expect(product).toEqual({ id: 'p', sku: 'S', name: 'N', priceCents: 0, onHand: 4, reserved: 0, version: 0 });
  });

  it.each([
    { label: 'a negative price', priceCents: -1, stock: 1 },
    { label: 'a fractional price', priceCents: 1.5, stock: 1 },
    { label: 'negative stock', priceCents: 1, stock: -1 },
    { label: 'fractional stock', priceCents: 1, stock: 0.5 },
  ])('when created with $label, then it throws VALIDATION_FAILED', ({ priceCents, stock }) => {
    expect(codeOf(() => createProduct({ id: 'p', sku: 'S', name: 'N', priceCents, stock }))).toBe('VALIDATION_FAILED');
  });
});
