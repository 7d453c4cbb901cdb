// A compensation that keeps failing is never dropped: it is recorded on the timeline
// (CompensationFailed), flagged in the search attribute CompensationFailing, and retried until it
// succeeds — after which balances are exactly restored.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createStockActivities } from '../activities/stock/stock.activities';
import { aCustomer, aProduct, balances, queuesOf, startTestStack, type TestStack, dataConverterOf } from '../test/harness';
import { orderInput, startSaga, timelineTypes } from '../test/saga-test-kit';
import { COMPENSATION_ATTEMPTS_PER_ROUND } from './activity-proxies';
import { CompensationFailingKey } from './definitions';

let stack: TestStack;
let stockWorker: Worker;
let stockRunning: Promise<void>;
let releaseFailuresLeft = 0;
let connection: NativeConnection;

beforeAll(async () => {
  stack = await startTestStack({ contexts: ['orders', 'credit', 'payment', 'shipment'] });
  const real = createStockActivities({ prisma: stack.prisma });
  stockWorker = await Worker.create({
    connection: (connection = await NativeConnection.connect({ address: stack.config.TEMPORAL_ADDRESS })),
    dataConverter: dataConverterOf(stack),
    taskQueue: queuesOf(stack).stock,
    activities: {
      ...real,
      // The stock database "is down" for releases for a while.
      async releaseStock(request: { orderId: string }) {
        if (releaseFailuresLeft > 0) {
          releaseFailuresLeft--;
          throw new Error('stock database unavailable');
        }
        return real.releaseStock(request);
      },
    },
  });
  stockRunning = stockWorker.run();
});
afterAll(async () => {
  stockWorker?.shutdown();
  await stockRunning;
  await connection?.close();
  await stack?.stop();
});

it('when releasing stock fails for a whole round of retries, then CompensationFailed is recorded and flagged, and the release still happens', async () => {
  const { productId } = await aProduct(stack.prisma, { stock: 10 });
  const { customerId } = await aCustomer(stack.prisma, { creditLimitCents: 500 });
  // The first round fails, then the persistent retry fails a few more times (~1.4 s of back-off).
  releaseFailuresLeft = COMPENSATION_ATTEMPTS_PER_ROUND + 3;
  const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }] });
  const handle = await startSaga(stack, input);

  const deadline = Date.now() + 20_000;
  let flagged = false;
  while (!flagged && Date.now() < deadline) {
    const description = await handle.describe();
    flagged = description.typedSearchAttributes.get(CompensationFailingKey) === true;
    if (!flagged) await new Promise((r) => setTimeout(r, 200));
  }
  expect(flagged).toBe(true);

  await expect(handle.result()).resolves.toMatchObject({ status: 'REJECTED', reason: 'CREDIT_LIMIT_EXCEEDED', compensationsRun: ['releaseStock'] });
  expect(await timelineTypes(stack.prisma, input.orderId)).toEqual(['OrderPlaced', 'StockReserved', 'CompensationFailed', 'StockReleased', 'OrderRejected']);
  expect(await balances(stack.prisma, { productId })).toMatchObject({ onHand: 10, reserved: 0 });
  expect((await handle.describe()).typedSearchAttributes.get(CompensationFailingKey)).toBe(false);
});
