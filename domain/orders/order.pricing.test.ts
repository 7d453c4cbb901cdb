import { MAX_LINE_QUANTITY, MAX_ORDER_LINES, placeOrder, priceLines, revisionDelta } from './order';
import type { OrderLineInput } from './order';
import { aLineInput, someLineInputs } from '../../test/builders/order.builders';

const codeOfPricing = (lines: readonly OrderLineInput[]): string | undefined => {
  try {
    priceLines(lines);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('priceLines', () => {
  it('when lines are valid, then line totals and the order total are computed', () => {
    const { items, totalCents } = priceLines(someLineInputs(3));
    expect(items.map((i) => i.lineTotalCents)).toEqual([1000, 4000, 9000]);
    expect(totalCents).toBe(14000);
  });

  it('when a line carries extra fields, then they are not copied into the order', () => {
    const line = { ...aLineInput(), lineTotalCents: 1, status: 'SHIPPED' } as OrderLineInput;
    const { items } = priceLines([line]);
    expect(items[0]).toEqual({ ...aLineInput(), lineTotalCents: 2500 });
  });

  it.each([
    { label: '1 line', lines: someLineInputs(1) },
    { label: `${MAX_ORDER_LINES} lines`, lines: someLineInputs(MAX_ORDER_LINES) },
    { label: 'quantity 1', lines: [aLineInput({ quantity: 1 })] },
    { label: `quantity ${MAX_LINE_QUANTITY}`, lines: [aLineInput({ quantity: MAX_LINE_QUANTITY })] },
    { label: 'a free item', lines: [aLineInput({ unitPriceCents: 0 })] },
  ])('when the order has $label, then it is accepted', ({ lines }) => {
    expect(codeOfPricing(lines)).toBeUndefined();
  });

  it.each([
    { label: 'no lines', lines: [] },
    { label: `${MAX_ORDER_LINES + 1} lines`, lines: someLineInputs(MAX_ORDER_LINES + 1) },
    { label: 'a repeated productId', lines: [aLineInput(), aLineInput({ quantity: 1 })] },
    { label: 'quantity 0', lines: [aLineInput({ quantity: 0 })] },
    { label: 'a negative quantity', lines: [aLineInput({ quantity: -1 })] },
    { label: `quantity ${MAX_LINE_QUANTITY + 1}`, lines: [aLineInput({ quantity: MAX_LINE_QUANTITY + 1 })] },
    { label: 'a fractional quantity', lines: [aLineInput({ quantity: 1.5 })] },
    { label: 'a NaN quantity', lines: [aLineInput({ quantity: Number.NaN })] },
    { label: 'a string quantity', lines: [aLineInput({ quantity: '2' as unknown as number })] },
    { label: 'a negative price', lines: [aLineInput({ unitPriceCents: -1 })] },
    { label: 'a fractional price', lines: [aLineInput({ unitPriceCents: 9.99 })] },
    { label: 'an empty productId', lines: [aLineInput({ productId: '' })] },
    { label: 'an overflowing total', lines: [aLineInput({ quantity: 1000, unitPriceCents: Number.MAX_SAFE_INTEGER })] },
  ])('when the order has $label, then it throws VALIDATION_FAILED', ({ lines }) => {
    expect(codeOfPricing(lines)).toBe('VALIDATION_FAILED');
  });

  it('when a productId repeats, then the message points at both lines', () => {
    expect(() => priceLines([aLineInput(), aLineInput()])).toThrow('lines[1].productId duplicates lines[0].productId');
  });
});

describe('placeOrder', () => {
  it('when an order is placed, then it awaits approval at version 0 and emits OrderPlaced', () => {
    const { order, events } = placeOrder({ id: 'o-1', customerId: 'c-1', lines: someLineInputs(2) });
    expect(order).toMatchObject({
      id: 'o-1',
      customerId: 'c-1',
      status: 'APPROVAL_PENDING',
      totalCents: 5000,
      rejectionReason: null,
      cancellationReason: null,
      statusBeforeLock: null,
      version: 0,
    });
    expect(events).toEqual([
      { type: 'OrderPlaced', data: { customerId: 'c-1', items: order.items, totalCents: 5000 } },
    ]);
  });

  it.each([
    { label: 'an empty id', input: { id: '', customerId: 'c-1', lines: someLineInputs(1) } },
    { label: 'an empty customerId', input: { id: 'o-1', customerId: ' ', lines: someLineInputs(1) } },
    { label: 'no lines', input: { id: 'o-1', customerId: 'c-1', lines: [] } },
  ])('when placed with $label, then it throws VALIDATION_FAILED', ({ input }) => {
    expect(() => placeOrder(input)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('when a minimum is configured and not met, then it throws ORDER_MINIMUM_NOT_MET', () => {
    const place = (orderMinimumCents: number) =>
      placeOrder({ id: 'o-1', customerId: 'c-1', lines: someLineInputs(1), orderMinimumCents });
    expect(() => place(1000)).not.toThrow();
    expect(() => place(1001)).toThrow(expect.objectContaining({ code: 'ORDER_MINIMUM_NOT_MET' }));
  });
});

describe('revisionDelta', () => {
  const line = (productId: string, quantity: number, unitPriceCents = 100) =>
    priceLines([aLineInput({ productId, quantity, unitPriceCents })]).items[0]!;

  it('when products are changed, removed and added, then each non-zero difference is listed', () => {
    const before = [line('a', 2), line('b', 5), line('c', 1)];
    const after = [line('a', 4), line('c', 1), line('d', 3)];
    expect(revisionDelta(before, after)).toEqual({
      quantityDeltas: [
        { productId: 'a', quantityDelta: 2 },
        { productId: 'b', quantityDelta: -5 },
        { productId: 'd', quantityDelta: 3 },
      ],
      totalDeltaCents: (4 + 1 + 3 - 2 - 5 - 1) * 100,
    });
  });

  it('when nothing changes, then there are no deltas', () => {
    const items = [line('a', 2), line('b', 1)];
    expect(revisionDelta(items, items)).toEqual({ quantityDeltas: [], totalDeltaCents: 0 });
  });

  it('when only the price of kept items differs, then only the total moves', () => {
    expect(revisionDelta([line('a', 2, 100)], [line('a', 2, 150)])).toEqual({ quantityDeltas: [], totalDeltaCents: 100 });
  });
});
