// "No order without a saga, no saga without an order visible to GET" — even when a step fails
// between starting the workflow and writing the order row.
import { Client, Connection } from '@temporalio/client';
import { createApp } from './app';
import { createLogger } from '../platform/logger';
import { freePort } from '../test/free-port';
import { aCustomer, aProduct, eventually, listen, startTestStack, tokenFor, type TestStack } from '../test/harness';
import { orderInput, startSaga } from '../workflows/saga-test-kit';
import { call, orderBody } from '../test/api-kit';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ api: true }); });
afterAll(async () => { await stack?.stop(); });

it('when the API dies right after starting the saga (before writing the order), then the saga writes it and GET shows the order', async () => {
  const { productId } = await aProduct(stack.prisma, { stock: 5 });
  const { customerId } = await aCustomer(stack.prisma);
  // Exactly what POST /orders does first — and nothing after it, as if the process had crashed.
  const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }] });
  await startSaga(stack, input);

  const reply = await eventually(() => call(stack, 'GET', `/orders/${input.orderId}`, { token: tokenFor(stack.config, customerId) }), (r) => r.status === 200);
  expect(reply.body).toMatchObject({ orderId: input.orderId, customerId, totalCents: 1000 });
  expect(reply.body.timeline[0]).toMatchObject({ sequence: 1, type: 'OrderPlaced' });
});

describe('when Temporal is unreachable', () => {
  let close: (() => Promise<void>) | undefined;
  let baseUrl: string;
  let connection: Connection;
  beforeAll(async () => {
    connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 });
    const app = createApp({ prisma: stack.prisma, temporal: new Client({ connection }), config: stack.config, logger: createLogger({ level: 'silent' }) });
    ({ baseUrl, close } = await listen(app));
  });
  afterAll(async () => {
    await close?.();
    await connection?.close().catch(() => undefined);
  });

  it('then POST /orders answers 503 and no order is recorded (no order without a saga)', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 5 });
    const { customerId } = await aCustomer(stack.prisma);
    const res = await fetch(`${baseUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor(stack.config, customerId)}` },
      body: JSON.stringify(orderBody(productId)),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(await stack.prisma.order.count({ where: { customerId } })).toBe(0);
    expect((await stack.prisma.product.findUniqueOrThrow({ where: { id: productId } })).reserved).toBe(0);
  }, 30_000);
});
