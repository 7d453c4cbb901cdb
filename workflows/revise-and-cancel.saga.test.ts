// Cancel and revise as sagas with semantic locks (CANCEL_PENDING, REVISION_PENDING), on the real
// dev server: every outcome leaves stock, credit and payment balances exact.
import { aCustomer, aProduct, balances, eventually, startTestStack, type TestStack } from '../test/harness';
import { orderInput, startSaga, timelineTypes } from '../test/saga-test-kit';
import { cancelUpdate, dispatchUpdate, reviseUpdate, statusQuery, type PlaceOrderInput, type ReviseRequest } from './definitions';
import { orderWorkflowId } from '../domain/orders/order.commands';
import type { Context } from '../workers/worker-factory';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack(); });
afterAll(async () => { await stack?.stop(); });

const HOUR = 60 * 60_000;

async function paidOrder(options: { stock?: number; creditLimitCents?: number; quantity?: number } = {}) {
  const { productId } = await aProduct(stack.prisma, { stock: options.stock ?? 10, priceCents: 1000 });
  const { customerId } = await aCustomer(stack.prisma, { creditLimitCents: options.creditLimitCents ?? 100_000 });
  const input = orderInput({ customerId, lines: [{ productId, quantity: options.quantity ?? 2 }], dispatchDelayMs: HOUR });
  const handle = await startSaga(stack, input);
  await eventually(() => handle.query(statusQuery), (s) => s.status === 'PAID');
  return { productId, customerId, input, handle };
}

const revision = (productId: string, quantity: number, orderMinimumCents = 0): ReviseRequest => ({
  lines: [{ productId, sku: `SKU-${productId.slice(0, 8)}`, name: 'Test Product', quantity, unitPriceCents: 1000 }],
  totalCents: quantity * 1000,
  orderMinimumCents,
});

const order = async (orderId: string) => {
  const row = await stack.prisma.order.findUniqueOrThrow({ where: { id: orderId } });
  return { ...row, totalCents: Number(row.totalCents) };
};
const payment = async (orderId: string) => {
  const row = await stack.prisma.payment.findUniqueOrThrow({ where: { orderId } });
  return { chargedCents: Number(row.chargedCents), refundedCents: Number(row.refundedCents), status: row.status };
};
/** The projection shows the outcome and the workflow has taken it in (it is no longer locked). */
async function settled(orderId: string, type: string) {
  await eventually(() => timelineTypes(stack.prisma, orderId), (t) => t.includes(type));
  await eventually(() => stack.temporal.workflow.getHandle(orderWorkflowId(orderId)).query(statusQuery), (s) => s.status !== 'REVISION_PENDING');
}

describe('revise', () => {
  it('when a PAID order is revised up, then stock, credit and payment move by the delta and it returns to PAID with the new total', async () => {
    const { productId, customerId, input, handle } = await paidOrder({ quantity: 2 });
    await expect(handle.executeUpdate(reviseUpdate, { args: [revision(productId, 3)] })).resolves.toEqual({ orderId: input.orderId, status: 'REVISION_PENDING' });
    await settled(input.orderId, 'OrderRevised');

    expect(await order(input.orderId)).toMatchObject({ status: 'PAID', totalCents: 3000, items: [expect.objectContaining({ quantity: 3, lineTotalCents: 3000 })] });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 3, creditHeld: 3000, creditConsumed: 0 });
    expect(await payment(input.orderId)).toMatchObject({ chargedCents: 3000, refundedCents: 0, status: 'CHARGED' });

    await handle.executeUpdate(dispatchUpdate);
    await expect(handle.result()).resolves.toMatchObject({ status: 'SHIPPED' });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 7, reserved: 0, creditHeld: 0, creditConsumed: 3000 });
  });

  it('when a PAID order is revised down, then the difference is refunded and released, and a later cancel gives back the rest exactly', async () => {
    const { productId, customerId, input, handle } = await paidOrder({ quantity: 3 });
    await handle.executeUpdate(reviseUpdate, { args: [revision(productId, 1)] });
    await settled(input.orderId, 'OrderRevised');

    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 1, creditHeld: 1000, creditConsumed: 0 });
    expect(await payment(input.orderId)).toMatchObject({ chargedCents: 3000, refundedCents: 2000, status: 'PARTIALLY_REFUNDED' });

    await handle.executeUpdate(cancelUpdate);
    await expect(handle.result()).resolves.toMatchObject({ status: 'CANCELLED', reason: 'CUSTOMER_REQUEST' });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
    expect(await payment(input.orderId)).toMatchObject({ chargedCents: 3000, refundedCents: 3000, status: 'REFUNDED' });
  });

  it('when the revision needs more stock than is available, then it is rejected (OUT_OF_STOCK) and the order is unchanged', async () => {
    const { productId, customerId, input, handle } = await paidOrder({ stock: 3, quantity: 2 });
    await handle.executeUpdate(reviseUpdate, { args: [revision(productId, 5)] });
    await settled(input.orderId, 'RevisionRejected');

    expect(await order(input.orderId)).toMatchObject({ status: 'PAID', totalCents: 2000 });
    const rejected = await stack.prisma.domainEvent.findFirstOrThrow({ where: { orderId: input.orderId, type: 'RevisionRejected' } });
    expect(rejected.data).toEqual({ reason: 'OUT_OF_STOCK' });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 3, reserved: 2, creditHeld: 2000, creditConsumed: 0 });
  });

  it('when the revision exceeds the credit line, then the stock delta is undone and it is rejected (CREDIT_LIMIT_EXCEEDED)', async () => {
    const { productId, customerId, input, handle } = await paidOrder({ creditLimitCents: 2500, quantity: 2 });
    await handle.executeUpdate(reviseUpdate, { args: [revision(productId, 3)] });
    await settled(input.orderId, 'RevisionRejected');

    expect(await order(input.orderId)).toMatchObject({ status: 'PAID', totalCents: 2000 });
    expect(await timelineTypes(stack.prisma, input.orderId)).toEqual(expect.arrayContaining(['RevisionRequested', 'StockReserved', 'StockReleased', 'RevisionRejected']));
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 2, creditHeld: 2000, creditConsumed: 0 });
    expect(await payment(input.orderId)).toMatchObject({ chargedCents: 2000, refundedCents: 0 });
  });

  it('when a revision is pending, then cancel and dispatch are refused (semantic lock) until it settles', async () => {
    const { productId, input, handle } = await paidOrder({ quantity: 1 });
    await stack.stopWorker('stock'); // hold the revision in REVISION_PENDING
    try {
      await handle.executeUpdate(reviseUpdate, { args: [revision(productId, 2)] });
      await eventually(() => order(input.orderId), (o) => o.status === 'REVISION_PENDING');
      await expect(handle.executeUpdate(cancelUpdate)).rejects.toThrow();
      await expect(handle.executeUpdate(dispatchUpdate)).rejects.toThrow();
      await expect(handle.executeUpdate(reviseUpdate, { args: [revision(productId, 3)] })).rejects.toThrow();
    } finally {
      await stack.startWorker('stock');
    }
    await settled(input.orderId, 'OrderRevised');
    await expect(handle.executeUpdate(cancelUpdate)).resolves.toMatchObject({ status: 'CANCEL_PENDING' });
    await expect(handle.result()).resolves.toMatchObject({ status: 'CANCELLED' });
  });
});

/**
 * Places an order while the `context` worker is stopped, so the saga waits on that step; `act` runs
 * meanwhile, then the worker starts again and the saga goes on.
 */
async function whileWorkerDown(context: Context, act: (order: { input: PlaceOrderInput; handle: Awaited<ReturnType<typeof startSaga>> }) => Promise<void>) {
  const { productId } = await aProduct(stack.prisma, { stock: 10 });
  const { customerId } = await aCustomer(stack.prisma);
  await stack.stopWorker(context);
  const input = orderInput({ customerId, lines: [{ productId, quantity: 2 }], dispatchDelayMs: HOUR });
  const handle = await startSaga(stack, input);
  try {
    await act({ input, handle });
  } finally {
    await stack.startWorker(context);
  }
  return { productId, customerId, input, handle };
}

describe('cancel', () => {
  it('when cancelled while APPROVAL_PENDING (stock step in flight), then the reservations made meanwhile are released and the order CANCELLED', async () => {
    const { productId, customerId, handle } = await whileWorkerDown('stock', async ({ input, handle }) => {
      await eventually(() => stack.prisma.order.findUnique({ where: { id: input.orderId } }), (o) => o?.status === 'APPROVAL_PENDING');
      await expect(handle.executeUpdate(cancelUpdate)).resolves.toMatchObject({ status: 'CANCEL_PENDING' });
    });
    // Credit was reserved at the same time as stock (it did not wait for the stock worker).
    await expect(handle.result()).resolves.toMatchObject({ status: 'CANCELLED', reason: 'CUSTOMER_REQUEST', compensationsRun: ['releaseCredit', 'releaseStock'] });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
  });

  it('when cancelled while APPROVED (payment not yet done), then credit and stock are released and nothing is charged', async () => {
    const { productId, customerId, input, handle } = await whileWorkerDown('payment', async ({ input, handle }) => {
      await eventually(() => stack.prisma.order.findUnique({ where: { id: input.orderId } }), (o) => o?.status === 'APPROVED');
      await handle.executeUpdate(cancelUpdate);
    });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'CANCELLED', reason: 'CUSTOMER_REQUEST' });
    // The charge already scheduled completes, then is refunded: money moves back exactly.
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
    const charged = await stack.prisma.payment.findUnique({ where: { orderId: input.orderId } });
    if (charged) expect(charged.refundedCents).toBe(charged.chargedCents);
  });

  it('when cancel and dispatch race on a waiting order, then exactly one wins and the balances match the outcome', async () => {
    for (let i = 0; i < 3; i++) {
      const { productId, customerId, handle } = await paidOrder({ quantity: 2 });
      const [cancel, dispatch] = await Promise.allSettled([handle.executeUpdate(cancelUpdate), handle.executeUpdate(dispatchUpdate)]);
      expect([cancel.status, dispatch.status].filter((s) => s === 'fulfilled')).toHaveLength(1);
      const result = await handle.result();
      if (cancel.status === 'fulfilled') {
        expect(result.status).toBe('CANCELLED');
        expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
      } else {
        expect(result.status).toBe('SHIPPED');
        expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 8, reserved: 0, creditHeld: 0, creditConsumed: 2000 });
      }
    }
  });

  it('when cancel and revise race, then exactly one is accepted and the order ends consistent', async () => {
    const { productId, customerId, input, handle } = await paidOrder({ quantity: 2 });
    const [cancel, revise] = await Promise.allSettled([handle.executeUpdate(cancelUpdate), handle.executeUpdate(reviseUpdate, { args: [revision(productId, 4)] })]);
    expect([cancel.status, revise.status].filter((s) => s === 'fulfilled')).toHaveLength(1);
    if (revise.status === 'fulfilled') {
      await settled(input.orderId, 'OrderRevised');
      await handle.executeUpdate(cancelUpdate);
    }
    await expect(handle.result()).resolves.toMatchObject({ status: 'CANCELLED' });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
  });

  it('when an operator cancels the workflow while its payment step is in flight, then the step finishes, is refunded, and everything is released', async () => {
    const { productId, customerId, input, handle } = await whileWorkerDown('payment', async ({ handle }) => {
      // The charge is scheduled (and waiting for a payment worker) when the cancel arrives.
      await eventually(async () => (await handle.describe()).raw.pendingActivities ?? [], (pending) => pending.some((a) => a.activityType?.name === 'chargePayment'));
      await handle.cancel();
    });
    await expect(handle.result()).resolves.toMatchObject({ status: 'CANCELLED', reason: 'CUSTOMER_REQUEST', compensationsRun: ['refundPayment', 'releaseCredit', 'releaseStock'] });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
    expect(await payment(input.orderId)).toMatchObject({ status: 'REFUNDED', refundedCents: 2000 });
  });

  it('when an operator cancels the workflow while it waits for dispatch, then the order is CANCELLED and refunded', async () => {
    const { productId, customerId, handle } = await paidOrder({ quantity: 2 });
    await handle.cancel();
    await expect(handle.result()).resolves.toMatchObject({ status: 'CANCELLED' });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
  });
});
