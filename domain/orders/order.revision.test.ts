import { rejectRevision, requestCancel, requestRevision, reviseOrder } from './order';
import { anOrder, aLineInput, someLineInputs } from '../../test/builders/order.builders';

const newLines = [aLineInput({ productId: 'product-9', quantity: 3, unitPriceCents: 500 })];

describe('Order revision', () => {
  it.each(['APPROVED', 'PAID'] as const)(
    'when a %s order is revised, then the items stay until confirmed and the event carries the proposal',
    (status) => {
      const order = anOrder({ status });
      const { order: pending, events } = requestRevision(order, newLines, 0);

      expect(pending).toMatchObject({ status: 'REVISION_PENDING', statusBeforeLock: status });
      expect(pending.items).toEqual(order.items);
      expect(pending.totalCents).toBe(order.totalCents);
      expect(events[0]!.data).toEqual({
        items: [expect.objectContaining({ productId: 'product-9', lineTotalCents: 1500 })],
        totalCents: 1500,
        previousTotalCents: order.totalCents,
      });
    },
  );

  it.each(['APPROVED', 'PAID'] as const)(
    'when the revision of a %s order is confirmed, then it returns to that status with the new items and total',
    (status) => {
      const { order: pending } = requestRevision(anOrder({ status }), newLines, 0);
      const { order: revised, events } = reviseOrder(pending, newLines);

      expect(revised).toMatchObject({ status, statusBeforeLock: null, totalCents: 1500 });
      expect(revised.items).toHaveLength(1);
      expect(events[0]).toEqual({
        type: 'OrderRevised',
        data: { items: revised.items, totalCents: 1500, previousTotalCents: pending.totalCents },
      });
    },
  );

  it.each(['APPROVED', 'PAID'] as const)(
    'when the revision of a %s order is rejected, then it returns to that status unchanged',
    (status) => {
      const order = anOrder({ status });
      const { order: pending } = requestRevision(order, newLines, 0);
      const { order: back, events } = rejectRevision(pending, 'CREDIT_LIMIT_EXCEEDED');

      expect(back).toEqual(order);
      expect(events[0]).toEqual({ type: 'RevisionRejected', data: { reason: 'CREDIT_LIMIT_EXCEEDED' } });
    },
  );

  it('when a revision is pending, then the order cannot be cancelled or revised again', () => {
    const { order: pending } = requestRevision(anOrder({ status: 'PAID' }), newLines, 0);
    expect(() => requestCancel(pending)).toThrow(expect.objectContaining({ code: 'ORDER_NOT_CANCELLABLE' }));
    expect(() => requestRevision(pending, newLines, 0)).toThrow(expect.objectContaining({ code: 'ORDER_NOT_REVISABLE' }));
  });

  it.each([
    { minimum: 1499, allowed: true },
    { minimum: 1500, allowed: true },
    { minimum: 1501, allowed: false },
  ])('when the new total is 1500 and the minimum is $minimum, then allowed is $allowed', ({ minimum, allowed }) => {
    const run = () => requestRevision(anOrder({ status: 'APPROVED' }), newLines, minimum);
    if (allowed) expect(run).not.toThrow();
    else expect(run).toThrow(expect.objectContaining({ code: 'ORDER_MINIMUM_NOT_MET' }));
  });

  it.each([-1, 1.5, Number.NaN])('when the configured minimum is %p, then it throws VALIDATION_FAILED', (minimum) => {
    expect(() => requestRevision(anOrder({ status: 'APPROVED' }), newLines, minimum)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });

  it('when the new lines are invalid, then it throws VALIDATION_FAILED', () => {
    const duplicated = [...someLineInputs(1), ...someLineInputs(1)];
    expect(() => requestRevision(anOrder({ status: 'APPROVED' }), duplicated, 0)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });

  it('when the order is not revisable, then the status is reported before the lines are checked', () => {
    expect(() => requestRevision(anOrder({ status: 'SHIPPED' }), [], 0)).toThrow(
      expect.objectContaining({ code: 'ORDER_NOT_REVISABLE' }),
    );
  });

  it.each([null, 'APPROVAL_PENDING'] as const)(
    'when a pending revision has statusBeforeLock %p, then confirming or rejecting it is an illegal transition',
    (statusBeforeLock) => {
      const corrupt = anOrder({ status: 'REVISION_PENDING', statusBeforeLock });
      expect(() => reviseOrder(corrupt, newLines)).toThrow(expect.objectContaining({ code: 'ILLEGAL_TRANSITION' }));
      expect(() => rejectRevision(corrupt, 'OUT_OF_STOCK')).toThrow(
        expect.objectContaining({ code: 'ILLEGAL_TRANSITION' }),
      );
    },
  );

  it('when a revision is rejected with ORDER_MINIMUM_NOT_MET, then that reason is accepted', () => {
    const { events } = rejectRevision(anOrder({ status: 'REVISION_PENDING' }), 'ORDER_MINIMUM_NOT_MET');
    expect(events[0]!.data).toEqual({ reason: 'ORDER_MINIMUM_NOT_MET' });
  });
});
