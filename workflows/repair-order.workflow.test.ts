// A workflow reset is refused by the order saga (SAGA_RESET_REFUSED: the database is not rolled back
// with the history), and repairOrderSaga is the operator's way out (`npm run repair-order`): it takes
// the order over, gives back everything by state — refund, credit, stock, in that order — and closes
// it CANCELLED / OPERATOR_REPAIR. On the time-skipping test server with fake activities.
import { WorkflowFailedError } from '@temporalio/client';
import type { OrderStatus } from '../domain/orders/order';
import { decline, outage, stepCalls } from '../test/fake-activities';
import { anOrder, sagaTestEnvironment, searchAttributeUpserts } from '../test/time-skipping-env';
import { CompensationFailingKey, OrderStatusKey } from './definitions';

const saga = sagaTestEnvironment();

async function failureOf(promise: Promise<unknown>): Promise<WorkflowFailedError> {
  const failure = await promise.then(() => null, (error: unknown) => error);
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  return failure as WorkflowFailedError;
}

describe('reset refused', () => {
  it('when an operator resets a PAID order\'s saga, then the reset run is refused (SAGA_RESET_REFUSED) having changed nothing, and repair-order gives everything back', async () => {
    const input = anOrder();
    saga.book.place(input, 'PAID'); // the order as the first run left it
    saga.fakes.orders.recordOrderPlaced.mockRejectedValueOnce(decline('SAGA_RESET_REFUSED'));

    const refused = await failureOf((await saga.startOrder(input)).result());
    expect(refused.cause).toMatchObject({ type: 'SAGA_RESET_REFUSED' });
    expect(stepCalls(saga.fakes)).toEqual([]);
    expect(saga.fakes.orders.transitionOrder).not.toHaveBeenCalled();

    const repair = await saga.startRepair(input.orderId);
    await expect(repair.result()).resolves.toEqual({ orderId: input.orderId, status: 'CANCELLED', repaired: true, compensationsRun: ['refundPayment', 'releaseCredit', 'releaseStock'] });
    expect(saga.book.get(input.orderId)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'OPERATOR_REPAIR' });
  });

  it('when a reset run is refused at a later step, then it fails there without compensating what the first run did', async () => {
    saga.fakes.orders.transitionOrder.mockRejectedValueOnce(decline('SAGA_RESET_REFUSED'));
    const refused = await failureOf((await saga.startOrder(anOrder())).result());

    expect(refused.cause).toMatchObject({ type: 'SAGA_RESET_REFUSED' });
    expect(saga.fakes.orders.transitionOrder.mock.calls.map(([r]) => r.step)).toEqual(['approve']);
    expect(stepCalls(saga.fakes)).toEqual(['stock.reserveStock', 'credit.reserveCredit']);
  });
});

describe('repairOrderSaga', () => {
  const UNFINISHED: OrderStatus[] = ['APPROVAL_PENDING', 'APPROVED', 'PAID', 'CANCEL_PENDING', 'REVISION_PENDING'];
  it.each(UNFINISHED)('when the order is left %s, then it is taken over, refunded, credit and stock released in that order, and CANCELLED / OPERATOR_REPAIR', async (status) => {
    const input = anOrder();
    saga.book.place(input, status);
    const { orderId } = input;

    const repair = await saga.startRepair(orderId);
    await expect(repair.result()).resolves.toEqual({ orderId, status: 'CANCELLED', repaired: true, compensationsRun: ['refundPayment', 'releaseCredit', 'releaseStock'] });
    expect(saga.fakes.orders.adoptOrder).toHaveBeenCalledWith({ orderId });
    expect(stepCalls(saga.fakes)).toEqual(['payment.refundPayment', 'credit.releaseCredit', 'stock.releaseStock']);
    for (const undo of [saga.fakes.payment.refundPayment, saga.fakes.credit.releaseCredit, saga.fakes.stock.releaseStock]) expect(undo).toHaveBeenCalledWith({ orderId });
    expect(saga.fakes.orders.transitionOrder).toHaveBeenCalledWith({ orderId, step: 'repair-cancel', command: { type: 'cancel', reason: 'OPERATOR_REPAIR' } });
    expect(saga.book.timeline(orderId)).toEqual(['OrderPlaced', 'OrderCancelled']);
    expect(await searchAttributeUpserts(repair, OrderStatusKey)).toEqual(['CANCELLED']);
  });

  it.each<OrderStatus>(['SHIPPED', 'REJECTED', 'CANCELLED'])('when the order is already %s, then it is left as it is (repaired: false)', async (status) => {
    const input = anOrder();
    saga.book.place(input, status);

    const repair = await saga.startRepair(input.orderId);
    await expect(repair.result()).resolves.toEqual({ orderId: input.orderId, status, repaired: false, compensationsRun: [] });
    expect(stepCalls(saga.fakes)).toEqual([]);
    expect(saga.fakes.orders.transitionOrder).not.toHaveBeenCalled();
  });

  it('when a give-back keeps failing, then it is recorded as repair:<name>, flagged, retried until done, and the flag cleared', async () => {
    const input = anOrder();
    saga.book.place(input, 'PAID');
    for (let i = 0; i < 6; i++) saga.fakes.credit.releaseCredit.mockRejectedValueOnce(outage('credit database'));

    const repair = await saga.startRepair(input.orderId);
    await expect(repair.result()).resolves.toMatchObject({ status: 'CANCELLED', repaired: true, compensationsRun: ['refundPayment', 'releaseCredit', 'releaseStock'] });
    expect(saga.fakes.orders.recordCompensationFailed).toHaveBeenCalledWith({ orderId: input.orderId, compensation: 'repair:releaseCredit', attempt: 1, message: 'credit database unavailable (ECONNREFUSED)' });
    expect(await searchAttributeUpserts(repair, CompensationFailingKey)).toEqual([true, false]);
  });
});
