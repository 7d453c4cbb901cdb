import { codeOf } from '../shared/shared.builders';
import { chargeDeclined, chargeMore, chargeSucceeded, refund, refundableCents } from './payment';
import { aPayment } from './payment.builders';

const badAmounts = [-1, 0.5, Number.NaN, '100' as unknown as number];

describe('chargeSucceeded', () => {
  it('when a charge succeeds, then a CHARGED payment at version 0 and PaymentCharged are produced', () => {
    const { payment, events } = chargeSucceeded({ id: 'p-1', orderId: 'o-1', amountCents: 5_000, providerChargeId: 'ch_9' });
    expect(payment).toEqual({
      id: 'p-1',
      orderId: 'o-1',
      amountCents: 5_000,
      refundedCents: 0,
      status: 'CHARGED',
      providerChargeId: 'ch_9',
      version: 0,
    });
    expect(events).toEqual([{ type: 'PaymentCharged', data: { amountCents: 5_000 } }]);
  });

  it.each(badAmounts)('when the amount is %p, then it throws VALIDATION_FAILED', (amountCents) => {
    expect(codeOf(() => chargeSucceeded({ id: 'p', orderId: 'o', amountCents, providerChargeId: 'ch' }))).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('when the provider charge id is empty, then it throws VALIDATION_FAILED', () => {
    expect(codeOf(() => chargeSucceeded({ id: 'p', orderId: 'o', amountCents: 1, providerChargeId: '' }))).toBe(
      'VALIDATION_FAILED',
    );
  });
});

describe('chargeDeclined', () => {
  it('when a charge is declined, then a DECLINED payment with nothing refundable is produced', () => {
    const { payment, events } = chargeDeclined({ id: 'p-1', orderId: 'o-1', amountCents: 5_000 });
    expect(payment).toMatchObject({ status: 'DECLINED', providerChargeId: null, refundedCents: 0 });
    expect(refundableCents(payment)).toBe(0);
    expect(events).toEqual([{ type: 'PaymentDeclined', data: { amountCents: 5_000 } }]);
  });

  it('when the provider gave a message, then the event carries it', () => {
    const { events } = chargeDeclined({ id: 'p-1', orderId: 'o-1', amountCents: 1, message: 'card declined' });
    expect(events[0]!.data).toEqual({ amountCents: 1, message: 'card declined' });
  });
});

describe('refund', () => {
  it.each([
    { label: 'fully', before: 0, amountCents: 5_000, refundedCents: 5_000, status: 'REFUNDED' },
    { label: 'partly', before: 0, amountCents: 1, refundedCents: 1, status: 'PARTIALLY_REFUNDED' },
    { label: 'the exact rest of', before: 2_000, amountCents: 3_000, refundedCents: 5_000, status: 'REFUNDED' },
    { label: 'a bit more of', before: 2_000, amountCents: 1_000, refundedCents: 3_000, status: 'PARTIALLY_REFUNDED' },
    { label: 'zero cents of', before: 0, amountCents: 0, refundedCents: 0, status: 'CHARGED' },
  ])(
    'when a payment is $label refunded, then refundedCents is $refundedCents and status $status',
    ({ before, amountCents, refundedCents, status }) => {
      const payment = aPayment({ refundedCents: before, status: before === 0 ? 'CHARGED' : 'PARTIALLY_REFUNDED' });
      const { payment: next, events } = refund(payment, amountCents);
      expect(next).toEqual({ ...payment, refundedCents, status });
      expect(events).toEqual([{ type: 'PaymentRefunded', data: { amountCents } }]);
    },
  );

  it('when a zero-amount charge is refunded with zero, then it is REFUNDED', () => {
    expect(refund(aPayment({ amountCents: 0 }), 0).payment.status).toBe('REFUNDED');
  });

  it.each([
    { label: 'one cent more than charged', payment: aPayment(), amountCents: 5_001 },
    { label: 'more than what is left', payment: aPayment({ refundedCents: 4_000, status: 'PARTIALLY_REFUNDED' }), amountCents: 1_001 },
    { label: 'a fully refunded payment', payment: aPayment({ refundedCents: 5_000, status: 'REFUNDED' }), amountCents: 0 },
    { label: 'a declined payment', payment: aPayment({ status: 'DECLINED', providerChargeId: null }), amountCents: 0 },
  ])('when refunding $label, then it throws ILLEGAL_TRANSITION', ({ payment, amountCents }) => {
    expect(codeOf(() => refund(payment, amountCents))).toBe('ILLEGAL_TRANSITION');
  });

  it.each(badAmounts)('when the amount is %p, then it throws VALIDATION_FAILED', (amountCents) => {
    expect(codeOf(() => refund(aPayment(), amountCents))).toBe('VALIDATION_FAILED');
  });
});

describe('chargeMore', () => {
  it('when a revision raises the total, then the charged amount grows and PaymentCharged (additional) is produced', () => {
    const { payment, events } = chargeMore(aPayment({ amountCents: 1000, refundedCents: 0, status: 'CHARGED' }), 500);
    expect(payment).toMatchObject({ amountCents: 1500, refundedCents: 0, status: 'CHARGED' });
    expect(events).toEqual([{ type: 'PaymentCharged', data: { amountCents: 500, additional: true } }]);
  });

  it('when the payment was partially refunded, then it stays partially refunded', () => {
    const { payment } = chargeMore(aPayment({ amountCents: 1000, refundedCents: 200, status: 'PARTIALLY_REFUNDED' }), 300);
    expect(payment).toMatchObject({ amountCents: 1300, refundedCents: 200, status: 'PARTIALLY_REFUNDED' });
  });

  it.each(['DECLINED', 'REFUNDED'] as const)('when the payment is %s, then it throws ILLEGAL_TRANSITION', (status) => {
    expect(codeOf(() => chargeMore(aPayment({ status, refundedCents: status === 'REFUNDED' ? 1000 : 0, amountCents: 1000 }), 100))).toBe('ILLEGAL_TRANSITION');
  });
});
