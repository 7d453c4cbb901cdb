// Credit is the store's decision (issue 12, item 1): only an admin reads a customer and sets its
// credit limit; a lower limit applies to later reservations while holds already made stay.
import { randomUUID } from 'node:crypto';
import { startTestStack, type TestStack } from '../test/harness';
import { adminToken, call, expectProblem, orderBody, placed, shopper, untilStatus } from '../test/api-kit';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ api: true, env: { DISPATCH_DELAY: '1h', DEFAULT_CREDIT_LIMIT_CENTS: '4000' } }); });
afterAll(async () => { await stack?.stop(); });

const setLimit = (token: string, customerId: string, body: unknown) => call(stack, 'PUT', `/customers/${customerId}/credit-limit`, { token, body });

describe('GET /customers/:id', () => {
  it('when an admin asks, then 200 returns the customer with its credit', async () => {
    const s = await shopper(stack, { creditLimitCents: 5000 });
    const reply = await call(stack, 'GET', `/customers/${s.customerId}`, { token: adminToken(stack) });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ customerId: s.customerId, email: expect.stringContaining('@'), name: 'Test Customer', creditLimitCents: 5000, creditAvailableCents: 5000 });
  });

  it('when the customer does not exist (or the id is not one), then 404 CUSTOMER_NOT_FOUND', async () => {
    expectProblem(await call(stack, 'GET', `/customers/${randomUUID()}`, { token: adminToken(stack) }), 404, 'CUSTOMER_NOT_FOUND');
    expectProblem(await call(stack, 'GET', '/customers/not-a-uuid', { token: adminToken(stack) }), 404, 'CUSTOMER_NOT_FOUND');
  });

  it('when a customer asks about anyone (itself included), then 403 FORBIDDEN', async () => {
    const s = await shopper(stack);
    expectProblem(await call(stack, 'GET', `/customers/${s.customerId}`, { token: s.token }), 403, 'FORBIDDEN');
  });
});

describe('PUT /customers/:id/credit-limit', () => {
  it('when an admin raises a limit to 10^12, then 200 shows it and the customer can order within it', async () => {
    const s = await shopper(stack, { creditLimitCents: 0, priceCents: 1000 });
    const reply = await setLimit(adminToken(stack), s.customerId, { creditLimitCents: 1_000_000_000_000 });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ customerId: s.customerId, creditLimitCents: 1_000_000_000_000, creditAvailableCents: 1_000_000_000_000 });
    const orderId = await placed(stack, s.token, orderBody(s.productId, 2));
    await untilStatus(stack, s.token, orderId, 'PAID');
  });

  it('when an admin lowers the limit below what is held, then the hold stays, available shows 0 and the next order is refused for credit', async () => {
    const s = await shopper(stack, { creditLimitCents: 5000, priceCents: 1000 });
    const held = await placed(stack, s.token, orderBody(s.productId, 3));
    await untilStatus(stack, s.token, held, 'PAID');
    const reply = await setLimit(adminToken(stack), s.customerId, { creditLimitCents: 1000 });
    expect(reply.body).toMatchObject({ creditLimitCents: 1000, creditAvailableCents: 0 });
    const refused = await placed(stack, s.token, orderBody(s.productId, 1));
    expect(await untilStatus(stack, s.token, refused, 'REJECTED')).toMatchObject({ rejectionReason: 'CREDIT_LIMIT_EXCEEDED' });
    expect(await untilStatus(stack, s.token, held, 'PAID')).toMatchObject({ status: 'PAID' });
  });

  it.each([
    ['negative', { creditLimitCents: -1 }],
    ['above 10^12', { creditLimitCents: 1_000_000_000_001 }],
    ['not an integer', { creditLimitCents: 10.5 }],
    ['missing', {}],
  ])('when the limit is %s, then 400 VALIDATION_FAILED and nothing changes', async (_why, body) => {
    const s = await shopper(stack, { creditLimitCents: 5000 });
    expectProblem(await setLimit(adminToken(stack), s.customerId, body), 400, 'VALIDATION_FAILED');
    expect((await call(stack, 'GET', `/customers/${s.customerId}`, { token: adminToken(stack) })).body.creditLimitCents).toBe(5000);
  });

  it('when a customer tries to set its own limit, then 403 FORBIDDEN and nothing changes', async () => {
    const s = await shopper(stack, { creditLimitCents: 5000 });
    expectProblem(await setLimit(s.token, s.customerId, { creditLimitCents: 1_000_000 }), 403, 'FORBIDDEN');
    expect((await call(stack, 'GET', '/customers/me', { token: s.token })).body.creditLimitCents).toBe(5000);
  });

  it('when the customer does not exist, then 404 CUSTOMER_NOT_FOUND', async () => {
    expectProblem(await setLimit(adminToken(stack), randomUUID(), { creditLimitCents: 1 }), 404, 'CUSTOMER_NOT_FOUND');
  });
});

describe('POST /auth/register with DEFAULT_CREDIT_LIMIT_CENTS', () => {
  it('when a customer registers, then its limit is the configured default whatever it sends', async () => {
    const reply = await call(stack, 'POST', '/auth/register', { body: { email: `c-${randomUUID()}@example.com`, password: 'password123', name: 'Eve', creditLimitCents: 999_999_999 } });
    expect(reply.body.creditLimitCents).toBe(4000);
  });
});

describe('a token that outlives its customer (issue 18, defect 1)', () => {
  it('when the customer behind a valid token no longer exists, then POST /orders is 401 UNAUTHENTICATED and nothing is written', async () => {
    const s = await shopper(stack);
    await stack.prisma.creditLine.delete({ where: { customerId: s.customerId } });
    await stack.prisma.customer.delete({ where: { id: s.customerId } });
    const reply = await call(stack, 'POST', '/orders', { token: s.token, body: orderBody(s.productId, 1), headers: { 'Idempotency-Key': 'ghost' } });
    expectProblem(reply, 401, 'UNAUTHENTICATED');
    expect(await stack.prisma.order.count({ where: { customerId: s.customerId } })).toBe(0);
    expect(await stack.prisma.idempotencyKey.count({ where: { customerId: s.customerId } })).toBe(0);
    expect((await stack.prisma.product.findUniqueOrThrow({ where: { id: s.productId } })).reserved).toBe(0);
  });
});
