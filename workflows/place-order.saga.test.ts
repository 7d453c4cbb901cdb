// The create-order saga on the real dev server and real Postgres, one test per path of API.md.
import { aCustomer, aProduct, balances, startTestStack, type TestStack } from '../test/harness';
import { orderInput, runSaga, startSaga, timelineTypes } from '../test/saga-test-kit';
import { cancelUpdate, dispatchUpdate, statusQuery } from './definitions';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack(); });
afterAll(async () => { await stack?.stop(); });

async function setup(options: { stock?: number; creditLimitCents?: number } = {}) {
  const { productId } = await aProduct(stack.prisma, { stock: options.stock ?? 10, priceCents: 1000 });
  const { customerId } = await aCustomer(stack.prisma, { creditLimitCents: options.creditLimitCents ?? 100_000 });
  return { productId, customerId };
}

describe('placeOrderSaga', () => {
  it('when every step succeeds, then the order is SHIPPED, stock left on-hand and the credit is consumed', async () => {
    const { productId, customerId } = await setup({ stock: 10 });
    const { input, result } = await runSaga(stack, { customerId, lines: [{ productId, quantity: 3 }] });

    expect(result).toMatchObject({ status: 'SHIPPED', reason: null, compensationsRun: [] });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 7, reserved: 0, creditHeld: 0, creditConsumed: 3000 });
    expect(await timelineTypes(stack.prisma, input.orderId)).toEqual([
      'OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', 'PaymentCharged', 'OrderPaid',
      'ShipmentBooked', 'StockShipped', 'CreditConsumed', 'OrderShipped',
    ]);
    const order = await stack.prisma.order.findUniqueOrThrow({ where: { id: input.orderId } });
    expect({ ...order, totalCents: Number(order.totalCents) }).toMatchObject({ status: 'SHIPPED', rejectionReason: null, cancellationReason: null, totalCents: 3000 });
  });

  it('when stock is short, then the order is REJECTED / OUT_OF_STOCK and nothing is held (the credit reserved at the same time is released)', async () => {
    const { productId, customerId } = await setup({ stock: 2 });
    const { input, result } = await runSaga(stack, { customerId, lines: [{ productId, quantity: 3 }] });

    expect(result).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK', compensationsRun: ['releaseCredit'] });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 2, reserved: 0, creditHeld: 0, creditConsumed: 0 });
    expect(await timelineTypes(stack.prisma, input.orderId)).toEqual(['OrderPlaced', 'CreditReserved', 'CreditReleased', 'OrderRejected']);
  });

  it('when one line of several is short, then no line stays reserved', async () => {
    const a = await setup({ stock: 10 });
    const { productId: short } = await aProduct(stack.prisma, { stock: 1 });
    const { result } = await runSaga(stack, { customerId: a.customerId, lines: [{ productId: a.productId, quantity: 2 }, { productId: short, quantity: 2 }] });

    expect(result.reason).toBe('OUT_OF_STOCK');
    expect(await balances(stack.prisma, { productId: a.productId })).toMatchObject({ onHand: 10, reserved: 0 });
    expect(await balances(stack.prisma, { productId: short })).toMatchObject({ onHand: 1, reserved: 0 });
  });

  it('when credit is short, then stock is released and the order is REJECTED / CREDIT_LIMIT_EXCEEDED', async () => {
    const { productId, customerId } = await setup({ stock: 10, creditLimitCents: 2500 });
    const { input, result } = await runSaga(stack, { customerId, lines: [{ productId, quantity: 3 }] });

    expect(result).toMatchObject({ status: 'REJECTED', reason: 'CREDIT_LIMIT_EXCEEDED', compensationsRun: ['releaseStock'] });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
    expect(await timelineTypes(stack.prisma, input.orderId)).toEqual(['OrderPlaced', 'StockReserved', 'StockReleased', 'OrderRejected']);
  });

  it('when the payment is declined, then credit then stock are released and the order is REJECTED / PAYMENT_DECLINED', async () => {
    const { productId, customerId } = await setup();
    const { input, result } = await runSaga(stack, { customerId, lines: [{ productId, quantity: 3 }], token: 'tok_decline' });

    expect(result).toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED', compensationsRun: ['releaseCredit', 'releaseStock'] });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
    expect(await timelineTypes(stack.prisma, input.orderId)).toEqual([
      'OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', 'PaymentDeclined', 'CreditReleased', 'StockReleased', 'OrderRejected',
    ]);
  });

  it('when the carrier refuses, then payment is refunded, credit and stock released, and the order is CANCELLED / SHIPMENT_FAILED', async () => {
    const { productId, customerId } = await setup();
    const { input, result } = await runSaga(stack, { customerId, lines: [{ productId, quantity: 3 }], country: 'AQ' });

    expect(result).toMatchObject({ status: 'CANCELLED', reason: 'SHIPMENT_FAILED', compensationsRun: ['refundPayment', 'releaseCredit', 'releaseStock'] });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
    const payment = await stack.prisma.payment.findUniqueOrThrow({ where: { orderId: input.orderId } });
    expect(payment).toMatchObject({ status: 'REFUNDED', chargedCents: 3000n, refundedCents: 3000n });
    const order = await stack.prisma.order.findUniqueOrThrow({ where: { id: input.orderId } });
    expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'SHIPMENT_FAILED' });
  });

  it('when the customer cancels while the order waits for dispatch, then it is refunded, released and CANCELLED / CUSTOMER_REQUEST', async () => {
    const { productId, customerId } = await setup();
    const input = orderInput({ customerId, lines: [{ productId, quantity: 3 }], dispatchDelayMs: 60 * 60_000 });
    const handle = await startSaga(stack, input);
    await waitFor(async () => (await handle.query(statusQuery)).status === 'PAID');

    await expect(handle.executeUpdate(cancelUpdate)).resolves.toEqual({ orderId: input.orderId, status: 'CANCEL_PENDING' });
    const result = await handle.result();

    expect(result).toMatchObject({ status: 'CANCELLED', reason: 'CUSTOMER_REQUEST', compensationsRun: ['refundPayment', 'releaseCredit', 'releaseStock'] });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
    expect(await timelineTypes(stack.prisma, input.orderId)).toEqual([
      'OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', 'PaymentCharged', 'OrderPaid',
      'CancelRequested', 'PaymentRefunded', 'CreditReleased', 'StockReleased', 'OrderCancelled',
    ]);
  });

  it('when an admin dispatches a waiting order, then it ships before the timer', async () => {
    const { productId, customerId } = await setup();
    const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }], dispatchDelayMs: 60 * 60_000 });
    const handle = await startSaga(stack, input);
    await waitFor(async () => (await handle.query(statusQuery)).status === 'PAID');

    await handle.executeUpdate(dispatchUpdate);
    await expect(handle.result()).resolves.toMatchObject({ status: 'SHIPPED' });
    await expect(handle.executeUpdate(cancelUpdate)).rejects.toThrow();
  });

  it('when tok_flaky fails twice, then it is charged exactly once', async () => {
    const { productId, customerId } = await setup();
    const { input, result } = await runSaga(stack, { customerId, lines: [{ productId, quantity: 1 }], token: 'tok_flaky' });

    expect(result.status).toBe('SHIPPED');
    const charges = await stack.prisma.providerCharge.findMany({ where: { idempotencyKey: { startsWith: input.orderId } } });
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ kind: 'charge', attempts: 3, outcome: 'succeeded', amountCents: 1000n });
    expect(await stack.prisma.payment.count({ where: { orderId: input.orderId } })).toBe(1);
    expect((await timelineTypes(stack.prisma, input.orderId)).filter((t) => t === 'PaymentCharged')).toHaveLength(1);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
