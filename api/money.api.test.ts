// The v2 money rules of the contract as a client meets them over HTTP: totals beyond 32 bits,
// ORDER_TOTAL_TOO_LARGE, kept lines keep their price on revision, the order's `payment` summary.
import { aCustomer, aProduct, eventually, startTestStack, tokenFor, type TestStack } from '../test/harness';
import { call, expectProblem, getOrder, orderBody, placed, postOrder, shopper, types, untilStatus } from '../test/api-kit';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ api: true, env: { DISPATCH_DELAY: '1h' } }); });
afterAll(async () => { await stack?.stop(); });

const revise = (token: string, orderId: string, items: unknown) => call(stack, 'POST', `/orders/${orderId}/revise`, { token, body: { items } });

async function settledRevision(token: string, orderId: string, type: 'OrderRevised' | 'RevisionRejected', count = 1) {
  const reply = await eventually(() => getOrder(stack, token, orderId), (r) => r.body.status !== 'REVISION_PENDING' && types(r.body).filter((t) => t === type).length >= count, 20_000);
  return reply.body;
}

/** A customer whose credit line covers very large orders (set directly: only admins change limits). */
async function richShopper(priceCents: number, stock = 2000) {
  const { customerId } = await aCustomer(stack.prisma, { creditLimitCents: 1_000_000_000_000 });
  const { productId } = await aProduct(stack.prisma, { stock, priceCents });
  return { customerId, productId, token: tokenFor(stack.config, customerId) };
}

describe('defect 6: amounts beyond 32 bits are exact', () => {
  it('when an order totals $30,000,000 (1000 × $30,000), then it is accepted and paid with the exact total', async () => {
    const s = await richShopper(3_000_000);
    const orderId = await placed(stack, s.token, orderBody(s.productId, 1000));
    const order = await untilStatus(stack, s.token, orderId, 'PAID');
    expect(order).toMatchObject({ totalCents: 3_000_000_000, items: [expect.objectContaining({ lineTotalCents: 3_000_000_000 })], payment: { chargedCents: 3_000_000_000, refundedCents: 0 } });
    const credit = (await call(stack, 'GET', '/customers/me', { token: s.token })).body;
    expect(credit.creditAvailableCents).toBe(1_000_000_000_000 - 3_000_000_000);
  });

  it('when the total exceeds ORDER_MAX_TOTAL_CENTS (10^10), then 422 ORDER_TOTAL_TOO_LARGE and nothing is written, not even the Idempotency-Key', async () => {
    const s = await richShopper(1_000_000_000);
    const reply = await postOrder(stack, s.token, orderBody(s.productId, 11), `big-${s.customerId}`);
    expectProblem(reply, 422, 'ORDER_TOTAL_TOO_LARGE');
    expect(await stack.prisma.order.count({ where: { customerId: s.customerId } })).toBe(0);
    expect(await stack.prisma.idempotencyKey.count({ where: { customerId: s.customerId } })).toBe(0);
    // Exactly at the limit is fine.
    expect((await postOrder(stack, s.token, orderBody(s.productId, 10))).status).toBe(202);
  });

  it('when a revision would exceed ORDER_MAX_TOTAL_CENTS, then 422 ORDER_TOTAL_TOO_LARGE and the order is unchanged', async () => {
    const s = await richShopper(1_000_000_000);
    const orderId = await placed(stack, s.token, orderBody(s.productId, 1));
    await untilStatus(stack, s.token, orderId, 'PAID');
    expectProblem(await revise(s.token, orderId, [{ productId: s.productId, quantity: 11 }]), 422, 'ORDER_TOTAL_TOO_LARGE');
    expect((await getOrder(stack, s.token, orderId)).body).toMatchObject({ status: 'PAID', totalCents: 1_000_000_000 });
  });
});

describe('defect 7: a revision keeps the price of lines the order already has', () => {
  it('when the catalog price drops and the customer revises the same product, then the kept line keeps its price and only new products use today\'s price', async () => {
    const s = await shopper(stack, { priceCents: 1000 });
    const { productId: added } = await aProduct(stack.prisma, { stock: 10, priceCents: 700 });
    const orderId = await placed(stack, s.token, orderBody(s.productId, 2));
    await untilStatus(stack, s.token, orderId, 'PAID');
    await stack.prisma.product.update({ where: { id: s.productId }, data: { priceCents: 500 } });

    expect((await revise(s.token, orderId, [{ productId: s.productId, quantity: 3 }, { productId: added, quantity: 1 }])).status).toBe(202);
    const order = await settledRevision(s.token, orderId, 'OrderRevised');
    expect(order.items).toEqual([
      expect.objectContaining({ productId: s.productId, quantity: 3, unitPriceCents: 1000, lineTotalCents: 3000 }),
      expect.objectContaining({ productId: added, quantity: 1, unitPriceCents: 700, lineTotalCents: 700 }),
    ]);
    expect(order).toMatchObject({ totalCents: 3700, payment: { chargedCents: 3700, refundedCents: 0 } });
  });
});

describe('the order\'s payment summary', () => {
  it('when an order is revised down and then cancelled, then payment shows what was charged and refunded', async () => {
    const s = await shopper(stack, { priceCents: 1000 });
    const orderId = await placed(stack, s.token, orderBody(s.productId, 3));
    expect((await untilStatus(stack, s.token, orderId, 'PAID')).payment).toEqual({ chargedCents: 3000, refundedCents: 0 });
    expect((await revise(s.token, orderId, [{ productId: s.productId, quantity: 1 }])).status).toBe(202);
    expect((await settledRevision(s.token, orderId, 'OrderRevised')).payment).toEqual({ chargedCents: 3000, refundedCents: 2000 });
    expect((await call(stack, 'POST', `/orders/${orderId}/cancel`, { token: s.token })).status).toBe(202);
    expect((await untilStatus(stack, s.token, orderId, 'CANCELLED')).payment).toEqual({ chargedCents: 3000, refundedCents: 3000 });
  });

  it('when the first charge is declined, then payment shows nothing charged', async () => {
    const s = await shopper(stack);
    const orderId = await placed(stack, s.token, orderBody(s.productId, 1, 'tok_decline'));
    expect((await untilStatus(stack, s.token, orderId, 'REJECTED')).payment).toEqual({ chargedCents: 0, refundedCents: 0 });
  });

  it('when an order with tok_decline_more is revised up, then the extra charge is declined and the order keeps its first charge', async () => {
    const s = await shopper(stack, { priceCents: 1000 });
    const orderId = await placed(stack, s.token, orderBody(s.productId, 1, 'tok_decline_more'));
    await untilStatus(stack, s.token, orderId, 'PAID');
    expect((await revise(s.token, orderId, [{ productId: s.productId, quantity: 2 }])).status).toBe(202);
    const order = await settledRevision(s.token, orderId, 'RevisionRejected');
    expect(order).toMatchObject({ status: 'PAID', totalCents: 1000, payment: { chargedCents: 1000, refundedCents: 0 } });
    expect(order.timeline.find((e: { type: string }) => e.type === 'RevisionRejected').data).toEqual({ reason: 'PAYMENT_DECLINED' });
  });
});

describe('MAX_REVISIONS', () => {
  it('when an order has been revised 5 times, then a sixth revision is 409 ORDER_NOT_REVISABLE at once and changes nothing', async () => {
    const s = await shopper(stack, { priceCents: 1000 });
    const orderId = await placed(stack, s.token, orderBody(s.productId, 1));
    await untilStatus(stack, s.token, orderId, 'PAID');
    for (let n = 1; n <= 5; n++) {
      expect((await revise(s.token, orderId, [{ productId: s.productId, quantity: 1 + n }])).status).toBe(202);
      await settledRevision(s.token, orderId, 'OrderRevised', n);
    }
    const started = Date.now();
    expectProblem(await revise(s.token, orderId, [{ productId: s.productId, quantity: 1 }]), 409, 'ORDER_NOT_REVISABLE');
    expect(Date.now() - started).toBeLessThan(1000); // refused for good, not retried while the order looks revisable
    expect((await getOrder(stack, s.token, orderId)).body).toMatchObject({ status: 'PAID', totalCents: 6000 });
  });
});
