// Defect 8 of issue 11: a workflow reset rewinds the history but not the database, so the reset run
// would reuse step keys whose effects already happened. Order sagas refuse it: the reset run fails
// with SAGA_RESET_REFUSED before changing anything, and `npm run repair-order` closes the order.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { aCustomer, aProduct, balances, eventually, queuesOf, startTestStack, type TestStack } from '../test/harness';
import { orderInput, startSaga, timelineTypes } from '../test/saga-test-kit';
import { statusQuery } from './definitions';
import { repairOrder } from '../scripts/repair-order';
import { providerLedger } from '../test/provider-ledger';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack(); });
afterAll(async () => { await stack?.stop(); });

const EventType = proto.api.enums.v1.EventType;

/** The WorkflowTaskCompleted event just before the saga scheduled the activity `activityType`. */
async function resetPointBefore(workflowId: string, activityType: string): Promise<number> {
  const { events } = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = events!.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType);
  const completed = events!.slice(0, scheduled).reverse().find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  return Number(completed!.eventId);
}

const snapshot = async (orderId: string, ids: { productId: string; customerId: string }) => {
  const order = await stack.prisma.order.findUniqueOrThrow({ where: { id: orderId } });
  return { status: order.status, version: order.version, timeline: await timelineTypes(stack.prisma, orderId), balances: await balances(stack.prisma, ids) };
};

it('when an operator resets a PAID order saga to before its credit step, then the reset run is refused having changed nothing, and repair-order gives everything back', async () => {
  const { productId } = await aProduct(stack.prisma, { stock: 10, priceCents: 1000 });
  const { customerId } = await aCustomer(stack.prisma);
  const input = orderInput({ customerId, lines: [{ productId, quantity: 2 }], dispatchDelayMs: 60 * 60_000 });
  const handle = await startSaga(stack, input);
  await eventually(() => handle.query(statusQuery), (s) => s.status === 'PAID');
  const before = await snapshot(input.orderId, { productId, customerId });

  const reset: proto.api.workflowservice.v1.IResetWorkflowExecutionResponse = await stack.temporal.workflowService.resetWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId: handle.workflowId, runId: (await handle.describe()).runId },
    // The proto field is an int64 (Long); a plain number is encoded the same.
    workflowTaskFinishEventId: (await resetPointBefore(handle.workflowId, 'reserveCredit')) as unknown as proto.api.workflowservice.v1.IResetWorkflowExecutionRequest['workflowTaskFinishEventId'],
    requestId: randomUUID(),
    reason: 'test: an operator resets an order saga',
  });
  const runId = reset.runId;
  const resetRun = stack.temporal.workflow.getHandle(handle.workflowId, runId!);
  const failure = await resetRun.result().then(() => null, (error: unknown) => error);
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  expect((failure as WorkflowFailedError).cause).toMatchObject({ type: 'SAGA_RESET_REFUSED', message: expect.stringContaining('repair-order') });
  expect(await snapshot(input.orderId, { productId, customerId })).toEqual(before);

  const repaired = await repairOrder(stack.temporal, { orderId: input.orderId, taskQueue: queuesOf(stack).orders });
  expect(repaired).toMatchObject({ status: 'CANCELLED', repaired: true, compensationsRun: ['refundPayment', 'releaseCredit', 'releaseStock'] });
  const order = await stack.prisma.order.findUniqueOrThrow({ where: { id: input.orderId } });
  expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'OPERATOR_REPAIR' });
  expect(await balances(stack.prisma, { productId, customerId })).toEqual({ onHand: 10, reserved: 0, creditHeld: 0, creditConsumed: 0 });
  const ledger = await providerLedger(stack.prisma, input.orderId);
  expect({ charged: ledger.chargedCents, refunded: ledger.refundedCents }).toEqual({ charged: 2000, refunded: 2000 });

  // A second repair finds the order final and leaves it alone.
  await expect(repairOrder(stack.temporal, { orderId: input.orderId, taskQueue: queuesOf(stack).orders })).resolves.toMatchObject({ status: 'CANCELLED', repaired: false });
});
