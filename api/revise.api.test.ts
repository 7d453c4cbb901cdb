// POST /orders/:id/revise over HTTP: 202 REVISION_PENDING then the saga decides; 400 for bad items,
// 409 ORDER_NOT_REVISABLE, 422 ORDER_MINIMUM_NOT_MET and UNKNOWN_PRODUCT — each changing nothing.
import { aProduct, eventually, startTestStack, tokenFor, type TestStack } from '../test/harness';
import { adminToken, call, expectProblem, getOrder, orderBody, placed, shopper, types, untilStatus } from '../test/api-kit';

let waiting: TestStack; // paid orders wait for dispatch (revisable)
let fast: TestStack; // orders ship at once
beforeAll(async () => {
  [waiting, fast] = await Promise.all([
    startTestStack({ api: true, env: { DISPATCH_DELAY: '1h', ORDER_MINIMUM_CENTS: '1500' } }),
    startTestStack({ api: true }),
  ]);
});
afterAll(async () => { await Promise.all([waiting?.stop(), fast?.stop()]); });

const revise = (stack: TestStack, token: string, orderId: string, items: unknown) => call(stack, 'POST', `/orders/${orderId}/revise`, { token, body: { items } });

async function paidOrder(quantity = 2, options: { creditLimitCents?: number; stock?: number } = {}) {
  const s = await shopper(waiting, { priceCents: 1000, ...options });
  const orderId = await placed(waiting, s.token, orderBody(s.productId, quantity));
  await untilStatus(waiting, s.token, orderId, 'PAID');
  return { ...s, orderId };
}

async function settledRevision(token: string, orderId: string, type: 'OrderRevised' | 'RevisionRejected') {
  const reply = await eventually(() => getOrder(waiting, token, orderId), (r) => r.body.status !== 'REVISION_PENDING' && types(r.body).includes(type), 20_000);
  return reply.body;
}

describe('POST /orders/:id/revise', () => {
  it('when the owner revises a PAID order up, then 202 REVISION_PENDING and it returns to PAID with the new items and total', async () => {
    const { token, productId, orderId } = await paidOrder(2);
    const reply = await revise(waiting, token, orderId, [{ productId, quantity: 3 }]);
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ orderId, status: 'REVISION_PENDING' });

    const order = await settledRevision(token, orderId, 'OrderRevised');
    expect(order).toMatchObject({ status: 'PAID', totalCents: 3000, items: [expect.objectContaining({ productId, quantity: 3, unitPriceCents: 1000, lineTotalCents: 3000 })] });
    expect(types(order)).toEqual(expect.arrayContaining(['RevisionRequested', 'OrderRevised']));
  });

  it('when the owner revises down to another product, then the order holds only the new product', async () => {
    const { token, productId, orderId } = await paidOrder(3);
    const { productId: other } = await aProduct(waiting.prisma, { stock: 10, priceCents: 2000 });
    expect((await revise(waiting, token, orderId, [{ productId: other, quantity: 1 }])).status).toBe(202);

    const order = await settledRevision(token, orderId, 'OrderRevised');
    expect(order).toMatchObject({ status: 'PAID', totalCents: 2000 });
    const held = await waiting.prisma.product.findUniqueOrThrow({ where: { id: productId } });
    expect(held.reserved).toBe(0);
  });

  it('when the revision needs more stock than exists, then 202 and the saga records RevisionRejected with OUT_OF_STOCK', async () => {
    const { token, productId, orderId } = await paidOrder(2, { stock: 3 });
    expect((await revise(waiting, token, orderId, [{ productId, quantity: 4 }])).status).toBe(202);
    const order = await settledRevision(token, orderId, 'RevisionRejected');
    expect(order).toMatchObject({ status: 'PAID', totalCents: 2000 });
    expect(order.timeline.find((e: { type: string }) => e.type === 'RevisionRejected').data).toEqual({ reason: 'OUT_OF_STOCK' });
  });

  it('when the revision exceeds the credit line, then RevisionRejected with CREDIT_LIMIT_EXCEEDED and the order is unchanged', async () => {
    const { token, productId, orderId } = await paidOrder(2, { creditLimitCents: 2500 });
    expect((await revise(waiting, token, orderId, [{ productId, quantity: 3 }])).status).toBe(202);
    const order = await settledRevision(token, orderId, 'RevisionRejected');
    expect(order).toMatchObject({ status: 'PAID', totalCents: 2000 });
    expect(order.timeline.find((e: { type: string }) => e.type === 'RevisionRejected').data).toEqual({ reason: 'CREDIT_LIMIT_EXCEEDED' });
  });

  it('when the new total is under ORDER_MINIMUM_CENTS, then 422 ORDER_MINIMUM_NOT_MET and nothing changes', async () => {
    const { token, productId, orderId } = await paidOrder(2);
    const before = (await getOrder(waiting, token, orderId)).body;
    expectProblem(await revise(waiting, token, orderId, [{ productId, quantity: 1 }]), 422, 'ORDER_MINIMUM_NOT_MET');
    expect((await getOrder(waiting, token, orderId)).body).toMatchObject({ status: 'PAID', version: before.version, totalCents: 2000 });
  });

  it.each([
    ['no lines', []],
    ['quantity 0', [{ productId: '00000000-0000-4000-8000-000000000000', quantity: 0 }]],
    ['duplicate products', [{ productId: 'p', quantity: 1 }, { productId: 'p', quantity: 2 }]],
    ['not an array', { productId: 'p', quantity: 1 }],
  ])('when the items have %s, then 400 VALIDATION_FAILED and nothing changes', async (_why, items) => {
    const { token, orderId } = await paidOrder(2);
    const reply = await revise(waiting, token, orderId, items);
    expectProblem(reply, 400, 'VALIDATION_FAILED');
    expect(reply.body.errors.length).toBeGreaterThan(0);
    expect((await getOrder(waiting, token, orderId)).body.status).toBe('PAID');
  });

  it('when a product is unknown, then 422 UNKNOWN_PRODUCT', async () => {
    const { token, orderId } = await paidOrder(2);
    expectProblem(await revise(waiting, token, orderId, [{ productId: '00000000-0000-4000-8000-000000000000', quantity: 2 }]), 422, 'UNKNOWN_PRODUCT');
  });

  it('when the order has SHIPPED, then 409 ORDER_NOT_REVISABLE', async () => {
    const s = await shopper(fast);
    const orderId = await placed(fast, s.token, orderBody(s.productId, 2));
    await untilStatus(fast, s.token, orderId, 'SHIPPED');
    expectProblem(await revise(fast, s.token, orderId, [{ productId: s.productId, quantity: 3 }]), 409, 'ORDER_NOT_REVISABLE');
  });

  it('when a revision is already pending, then a second one is 409 ORDER_NOT_REVISABLE', async () => {
    const { token, productId, orderId } = await paidOrder(2);
    await waiting.stopWorker('stock');
    try {
      expect((await revise(waiting, token, orderId, [{ productId, quantity: 3 }])).status).toBe(202);
      await untilStatus(waiting, token, orderId, 'REVISION_PENDING');
      expectProblem(await revise(waiting, token, orderId, [{ productId, quantity: 4 }]), 409, 'ORDER_NOT_REVISABLE');
      expectProblem(await call(waiting, 'POST', `/orders/${orderId}/cancel`, { token }), 409, 'ORDER_NOT_CANCELLABLE');
    } finally {
      await waiting.startWorker('stock');
    }
    await settledRevision(token, orderId, 'OrderRevised');
  });

  it('when another customer or an admin revises, then 404 ORDER_NOT_FOUND / 403 FORBIDDEN', async () => {
    const { productId, orderId } = await paidOrder(2);
    const stranger = await shopper(waiting);
    expectProblem(await revise(waiting, stranger.token, orderId, [{ productId, quantity: 3 }]), 404, 'ORDER_NOT_FOUND');
    expectProblem(await revise(waiting, adminToken(waiting), orderId, [{ productId, quantity: 3 }]), 403, 'FORBIDDEN');
    expectProblem(await revise(waiting, tokenFor(waiting.config, stranger.customerId).slice(0, -2), orderId, []), 401, 'UNAUTHENTICATED');
  });
});
