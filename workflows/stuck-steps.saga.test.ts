// A step that can never succeed must not retry for ever with nothing able to stop it (issue 18,
// defect 1): a missing aggregate is a permanent failure (the saga rejects and compensates with a
// reason), an unexpected error is given up after a bounded number of attempts, and a cancel takes
// effect on an order whose current step keeps failing — at the next attempt boundary.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createCreditActivities } from '../activities/credit/credit.activities';
import { classifiedFailures } from '../workers/activity-failures.interceptor';
import { aCustomer, aProduct, balances, eventually, queuesOf, startTestStack, type TestStack, dataConverterOf } from '../test/harness';
import { orderInput, startSaga, timelineTypes } from '../test/saga-test-kit';
import { cancelUpdate } from './definitions';

let stack: TestStack;
let connection: NativeConnection;
let creditWorker: { worker: Worker; running: Promise<void> };
/**
 * How the credit worker fails for an order: 'outage' (transient, for ever), 'bug' (unexpected), or
 * 'slow-outage' (each attempt takes 1.5 s, then fails transiently).
 */
const failing = new Map<string, 'outage' | 'bug' | 'slow-outage'>();

beforeAll(async () => {
  stack = await startTestStack({ contexts: ['orders', 'stock', 'payment', 'shipment'] });
  connection = await NativeConnection.connect({ address: stack.config.TEMPORAL_ADDRESS });
  const credit = createCreditActivities({ prisma: stack.prisma });
  const worker = await Worker.create({
    connection, dataConverter: dataConverterOf(stack), taskQueue: queuesOf(stack).credit,
    // Gives up on unexpected errors after 3 attempts (10 in production) to keep the test short.
    interceptors: { activity: [classifiedFailures(3)] },
    activities: {
      ...credit,
      async reserveCredit(request: Parameters<typeof credit.reserveCredit>[0]) {
        const how = failing.get(request.orderId);
        if (how === 'outage') throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:5432'), { code: 'ECONNREFUSED' });
        if (how === 'bug') throw new TypeError("Cannot read properties of undefined (reading 'limitCents')");
        if (how === 'slow-outage') {
          await new Promise((r) => setTimeout(r, 1500));
          throw Object.assign(new Error('connect ETIMEDOUT 10.0.0.9:5432'), { code: 'ETIMEDOUT' });
        }
        return credit.reserveCredit(request);
      },
    },
  });
  creditWorker = { worker, running: worker.run() };
});
afterAll(async () => {
  creditWorker?.worker.shutdown();
  await creditWorker?.running;
  await connection?.close();
  await stack?.stop();
});

async function orderStuckAtCredit() {
  const { productId } = await aProduct(stack.prisma, { stock: 10 });
  const { customerId } = await aCustomer(stack.prisma);
  const input = orderInput({ customerId, lines: [{ productId, quantity: 2 }] });
  failing.set(input.orderId, 'outage');
  const handle = await startSaga(stack, input);
  // Stock is reserved; credit keeps failing (an outage that does not end).
  await eventually(() => timelineTypes(stack.prisma, input.orderId), (t) => t.includes('StockReserved'));
  await eventually(async () => (await handle.describe()).raw.pendingActivities ?? [], (p) => p.some((a) => a.activityType?.name === 'reserveCredit' && (a.attempt ?? 0) >= 3));
  return { productId, customerId, input, handle };
}

it('when the customer\'s credit line does not exist, then the order is REJECTED / UNKNOWN_CUSTOMER and its stock released (no endless retry)', async () => {
  const { productId } = await aProduct(stack.prisma, { stock: 10 });
  const { customerId } = await aCustomer(stack.prisma);
  await stack.prisma.creditLine.delete({ where: { customerId } });
  const input = orderInput({ customerId, lines: [{ productId, quantity: 2 }] });
  const handle = await startSaga(stack, input);
  await expect(handle.result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'UNKNOWN_CUSTOMER', compensationsRun: ['releaseStock'] });
  expect(await balances(stack.prisma, { productId })).toMatchObject({ onHand: 10, reserved: 0 });
  expect((await stack.prisma.order.findUniqueOrThrow({ where: { id: input.orderId } })).rejectionReason).toBe('UNKNOWN_CUSTOMER');
});

it('when a product of the order no longer exists, then the order is REJECTED / UNKNOWN_PRODUCT', async () => {
  const { customerId } = await aCustomer(stack.prisma);
  const input = orderInput({ customerId, lines: [{ productId: '00000000-0000-4000-8000-00000000dead', quantity: 1 }] });
  await expect((await startSaga(stack, input)).result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'UNKNOWN_PRODUCT' });
});

it('when a step fails with an unexpected error, then it is given up after a bounded number of attempts: REJECTED / SAGA_STEP_FAILED, compensated', async () => {
  const { productId } = await aProduct(stack.prisma, { stock: 10 });
  const { customerId } = await aCustomer(stack.prisma);
  const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }] });
  failing.set(input.orderId, 'bug');
  await expect((await startSaga(stack, input)).result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'SAGA_STEP_FAILED', compensationsRun: ['releaseStock'] });
  expect(await balances(stack.prisma, { productId })).toMatchObject({ reserved: 0 });
});

it('when the customer cancels an order whose credit step keeps failing, then the cancel takes effect: CancelRequested, stock released, CANCELLED', async () => {
  const { productId, customerId, input, handle } = await orderStuckAtCredit();
  await expect(handle.executeUpdate(cancelUpdate)).resolves.toMatchObject({ status: 'CANCEL_PENDING' });
  await expect(handle.result()).resolves.toMatchObject({ status: 'CANCELLED', reason: 'CUSTOMER_REQUEST', compensationsRun: ['releaseCredit', 'releaseStock'] });
  expect(await timelineTypes(stack.prisma, input.orderId)).toEqual(['OrderPlaced', 'StockReserved', 'CancelRequested', 'StockReleased', 'OrderCancelled']);
  expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
});

it('when an operator cancels the workflow of an order whose credit step keeps failing, then the order is CANCELLED and compensated', async () => {
  const { productId, customerId, input, handle } = await orderStuckAtCredit();
  await handle.cancel();
  await expect(handle.result()).resolves.toMatchObject({ status: 'CANCELLED', reason: 'CUSTOMER_REQUEST' });
  expect(await timelineTypes(stack.prisma, input.orderId)).toContain('CancelRequested');
  expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
});

it('when a cancel arrives while an attempt of the failing step is under way, then that attempt\'s failure ends the step and the order is CANCELLED (the saga does not fail)', async () => {
  const { productId } = await aProduct(stack.prisma, { stock: 10 });
  const { customerId } = await aCustomer(stack.prisma);
  const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }] });
  failing.set(input.orderId, 'slow-outage');
  const handle = await startSaga(stack, input);
  await eventually(async () => (await handle.describe()).raw.pendingActivities ?? [], (p) => p.some((a) => a.activityType?.name === 'reserveCredit' && String(a.state) !== '1' && (a.attempt ?? 0) >= 1 && a.lastStartedTime != null));
  await handle.executeUpdate(cancelUpdate);
  await expect(handle.result()).resolves.toMatchObject({ status: 'CANCELLED', reason: 'CUSTOMER_REQUEST' });
  expect(await balances(stack.prisma, { productId })).toMatchObject({ reserved: 0 });
});
