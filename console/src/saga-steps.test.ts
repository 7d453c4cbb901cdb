import { describeSaga, sagaSteps, type SagaOrder, type StepState } from './saga-steps';

/** An order whose timeline has these entry types (with optional data), in this order. */
function anOrder(status: string, entries: (string | [string, Record<string, unknown>])[], reasons: { rejectionReason?: string; cancellationReason?: string } = {}): SagaOrder {
  return {
    status,
    rejectionReason: reasons.rejectionReason ?? null,
    cancellationReason: reasons.cancellationReason ?? null,
    timeline: entries.map((e, i) => {
      const [type, data] = typeof e === 'string' ? [e, {}] : e;
      return { sequence: i + 1, type, at: '2026-01-01T00:00:00.000Z', data };
    }),
  };
}
const states = (order: SagaOrder) => Object.fromEntries(sagaSteps(order).map((s) => [s.name, s.state])) as Record<string, StepState>;

describe('sagaSteps', () => {
  it('when the order was just placed, then stock and credit are in progress and the rest wait', () => {
    const steps = sagaSteps(anOrder('APPROVAL_PENDING', ['OrderPlaced']));
    expect(steps.map((s) => [s.name, s.state, s.note])).toEqual([
      ['stock', 'pending', 'in progress'], ['credit', 'pending', 'in progress'], ['payment', 'pending', 'waiting'], ['shipment', 'pending', 'waiting'],
    ]);
  });

  it('when the order is paid, then three steps are done and the shipment waits for dispatch', () => {
    const order = anOrder('PAID', ['OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', ['PaymentCharged', { amountCents: 1000 }], 'OrderPaid']);
    expect(states(order)).toEqual({ stock: 'done', credit: 'done', payment: 'done', shipment: 'pending' });
    expect(sagaSteps(order)[3]!.note).toBe('waiting for dispatch');
  });

  it('when the order shipped, then every step is done and the shipment shows its tracking number', () => {
    const order = anOrder('SHIPPED', ['OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', 'PaymentCharged', 'OrderPaid', 'DispatchRequested',
      ['ShipmentBooked', { trackingNumber: 'TRK-1' }], 'StockShipped', 'CreditConsumed', 'OrderShipped']);
    expect(states(order)).toEqual({ stock: 'done', credit: 'done', payment: 'done', shipment: 'done' });
    expect(sagaSteps(order)[3]!.note).toBe('booked, tracking TRK-1');
  });

  it('when the payment is declined, then payment failed, credit and stock are compensated and the shipment never ran', () => {
    const order = anOrder('REJECTED', ['OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', 'PaymentDeclined', 'CreditReleased', 'StockReleased', ['OrderRejected', { reason: 'PAYMENT_DECLINED' }]],
      { rejectionReason: 'PAYMENT_DECLINED' });
    expect(states(order)).toEqual({ stock: 'compensated', credit: 'compensated', payment: 'failed', shipment: 'skipped' });
  });

  it('when stock is short (no entry of its own), then the rejection reason marks stock failed and the credit held meanwhile compensated', () => {
    const order = anOrder('REJECTED', ['OrderPlaced', 'CreditReserved', 'CreditReleased', 'OrderRejected'], { rejectionReason: 'OUT_OF_STOCK' });
    expect(states(order)).toEqual({ stock: 'failed', credit: 'compensated', payment: 'skipped', shipment: 'skipped' });
  });

  it('when the credit limit is exceeded, then credit failed and the stock reserved is compensated', () => {
    const order = anOrder('REJECTED', ['OrderPlaced', 'StockReserved', 'StockReleased', 'OrderRejected'], { rejectionReason: 'CREDIT_LIMIT_EXCEEDED' });
    expect(states(order)).toEqual({ stock: 'compensated', credit: 'failed', payment: 'skipped', shipment: 'skipped' });
  });

  it('when the carrier refuses, then shipment failed and payment, credit and stock are compensated', () => {
    const order = anOrder('CANCELLED', ['OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', 'PaymentCharged', 'OrderPaid', 'ShipmentRefused',
      'PaymentRefunded', 'CreditReleased', 'StockReleased', 'OrderCancelled'], { cancellationReason: 'SHIPMENT_FAILED' });
    expect(states(order)).toEqual({ stock: 'compensated', credit: 'compensated', payment: 'compensated', shipment: 'failed' });
  });

  it('when the customer cancels while paid, then the three done steps are compensated and the shipment never ran', () => {
    const order = anOrder('CANCELLED', ['OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', 'PaymentCharged', 'OrderPaid', 'CancelRequested',
      'PaymentRefunded', 'CreditReleased', 'StockReleased', 'OrderCancelled'], { cancellationReason: 'CUSTOMER_REQUEST' });
    expect(states(order)).toEqual({ stock: 'compensated', credit: 'compensated', payment: 'compensated', shipment: 'skipped' });
  });

  it('when a cancel is still being unwound, then what is not yet released stays done and the steps not run are skipped', () => {
    const order = anOrder('CANCEL_PENDING', ['OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', 'CancelRequested', 'CreditReleased']);
    expect(states(order)).toEqual({ stock: 'done', credit: 'compensated', payment: 'skipped', shipment: 'skipped' });
  });

  it('when a revision holds, charges and releases more, then the steps keep the state of the order\'s own run', () => {
    const order = anOrder('PAID', ['OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', 'PaymentCharged', 'OrderPaid',
      'RevisionRequested', 'StockReserved', 'CreditReserved', ['PaymentCharged', { additional: true }], 'StockReleased', 'CreditReleased', 'PaymentRefunded', 'OrderRevised']);
    expect(states(order)).toEqual({ stock: 'done', credit: 'done', payment: 'done', shipment: 'pending' });
  });

  it('when a revision\'s extra charge is declined, then the order\'s payment stays done', () => {
    const order = anOrder('PAID', ['OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', 'PaymentCharged', 'OrderPaid',
      'RevisionRequested', ['PaymentDeclined', { additional: true }], 'RevisionRejected']);
    expect(states(order).payment).toBe('done');
  });

  it('when a compensation failed and was retried, then its step counts the failed attempts and ends compensated', () => {
    const order = anOrder('REJECTED', ['OrderPlaced', 'StockReserved', ['CompensationFailed', { compensation: 'releaseStock', attempt: 1, message: 'db down' }],
      ['CompensationFailed', { compensation: 'repair:releaseStock', attempt: 2 }], 'StockReleased', 'OrderRejected'], { rejectionReason: 'CREDIT_LIMIT_EXCEEDED' });
    const stock = sagaSteps(order)[0]!;
    expect(stock).toMatchObject({ state: 'compensated', compensationFailures: 2 });
    expect(describeSaga(sagaSteps(order))).toContain('stock: compensated (released), 2 failed compensation attempt(s)');
  });

  it('when entries arrive out of order, then they are read by sequence', () => {
    const order = anOrder('REJECTED', ['OrderPlaced', 'StockReserved', 'StockReleased', 'OrderRejected'], { rejectionReason: 'CREDIT_LIMIT_EXCEEDED' });
    const shuffled = { ...order, timeline: [...order.timeline].reverse() };
    expect(states(shuffled)).toEqual(states(order));
  });
});
