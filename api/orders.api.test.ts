// /orders over HTTP on real Postgres and Temporal: placing, reading, listing, idempotency, cancel,
// dispatch and the SSE timeline. Two stacks: one ships at once (DISPATCH_DELAY 0), one keeps paid
// orders waiting for dispatch (DISPATCH_DELAY 1h) so cancel and dispatch can be exercised.
import { randomUUID } from 'node:crypto';
import { orderWorkflowId } from '../domain/orders/order.commands';
import { aProduct, balances, eventually, startTestStack, type TestStack } from '../test/harness';
import { address, adminToken, call, expectProblem, getOrder, orderBody, ordersOf, placed, postOrder, shopper, types, untilStatus } from '../test/api-kit';

let fast: TestStack;
let slow: TestStack;
beforeAll(async () => {
  [fast, slow] = await Promise.all([
    startTestStack({ api: true }),
    startTestStack({ api: true, env: { DISPATCH_DELAY: '1h' } }),
  ]);
});
afterAll(async () => { await Promise.all([fast?.stop(), slow?.stop()]); });

describe('POST /orders', () => {
  it('when a customer places a valid order, then 202 returns the APPROVAL_PENDING order priced from the catalog with a Location', async () => {
    const { customerId, productId, token } = await shopper(fast, { priceCents: 1250 });
    const sku = `SKU-${productId.slice(0, 8)}`;

    const reply = await postOrder(fast, token, orderBody(productId, 3));

    expect(reply.status).toBe(202);
    expect(reply.headers.get('location')).toBe(`/orders/${reply.body.orderId}`);
    expect(reply.body).toEqual({
      orderId: expect.any(String), customerId, status: 'APPROVAL_PENDING',
      items: [{ productId, sku, name: 'Test Product', quantity: 3, unitPriceCents: 1250, lineTotalCents: 3750 }],
      totalCents: 3750, shippingAddress: address, payment: { chargedCents: 0, refundedCents: 0 }, rejectionReason: null, cancellationReason: null,
      createdAt: expect.any(String), updatedAt: expect.any(String), version: expect.any(Number),
      timeline: [{ sequence: 1, type: 'OrderPlaced', at: expect.any(String), data: expect.anything() }],
    });
    expect(new Date(reply.body.createdAt).toISOString()).toBe(reply.body.createdAt);
  });

  it('when the saga completes, then GET shows the order SHIPPED with its whole timeline', async () => {
    const { productId, token } = await shopper(fast);
    const orderId = await placed(fast, token, orderBody(productId, 2));

    const order = await untilStatus(fast, token, orderId, 'SHIPPED', 'REJECTED', 'CANCELLED');

    expect(order).toMatchObject({ orderId, status: 'SHIPPED', totalCents: 2000, rejectionReason: null, cancellationReason: null });
    expect(types(order)).toEqual(expect.arrayContaining(['OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', 'PaymentCharged', 'OrderPaid', 'ShipmentBooked', 'OrderShipped']));
    expect(types(order)[0]).toBe('OrderPlaced');
    expect(types(order).at(-1)).toBe('OrderShipped');
    expect(order.timeline.map((e: { sequence: number }) => e.sequence)).toEqual(order.timeline.map((_: unknown, i: number) => i + 1));
  });

  it('when the payment token is tok_decline, then the order ends REJECTED / PAYMENT_DECLINED', async () => {
    const { productId, token } = await shopper(fast);
    const orderId = await placed(fast, token, orderBody(productId, 1, 'tok_decline'));

    expect(await untilStatus(fast, token, orderId, 'REJECTED', 'SHIPPED')).toMatchObject({ status: 'REJECTED', rejectionReason: 'PAYMENT_DECLINED' });
  });

  it('when a product does not exist, then 422 UNKNOWN_PRODUCT names the line and nothing is persisted', async () => {
    const { customerId, productId, token } = await shopper(fast);
    const body = { ...orderBody(productId), items: [{ productId, quantity: 1 }, { productId: randomUUID(), quantity: 1 }] };

    const reply = await postOrder(fast, token, body);

    expectProblem(reply, 422, 'UNKNOWN_PRODUCT');
    expect(reply.body.errors).toEqual([expect.objectContaining({ path: 'items.1.productId' })]);
    expect(await ordersOf(fast, customerId)).toBe(0);
  });

  it('when a product id is not even a uuid, then 422 UNKNOWN_PRODUCT and nothing is persisted', async () => {
    const { customerId, token } = await shopper(fast);

    expectProblem(await postOrder(fast, token, orderBody('no-such-product')), 422, 'UNKNOWN_PRODUCT');
    expect(await ordersOf(fast, customerId)).toBe(0);
  });

  const line = (productId: string, quantity: unknown = 1) => ({ productId, quantity });
  it.each<{ why: string; change: (body: any, productId: string) => void; path: string }>([
    { why: 'there are 0 lines', change: (b) => { b.items = []; }, path: 'items' },
    { why: 'there are 51 lines', change: (b) => { b.items = Array.from({ length: 51 }, () => line(randomUUID())); }, path: 'items' },
    { why: 'items is not an array', change: (b, p) => { b.items = line(p); }, path: 'items' },
    { why: 'a productId repeats', change: (b, p) => { b.items = [line(p), line(p, 2)]; }, path: 'items.1.productId' },
    { why: 'a productId is missing', change: (b) => { b.items = [{ quantity: 1 }]; }, path: 'items.0.productId' },
    { why: 'the quantity is 0', change: (b, p) => { b.items = [line(p, 0)]; }, path: 'items.0.quantity' },
    { why: 'the quantity is 1001', change: (b, p) => { b.items = [line(p, 1001)]; }, path: 'items.0.quantity' },
    { why: 'the quantity is 1.5', change: (b, p) => { b.items = [line(p, 1.5)]; }, path: 'items.0.quantity' },
    { why: 'the quantity is the string "2"', change: (b, p) => { b.items = [line(p, '2')]; }, path: 'items.0.quantity' },
    { why: 'the quantity is negative', change: (b, p) => { b.items = [line(p, -1)]; }, path: 'items.0.quantity' },
    { why: 'the country is XX', change: (b) => { b.shippingAddress.country = 'XX'; }, path: 'shippingAddress.country' },
    { why: 'the country is "usa"', change: (b) => { b.shippingAddress.country = 'usa'; }, path: 'shippingAddress.country' },
    { why: 'line1 is missing', change: (b) => { delete b.shippingAddress.line1; }, path: 'shippingAddress.line1' },
    { why: 'city is missing', change: (b) => { delete b.shippingAddress.city; }, path: 'shippingAddress.city' },
    { why: 'postalCode is missing', change: (b) => { delete b.shippingAddress.postalCode; }, path: 'shippingAddress.postalCode' },
    { why: 'country is missing', change: (b) => { delete b.shippingAddress.country; }, path: 'shippingAddress.country' },
    { why: 'city is blank', change: (b) => { b.shippingAddress.city = '   '; }, path: 'shippingAddress.city' },
    { why: 'the shipping address is missing', change: (b) => { delete b.shippingAddress; }, path: 'shippingAddress' },
    { why: 'the payment method is missing', change: (b) => { delete b.paymentMethod; }, path: 'paymentMethod' },
    { why: 'the payment token is empty', change: (b) => { b.paymentMethod.token = ''; }, path: 'paymentMethod.token' },
  ])('when $why, then 400 VALIDATION_FAILED names $path and no order is persisted', async ({ change, path }) => {
    const { customerId, productId, token } = await shopper(fast);
    const body: any = orderBody(productId);
    change(body, productId);

    const reply = await postOrder(fast, token, body);

    expectProblem(reply, 400, 'VALIDATION_FAILED');
    expect(reply.body.errors).toEqual(expect.arrayContaining([{ path, message: expect.any(String) }]));
    expect(await ordersOf(fast, customerId)).toBe(0);
  });

  it('when a body is invalid and also names an unknown product, then the 400 comes before any catalog check', async () => {
    const { customerId, token } = await shopper(fast);

    expectProblem(await postOrder(fast, token, orderBody(randomUUID(), 0)), 400, 'VALIDATION_FAILED');
    expect(await ordersOf(fast, customerId)).toBe(0);
  });

  it('when the order has 50 lines of quantity 1000, then it is accepted (the upper bounds are inclusive)', async () => {
    const { customerId, token } = await shopper(fast, { creditLimitCents: 1_000_000_000 });
    const products = await Promise.all(Array.from({ length: 50 }, () => aProduct(fast.prisma, { stock: 1000, priceCents: 1 })));
    const body = { ...orderBody(products[0]!.productId), items: products.map((p) => line(p.productId, 1000)) };

    const reply = await postOrder(fast, token, body);

    expect(reply.status).toBe(202);
    expect(reply.body.items).toHaveLength(50);
    expect(reply.body.totalCents).toBe(50_000);
    expect(await ordersOf(fast, customerId)).toBe(1);
  });

  it('when an admin places an order, then 403 FORBIDDEN', async () => {
    const { productId } = await shopper(fast);

    expectProblem(await postOrder(fast, adminToken(fast), orderBody(productId)), 403, 'FORBIDDEN');
  });
});

describe('POST /orders with an Idempotency-Key', () => {
  it('when the same request is repeated, then the repeat answers 200 with the same body and no second order exists', async () => {
    const { customerId, productId, token } = await shopper(fast);
    const key = randomUUID();

    const first = await postOrder(fast, token, orderBody(productId, 2), key);
    const again = await postOrder(fast, token, orderBody(productId, 2), key);

    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(await ordersOf(fast, customerId)).toBe(1);
  });

  it('when the same key comes with a different body, then 422 IDEMPOTENCY_KEY_REUSED and no second order exists', async () => {
    const { customerId, productId, token } = await shopper(fast);
    const key = randomUUID();
    expect((await postOrder(fast, token, orderBody(productId, 1), key)).status).toBe(202);

    expectProblem(await postOrder(fast, token, orderBody(productId, 2), key), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await ordersOf(fast, customerId)).toBe(1);
  });

  /** Every workflow Temporal knows for the customer (visibility lags a little behind the start). */
  async function workflowIdsOf(customerId: string): Promise<string[]> {
    const list = async () => {
      const ids: string[] = [];
      for await (const wf of fast.temporal.workflow.list({ query: `CustomerId = "${customerId}"` })) ids.push(wf.workflowId);
      return ids;
    };
    await eventually(list, (ids) => ids.length > 0, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    return list();
  }

  it('when 5 identical requests arrive at once, then exactly one order and one workflow exist', async () => {
    const { customerId, productId, token } = await shopper(fast);
    const key = randomUUID();

    await Promise.all(Array.from({ length: 5 }, () => postOrder(fast, token, orderBody(productId, 1), key)));

    const rows = await fast.prisma.order.findMany({ where: { customerId }, select: { id: true } });
    expect(rows).toHaveLength(1);
    expect(await workflowIdsOf(customerId)).toEqual([orderWorkflowId(rows[0]!.id)]);
  });

  it('when 5 identical requests arrive at once, then all answer with the same order: one 202 and four 200', async () => {
    const { productId, token } = await shopper(fast);
    const key = randomUUID();

    const replies = await Promise.all(Array.from({ length: 5 }, () => postOrder(fast, token, orderBody(productId, 1), key)));

    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 202]);
    expect(new Set(replies.map((r) => r.body.orderId)).size).toBe(1);
    for (const r of replies) expect(r.body).toEqual(replies[0]!.body);
    expect(replies.every((r) => JSON.stringify(r.body) === JSON.stringify(replies[0]!.body))).toBe(true);
  });

  it('when another customer sends the same key, then it gets its own order', async () => {
    const a = await shopper(fast);
    const b = await shopper(fast);
    const key = randomUUID();

    const first = await postOrder(fast, a.token, orderBody(a.productId), key);
    const second = await postOrder(fast, b.token, orderBody(a.productId), key);

    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.body.orderId).not.toBe(first.body.orderId);
    expect(second.body.customerId).toBe(b.customerId);
    expect([await ordersOf(fast, a.customerId), await ordersOf(fast, b.customerId)]).toEqual([1, 1]);
  });
});

describe('GET /orders/:id', () => {
  it('when another customer asks for the order, then 404 ORDER_NOT_FOUND just like for a missing order; an admin sees it', async () => {
    const owner = await shopper(fast);
    const other = await shopper(fast);
    const orderId = await placed(fast, owner.token, orderBody(owner.productId));

    const foreign = await getOrder(fast, other.token, orderId);
    const missing = await getOrder(fast, other.token, randomUUID());

    expectProblem(foreign, 404, 'ORDER_NOT_FOUND');
    expect({ ...foreign.body, detail: undefined }).toEqual({ ...missing.body, detail: undefined });
    const asAdmin = await getOrder(fast, adminToken(fast), orderId);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body).toMatchObject({ orderId, customerId: owner.customerId });
  });

  it('when the id is not a uuid, then 404 ORDER_NOT_FOUND', async () => {
    const { token } = await shopper(fast);

    expectProblem(await getOrder(fast, token, 'not-a-uuid'), 404, 'ORDER_NOT_FOUND');
  });
});

describe('GET /orders', () => {
  const list = (stack: TestStack, token: string, query = '') => call(stack, 'GET', `/orders${query}`, { token });

  it('when a customer lists orders, then only its own come back, newest first, without timelines', async () => {
    const a = await shopper(fast);
    const b = await shopper(fast);
    const older = await placed(fast, a.token, orderBody(a.productId));
    const newer = await placed(fast, a.token, orderBody(a.productId, 2));
    await placed(fast, b.token, orderBody(b.productId));

    const reply = await list(fast, a.token);

    expect(reply.status).toBe(200);
    expect(reply.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([newer, older]);
    expect(reply.body.items.every((o: { customerId: string }) => o.customerId === a.customerId)).toBe(true);
    expect(reply.body.nextCursor).toBeNull();
  });

  it('when a customer asks for another customer\'s orders with ?customerId=, then it still gets only its own', async () => {
    const a = await shopper(fast);
    const b = await shopper(fast);
    const mine = await placed(fast, a.token, orderBody(a.productId));
    await placed(fast, b.token, orderBody(b.productId));

    const reply = await list(fast, a.token, `?customerId=${b.customerId}`);

    expect(reply.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([mine]);
  });

  it('when filtered by status, then only orders in that status come back', async () => {
    const { productId, token } = await shopper(fast);
    const shipped = await placed(fast, token, orderBody(productId, 1, 'tok_visa'));
    const rejected = await placed(fast, token, orderBody(productId, 1, 'tok_decline'));
    await Promise.all([untilStatus(fast, token, shipped, 'SHIPPED'), untilStatus(fast, token, rejected, 'REJECTED')]);

    const ids = async (status: string) => (await list(fast, token, `?status=${status}`)).body.items.map((o: { orderId: string }) => o.orderId);

    expect(await ids('SHIPPED')).toEqual([shipped]);
    expect(await ids('REJECTED')).toEqual([rejected]);
    expect(await ids('CANCELLED')).toEqual([]);
  });

  it('when the status filter is not a status, then 400 VALIDATION_FAILED', async () => {
    const { token } = await shopper(fast);

    expectProblem(await list(fast, token, '?status=LOST'), 400, 'VALIDATION_FAILED');
  });

  it('when pages are followed by cursor, then each order appears once, newest first, and the last page has nextCursor null', async () => {
    const { productId, token } = await shopper(fast);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await placed(fast, token, orderBody(productId, i + 1)));

    const first = await list(fast, token, '?limit=2');
    const second = await list(fast, token, `?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);

    expect(first.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([ids[2], ids[1]]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(second.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('when an admin filters by ?customerId=, then exactly that customer\'s orders come back', async () => {
    const a = await shopper(fast);
    const b = await shopper(fast);
    const older = await placed(fast, a.token, orderBody(a.productId));
    const newer = await placed(fast, a.token, orderBody(a.productId));
    await placed(fast, b.token, orderBody(b.productId));

    const reply = await list(fast, adminToken(fast), `?customerId=${a.customerId}`);

    expect(reply.status).toBe(200);
    expect(reply.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([newer, older]);
  });

  it('when an admin lists without a filter, then orders of several customers come back', async () => {
    const a = await shopper(fast);
    const b = await shopper(fast);
    await placed(fast, a.token, orderBody(a.productId));
    await placed(fast, b.token, orderBody(b.productId));

    const reply = await list(fast, adminToken(fast), '?limit=100');

    const customers = new Set(reply.body.items.map((o: { customerId: string }) => o.customerId));
    expect(customers.has(a.customerId) && customers.has(b.customerId)).toBe(true);
  });
});

describe('POST /orders/:id/cancel', () => {
  it('when a paid order waits for dispatch and the owner cancels, then 202 CANCEL_PENDING and it ends CANCELLED / CUSTOMER_REQUEST with everything released', async () => {
    const { customerId, productId, token } = await shopper(slow, { stock: 10 });
    const orderId = await placed(slow, token, orderBody(productId, 3));
    await untilStatus(slow, token, orderId, 'PAID');

    const reply = await call(slow, 'POST', `/orders/${orderId}/cancel`, { token });

    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ orderId, status: 'CANCEL_PENDING' });
    const order = await untilStatus(slow, token, orderId, 'CANCELLED', 'SHIPPED');
    expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUEST', rejectionReason: null });
    expect(types(order)).toEqual(expect.arrayContaining(['CancelRequested', 'PaymentRefunded', 'CreditReleased', 'StockReleased']));
    expect(types(order).at(-1)).toBe('OrderCancelled');
    expect((await call(slow, 'GET', '/customers/me', { token })).body.creditAvailableCents).toBe(100_000);
    expect((await call(slow, 'GET', `/products/${productId}`)).body.stockAvailable).toBe(10);
    expect(await slow.prisma.payment.findUnique({ where: { orderId } })).toMatchObject({ status: 'REFUNDED' });
    expect(await balances(slow.prisma, { customerId })).toMatchObject({ creditHeld: 0, creditConsumed: 0 });
  });

  it('when an order is cancelled twice, then the second cancel is 409 ORDER_NOT_CANCELLABLE', async () => {
    const { productId, token } = await shopper(slow);
    const orderId = await placed(slow, token, orderBody(productId));
    await untilStatus(slow, token, orderId, 'PAID');
    expect((await call(slow, 'POST', `/orders/${orderId}/cancel`, { token })).status).toBe(202);

    expectProblem(await call(slow, 'POST', `/orders/${orderId}/cancel`, { token }), 409, 'ORDER_NOT_CANCELLABLE');
  });

  it('when an admin cancels a customer\'s waiting order, then 202 and it ends CANCELLED', async () => {
    const { productId, token } = await shopper(slow);
    const orderId = await placed(slow, token, orderBody(productId));
    await untilStatus(slow, token, orderId, 'PAID');

    expect((await call(slow, 'POST', `/orders/${orderId}/cancel`, { token: adminToken(slow) })).status).toBe(202);
    expect((await untilStatus(slow, token, orderId, 'CANCELLED')).cancellationReason).toBe('CUSTOMER_REQUEST');
  });

  it('when another customer cancels the order, then 404 ORDER_NOT_FOUND and the order keeps waiting', async () => {
    const owner = await shopper(slow);
    const other = await shopper(slow);
    const orderId = await placed(slow, owner.token, orderBody(owner.productId));
    await untilStatus(slow, owner.token, orderId, 'PAID');

    expectProblem(await call(slow, 'POST', `/orders/${orderId}/cancel`, { token: other.token }), 404, 'ORDER_NOT_FOUND');
    expect((await getOrder(slow, owner.token, orderId)).body.status).toBe('PAID');
  });

  it('when the order has SHIPPED, then 409 ORDER_NOT_CANCELLABLE and it stays SHIPPED', async () => {
    const { productId, token } = await shopper(fast);
    const orderId = await placed(fast, token, orderBody(productId));
    await untilStatus(fast, token, orderId, 'SHIPPED');

    expectProblem(await call(fast, 'POST', `/orders/${orderId}/cancel`, { token }), 409, 'ORDER_NOT_CANCELLABLE');
    expect((await getOrder(fast, token, orderId)).body.status).toBe('SHIPPED');
  });

  it('when the order was REJECTED, then 409 ORDER_NOT_CANCELLABLE', async () => {
    const { productId, token } = await shopper(fast);
    const orderId = await placed(fast, token, orderBody(productId, 1, 'tok_decline'));
    await untilStatus(fast, token, orderId, 'REJECTED');

    expectProblem(await call(fast, 'POST', `/orders/${orderId}/cancel`, { token }), 409, 'ORDER_NOT_CANCELLABLE');
  });
});

describe('POST /orders/:id/dispatch', () => {
  const dispatch = (stack: TestStack, orderId: string, token = adminToken(stack)) => call(stack, 'POST', `/orders/${orderId}/dispatch`, { token });

  it('when an admin dispatches a paid order waiting for dispatch, then 202 and it ships', async () => {
    const { productId, token } = await shopper(slow);
    const orderId = await placed(slow, token, orderBody(productId));
    await untilStatus(slow, token, orderId, 'PAID');

    const reply = await dispatch(slow, orderId);

    expect(reply.status).toBe(202);
    expect(reply.body.orderId).toBe(orderId);
    const order = await untilStatus(slow, token, orderId, 'SHIPPED', 'CANCELLED');
    expect(order.status).toBe('SHIPPED');
    expect(types(order)).toEqual(expect.arrayContaining(['DispatchRequested', 'ShipmentBooked', 'OrderShipped']));
  });

  it('when GET has just shown the order PAID, then an immediate dispatch is accepted (202)', async () => {
    const { productId, token } = await shopper(slow);
    const orderId = await placed(slow, token, orderBody(productId));
    // Poll without pause, and dispatch the moment the client is told the order is PAID.
    const deadline = Date.now() + 10_000;
    while ((await getOrder(slow, token, orderId)).body.status !== 'PAID' && Date.now() < deadline);

    const reply = await dispatch(slow, orderId);

    expect({ status: reply.status, code: reply.body.code }).toEqual({ status: 202, code: undefined });
  });

  it('when the order is dispatched twice, then the second dispatch is 409 ORDER_NOT_DISPATCHABLE', async () => {
    const { productId, token } = await shopper(slow);
    const orderId = await placed(slow, token, orderBody(productId));
    await untilStatus(slow, token, orderId, 'PAID');
    expect((await dispatch(slow, orderId)).status).toBe(202);

    expectProblem(await dispatch(slow, orderId), 409, 'ORDER_NOT_DISPATCHABLE');
  });

  it('when the order is not PAID (REJECTED), then 409 ORDER_NOT_DISPATCHABLE', async () => {
    const { productId, token } = await shopper(slow);
    const orderId = await placed(slow, token, orderBody(productId, 1, 'tok_decline'));
    await untilStatus(slow, token, orderId, 'REJECTED');

    expectProblem(await dispatch(slow, orderId), 409, 'ORDER_NOT_DISPATCHABLE');
  });

  it('when the order is not PAID (CANCELLED), then 409 ORDER_NOT_DISPATCHABLE', async () => {
    const { productId, token } = await shopper(slow);
    const orderId = await placed(slow, token, orderBody(productId));
    await untilStatus(slow, token, orderId, 'PAID');
    await call(slow, 'POST', `/orders/${orderId}/cancel`, { token });
    await untilStatus(slow, token, orderId, 'CANCELLED');

    expectProblem(await dispatch(slow, orderId), 409, 'ORDER_NOT_DISPATCHABLE');
  });

  it('when a customer dispatches its own order, then 403 FORBIDDEN and it keeps waiting', async () => {
    const { productId, token } = await shopper(slow);
    const orderId = await placed(slow, token, orderBody(productId));
    await untilStatus(slow, token, orderId, 'PAID');

    expectProblem(await dispatch(slow, orderId, token), 403, 'FORBIDDEN');
    expect((await getOrder(slow, token, orderId)).body.status).toBe('PAID');
  });

  it('when the order does not exist, then 404 ORDER_NOT_FOUND', async () => {
    expectProblem(await dispatch(slow, randomUUID()), 404, 'ORDER_NOT_FOUND');
  });
});

describe('GET /orders/:id/events', () => {
  interface SseMessage { id: string; event: string; data: any }

  /** Reads the stream until the server closes it, and parses the SSE blocks. */
  async function readStream(stack: TestStack, token: string, orderId: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${stack.baseUrl}/orders/${orderId}/events`, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream', ...headers }, signal: AbortSignal.timeout(20_000) });
    const text = await res.text();
    const messages: SseMessage[] = text.split('\n\n').filter((block) => block.trim() && !block.startsWith(':')).map((block) => {
      const fields = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trimStart()]));
      if (fields.id === undefined || fields.event === undefined || fields.data === undefined) throw new Error(`incomplete SSE block: ${block}`);
      return { id: fields.id, event: fields.event, data: JSON.parse(fields.data) };
    });
    return { res, messages };
  }

  it('when the stream is read from the start, then every entry arrives in order with ids 1..n and it closes after OrderShipped', async () => {
    const { productId, token } = await shopper(fast);
    const orderId = await placed(fast, token, orderBody(productId));

    const { res, messages } = await readStream(fast, token, orderId);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(messages.map((m) => m.id)).toEqual(messages.map((_, i) => String(i + 1)));
    expect(messages[0]!.event).toBe('OrderPlaced');
    expect(messages.at(-1)!.event).toBe('OrderShipped');
    for (const m of messages) expect(m.data).toMatchObject({ sequence: Number(m.id), type: m.event, at: expect.any(String) });
    const order = (await getOrder(fast, token, orderId)).body;
    expect(messages.map((m) => m.event)).toEqual(types(order));
    expect(messages.map((m) => m.data)).toEqual(order.timeline);
  });

  it('when Last-Event-ID: 3 is sent, then only the entries after 3 are replayed', async () => {
    const { productId, token } = await shopper(fast);
    const orderId = await placed(fast, token, orderBody(productId));
    await untilStatus(fast, token, orderId, 'SHIPPED');

    const { messages } = await readStream(fast, token, orderId, { 'Last-Event-ID': '3' });

    const order = (await getOrder(fast, token, orderId)).body;
    expect(messages.map((m) => Number(m.id))).toEqual(order.timeline.slice(3).map((e: { sequence: number }) => e.sequence));
    expect(messages.map((m) => m.data)).toEqual(order.timeline.slice(3));
    expect(messages[0]!.id).toBe('4');
    expect(messages.at(-1)!.event).toBe('OrderShipped');
  });

  it('when the order is rejected, then the stream closes after OrderRejected', async () => {
    const { productId, token } = await shopper(fast);
    const orderId = await placed(fast, token, orderBody(productId, 1, 'tok_decline'));

    const { messages } = await readStream(fast, token, orderId);

    expect(messages.at(-1)!.event).toBe('OrderRejected');
  });

  it('when another customer opens the stream, then 404 ORDER_NOT_FOUND as problem+json', async () => {
    const owner = await shopper(fast);
    const other = await shopper(fast);
    const orderId = await placed(fast, owner.token, orderBody(owner.productId));

    expectProblem(await call(fast, 'GET', `/orders/${orderId}/events`, { token: other.token }), 404, 'ORDER_NOT_FOUND');
  });
});
