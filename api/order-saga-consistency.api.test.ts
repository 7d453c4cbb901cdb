// "No order without a saga, no saga without an order visible to GET", with no DB connection held
// while Temporal is called (issue 12, item 4) — in both crash directions, when Temporal is down and
// when the pool is exhausted. And Idempotency-Keys that commit with the order and expire (item 8).
import { Client, Connection } from '@temporalio/client';
import { createApp } from './app';
import { orderWorkflowId } from '../domain/orders/order.commands';
import { createLogger } from '../platform/logger';
import { createPrisma } from '../platform/prisma';
import { freePort } from '../test/free-port';
import { aCustomer, aProduct, eventually, listen, startTestStack, tokenFor, type TestStack } from '../test/harness';
import { orderInput, startSaga } from '../test/saga-test-kit';
import { call, orderBody, postOrder } from '../test/api-kit';
import { placeOrderInput, priceItems, recordOrder, vaultCard } from './orders/place-order.service';
import { forgetExpiredIdempotencyKeys, sweepSagaStarts } from './orders/outbox-sweeper';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ api: true }); });
afterAll(async () => { await stack?.stop(); });

const deps = () => ({ prisma: stack.prisma, temporal: stack.temporal, config: stack.config });

it('when the API dies right after starting the saga (before writing the order), then the saga writes it and GET shows the order', async () => {
  const { productId } = await aProduct(stack.prisma, { stock: 5 });
  const { customerId } = await aCustomer(stack.prisma);
  const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }] });
  await startSaga(stack, input);

  const reply = await eventually(() => call(stack, 'GET', `/orders/${input.orderId}`, { token: tokenFor(stack.config, customerId) }), (r) => r.status === 200);
  expect(reply.body).toMatchObject({ orderId: input.orderId, customerId, totalCents: 1000 });
  expect(reply.body.timeline[0]).toMatchObject({ sequence: 1, type: 'OrderPlaced' });
});

it('when the API dies right after committing the order (before starting its saga), then the outbox sweeper starts the saga and the order completes', async () => {
  const { productId } = await aProduct(stack.prisma, { stock: 5 });
  const { customerId } = await aCustomer(stack.prisma);
  const body = orderBody(productId, 2);
  // Exactly what POST /orders commits first — and nothing after it, as if the process had crashed.
  const input = placeOrderInput(stack.config, customerId, body, await priceItems(deps(), body.items), await vaultCard(deps(), body));
  await recordOrder(stack.prisma, stack.config, input, body);
  expect(await sweepSagaStarts(deps(), 60_000)).toBe(0); // too young: its request may still be starting it

  expect(await sweepSagaStarts(deps(), 0)).toBeGreaterThanOrEqual(1);
  await expect(stack.temporal.workflow.getHandle(orderWorkflowId(input.orderId)).result()).resolves.toMatchObject({ status: 'SHIPPED' });
  expect(await stack.prisma.sagaStart.count({ where: { orderId: input.orderId } })).toBe(0);
  // Sweeping again (another API process, a late duplicate) starts nothing twice.
  await sweepSagaStarts(deps(), 0);
  expect((await stack.prisma.order.findUniqueOrThrow({ where: { id: input.orderId } })).status).toBe('SHIPPED');
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

  const post = (customerId: string, productId: string, key?: string) => fetch(`${baseUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor(stack.config, customerId)}`, ...(key ? { 'Idempotency-Key': key } : {}) },
    body: JSON.stringify(orderBody(productId)),
  });

  it('then POST /orders answers 503 and no order is recorded (no order without a saga)', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 5 });
    const { customerId } = await aCustomer(stack.prisma);
    const res = await post(customerId, productId);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(await stack.prisma.order.count({ where: { customerId } })).toBe(0);
    expect((await stack.prisma.product.findUniqueOrThrow({ where: { id: productId } })).reserved).toBe(0);
  }, 30_000);

  it('then a failed first attempt leaves its Idempotency-Key unused: the retry on a working API answers 202 with a new order', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 5 });
    const { customerId } = await aCustomer(stack.prisma);
    expect((await post(customerId, productId, 'retry-me')).status).toBe(503);
    expect(await stack.prisma.idempotencyKey.count({ where: { customerId } })).toBe(0);
    const retry = await postOrder(stack, tokenFor(stack.config, customerId), orderBody(productId), 'retry-me');
    expect(retry.status).toBe(202);
  }, 30_000);

  it('then a repeat that arrives while the first attempt is still starting answers 503 as the first does, never a 500, and nothing is left', async () => {
    // Found by npm run chaos: the first attempt took its order back (no saga could start) while the
    // repeat waited for its answer; the repeat then read an order that no longer existed.
    const { productId } = await aProduct(stack.prisma, { stock: 5 });
    const { customerId } = await aCustomer(stack.prisma);
    const first = post(customerId, productId, 'twice');
    await new Promise((r) => setTimeout(r, 100)); // the first attempt's order and key are committed
    const repeat = await post(customerId, productId, 'twice');
    const repeatBody = (await repeat.json()) as { code: string };
    expect({ first: (await first).status, repeat: repeat.status, code: repeatBody.code }).toEqual({ first: 503, repeat: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(await stack.prisma.order.count({ where: { customerId } })).toBe(0);
    expect(await stack.prisma.idempotencyKey.count({ where: { customerId } })).toBe(0);
  }, 30_000);

  it('then the single pooled connection is not held while Temporal is waited for: other requests are served meanwhile', async () => {
    const prisma = createPrisma(stack.config.DATABASE_URL!, 1);
    const app = createApp({ prisma, temporal: new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 4000 }) }), config: stack.config, logger: createLogger({ level: 'silent' }) });
    const served = await listen(app);
    try {
      const { productId } = await aProduct(stack.prisma, { stock: 5 });
      const { customerId } = await aCustomer(stack.prisma);
      const placing = fetch(`${served.baseUrl}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor(stack.config, customerId)}` }, body: JSON.stringify(orderBody(productId)) });
      await new Promise((r) => setTimeout(r, 500)); // the order is committed; its start is waiting on Temporal
      const started = Date.now();
      const read = await fetch(`${served.baseUrl}/products/${productId}`);
      expect({ status: read.status, fast: Date.now() - started < 1000 }).toEqual({ status: 200, fast: true });
      expect((await placing).status).toBe(503);
    } finally {
      await served.close();
      await app.close();
      await prisma.$disconnect();
    }
  }, 30_000);
});

it('when every pooled connection is busy, then a request gets 503 SERVICE_UNAVAILABLE with Retry-After, never a 500', async () => {
  const prisma = createPrisma(stack.config.DATABASE_URL!, 1);
  const app = createApp({ prisma, temporal: stack.temporal, config: stack.config, logger: createLogger({ level: 'silent' }) });
  const served = await listen(app);
  try {
    const { productId } = await aProduct(stack.prisma, { stock: 5 });
    const holding = prisma.$transaction(async (tx) => { await tx.$executeRaw`SELECT pg_sleep(4)`; }, { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    const res = await fetch(`${served.baseUrl}/products/${productId}`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await holding;
  } finally {
    await served.close();
    await app.close();
    await prisma.$disconnect();
  }
}, 30_000);

describe('Idempotency-Key expiry (IDEMPOTENCY_TTL)', () => {
  it('when a key is older than the TTL, then it is forgotten: the same key places a new order, and the sweeper deletes expired keys', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 5 });
    const { customerId } = await aCustomer(stack.prisma);
    const token = tokenFor(stack.config, customerId);
    const first = await postOrder(stack, token, orderBody(productId), 'k-1');
    expect((await postOrder(stack, token, orderBody(productId), 'k-1')).body.orderId).toBe(first.body.orderId);

    await stack.prisma.$executeRaw`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE customer_id = ${customerId}::uuid`;
    const later = await postOrder(stack, token, orderBody(productId), 'k-1');
    expect(later.status).toBe(202);
    expect(later.body.orderId).not.toBe(first.body.orderId);

    await postOrder(stack, token, orderBody(productId), 'k-2');
    await stack.prisma.$executeRaw`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE customer_id = ${customerId}::uuid AND key = 'k-2'`;
    expect(await forgetExpiredIdempotencyKeys(deps())).toBeGreaterThanOrEqual(1);
    expect((await stack.prisma.idempotencyKey.findMany({ where: { customerId } })).map((k) => k.key)).toEqual(['k-1']);
  });
});
