// Results lost after their effect committed (a worker crash, a timeout) and compensations that keep
// failing: retries must replay what really happened and history must stay bounded (issue 11).
import { NativeConnection, Worker } from '@temporalio/worker';
import { createStockActivities } from '../activities/stock/stock.activities';
import { createOrderActivities } from '../activities/orders/order.activities';
import { createPaymentActivities } from '../activities/payment/payment.activities';
import { createSimulatedPaymentProvider } from '../activities/payment/simulated-payment-provider';
import { aCustomer, aProduct, balances, eventually, queuesOf, startTestStack, type TestStack, dataConverterOf } from '../test/harness';
import { orderInput, startSaga, timelineTypes } from '../test/saga-test-kit';
import { reviseUpdate, statusQuery } from './definitions';
import { providerLedger } from '../test/provider-ledger';
import { workflowSpanSinks } from '../workers/worker-tracing';

let stack: TestStack;
let connection: NativeConnection;
const workers: { worker: Worker; running: Promise<void> }[] = [];
/** Orders whose stock release fails this many more times ("the stock database is down"). */
const releaseFailuresLeft = new Map<string, number>();
/** Orders whose next payment decline is committed but never reaches the workflow. */
const loseNextDecline = new Set<string>();
/** Orders whose first CompensationFailed record commits but its result is lost. */
const recordsSeen = new Set<string>();

beforeAll(async () => {
  stack = await startTestStack({ contexts: ['credit', 'shipment'] });
  connection = await NativeConnection.connect({ address: stack.config.TEMPORAL_ADDRESS });
  const queues = queuesOf(stack);
  const stock = createStockActivities({ prisma: stack.prisma });
  const orders = createOrderActivities({ prisma: stack.prisma });
  const payment = createPaymentActivities({ prisma: stack.prisma, provider: createSimulatedPaymentProvider(stack.prisma) });
  const lostAfterCommit = () => new Error('worker crashed after the effect committed');
  const created = await Promise.all([
    Worker.create({
      connection, dataConverter: dataConverterOf(stack), taskQueue: queues.stock,
      activities: {
        ...stock,
        async releaseStock(request: { orderId: string }) {
          const left = releaseFailuresLeft.get(request.orderId) ?? 0;
          if (left > 0) {
            releaseFailuresLeft.set(request.orderId, left - 1);
            throw new Error('stock database unavailable');
          }
          return stock.releaseStock(request);
        },
      },
    }),
    Worker.create({
      connection, dataConverter: dataConverterOf(stack), taskQueue: queues.orders, workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! }, sinks: workflowSpanSinks(),
      activities: {
        ...orders,
        async recordCompensationFailed(request: Parameters<typeof orders.recordCompensationFailed>[0]) {
          await orders.recordCompensationFailed(request);
          if (recordsSeen.has(request.orderId)) return;
          recordsSeen.add(request.orderId);
          throw lostAfterCommit();
        },
      },
    }),
    Worker.create({
      connection, dataConverter: dataConverterOf(stack), taskQueue: queues.payment,
      activities: {
        ...payment,
        async adjustPayment(request: Parameters<typeof payment.adjustPayment>[0]) {
          try {
            return await payment.adjustPayment(request);
          } catch (error) {
            if (!loseNextDecline.delete(request.orderId)) throw error;
            throw lostAfterCommit();
          }
        },
      },
    }),
  ]);
  for (const worker of created) workers.push({ worker, running: worker.run() });
});
afterAll(async () => {
  for (const { worker } of workers) worker.shutdown();
  await Promise.all(workers.map((w) => w.running));
  await connection?.close();
  await stack?.stop();
});

describe('defect 2: a retried provider call replays its recorded outcome', () => {
  it('when the decline of a revision charge commits but its result is lost, then the retry is declined too and the revision is rejected', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 10, priceCents: 1000 });
    const { customerId } = await aCustomer(stack.prisma);
    const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }], token: 'tok_decline_more', dispatchDelayMs: 60 * 60_000 });
    const handle = await startSaga(stack, input);
    await eventually(() => handle.query(statusQuery), (s) => s.status === 'PAID');
    loseNextDecline.add(input.orderId);

    await handle.executeUpdate(reviseUpdate, { args: [{ lines: [{ productId, sku: 'SKU', name: 'Test Product', quantity: 3, unitPriceCents: 1000 }], totalCents: 3000, orderMinimumCents: 0 }] });
    await eventually(() => timelineTypes(stack.prisma, input.orderId), (t) => t.includes('RevisionRejected') || t.includes('OrderRevised'));

    expect(loseNextDecline.has(input.orderId)).toBe(false); // the lost result really happened
    expect(Number((await stack.prisma.order.findUniqueOrThrow({ where: { id: input.orderId } })).totalCents)).toBe(1000);
    const rejected = await stack.prisma.domainEvent.findFirstOrThrow({ where: { orderId: input.orderId, type: 'RevisionRejected' } });
    expect(rejected.data).toEqual({ reason: 'PAYMENT_DECLINED' });
    const ledger = await providerLedger(stack.prisma, input.orderId);
    expect({ charged: ledger.chargedCents, declined: ledger.declinedCharges }).toEqual({ charged: 1000, declined: 1 });
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 1, creditHeld: 1000, creditConsumed: 0 });
  });
});

describe('defect 4: a compensation that keeps failing does not grow the history', () => {
  async function rejectedWhileReleaseFails(failures: number) {
    const { productId } = await aProduct(stack.prisma, { stock: 10 });
    const { customerId } = await aCustomer(stack.prisma, { creditLimitCents: 500 }); // credit declines → release stock
    const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }] });
    releaseFailuresLeft.set(input.orderId, failures);
    const handle = await startSaga(stack, input);
    await expect(handle.result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'CREDIT_LIMIT_EXCEEDED' });
    expect(releaseFailuresLeft.get(input.orderId)).toBe(0);
    expect(await balances(stack.prisma, { productId })).toMatchObject({ onHand: 10, reserved: 0 });
    const types = await timelineTypes(stack.prisma, input.orderId);
    // Workflow-task events depend on timing (the results of the two reservations, run at once, may
    // reach the saga in one workflow task or two); the saga's own events do not.
    const events = (await handle.fetchHistory()).events!.filter((e) => !e.workflowTaskScheduledEventAttributes && !e.workflowTaskStartedEventAttributes && !e.workflowTaskCompletedEventAttributes);
    return { events: events.length, compensationFailed: types.filter((t) => t === 'CompensationFailed').length };
  }

  it('when releasing stock fails 6 or 11 times in a row, then both sagas record one CompensationFailed (despite a lost result) and have equally long histories (workflow tasks aside)', async () => {
    const [few, many] = await Promise.all([rejectedWhileReleaseFails(6), rejectedWhileReleaseFails(11)]);
    expect(few.compensationFailed).toBe(1);
    expect(many.compensationFailed).toBe(1);
    expect(many.events).toBe(few.events);
  });
});
