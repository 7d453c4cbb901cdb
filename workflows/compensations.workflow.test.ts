// CompensationStack (compensations.ts) through the sagas, on the time-skipping test server with fake
// activities: compensations run in reverse, are never given up, and a compensation that keeps
// failing is recorded (CompensationFailed, once per round) and flagged (CompensationFailing) until it
// succeeds. The retry back-offs (up to 10 minutes) and the sleeps between rounds are skipped time.
import { ApplicationFailure } from '@temporalio/common';
import { decline, outage, stepCalls } from '../test/fake-activities';
import { anOrder, sagaTestEnvironment, searchAttributeUpserts } from '../test/time-skipping-env';
import { CompensationFailingKey, reviseUpdate, type ReviseRequest } from './definitions';

const saga = sagaTestEnvironment();
// The first round's attempts (COMPENSATION_ATTEMPTS_PER_ROUND in activity-proxies.ts).
const ROUND = 5;
const A = '00000000-0000-4000-8000-00000000000a';

const times = <T>(n: number, value: T): T[] => Array<T>(n).fill(value);
const revision = (quantity: number): ReviseRequest => ({ lines: [{ productId: A, sku: 'SKU-000a', name: 'Test Product', quantity, unitPriceCents: 1000 }], totalCents: quantity * 1000, orderMinimumCents: 0 });

describe('a compensation that keeps failing', () => {
  it('when releasing stock fails a whole round, then CompensationFailed is recorded once, CompensationFailing is flagged, and the persistent retry releases it and clears the flag', async () => {
    saga.fakes.credit.reserveCredit.mockRejectedValueOnce(decline('CREDIT_LIMIT_EXCEEDED'));
    for (let i = 0; i < ROUND + 3; i++) saga.fakes.stock.releaseStock.mockRejectedValueOnce(outage('stock database'));
    const input = anOrder();
    const handle = await saga.startOrder(input);

    await expect(handle.result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'CREDIT_LIMIT_EXCEEDED', compensationsRun: ['releaseStock'] });
    expect(saga.fakes.stock.releaseStock).toHaveBeenCalledTimes(ROUND + 3 + 1);
    expect(saga.fakes.orders.recordCompensationFailed.mock.calls).toEqual([
      [{ orderId: input.orderId, compensation: 'releaseStock', attempt: 1, message: 'stock database unavailable (ECONNREFUSED)' }],
    ]);
    expect(saga.book.timeline(input.orderId)).toEqual(['OrderPlaced', 'CompensationFailed', 'OrderRejected']);
    expect(await searchAttributeUpserts(handle, CompensationFailingKey)).toEqual([true, false]);
  });

  it('when a compensation fails for good (a non-retryable error, i.e. a bug), then each round is recorded and retried after a sleep until a fix lets it succeed', async () => {
    const bug = ApplicationFailure.nonRetryable("Cannot read properties of undefined (reading 'quantity')", 'UNEXPECTED_ERROR');
    saga.fakes.credit.reserveCredit.mockRejectedValueOnce(decline('CREDIT_LIMIT_EXCEEDED'));
    saga.fakes.stock.releaseStock.mockRejectedValueOnce(bug).mockRejectedValueOnce(bug);
    const input = anOrder();
    const handle = await saga.startOrder(input);

    await expect(handle.result()).resolves.toMatchObject({ status: 'REJECTED', compensationsRun: ['releaseStock'] });
    expect(saga.fakes.stock.releaseStock).toHaveBeenCalledTimes(3);
    expect(saga.fakes.orders.recordCompensationFailed.mock.calls.map(([r]) => [r.compensation, r.attempt])).toEqual([['releaseStock', 1], ['releaseStock', 2]]);
    const { events } = await handle.fetchHistory();
    expect(events?.filter((e) => e.timerStartedEventAttributes)).toHaveLength(2); // a sleep before each new round
  });

  it('when the first of several compensations keeps failing, then the later ones wait for it: reverse order is kept', async () => {
    saga.fakes.payment.chargePayment.mockRejectedValueOnce(decline('PAYMENT_DECLINED'));
    for (let i = 0; i < ROUND + 1; i++) saga.fakes.credit.releaseCredit.mockRejectedValueOnce(outage('credit database'));
    const handle = await saga.startOrder(anOrder());

    await expect(handle.result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED', compensationsRun: ['releaseCredit', 'releaseStock'] });
    expect(stepCalls(saga.fakes).slice(3)).toEqual([...times(ROUND + 2, 'credit.releaseCredit'), 'stock.releaseStock']);
  });

  it('when recording the failure fails too, then the compensations still go on to the end', async () => {
    saga.fakes.shipment.bookShipment.mockRejectedValueOnce(decline('SHIPMENT_FAILED'));
    for (let i = 0; i < ROUND; i++) saga.fakes.payment.refundPayment.mockRejectedValueOnce(outage('payment provider'));
    saga.fakes.orders.recordCompensationFailed.mockRejectedValue(ApplicationFailure.nonRetryable('timeline unavailable', 'UNEXPECTED_ERROR'));
    const handle = await saga.startOrder(anOrder());

    await expect(handle.result()).resolves.toMatchObject({ status: 'CANCELLED', reason: 'SHIPMENT_FAILED', compensationsRun: ['refundPayment', 'releaseCredit', 'releaseStock'] });
    expect(saga.fakes.orders.recordCompensationFailed).toHaveBeenCalled();
  });
});

describe('a revision\'s compensations and releases', () => {
  it('when undoing a declined revision\'s extra credit keeps failing, then it is recorded as revision-1:undoCredit and retried until done; the revision is rejected', async () => {
    const input = anOrder({ lines: [{ productId: A, quantity: 2 }], dispatchDelayMs: 60 * 60_000 });
    let undoFailures = ROUND;
    saga.fakes.payment.adjustPayment.mockRejectedValueOnce(decline('PAYMENT_DECLINED'));
    saga.fakes.credit.adjustCredit.mockImplementation(async ({ stepKey }) => {
      if (stepKey.endsWith(':credit-undo') && undoFailures-- > 0) throw outage('credit database');
    });
    const handle = await saga.startOrder(input);
    await saga.until(handle, (s) => s.status === 'PAID');
    await handle.executeUpdate(reviseUpdate, { args: [revision(3)] });

    await expect(handle.result()).resolves.toMatchObject({ status: 'SHIPPED' }); // skips the retries, then the dispatch timer
    expect(saga.fakes.orders.recordCompensationFailed.mock.calls.map(([r]) => [r.compensation, r.attempt])).toEqual([['revision-1:undoCredit', 1]]);
    expect(saga.fakes.stock.adjustReservation).toHaveBeenLastCalledWith(expect.objectContaining({ stepKey: `${input.orderId}:revise-1:stock-undo` }));
    expect(saga.book.timeline(input.orderId)).toEqual(['OrderPlaced', 'OrderApproved', 'OrderPaid', 'RevisionRequested', 'CompensationFailed', 'RevisionRejected', 'OrderShipped']);
  });

  // Found by this test (failed before the fix): only the saga's own unwind cleared CompensationFailing,
  // so a revision's undo or release that failed and then succeeded left the flag true for good.
  it('when a revision\'s failing compensation finally succeeds, then CompensationFailing is cleared', async () => {
    let undoFailures = ROUND;
    saga.fakes.payment.adjustPayment.mockRejectedValueOnce(decline('PAYMENT_DECLINED'));
    saga.fakes.credit.adjustCredit.mockImplementation(async ({ stepKey }) => {
      if (stepKey.endsWith(':credit-undo') && undoFailures-- > 0) throw outage('credit database');
    });
    const handle = await saga.startOrder(anOrder({ lines: [{ productId: A, quantity: 2 }], dispatchDelayMs: 60 * 60_000 }));
    await saga.until(handle, (s) => s.status === 'PAID');
    await handle.executeUpdate(reviseUpdate, { args: [revision(3)] });

    await handle.result();
    expect(await searchAttributeUpserts(handle, CompensationFailingKey)).toEqual([true, false]);
  });

  it('when a revised-down order\'s refund keeps failing, then it is recorded as revision-1:refund and retried until done; the revision is confirmed', async () => {
    const input = anOrder({ lines: [{ productId: A, quantity: 3 }], dispatchDelayMs: 60 * 60_000 });
    for (let i = 0; i < ROUND; i++) saga.fakes.payment.adjustPayment.mockRejectedValueOnce(outage('payment provider'));
    const handle = await saga.startOrder(input);
    await saga.until(handle, (s) => s.status === 'PAID');
    await handle.executeUpdate(reviseUpdate, { args: [revision(1)] });

    await expect(handle.result()).resolves.toMatchObject({ status: 'SHIPPED' });
    expect(saga.fakes.payment.adjustPayment.mock.calls).toEqual(times(ROUND + 1, [{ orderId: input.orderId, stepKey: `${input.orderId}:revise-1:payment`, deltaCents: -2000, token: 'tok_visa' }]));
    expect(saga.fakes.orders.recordCompensationFailed.mock.calls.map(([r]) => r.compensation)).toEqual(['revision-1:refund']);
    expect(saga.book.get(input.orderId).totalCents).toBe(1000);
  });
});
