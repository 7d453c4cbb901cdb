// placeOrderSaga, every forward path and rejection of shared/API.md "Order lifecycle", on the
// time-skipping test server with fake activities: each path in milliseconds, no database.
// Stock and credit are reserved at once, so each is compensated when the other declines.
// Cancel paths: cancel-order.workflow.test.ts; revise: revise-order.workflow.test.ts.
import { WorkflowUpdateStage } from '@temporalio/client';
import { decline, gate, outage, stepCalls } from '../test/fake-activities';
import { anOrder, sagaTestEnvironment, searchAttributeUpserts, workflowTimeUntil } from '../test/time-skipping-env';
import { cancelUpdate, CustomerIdKey, decisionUpdate, dispatchSignal, dispatchUpdate, OrderStatusKey, OrderTotalCentsKey } from './definitions';

const saga = sagaTestEnvironment();
const MINUTE = 60_000;

const refusedWith = (code: string) => expect.objectContaining({ cause: expect.objectContaining({ type: code }) });

describe('placeOrderSaga: the order ships', () => {
  it('when every step succeeds, then the durable dispatch timer ships the order DISPATCH_DELAY after it was placed: SHIPPED, stock committed, credit consumed', async () => {
    const input = anOrder({ lines: [{ quantity: 3, unitPriceCents: 1000 }], dispatchDelayMs: 15 * MINUTE });
    const { productId } = input.items[0]!;
    const startedAt = Date.now();
    const handle = await saga.startOrder(input);

    await expect(handle.result()).resolves.toEqual({ orderId: input.orderId, status: 'SHIPPED', reason: null, compensationsRun: [] });
    expect(Date.now() - startedAt).toBeLessThan(5_000); // 15 minutes of workflow time, skipped
    expect(await workflowTimeUntil(handle, 'bookShipment')).toBeGreaterThanOrEqual(15 * MINUTE);
    const calls = stepCalls(saga.fakes);
    expect(calls.slice(0, 4)).toEqual(['stock.reserveStock', 'credit.reserveCredit', 'payment.chargePayment', 'shipment.bookShipment']);
    // Once shipped, the stock leaves the warehouse and the credit hold is consumed (both at once).
    expect(calls.slice(4).sort()).toEqual(['credit.consumeCredit', 'stock.commitStock']);
    const { orderId, customerId } = input;
    expect(saga.fakes.stock.reserveStock).toHaveBeenCalledWith({ orderId, lines: [{ productId, quantity: 3 }] });
    expect(saga.fakes.credit.reserveCredit).toHaveBeenCalledWith({ orderId, customerId, amountCents: 3000 });
    expect(saga.fakes.payment.chargePayment).toHaveBeenCalledWith({ orderId, amountCents: 3000, token: 'tok_visa' });
    expect(saga.fakes.shipment.bookShipment).toHaveBeenCalledWith({ orderId, address: input.shippingAddress });
    expect(saga.fakes.stock.commitStock).toHaveBeenCalledWith({ orderId });
    expect(saga.fakes.credit.consumeCredit).toHaveBeenCalledWith({ orderId });
    // Each transition has its own step key, so a retried transition applies once.
    expect(saga.fakes.orders.transitionOrder.mock.calls.map(([r]) => r.step)).toEqual(['approve', 'paid', 'shipped']);
    expect(saga.book.timeline(orderId)).toEqual(['OrderPlaced', 'OrderApproved', 'OrderPaid', 'OrderShipped']);
    expect((await handle.describe()).typedSearchAttributes.getAll()).toEqual(expect.arrayContaining([
      { key: CustomerIdKey, value: customerId }, { key: OrderStatusKey, value: 'SHIPPED' }, { key: OrderTotalCentsKey, value: 3000 },
    ]));
    expect(await searchAttributeUpserts(handle, OrderStatusKey)).toEqual(['APPROVAL_PENDING', 'APPROVED', 'PAID', 'SHIPPED']);
  });

  it('when an admin dispatches a waiting order, then it ships at once (DispatchRequested), long before the timer; cancel and a second dispatch are refused', async () => {
    const input = anOrder({ dispatchDelayMs: 60 * MINUTE });
    const handle = await saga.startOrder(input);
    await saga.until(handle, (s) => s.status === 'PAID');
    const shipping = gate<{ trackingNumber: string }>();
    saga.fakes.shipment.bookShipment.mockReturnValueOnce(shipping.promise);

    await expect(handle.executeUpdate(dispatchUpdate)).resolves.toEqual({ orderId: input.orderId, status: 'PAID' });
    await expect(handle.executeUpdate(cancelUpdate)).rejects.toEqual(refusedWith('ORDER_NOT_CANCELLABLE'));
    await expect(handle.executeUpdate(dispatchUpdate)).rejects.toEqual(refusedWith('ORDER_NOT_DISPATCHABLE'));
    shipping.open({ trackingNumber: 'T-1' });

    await expect(handle.result()).resolves.toMatchObject({ status: 'SHIPPED', reason: null });
    expect(await workflowTimeUntil(handle, 'bookShipment')).toBeLessThan(60 * MINUTE);
    expect(saga.book.timeline(input.orderId)).toEqual(['OrderPlaced', 'OrderApproved', 'OrderPaid', 'DispatchRequested', 'OrderShipped']);
  });

  it('when an operator sends the dispatchNow signal to a waiting order, then it ships at once', async () => {
    const input = anOrder({ dispatchDelayMs: 60 * MINUTE });
    const handle = await saga.startOrder(input);
    await saga.until(handle, (s) => s.status === 'PAID');

    await handle.signal(dispatchSignal);
    await expect(handle.result()).resolves.toMatchObject({ status: 'SHIPPED' });
    expect(await workflowTimeUntil(handle, 'bookShipment')).toBeLessThan(60 * MINUTE);
    expect(saga.book.timeline(input.orderId)).toContain('DispatchRequested');
  });

  it('when the order is not PAID yet, then dispatch is refused (ORDER_NOT_DISPATCHABLE) and the order goes on', async () => {
    const charging = gate<{ chargeId: string }>();
    saga.fakes.payment.chargePayment.mockReturnValueOnce(charging.promise);
    const handle = await saga.startOrder(anOrder());
    await saga.until(handle, (s) => s.status === 'APPROVED');

    await expect(handle.executeUpdate(dispatchUpdate)).rejects.toEqual(refusedWith('ORDER_NOT_DISPATCHABLE'));
    charging.open({ chargeId: 'c-1' });
    await expect(handle.result()).resolves.toMatchObject({ status: 'SHIPPED' });
  });

  it('when a payment attempt fails with an outage, then Temporal retries it with the same request and the order ships', async () => {
    saga.fakes.payment.chargePayment.mockRejectedValueOnce(outage('provider')).mockRejectedValueOnce(outage('provider'));
    const input = anOrder();
    const handle = await saga.startOrder(input);

    await expect(handle.result()).resolves.toMatchObject({ status: 'SHIPPED', compensationsRun: [] });
    expect(saga.fakes.payment.chargePayment.mock.calls).toEqual(Array(3).fill([{ orderId: input.orderId, amountCents: 3000, token: 'tok_visa' }]));
  });

  it('when a client waits for the decision (Prefer: wait), then the update answers with the status the saga decided: APPROVED', async () => {
    const charging = gate<{ chargeId: string }>();
    saga.fakes.payment.chargePayment.mockReturnValueOnce(charging.promise);
    const input = anOrder();
    const handle = await saga.startOrder(input);

    await expect(handle.executeUpdate(decisionUpdate, { args: [10_000] })).resolves.toEqual({ orderId: input.orderId, status: 'APPROVED' });
    charging.open({ chargeId: 'c-1' });
    await expect(handle.result()).resolves.toMatchObject({ status: 'SHIPPED' });
  });

  it('when a client waits for the decision and the order is rejected, then the update answers REJECTED before the saga closes', async () => {
    const reserving = gate();
    saga.fakes.stock.reserveStock.mockReturnValueOnce(reserving.promise);
    const input = anOrder();
    const handle = await saga.startOrder(input);
    const waiting = await handle.startUpdate(decisionUpdate, { args: [10_000], waitForStage: WorkflowUpdateStage.ACCEPTED });

    reserving.fail(decline('OUT_OF_STOCK'));
    await expect(waiting.result()).resolves.toEqual({ orderId: input.orderId, status: 'REJECTED' });
    await expect(handle.result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
  });
});

describe('placeOrderSaga: a step declines, the order is rejected and what was done is given back in reverse', () => {
  it.each(['OUT_OF_STOCK', 'UNKNOWN_PRODUCT'] as const)('when stock declines with %s, then the credit reserved alongside is released and the order is REJECTED with that reason', async (code) => {
    saga.fakes.stock.reserveStock.mockRejectedValueOnce(decline(code));
    const input = anOrder();
    await expect((await saga.startOrder(input)).result()).resolves.toEqual({ orderId: input.orderId, status: 'REJECTED', reason: code, compensationsRun: ['releaseCredit'] });
    expect(stepCalls(saga.fakes)).toEqual(['stock.reserveStock', 'credit.reserveCredit', 'credit.releaseCredit']);
    expect(saga.fakes.credit.releaseCredit).toHaveBeenCalledWith({ orderId: input.orderId });
    expect(saga.book.timeline(input.orderId)).toEqual(['OrderPlaced', 'OrderRejected']);
    expect(saga.book.get(input.orderId).rejectionReason).toBe(code);
  });

  it('when stock and credit both decline, then stock\'s reason is the one given: REJECTED / OUT_OF_STOCK with nothing to release', async () => {
    saga.fakes.stock.reserveStock.mockRejectedValueOnce(decline('OUT_OF_STOCK'));
    saga.fakes.credit.reserveCredit.mockRejectedValueOnce(decline('CREDIT_LIMIT_EXCEEDED'));
    await expect((await saga.startOrder(anOrder())).result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK', compensationsRun: [] });
  });

  it.each(['CREDIT_LIMIT_EXCEEDED', 'UNKNOWN_CUSTOMER'] as const)('when credit declines with %s, then stock is released and the order is REJECTED with that reason', async (code) => {
    saga.fakes.credit.reserveCredit.mockRejectedValueOnce(decline(code));
    const input = anOrder();
    await expect((await saga.startOrder(input)).result()).resolves.toMatchObject({ status: 'REJECTED', reason: code, compensationsRun: ['releaseStock'] });
    expect(stepCalls(saga.fakes)).toEqual(['stock.reserveStock', 'credit.reserveCredit', 'stock.releaseStock']);
    expect(saga.fakes.stock.releaseStock).toHaveBeenCalledWith({ orderId: input.orderId });
    expect(saga.book.timeline(input.orderId)).toEqual(['OrderPlaced', 'OrderRejected']);
  });

  it('when the payment is declined, then credit and then stock are released: REJECTED / PAYMENT_DECLINED', async () => {
    saga.fakes.payment.chargePayment.mockRejectedValueOnce(decline('PAYMENT_DECLINED'));
    const input = anOrder({ token: 'tok_decline' });
    await expect((await saga.startOrder(input)).result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED', compensationsRun: ['releaseCredit', 'releaseStock'] });
    expect(stepCalls(saga.fakes)).toEqual(['stock.reserveStock', 'credit.reserveCredit', 'payment.chargePayment', 'credit.releaseCredit', 'stock.releaseStock']);
    expect(saga.fakes.credit.releaseCredit).toHaveBeenCalledWith({ orderId: input.orderId });
    expect(saga.book.timeline(input.orderId)).toEqual(['OrderPlaced', 'OrderApproved', 'OrderRejected']);
  });

  it('when the carrier refuses, then the payment is refunded, credit and stock released: CANCELLED / SHIPMENT_FAILED, nothing committed', async () => {
    saga.fakes.shipment.bookShipment.mockRejectedValueOnce(decline('SHIPMENT_FAILED'));
    const input = anOrder({ country: 'AQ' });
    await expect((await saga.startOrder(input)).result()).resolves.toMatchObject({ status: 'CANCELLED', reason: 'SHIPMENT_FAILED', compensationsRun: ['refundPayment', 'releaseCredit', 'releaseStock'] });
    expect(stepCalls(saga.fakes)).toEqual([
      'stock.reserveStock', 'credit.reserveCredit', 'payment.chargePayment', 'shipment.bookShipment', 'payment.refundPayment', 'credit.releaseCredit', 'stock.releaseStock',
    ]);
    expect(saga.fakes.payment.refundPayment).toHaveBeenCalledWith({ orderId: input.orderId });
    expect(saga.book.timeline(input.orderId)).toEqual(['OrderPlaced', 'OrderApproved', 'OrderPaid', 'OrderCancelled']);
    expect(saga.book.get(input.orderId).cancellationReason).toBe('SHIPMENT_FAILED');
  });

  it('when a step fails for good with an unexpected error (given up by the worker), then the order is REJECTED / SAGA_STEP_FAILED and compensated', async () => {
    saga.fakes.payment.chargePayment.mockRejectedValueOnce(decline('UNEXPECTED_ERROR'));
    const input = anOrder();
    await expect((await saga.startOrder(input)).result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'SAGA_STEP_FAILED', compensationsRun: ['releaseCredit', 'releaseStock'] });
    expect(saga.book.get(input.orderId).rejectionReason).toBe('SAGA_STEP_FAILED');
  });
});
