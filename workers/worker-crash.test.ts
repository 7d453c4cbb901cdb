// A worker process killed mid-saga (kill -9) and replaced: the saga finishes correctly and nothing is
// applied twice. The killed and the replacement workers are real processes (workers/*.worker.ts).
import type { ChildProcess } from 'node:child_process';
import { aCustomer, aProduct, balances, startTestStack, type TestStack } from '../test/harness';
import { orderInput, startSaga, timelineTypes } from '../test/saga-test-kit';
import { spawnWorker } from '../test/worker-process';
import { statusQuery } from '../workflows/definitions';
import type { Context } from './worker-factory';

let stack: TestStack;
const spawned: ChildProcess[] = [];

beforeAll(async () => { stack = await startTestStack({ contexts: ['stock', 'credit', 'shipment'] }); });
// A test's worker processes die with it, passed or failed: one left polling would take the next
// test's tasks.
afterEach(async () => { await Promise.all(spawned.splice(0).filter((child) => child.exitCode === null && child.signalCode === null).map(killHard)); });
afterAll(async () => { await stack?.stop(); });

/** Starts `workers/<context>.worker.ts` as its own process and waits until it polls. */
async function workerProcess(context: Context): Promise<ChildProcess> {
  const { child } = await spawnWorker(`${context}.worker.ts`, { DATABASE_URL: stack.config.DATABASE_URL!, TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS, TASK_QUEUE_PREFIX: stack.config.TASK_QUEUE_PREFIX });
  spawned.push(child);
  return child;
}

const killHard = (child: ChildProcess) => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGKILL'); });

async function until(check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('worker crashes mid-saga', () => {
  it('when the orders and payment worker processes are killed with SIGKILL mid-saga and replaced, then the order ships with every step applied once', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 10 });
    const { customerId } = await aCustomer(stack.prisma);
    const input = orderInput({ customerId, lines: [{ productId, quantity: 2 }], token: 'tok_flaky', dispatchDelayMs: 4000 });

    const orders = await workerProcess('orders');
    const payment = await workerProcess('payment');
    const handle = await startSaga(stack, input);
    // The payment worker dies while tok_flaky is still being retried.
    await until(async () => (await stack.prisma.providerCharge.count({ where: { idempotencyKey: `${input.orderId}:charge` } })) > 0);
    await killHard(payment);
    await workerProcess('payment');
    // The workflow worker dies while the order waits on its durable dispatch timer.
    await until(async () => (await handle.query(statusQuery)).status === 'PAID');
    await killHard(orders);
    await workerProcess('orders');

    await expect(handle.result()).resolves.toMatchObject({ status: 'SHIPPED' });
    expect(await timelineTypes(stack.prisma, input.orderId)).toEqual([
      'OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', 'PaymentCharged', 'OrderPaid',
      'ShipmentBooked', 'StockShipped', 'CreditConsumed', 'OrderShipped',
    ]);
    expect(await stack.prisma.providerCharge.findMany({ where: { idempotencyKey: { startsWith: input.orderId } } }))
      .toEqual([expect.objectContaining({ kind: 'charge', outcome: 'succeeded' })]);
    expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 8, reserved: 0, creditHeld: 0, creditConsumed: 2000 });
    // Four worker processes start here, each orders worker bundling the workflows itself (with the
    // tracing interceptors): on two busy cores that alone can take most of a minute.
  }, 150_000);

  it('when the payment worker is down, then the saga waits at APPROVED and completes once a payment worker starts', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 10 });
    const { customerId } = await aCustomer(stack.prisma);
    const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }] });
    await workerProcess('orders');
    const handle = await startSaga(stack, input);

    await until(async () => (await stack.prisma.order.findUnique({ where: { id: input.orderId } }))?.status === 'APPROVED');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await stack.prisma.order.findUniqueOrThrow({ where: { id: input.orderId } })).status).toBe('APPROVED');

    await workerProcess('payment');
    await expect(handle.result()).resolves.toMatchObject({ status: 'SHIPPED' });
    expect(await stack.prisma.payment.count({ where: { orderId: input.orderId } })).toBe(1);
  }, 150_000);
});
