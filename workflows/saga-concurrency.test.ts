// Many sagas competing for the same stock and the same credit line: optimistic locking must let
// exactly as many succeed as the balance allows, and never let a balance go negative.
import { aCustomer, aProduct, balances, startTestStack, type TestStack } from '../test/harness';
import { runSaga } from '../test/saga-test-kit';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack(); });
afterAll(async () => { await stack?.stop(); });

describe('concurrent orders', () => {
  it('when 20 customers order 1 unit of a product with stock 5 at once, then exactly 5 ship and the rest are OUT_OF_STOCK', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 5, priceCents: 1000 });
    const customers = await Promise.all(Array.from({ length: 20 }, () => aCustomer(stack.prisma)));

    const results = await Promise.all(customers.map(({ customerId }) => runSaga(stack, { customerId, lines: [{ productId, quantity: 1 }] })));

    const statuses = results.map((r) => r.result.status);
    expect(statuses.filter((s) => s === 'SHIPPED')).toHaveLength(5);
    expect(results.filter((r) => r.result.reason === 'OUT_OF_STOCK')).toHaveLength(15);
    expect(await balances(stack.prisma, { productId })).toMatchObject({ onHand: 0, reserved: 0 });
  });

  it('when 10 orders of 1000 hit a credit line of 5000 at once, then exactly 5 ship and 5 are CREDIT_LIMIT_EXCEEDED', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 100, priceCents: 1000 });
    const { customerId } = await aCustomer(stack.prisma, { creditLimitCents: 5000 });

    const results = await Promise.all(Array.from({ length: 10 }, () => runSaga(stack, { customerId, lines: [{ productId, quantity: 1 }] })));

    expect(results.filter((r) => r.result.status === 'SHIPPED')).toHaveLength(5);
    expect(results.filter((r) => r.result.reason === 'CREDIT_LIMIT_EXCEEDED')).toHaveLength(5);
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 95, reserved: 0, creditHeld: 0, creditConsumed: 5000 });
  });
});
