// The order activities on real PostgreSQL, each run in the activity context of a saga run (the SDK's
// MockActivityEnvironment gives it the run id): the order belongs to the run that first recorded it,
// every transition applies once per step key and appends its event to the timeline, illegal moves
// are final, and a run that does not own the order (a workflow reset) is refused before it changes
// anything.
import { randomUUID } from 'node:crypto';
import { createOrderActivities, SAGA_RESET_REFUSED, type OrderActivities } from './order.activities';
import type { OrderCommand, PlaceOrderInput } from '../../domain/orders/order.commands';
import type { OrderLineInput, OrderStatus } from '../../domain/orders/order';
import { insertPlacedOrder } from '../../persistence/order.repository';
import { testConfig } from '../../test/harness';
import { orderInput } from '../../test/saga-test-kit';
import { activityPrisma, eventsOf, failureOf, sagaRun, uncommittedChange } from '../../test/activity-kit';
import { createPrisma, type PrismaClient } from '../../platform/prisma';

let prisma: PrismaClient;
let orders: OrderActivities;
beforeAll(() => {
  prisma = activityPrisma();
  orders = createOrderActivities({ prisma });
});
afterAll(async () => { await prisma?.$disconnect(); });

/** A new order of 2 × 1250 + 1 × 500 = 3000 cents (not yet in the database). */
const newOrder = (): PlaceOrderInput =>
  orderInput({ customerId: randomUUID(), lines: [{ productId: randomUUID(), quantity: 2, unitPriceCents: 1250 }, { productId: randomUUID(), quantity: 1, unitPriceCents: 500 }] });

/** What saga run `runId` does to an order, each call in that run's activity context. */
function run(runId: string, input: PlaceOrderInput) {
  const { orderId } = input;
  return {
    recordPlaced: () => sagaRun(orderId, runId).run(orders.recordOrderPlaced, input),
    transition: (step: string, command: OrderCommand) => sagaRun(orderId, runId).run(orders.transitionOrder, { orderId, step, command }),
    adopt: () => sagaRun(orderId, runId).run(orders.adoptOrder, { orderId }),
  };
}

/** An order recorded by a fresh saga run, and that run. */
async function placedOrder() {
  const input = newOrder();
  const runId = randomUUID();
  const saga = run(runId, input);
  await saga.recordPlaced();
  return { input, orderId: input.orderId, runId, saga };
}

const orderRow = async (orderId: string) => {
  const row = await prisma.order.findUniqueOrThrow({ where: { id: orderId } });
  return {
    status: row.status, totalCents: Number(row.totalCents), rejectionReason: row.rejectionReason, cancellationReason: row.cancellationReason,
    statusBeforeLock: row.statusBeforeLock, sagaRunId: row.sagaRunId, version: row.version,
  };
};
const approve: OrderCommand = { type: 'approve' };
const timeline = async (orderId: string) => (await eventsOf(prisma, orderId)).map((e) => e.type);

describe('recordOrderPlaced', () => {
  it('when a saga run records a new order, then it is APPROVAL_PENDING, owned by that run, with one OrderPlaced', async () => {
    const input = newOrder();
    const runId = randomUUID();

    await run(runId, input).recordPlaced();

    expect(await orderRow(input.orderId)).toEqual({ status: 'APPROVAL_PENDING', totalCents: 3_000, rejectionReason: null, cancellationReason: null, statusBeforeLock: null, sagaRunId: runId, version: 0 });
    expect(await eventsOf(prisma, input.orderId)).toEqual([
      { type: 'OrderPlaced', context: 'orders', data: { customerId: input.customerId, items: input.items, totalCents: 3_000 }, stepKey: `${input.orderId}:placed#0` },
    ]);
  });

  it('when the same run records it again (a retry after a lost result), then nothing changes', async () => {
    const { input, orderId, runId, saga } = await placedOrder();

    await saga.recordPlaced();

    expect(await orderRow(orderId)).toMatchObject({ sagaRunId: runId, version: 0 });
    expect(await timeline(input.orderId)).toEqual(['OrderPlaced']);
  });

  it('when the API has already written the order, then the first run claims it without a second OrderPlaced', async () => {
    const input = newOrder();
    await prisma.$transaction((tx) => insertPlacedOrder(tx, input));
    const runId = randomUUID();

    await run(runId, input).recordPlaced();

    expect(await orderRow(input.orderId)).toMatchObject({ status: 'APPROVAL_PENDING', sagaRunId: runId, version: 0 });
    expect(await timeline(input.orderId)).toEqual(['OrderPlaced']);
  });

  it('when another run (a workflow reset) records it, then SAGA_RESET_REFUSED is final and the owner stays', async () => {
    const { input, orderId, runId } = await placedOrder();

    const refused = await failureOf(run(randomUUID(), input).recordPlaced());

    expect(refused).toMatchObject({ failure: 'ApplicationFailure', type: SAGA_RESET_REFUSED, nonRetryable: true });
    expect(refused.message).toContain(`npm run repair-order -- ${orderId}`);
    expect(await orderRow(orderId)).toMatchObject({ sagaRunId: runId, version: 0 });
    expect(await timeline(orderId)).toEqual(['OrderPlaced']);
  });

  it('when it is recorded outside any saga (no activity context, e.g. a benchmark), then it has no owner until a run claims it', async () => {
    const input = newOrder();

    await orders.recordOrderPlaced(input);
    expect(await orderRow(input.orderId)).toMatchObject({ status: 'APPROVAL_PENDING', sagaRunId: null });

    const runId = randomUUID();
    await run(runId, input).recordPlaced();
    expect(await orderRow(input.orderId)).toMatchObject({ sagaRunId: runId, version: 0 });
    expect(await timeline(input.orderId)).toEqual(['OrderPlaced']);
  });
});

describe('transitionOrder', () => {
  it('when the saga goes approve, paid, dispatch, shipped, then each step moves the order once and says so on the timeline', async () => {
    const { orderId, saga } = await placedOrder();

    await expect(saga.transition('approve', { type: 'approve' })).resolves.toBe('APPROVED');
    await expect(saga.transition('paid', { type: 'markPaid' })).resolves.toBe('PAID');
    await expect(saga.transition('request-dispatch', { type: 'requestDispatch' })).resolves.toBe('PAID');
    await expect(saga.transition('shipped', { type: 'markShipped' })).resolves.toBe('SHIPPED');

    expect(await orderRow(orderId)).toMatchObject({ status: 'SHIPPED', version: 4 });
    expect((await eventsOf(prisma, orderId)).map((e) => [e.type, e.stepKey])).toEqual([
      ['OrderPlaced', `${orderId}:placed#0`],
      ['OrderApproved', `${orderId}:approve#0`],
      ['OrderPaid', `${orderId}:paid#0`],
      ['DispatchRequested', `${orderId}:request-dispatch#0`],
      ['OrderShipped', `${orderId}:shipped#0`],
    ]);
  });

  it('when the same step runs again (a retry after a lost result), then it applies once and answers the same status', async () => {
    const { orderId, saga } = await placedOrder();

    await expect(saga.transition('approve', { type: 'approve' })).resolves.toBe('APPROVED');
    await expect(saga.transition('approve', { type: 'approve' })).resolves.toBe('APPROVED');

    expect(await orderRow(orderId)).toMatchObject({ status: 'APPROVED', version: 1 });
    expect(await timeline(orderId)).toEqual(['OrderPlaced', 'OrderApproved']);
  });

  it('when a step that already ran is replayed after later steps, then it changes nothing and answers the current status', async () => {
    const { orderId, saga } = await placedOrder();
    await saga.transition('approve', { type: 'approve' });
    await saga.transition('paid', { type: 'markPaid' });

    await expect(saga.transition('approve', { type: 'approve' })).resolves.toBe('PAID');

    expect(await orderRow(orderId)).toMatchObject({ status: 'PAID', version: 2 });
    expect(await timeline(orderId)).toEqual(['OrderPlaced', 'OrderApproved', 'OrderPaid']);
  });

  it('when a step is illegal in the current status, then the refusal is final and the order is unchanged', async () => {
    const { orderId, saga } = await placedOrder();

    expect(await failureOf(saga.transition('shipped', { type: 'markShipped' }))).toMatchObject({ failure: 'ApplicationFailure', type: 'ILLEGAL_TRANSITION', nonRetryable: true });
    expect(await failureOf(saga.transition('request-dispatch', { type: 'requestDispatch' }))).toMatchObject({ type: 'ORDER_NOT_DISPATCHABLE', nonRetryable: true });

    expect(await orderRow(orderId)).toMatchObject({ status: 'APPROVAL_PENDING', version: 0 });
    expect(await timeline(orderId)).toEqual(['OrderPlaced']);
  });

  it('when the payment is declined after approval, then the order is REJECTED with that reason', async () => {
    const { orderId, saga } = await placedOrder();
    await saga.transition('approve', { type: 'approve' });

    await expect(saga.transition('reject', { type: 'reject', reason: 'PAYMENT_DECLINED' })).resolves.toBe('REJECTED');

    expect(await orderRow(orderId)).toMatchObject({ status: 'REJECTED', rejectionReason: 'PAYMENT_DECLINED', cancellationReason: null, version: 2 });
    expect((await eventsOf(prisma, orderId)).at(-1)).toMatchObject({ type: 'OrderRejected', data: { reason: 'PAYMENT_DECLINED' } });
  });

  it('when a PAID order is cancelled by its customer, then it passes CANCEL_PENDING (remembering PAID) to CANCELLED', async () => {
    const { orderId, saga } = await placedOrder();
    await saga.transition('approve', { type: 'approve' });
    await saga.transition('paid', { type: 'markPaid' });

    await expect(saga.transition('request-cancel', { type: 'requestCancel' })).resolves.toBe('CANCEL_PENDING');
    expect(await orderRow(orderId)).toMatchObject({ status: 'CANCEL_PENDING', statusBeforeLock: 'PAID' });
    await expect(saga.transition('cancel', { type: 'cancel', reason: 'CUSTOMER_REQUEST' })).resolves.toBe('CANCELLED');

    expect(await orderRow(orderId)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUEST', statusBeforeLock: null, version: 4 });
    expect(await timeline(orderId)).toEqual(['OrderPlaced', 'OrderApproved', 'OrderPaid', 'CancelRequested', 'OrderCancelled']);
  });

  it('when the carrier refuses a PAID order, then it is CANCELLED with SHIPMENT_FAILED; a cancel of the final order is refused', async () => {
    const { orderId, saga } = await placedOrder();
    await saga.transition('approve', { type: 'approve' });
    await saga.transition('paid', { type: 'markPaid' });

    await expect(saga.transition('cancel', { type: 'cancel', reason: 'SHIPMENT_FAILED' })).resolves.toBe('CANCELLED');
    expect(await failureOf(saga.transition('request-cancel', { type: 'requestCancel' }))).toMatchObject({ type: 'ORDER_NOT_CANCELLABLE', nonRetryable: true });

    expect(await orderRow(orderId)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'SHIPMENT_FAILED', version: 3 });
  });

  it('when a revision of a PAID order is confirmed, then the order returns to PAID with the new items and total', async () => {
    const { input, orderId, saga } = await placedOrder();
    await saga.transition('approve', { type: 'approve' });
    await saga.transition('paid', { type: 'markPaid' });
    const lines: OrderLineInput[] = [{ ...input.items[0]!, quantity: 3 }];

    await expect(saga.transition('revise-1-request', { type: 'requestRevision', lines, orderMinimumCents: 0 })).resolves.toBe('REVISION_PENDING');
    expect(await orderRow(orderId)).toMatchObject({ status: 'REVISION_PENDING', statusBeforeLock: 'PAID', totalCents: 3_000 });
    await expect(saga.transition('revise-1-confirm', { type: 'reviseOrder', lines })).resolves.toBe('PAID');

    expect(await orderRow(orderId)).toMatchObject({ status: 'PAID', statusBeforeLock: null, totalCents: 3_750, version: 4 });
    expect((await prisma.order.findUniqueOrThrow({ where: { id: orderId } })).items).toEqual([{ ...lines[0], lineTotalCents: 3_750 }]);
    expect((await eventsOf(prisma, orderId)).at(-1)).toMatchObject({ type: 'OrderRevised', data: { totalCents: 3_750, previousTotalCents: 3_000 } });
  });

  it('when a revision is rejected, then the order returns unchanged to where it was, with RevisionRejected and the reason', async () => {
    const { input, orderId, saga } = await placedOrder();
    await saga.transition('approve', { type: 'approve' });
    const lines: OrderLineInput[] = [{ ...input.items[0]!, quantity: 40 }];
    await saga.transition('revise-1-request', { type: 'requestRevision', lines, orderMinimumCents: 0 });

    await expect(saga.transition('revise-1-reject', { type: 'rejectRevision', reason: 'CREDIT_LIMIT_EXCEEDED' })).resolves.toBe('APPROVED');

    expect(await orderRow(orderId)).toMatchObject({ status: 'APPROVED', statusBeforeLock: null, totalCents: 3_000, version: 3 });
    expect((await eventsOf(prisma, orderId)).at(-1)).toMatchObject({ type: 'RevisionRejected', data: { reason: 'CREDIT_LIMIT_EXCEEDED' } });
  });

  it('when a revision request would go under the order minimum, then ORDER_MINIMUM_NOT_MET is final and the order is untouched', async () => {
    const { input, orderId, saga } = await placedOrder();
    await saga.transition('approve', { type: 'approve' });

    const refused = await failureOf(saga.transition('revise-1-request', { type: 'requestRevision', lines: [{ ...input.items[1]! }], orderMinimumCents: 1_000 }));

    expect(refused).toMatchObject({ type: 'ORDER_MINIMUM_NOT_MET', nonRetryable: true });
    expect(await orderRow(orderId)).toMatchObject({ status: 'APPROVED', statusBeforeLock: null, totalCents: 3_000, version: 1 });
  });
});

describe('ownership: a run that does not own the order', () => {
  it('when another run (a workflow reset) transitions the order, then SAGA_RESET_REFUSED is final and nothing changes', async () => {
    const { input, orderId, saga } = await placedOrder();
    await saga.transition('approve', { type: 'approve' });
    const reset = run(randomUUID(), input);

    expect(await failureOf(reset.transition('paid', { type: 'markPaid' }))).toMatchObject({ failure: 'ApplicationFailure', type: SAGA_RESET_REFUSED, nonRetryable: true });
    // A step the owner already ran is refused too, rather than silently skipped.
    expect(await failureOf(reset.transition('approve', { type: 'approve' }))).toMatchObject({ type: SAGA_RESET_REFUSED, nonRetryable: true });

    expect(await orderRow(orderId)).toMatchObject({ status: 'APPROVED', version: 1 });
    expect(await timeline(orderId)).toEqual(['OrderPlaced', 'OrderApproved']);
  });

  it('when a repair run adopts the order, then it may close it and the old run is refused from then on', async () => {
    const { input, orderId, saga } = await placedOrder();
    await saga.transition('approve', { type: 'approve' });
    const repairRunId = randomUUID();
    const repair = run(repairRunId, input);

    await expect(repair.adopt()).resolves.toBe('APPROVED');
    await expect(repair.transition('repair-cancel', { type: 'cancel', reason: 'OPERATOR_REPAIR' })).resolves.toBe('CANCELLED');
    expect(await failureOf(saga.transition('paid', { type: 'markPaid' }))).toMatchObject({ type: SAGA_RESET_REFUSED, nonRetryable: true });

    expect(await orderRow(orderId)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'OPERATOR_REPAIR', sagaRunId: repairRunId, version: 2 });
  });

  it('when adoptOrder is called outside a saga, or for an unknown order, then it is refused for good', async () => {
    const { orderId, runId } = await placedOrder();

    expect(await failureOf(orders.adoptOrder({ orderId }))).toMatchObject({ type: 'ILLEGAL_TRANSITION', nonRetryable: true });
    const unknown = randomUUID();
    expect(await failureOf(sagaRun(unknown).run(orders.adoptOrder, { orderId: unknown }))).toMatchObject({ type: 'ORDER_NOT_FOUND', nonRetryable: true });
    expect(await orderRow(orderId)).toMatchObject({ sagaRunId: runId });
  });
});

describe('concurrency', () => {
  it('when the same step is delivered twice at once, then it applies once', async () => {
    const { orderId, saga } = await placedOrder();

    const statuses = await Promise.all([saga.transition('approve', { type: 'approve' }), saga.transition('approve', { type: 'approve' })]);

    expect(statuses).toEqual(['APPROVED', 'APPROVED']);
    expect(await orderRow(orderId)).toMatchObject({ status: 'APPROVED', version: 1 });
    expect(await timeline(orderId)).toEqual(['OrderPlaced', 'OrderApproved']);
  });

  // Found by this test against the transitionOrder that read the order and then asked whether its
  // step had run in a second statement: a duplicate whose read came just before the first delivery
  // committed, and whose step check just after, answered the status from before the step
  // (APPROVAL_PENDING for 'approve'; PAID for 'shipped'), which the saga stores as the order's status
  // and search attribute. The test above hit it about once in 20 runs; this one forces that
  // interleaving: the first delivery commits inside a transaction that holds the timeline table
  // (domain_events) locked until the duplicate has read the order and waits for that table.
  it('when a duplicate of a step reads the order just before the first delivery commits, then it still answers the status the step produced', async () => {
    const { orderId, runId } = await placedOrder();
    const tag = `duplicate-${randomUUID().slice(0, 8)}`;
    const url = new URL(testConfig().DATABASE_URL!);
    url.searchParams.set('application_name', tag);
    const duplicatePrisma = createPrisma(url.toString(), 1);
    const duplicate = createOrderActivities({ prisma: duplicatePrisma });
    let answer: Promise<OrderStatus> | undefined;
    try {
      await prisma.$transaction(async (tx) => {
        await tx.$executeRaw`LOCK TABLE domain_events IN ACCESS EXCLUSIVE MODE`;
        const [{ pid }] = await tx.$queryRaw<[{ pid: number }]>`SELECT pg_backend_pid() AS pid`;
        // The first delivery of the step: the order moves on and the step's entry is appended, in one transaction.
        await tx.order.update({ where: { id: orderId }, data: { status: 'APPROVED', version: { increment: 1 } } });
        await tx.domainEvent.create({ data: { orderId, context: 'orders', aggregateId: orderId, type: 'OrderApproved', data: {}, stepKey: `${orderId}:approve#0` } });
        // The duplicate starts: whatever it has read of the order so far is APPROVAL_PENDING (committed);
        // it waits for the table to learn whether its step ran.
        answer = sagaRun(orderId, runId).run(duplicate.transitionOrder, { orderId, step: 'approve', command: approve });
        answer.catch(() => undefined);
        const deadline = Date.now() + 5_000;
        while ((await prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${tag} AND ${pid}::int = ANY(pg_blocking_pids(pid))`)[0]!.n === 0) {
          if (Date.now() > deadline) throw new Error('the duplicate never waited for the first delivery');
          await new Promise((r) => setTimeout(r, 10));
        }
      }, { timeout: 10_000 });

      expect(await orderRow(orderId)).toMatchObject({ status: 'APPROVED', version: 1 });
      expect(await answer).toBe('APPROVED');
    } finally {
      await answer?.catch(() => undefined);
      await duplicatePrisma.$disconnect();
    }
  });

  it('when another writer locks the order (CANCEL_PENDING) while approve writes it, then approve is judged again on fresh data and refused instead of writing over it', async () => {
    const { orderId, saga } = await placedOrder();
    const other = await uncommittedChange(prisma, "UPDATE orders SET status = 'CANCEL_PENDING', status_before_lock = 'APPROVAL_PENDING', version = version + 1 WHERE id = $1::uuid", [orderId]);

    const approving = failureOf(saga.transition('approve', { type: 'approve' }));
    await other.blocks(); // approve read version 0 (APPROVAL_PENDING) and waits to write it
    await other.commit();

    expect(await approving).toMatchObject({ type: 'ILLEGAL_TRANSITION', nonRetryable: true });
    expect(await orderRow(orderId)).toMatchObject({ status: 'CANCEL_PENDING', statusBeforeLock: 'APPROVAL_PENDING', version: 1 });
    expect(await timeline(orderId)).toEqual(['OrderPlaced']);
  });
});

describe('cancellation', () => {
  it('when the attempt is cancelled while the transition runs, then the step still commits whole (a cancel takes effect between attempts)', async () => {
    const { orderId, runId } = await placedOrder();
    const attempt = sagaRun(orderId, runId);

    const approving = attempt.run(orders.transitionOrder, { orderId, step: 'approve', command: approve });
    attempt.cancel('CANCELLED');

    await expect(approving).resolves.toBe('APPROVED');
    expect(await orderRow(orderId)).toMatchObject({ status: 'APPROVED', version: 1 });
    expect(await timeline(orderId)).toEqual(['OrderPlaced', 'OrderApproved']);
  });
});

describe('recordCompensationFailed', () => {
  it('when a failing compensation is recorded twice in the same round, then the timeline has it once; a new round adds another', async () => {
    const { orderId } = await placedOrder();
    const round1 = { orderId, compensation: 'refundPayment', attempt: 1, message: 'payment provider unavailable' };

    await orders.recordCompensationFailed(round1);
    await orders.recordCompensationFailed(round1);
    await orders.recordCompensationFailed({ ...round1, attempt: 2 });

    expect((await eventsOf(prisma, orderId)).filter((e) => e.type === 'CompensationFailed')).toEqual([
      { type: 'CompensationFailed', context: 'orders', data: { compensation: 'refundPayment', attempt: 1, message: 'payment provider unavailable' }, stepKey: `${orderId}:compensation-failed:refundPayment:1#0` },
      { type: 'CompensationFailed', context: 'orders', data: { compensation: 'refundPayment', attempt: 2, message: 'payment provider unavailable' }, stepKey: `${orderId}:compensation-failed:refundPayment:2#0` },
    ]);
    expect(await orderRow(orderId)).toMatchObject({ status: 'APPROVAL_PENDING', version: 0 });
  });
});
