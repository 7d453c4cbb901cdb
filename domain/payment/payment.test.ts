import { codeOf } from '../../test/builders/shared.builders';
import {
  chargedCents, findCharge, newPayment, paymentStatus, planFullRefund, planRefund, recordCharge, recordRefunds, refundableCents, refundedCents,
} from './payment';
import { aCharge, aPayment } from '../../test/builders/payment.builders';

const badAmounts = [-1, 0, 0.5, Number.NaN, '100' as unknown as number];
/** First charge 1000, a revision's extra 5000. */
const revisedUp = () => aPayment({ charges: [aCharge({ id: 'c1', amountCents: 1000, providerChargeId: 'ch_1' }), aCharge({ id: 'c2', stepKey: 'order-1:revise-1:payment', amountCents: 5000, providerChargeId: 'ch_2' })] });

describe('recordCharge', () => {
  it('when the first charge succeeds, then the ledger holds it and PaymentCharged is produced', () => {
    const { payment, events } = recordCharge(newPayment({ id: 'p-1', orderId: 'o-1' }), { id: 'c-1', stepKey: 'o-1:charge', amountCents: 5_000, outcome: 'SUCCEEDED', providerChargeId: 'ch_9' });
    expect(payment.charges).toEqual([{ id: 'c-1', stepKey: 'o-1:charge', amountCents: 5_000, refundedCents: 0, outcome: 'SUCCEEDED', providerChargeId: 'ch_9' }]);
    expect({ charged: chargedCents(payment), status: paymentStatus(payment) }).toEqual({ charged: 5_000, status: 'CHARGED' });
    expect(events).toEqual([{ type: 'PaymentCharged', data: { amountCents: 5_000 } }]);
  });

  it('when a later charge succeeds, then it is its own entry and PaymentCharged says additional', () => {
    const { payment, events } = recordCharge(aPayment(), { id: 'c-2', stepKey: 'order-1:revise-1:payment', amountCents: 500, outcome: 'SUCCEEDED', providerChargeId: 'ch_2' });
    expect(payment.charges.map((c) => c.amountCents)).toEqual([5_000, 500]);
    expect(events).toEqual([{ type: 'PaymentCharged', data: { amountCents: 500, additional: true } }]);
  });

  it('when a charge is declined, then it is recorded (to be replayed on retry) and nothing becomes refundable', () => {
    const { payment, events } = recordCharge(aPayment(), { id: 'c-2', stepKey: 's', amountCents: 500, outcome: 'DECLINED', providerChargeId: null, message: 'card declined' });
    expect(findCharge(payment, 's')).toMatchObject({ outcome: 'DECLINED', providerChargeId: null });
    expect(refundableCents(payment)).toBe(5_000);
    expect(events).toEqual([{ type: 'PaymentDeclined', data: { amountCents: 500, additional: true, message: 'card declined' } }]);
  });

  it('when the first charge is declined, then the payment is DECLINED with nothing charged', () => {
    const { payment } = recordCharge(newPayment({ id: 'p', orderId: 'o' }), { id: 'c', stepKey: 'o:charge', amountCents: 1, outcome: 'DECLINED', providerChargeId: null });
    expect({ status: paymentStatus(payment), charged: chargedCents(payment) }).toEqual({ status: 'DECLINED', charged: 0 });
  });

  it('when the step already has a charge, then it throws ILLEGAL_TRANSITION (one charge per step)', () => {
    expect(codeOf(() => recordCharge(aPayment(), { id: 'x', stepKey: 'order-1:charge', amountCents: 1, outcome: 'SUCCEEDED', providerChargeId: 'ch' }))).toBe('ILLEGAL_TRANSITION');
  });

  it.each(badAmounts)('when the amount is %p, then it throws VALIDATION_FAILED', (amountCents) => {
    expect(codeOf(() => recordCharge(aPayment(), { id: 'x', stepKey: 'k', amountCents, outcome: 'SUCCEEDED', providerChargeId: 'ch' }))).toBe('VALIDATION_FAILED');
  });

  it('when a successful charge has no provider id, then it throws VALIDATION_FAILED', () => {
    expect(codeOf(() => recordCharge(aPayment(), { id: 'x', stepKey: 'k', amountCents: 1, outcome: 'SUCCEEDED', providerChargeId: '' }))).toBe('VALIDATION_FAILED');
  });
});

describe('planRefund', () => {
  it('when a revision is refunded, then the newest charge is refunded first and no part exceeds its charge', () => {
    expect(planRefund(revisedUp(), 5_500)).toEqual([
      { chargeId: 'c2', providerChargeId: 'ch_2', amountCents: 5_000 },
      { chargeId: 'c1', providerChargeId: 'ch_1', amountCents: 500 },
    ]);
  });

  it('when everything is refunded, then every charge gets back exactly what is left of it', () => {
    const partly = recordRefunds(revisedUp(), [{ chargeId: 'c2', providerChargeId: 'ch_2', amountCents: 4_000 }]).payment;
    expect(planFullRefund(partly)).toEqual([
      { chargeId: 'c2', providerChargeId: 'ch_2', amountCents: 1_000 },
      { chargeId: 'c1', providerChargeId: 'ch_1', amountCents: 1_000 },
    ]);
  });

  it('when declined charges are in the ledger, then they are never refunded', () => {
    const payment = aPayment({ charges: [aCharge(), aCharge({ id: 'd', stepKey: 'd', outcome: 'DECLINED', providerChargeId: null })] });
    expect(planFullRefund(payment)).toEqual([{ chargeId: 'charge-1', providerChargeId: 'ch_1', amountCents: 5_000 }]);
  });

  it('when more than what is left is asked, then it throws ILLEGAL_TRANSITION', () => {
    expect(codeOf(() => planRefund(revisedUp(), 6_001))).toBe('ILLEGAL_TRANSITION');
  });

  it('when nothing is left, then a full refund plans nothing', () => {
    expect(planFullRefund(aPayment({ charges: [aCharge({ refundedCents: 5_000 })] }))).toEqual([]);
  });
});

describe('recordRefunds', () => {
  it.each([
    { label: 'fully', amountCents: 5_000, refunded: 5_000, status: 'REFUNDED' },
    { label: 'partly', amountCents: 1, refunded: 1, status: 'PARTIALLY_REFUNDED' },
  ])('when a payment is $label refunded, then refundedCents is $refunded and status $status', ({ amountCents, refunded, status }) => {
    const { payment, events } = recordRefunds(aPayment(), [{ chargeId: 'charge-1', providerChargeId: 'ch_1', amountCents }]);
    expect({ refunded: refundedCents(payment), status: paymentStatus(payment) }).toEqual({ refunded, status });
    expect(events).toEqual([{ type: 'PaymentRefunded', data: { amountCents, chargeId: 'charge-1' } }]);
  });

  it.each([
    { label: 'more than the named charge holds', part: { chargeId: 'c1', providerChargeId: 'ch_1', amountCents: 1_001 } },
    { label: 'a charge the payment does not have', part: { chargeId: 'nope', providerChargeId: 'ch_x', amountCents: 1 } },
  ])('when a refund names $label, then it throws ILLEGAL_TRANSITION', ({ part }) => {
    expect(codeOf(() => recordRefunds(revisedUp(), [part]))).toBe('ILLEGAL_TRANSITION');
  });

  it('when a declined charge is named, then it throws ILLEGAL_TRANSITION', () => {
    const payment = aPayment({ charges: [aCharge({ outcome: 'DECLINED', providerChargeId: null })] });
    expect(codeOf(() => recordRefunds(payment, [{ chargeId: 'charge-1', providerChargeId: 'ch_1', amountCents: 1 }]))).toBe('ILLEGAL_TRANSITION');
  });
});
