// Money and order state stay exact through revise, cancel and decline (issue 11), on the real dev
// server and real Postgres: each test is a scenario that once ended with money or stock wrong or an
// order locked for good.
import { aCustomer, aProduct, balances, eventually, startTestStack, type TestStack } from '../test/harness';
import { activityOutcome, orderInput, startSaga, timelineTypes } from '../test/saga-test-kit';
import { cancelUpdate, reviseUpdate, statusQuery, type ReviseRequest } from './definitions';
import { orderWorkflowId } from '../domain/orders/order.commands';
import { providerLedger } from '../test/provider-ledger';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack(); });
afterAll(async () => { await stack?.stop(); });

const HOUR = 60 * 60_000;

const revisionTo = (lines: { productId: string; quantity: number; unitPriceCents: number }[]): ReviseRequest => ({
  lines: lines.map((l) => ({ ...l, sku: `SKU-${l.productId.slice(0, 8)}`, name: 'Test Product' })),
  totalCents: lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0),
  orderMinimumCents: 0,
});

const order = async (orderId: string) => {
  const row = await stack.prisma.order.findUniqueOrThrow({ where: { id: orderId } });
  return { ...row, totalCents: Number(row.totalCents) };
};
const sagaStatus = (orderId: string) => stack.temporal.workflow.getHandle(orderWorkflowId(orderId)).query(statusQuery);

async function paidOrder(options: { customerId: string; productId: string; quantity: number; unitPriceCents?: number; token?: string }) {
  const input = orderInput({ customerId: options.customerId, lines: [{ productId: options.productId, quantity: options.quantity, unitPriceCents: options.unitPriceCents }], dispatchDelayMs: HOUR, token: options.token });
  const handle = await startSaga(stack, input);
  await eventually(() => handle.query(statusQuery), (s) => s.status === 'PAID');
  return { input, handle };
}

/** The revision is over: its outcome is on the timeline and the saga no longer holds the lock. */
async function revisionSettled(orderId: string, outcome: 'OrderRevised' | 'RevisionRejected', count = 1) {
  await eventually(() => timelineTypes(stack.prisma, orderId), (t) => t.filter((x) => x === outcome).length >= count, 30_000);
  await eventually(() => sagaStatus(orderId), (s) => s.status !== 'REVISION_PENDING');
}

describe('defect 1: a declined revision never has to re-acquire what it gave up', () => {
  it('when a revision swaps 2×A for a dearer 1×B, another order then wants both A, and credit declines, then the revision is rejected and the order keeps 2×A', async () => {
    const { productId: a } = await aProduct(stack.prisma, { stock: 2, priceCents: 1000 });
    const { productId: b } = await aProduct(stack.prisma, { stock: 10, priceCents: 5000 });
    const { customerId } = await aCustomer(stack.prisma, { creditLimitCents: 2500 });
    const { customerId: rival } = await aCustomer(stack.prisma);
    const { input, handle } = await paidOrder({ customerId, productId: a, quantity: 2 });

    await stack.stopWorker('credit'); // the credit step of the revision is slow
    let rivalOrderId: string;
    try {
      await handle.executeUpdate(reviseUpdate, { args: [revisionTo([{ productId: b, quantity: 1, unitPriceCents: 5000 }])] });
      // The revision's stock step has run; the saga now waits for credit.
      await eventually(() => timelineTypes(stack.prisma, input.orderId), (t) => t.includes('RevisionRequested') && t.lastIndexOf('StockReserved') > t.indexOf('RevisionRequested'));
      const rivalOrder = orderInput({ customerId: rival, lines: [{ productId: a, quantity: 2 }], dispatchDelayMs: HOUR });
      rivalOrderId = rivalOrder.orderId;
      const rivalSaga = await startSaga(stack, rivalOrder);
      // The rival's stock step has run (its credit step, at the same time, waits for the credit worker).
      await eventually(() => activityOutcome(rivalSaga, 'reserveStock'), (outcome) => outcome !== null);
    } finally {
      await stack.startWorker('credit');
    }

    await revisionSettled(input.orderId, 'RevisionRejected');
    expect(await order(input.orderId)).toMatchObject({ status: 'PAID', totalCents: 2000, items: [expect.objectContaining({ productId: a, quantity: 2 })] });
    const rejected = await stack.prisma.domainEvent.findFirstOrThrow({ where: { orderId: input.orderId, type: 'RevisionRejected' } });
    expect(rejected.data).toEqual({ reason: 'CREDIT_LIMIT_EXCEEDED' });
    expect(await balances(stack.prisma, { productId: a })).toMatchObject({ onHand: 2, reserved: 2 });
    expect(await balances(stack.prisma, { productId: b })).toMatchObject({ onHand: 10, reserved: 0 });
    // A was never free, so the rival order was refused for stock.
    await expect(stack.temporal.workflow.getHandle(orderWorkflowId(rivalOrderId!)).result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });

    await handle.executeUpdate(cancelUpdate);
    await expect(handle.result()).resolves.toMatchObject({ status: 'CANCELLED' });
    expect(await balances(stack.prisma, { productId: a, customerId })).toEqual({ onHand: 2, reserved: 0, creditHeld: 0, creditConsumed: 0 });
  });
});

describe('defect 3: every refund names the charge it reverses', () => {
  it('when an order is revised up, then down, then cancelled, then each refund stays within its own charge and everything charged is refunded', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 20, priceCents: 1000 });
    const { customerId } = await aCustomer(stack.prisma);
    const { input, handle } = await paidOrder({ customerId, productId, quantity: 1 });

    await handle.executeUpdate(reviseUpdate, { args: [revisionTo([{ productId, quantity: 6, unitPriceCents: 1000 }])] });
    await revisionSettled(input.orderId, 'OrderRevised');
    await handle.executeUpdate(reviseUpdate, { args: [revisionTo([{ productId, quantity: 2, unitPriceCents: 1000 }])] });
    await revisionSettled(input.orderId, 'OrderRevised', 2);
    await handle.executeUpdate(cancelUpdate);
    await expect(handle.result()).resolves.toMatchObject({ status: 'CANCELLED' });

    const ledger = await providerLedger(stack.prisma, input.orderId);
    expect(ledger.charges.map((c) => c.amountCents)).toEqual([1000, 5000]);
    for (const charge of ledger.charges) expect(charge.refundedCents).toBeLessThanOrEqual(charge.amountCents);
    expect(ledger.refundsWithoutCharge).toEqual([]);
    expect(ledger.chargedCents - ledger.refundedCents).toBe(0);
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 20, reserved: 0, creditHeld: 0, creditConsumed: 0 });
  });
});

describe('defect 4: revisions are bounded', () => {
  it('when an order has been revised MAX_REVISIONS (5) times, then a sixth revision is refused', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 20, priceCents: 1000 });
    const { customerId } = await aCustomer(stack.prisma);
    const { input, handle } = await paidOrder({ customerId, productId, quantity: 1 });
    for (let n = 1; n <= 5; n++) {
      await handle.executeUpdate(reviseUpdate, { args: [revisionTo([{ productId, quantity: 1 + n, unitPriceCents: 1000 }])] });
      await revisionSettled(input.orderId, 'OrderRevised', n);
    }
    await expect(handle.executeUpdate(reviseUpdate, { args: [revisionTo([{ productId, quantity: 1, unitPriceCents: 1000 }])] })).rejects.toMatchObject({ cause: { type: 'ORDER_NOT_REVISABLE' } });
    expect(await order(input.orderId)).toMatchObject({ status: 'PAID', totalCents: 6000 });
  });
});

/**
 * A tok_decline order held APPROVED: the payment worker is stopped; the caller restarts it. Waits
 * for the saga itself to be APPROVED — the projection commits a moment earlier, and an update sent
 * in between would meet the validator still seeing APPROVAL_PENDING.
 */
async function approvedAwaitingDeclinedCharge() {
  const { productId } = await aProduct(stack.prisma, { stock: 10, priceCents: 1000 });
  const { customerId } = await aCustomer(stack.prisma);
  await stack.stopWorker('payment');
  const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }], token: 'tok_decline', dispatchDelayMs: HOUR });
  const handle = await startSaga(stack, input);
  try {
    await eventually(() => handle.query(statusQuery), (s) => s.status === 'APPROVED');
  } catch (error) {
    await stack.startWorker('payment');
    throw error;
  }
  return { productId, customerId, input, handle };
}

describe('defect 5: every accepted request leaves a trace', () => {
  it('when a revision is accepted while APPROVED and the charge is then declined, then the timeline says the revision was overtaken', async () => {
    const { productId, customerId, input, handle } = await approvedAwaitingDeclinedCharge();
    try {
      await expect(handle.executeUpdate(reviseUpdate, { args: [revisionTo([{ productId, quantity: 2, unitPriceCents: 1000 }])] })).resolves.toMatchObject({ status: 'REVISION_PENDING' });
    } finally {
      await stack.startWorker('payment');
    }
    await expect(handle.result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED' });
    const entry = await stack.prisma.domainEvent.findFirst({ where: { orderId: input.orderId, type: 'RevisionRejected' } });
    expect(entry?.data).toEqual({ reason: 'ORDER_REJECTED' });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
  });

  it('when a rejection is already being unwound, then a cancel is refused instead of accepted and forgotten', async () => {
    const { input, handle } = await approvedAwaitingDeclinedCharge();
    try {
      await stack.stopWorker('stock'); // the unwind will wait on releasing stock
      await stack.startWorker('payment');
      await eventually(() => timelineTypes(stack.prisma, input.orderId), (t) => t.includes('CreditReleased'));
      await expect(handle.executeUpdate(cancelUpdate)).rejects.toMatchObject({ cause: { type: 'ORDER_NOT_CANCELLABLE' } });
    } finally {
      await stack.startWorker('stock');
      if (!stack.workers.has('payment')) await stack.startWorker('payment');
    }
    await expect(handle.result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED' });
    expect(await timelineTypes(stack.prisma, input.orderId)).not.toContain('CancelRequested');
  });
});
