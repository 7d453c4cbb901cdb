// Found by `npm run chaos` (chaos/security.ts, "lone UTF-16 surrogate"): a string holding an unpaired
// UTF-16 surrogate is valid JSON (`"\ud800"`, which JSON.stringify itself produces) but PostgreSQL's
// jsonb refuses it. POST /orders started the saga and then failed to insert the order row: the client
// got a 500 and a saga without an order kept retrying recordOrderPlaced forever.
import { randomUUID } from 'node:crypto';
import { startTestStack, type TestStack } from '../harness';
import { address, shopper } from '../api-kit';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ api: true }); });
afterAll(async () => { await stack?.stop(); });

it.each([
  ['shippingAddress.line1', { ...address, line1: '\ud800 Main St' }],
  ['shippingAddress.city', { ...address, city: 'Springfield\udfff' }],
])('when %s holds a lone UTF-16 surrogate, then the API answers 400 or 202, never 5xx, and leaves no saga without an order', async (_field, shippingAddress) => {
  const { customerId, productId, token } = await shopper(stack);
  const body = JSON.stringify({ items: [{ productId, quantity: 1 }], shippingAddress, paymentMethod: { token: 'tok_visa' } });

  const res = await fetch(`${stack.baseUrl}/orders`, {
    method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
  });

  expect([202, 400]).toContain(res.status);
  await new Promise((r) => setTimeout(r, 1500));
  const orders = await stack.prisma.order.count({ where: { customerId } });
  const sagas = await stack.temporal.workflow.count(`CustomerId = "${customerId}"`);
  expect({ orders, sagas: sagas.count }).toEqual(res.status === 202 ? { orders: 1, sagas: 1 } : { orders: 0, sagas: 0 });
});
