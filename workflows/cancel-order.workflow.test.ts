// placeOrderSaga's cancel paths on the time-skipping test server with fake activities: a customer
// cancel (the `cancel` update) at every point of the saga, and an operator cancelling the workflow.
// A step under way is never interrupted: its attempt finishes, then everything done is given back
// in reverse order and the order is CANCELLED / CUSTOMER_REQUEST.
// A cancel while the order is being recorded is not here: that step is a local activity, which holds
// the workflow task, so a cancel is only taken in after it.
// Two paths stay with the real-server tests, because the time-skipping server gets them wrong:
// an operator's workflow cancel while an activity is under way (the server answers the activity's
// cancel request with ACTIVITY_UNKNOWN and the workflow task never completes: sdk-java#2391,
// sdk-typescript#1058; see revise-and-cancel.saga.test.ts), and an attempt failing after its cancel
// was requested (the server neither retries nor reports it; see stuck-steps.saga.test.ts).
import { decline, gate, outage, stepCalls } from '../test/fake-activities';
import { anOrder, sagaTestEnvironment, untilCalled, workflowTimeUntil } from '../test/time-skipping-env';
import { cancelUpdate, dispatchUpdate, reviseUpdate } from './definitions';

const saga = sagaTestEnvironment();
const HOUR = 60 * 60_000;

const refusedWith = (code: string) => expect.objectContaining({ cause: expect.objectContaining({ type: code }) });
const cancelledByCustomer = (compensationsRun: string[]) => ({ status: 'CANCELLED', reason: 'CUSTOMER_REQUEST', compensationsRun });

describe('cancel (customer)', () => {
  it('when the customer cancels an order waiting for dispatch, then it is refunded, credit and stock released in that order: CANCELLED / CUSTOMER_REQUEST, never shipped', async () => {
    const input = anOrder({ dispatchDelayMs: HOUR });
    const handle = await saga.startOrder(input);
    await saga.until(handle, (s) => s.status === 'PAID');

    await expect(handle.executeUpdate(cancelUpdate)).resolves.toEqual({ orderId: input.orderId, status: 'CANCEL_PENDING' });
    await expect(handle.result()).resolves.toMatchObject(cancelledByCustomer(['refundPayment', 'releaseCredit', 'releaseStock']));
    expect(stepCalls(saga.fakes)).toEqual([
      'stock.reserveStock', 'credit.reserveCredit', 'payment.chargePayment', 'payment.refundPayment', 'credit.releaseCredit', 'stock.releaseStock',
    ]);
    const { orderId } = input;
    for (const undo of [saga.fakes.payment.refundPayment, saga.fakes.credit.releaseCredit, saga.fakes.stock.releaseStock]) expect(undo).toHaveBeenCalledWith({ orderId });
    expect(saga.book.timeline(orderId)).toEqual(['OrderPlaced', 'OrderApproved', 'OrderPaid', 'CancelRequested', 'OrderCancelled']);
    expect(saga.book.get(orderId)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUEST' });
  });

  it('when a cancel is being compensated, then a second cancel, a dispatch and a revise are refused (409)', async () => {
    const refunding = gate<{ refundedCents: number }>();
    saga.fakes.payment.refundPayment.mockReturnValueOnce(refunding.promise);
    const input = anOrder({ dispatchDelayMs: HOUR });
    const handle = await saga.startOrder(input);
    await saga.until(handle, (s) => s.status === 'PAID');
    await handle.executeUpdate(cancelUpdate);

    await expect(handle.executeUpdate(cancelUpdate)).rejects.toEqual(refusedWith('ORDER_NOT_CANCELLABLE'));
    await expect(handle.executeUpdate(dispatchUpdate)).rejects.toEqual(refusedWith('ORDER_NOT_DISPATCHABLE'));
    await expect(handle.executeUpdate(reviseUpdate, { args: [{ lines: [], totalCents: 0, orderMinimumCents: 0 }] })).rejects.toEqual(refusedWith('ORDER_NOT_REVISABLE'));
    refunding.open({ refundedCents: 3000 });
    await expect(handle.result()).resolves.toMatchObject({ status: 'CANCELLED' });
  });

  it('when the customer cancels while stock is being reserved, then the reservations finish and are released in reverse; nothing is charged', async () => {
    const reserving = gate();
    saga.fakes.stock.reserveStock.mockReturnValueOnce(reserving.promise);
    const handle = await saga.startOrder(anOrder());
    await untilCalled(saga.fakes.stock.reserveStock);

    await handle.executeUpdate(cancelUpdate);
    reserving.open();
    await expect(handle.result()).resolves.toMatchObject(cancelledByCustomer(['releaseCredit', 'releaseStock']));
    expect(stepCalls(saga.fakes)).toEqual(['stock.reserveStock', 'credit.reserveCredit', 'credit.releaseCredit', 'stock.releaseStock']);
  });

  it('when the customer cancels while the charge is under way and it succeeds, then it is refunded before credit and stock are released', async () => {
    const charging = gate<{ chargeId: string }>();
    saga.fakes.payment.chargePayment.mockReturnValueOnce(charging.promise);
    const handle = await saga.startOrder(anOrder());
    await saga.until(handle, (s) => s.status === 'APPROVED');

    await handle.executeUpdate(cancelUpdate);
    charging.open({ chargeId: 'c-1' });
    await expect(handle.result()).resolves.toMatchObject(cancelledByCustomer(['refundPayment', 'releaseCredit', 'releaseStock']));
    expect(stepCalls(saga.fakes)).not.toContain('shipment.bookShipment');
  });

  it('when the customer cancels while the charge is under way and it is declined, then the cancel is honoured: CANCELLED / CUSTOMER_REQUEST, credit and stock released', async () => {
    const charging = gate<{ chargeId: string }>();
    saga.fakes.payment.chargePayment.mockReturnValueOnce(charging.promise);
    const input = anOrder();
    const handle = await saga.startOrder(input);
    await saga.until(handle, (s) => s.status === 'APPROVED');

    await handle.executeUpdate(cancelUpdate);
    charging.fail(decline('PAYMENT_DECLINED'));
    await expect(handle.result()).resolves.toMatchObject(cancelledByCustomer(['releaseCredit', 'releaseStock']));
    expect(saga.book.timeline(input.orderId)).toEqual(['OrderPlaced', 'OrderApproved', 'CancelRequested', 'OrderCancelled']);
  });

  it('when the customer cancels an order whose credit step keeps failing, then the cancel takes effect between attempts: CANCELLED, stock released', async () => {
    saga.fakes.credit.reserveCredit.mockRejectedValue(outage());
    const input = anOrder();
    const handle = await saga.startOrder(input);
    await untilCalled(saga.fakes.credit.reserveCredit, 2);

    await handle.executeUpdate(cancelUpdate);
    await expect(handle.result()).resolves.toMatchObject(cancelledByCustomer(['releaseCredit', 'releaseStock']));
    expect(saga.book.timeline(input.orderId)).toEqual(['OrderPlaced', 'CancelRequested', 'OrderCancelled']);
  });
});

describe('cancel (operator cancels the workflow)', () => {
  it('when an operator cancels the workflow of an order waiting for dispatch, then the order is CANCELLED / CUSTOMER_REQUEST and compensated', async () => {
    const handle = await saga.startOrder(anOrder({ dispatchDelayMs: HOUR }));
    await saga.until(handle, (s) => s.status === 'PAID');

    await handle.cancel();
    await expect(handle.result()).resolves.toMatchObject(cancelledByCustomer(['refundPayment', 'releaseCredit', 'releaseStock']));
    expect(await workflowTimeUntil(handle, 'refundPayment')).toBeLessThan(HOUR);
  });

  it('when an operator cancels the workflow while the order is being shipped, then the cancel is ignored and the order is SHIPPED', async () => {
    const shipping = gate<{ trackingNumber: string }>();
    saga.fakes.shipment.bookShipment.mockReturnValueOnce(shipping.promise);
    const handle = await saga.startOrder(anOrder());
    await untilCalled(saga.fakes.shipment.bookShipment);

    await handle.cancel();
    shipping.open({ trackingNumber: 'T-1' });
    await expect(handle.result()).resolves.toMatchObject({ status: 'SHIPPED', compensationsRun: [] });
  });

  it('when an operator cancels the workflow while a rejection is being compensated, then the rejection stands: REJECTED / PAYMENT_DECLINED', async () => {
    const releasing = gate<{ released: boolean }>();
    saga.fakes.payment.chargePayment.mockRejectedValueOnce(decline('PAYMENT_DECLINED'));
    saga.fakes.credit.releaseCredit.mockReturnValueOnce(releasing.promise);
    const handle = await saga.startOrder(anOrder());
    await untilCalled(saga.fakes.credit.releaseCredit);

    await handle.cancel();
    releasing.open({ released: true });
    await expect(handle.result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED', compensationsRun: ['releaseCredit', 'releaseStock'] });
  });
});
