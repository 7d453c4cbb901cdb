// The dispatch timer is durable: restart the (file-backed) Temporal dev server while an order waits
// for dispatch, and the order still ships on time afterwards.
import path from 'node:path';
import { aCustomer, aProduct, startTestStack, type TestStack } from '../harness';
import { freePort } from '../free-port';
import { startTemporalDevServer, type DevServer } from '../../dev/temporal-dev-server';
import { orderInput, startSaga, timelineTypes } from '../saga-test-kit';

let server: DevServer;
let stack: TestStack;
let port: number;
const dbFile = path.join(process.env.TEST_DIR ?? '/tmp', `restart-${process.pid}.db`);

beforeAll(async () => {
  port = await freePort();
  server = await startTemporalDevServer({ dbFile, port, uiPort: await freePort(), headless: true });
  stack = await startTestStack({ env: { TEMPORAL_ADDRESS: server.address } });
});
afterAll(async () => {
  await stack?.stop();
  await server?.stop();
});

it('when the Temporal server restarts while an order waits for dispatch, then the order ships when its timer fires', async () => {
  const { productId } = await aProduct(stack.prisma, { stock: 5 });
  const { customerId } = await aCustomer(stack.prisma);
  const dispatchDelayMs = 8000;
  const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }], dispatchDelayMs });
  const handle = await startSaga(stack, input);
  const paid = await waitForEvent(input.orderId, 'OrderPaid');

  await server.stop();
  server = await startTemporalDevServer({ dbFile, port, uiPort: await freePort(), headless: true });

  const shipped = await waitForEvent(input.orderId, 'OrderShipped', 60_000);
  expect(await handle.result()).toMatchObject({ status: 'SHIPPED' });
  const waited = shipped.getTime() - paid.getTime();
  expect(waited).toBeGreaterThanOrEqual(dispatchDelayMs);
  expect(waited).toBeLessThan(dispatchDelayMs + 15_000);
  expect(await timelineTypes(stack.prisma, input.orderId)).toEqual([
    'OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', 'PaymentCharged', 'OrderPaid',
    'ShipmentBooked', 'StockShipped', 'CreditConsumed', 'OrderShipped',
  ]);
}, 90_000);

async function waitForEvent(orderId: string, type: string, timeoutMs = 20_000): Promise<Date> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const event = await stack.prisma.domainEvent.findFirst({ where: { orderId, type } });
    if (event) return event.at;
    if (Date.now() > deadline) throw new Error(`no ${type} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
