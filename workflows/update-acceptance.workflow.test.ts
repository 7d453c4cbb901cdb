// An update (revise, cancel, dispatch) is durable only once the workflow task that accepted it
// completes. The order's lock write it starts (REVISION_PENDING, CANCEL_PENDING, the dispatch request)
// must therefore come after that: as a regular activity, scheduled by the very task completion that
// records the acceptance. As a local activity it ran inside the accepting task, so when that task was
// lost (found by npm run chaos: Temporal restarting while the worker completed it) the write outlived
// the update — the order stayed REVISION_PENDING, the saga knew nothing of it and failed at shipping.
import type { temporal } from '@temporalio/proto';
import { anOrder, sagaTestEnvironment, type OrderHandle } from '../test/time-skipping-env';
import { Worker } from '@temporalio/worker';
import { workflowSpanSinks } from '../workers/worker-tracing';
import { cancelUpdate, dispatchUpdate, reviseUpdate } from './definitions';

const saga = sagaTestEnvironment();
const HOUR = 60 * 60_000;
const A = '00000000-0000-4000-8000-00000000000a';

/** How the first order step after the update's acceptance was recorded in the history. */
async function firstOrderStepAfterAcceptance(handle: OrderHandle): Promise<'regular activity' | 'local activity' | 'none'> {
  const events: temporal.api.history.v1.IHistoryEvent[] = (await handle.fetchHistory()).events ?? [];
  const accepted = events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  const step = events.slice(accepted + 1).find((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity'
    || e.activityTaskScheduledEventAttributes?.activityType?.name === 'transitionOrder');
  if (accepted < 0 || !step) return 'none';
  // And the history replays on this code (a worker that lost its cache runs it again from it).
  await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! }, sinks: workflowSpanSinks() }, await handle.fetchHistory());
  return step.activityTaskScheduledEventAttributes ? 'regular activity' : 'local activity';
}

async function paidOrder() {
  const input = anOrder({ lines: [{ productId: A, quantity: 2 }], dispatchDelayMs: HOUR });
  const handle = await saga.startOrder(input);
  await saga.until(handle, (s) => s.status === 'PAID');
  return { orderId: input.orderId, handle };
}

it('when a revision is accepted, then REVISION_PENDING is written by a regular activity scheduled with the acceptance', async () => {
  const { orderId, handle } = await paidOrder();
  await handle.executeUpdate(reviseUpdate, { args: [{ lines: [{ productId: A, sku: 'SKU-000a', name: 'Test Product', quantity: 3, unitPriceCents: 1000 }], totalCents: 3000, orderMinimumCents: 0 }] });
  await saga.untilTimeline(orderId, 'OrderRevised', 1);
  expect(await firstOrderStepAfterAcceptance(handle)).toBe('regular activity');
});

it('when a cancel is accepted, then CANCEL_PENDING is written by a regular activity scheduled with the acceptance', async () => {
  const { handle } = await paidOrder();
  await handle.executeUpdate(cancelUpdate);
  await expect(handle.result()).resolves.toMatchObject({ status: 'CANCELLED' });
  expect(await firstOrderStepAfterAcceptance(handle)).toBe('regular activity');
});

it('when a dispatch is accepted, then the dispatch request is written by a regular activity scheduled with the acceptance', async () => {
  const { handle } = await paidOrder();
  await handle.executeUpdate(dispatchUpdate);
  await expect(handle.result()).resolves.toMatchObject({ status: 'SHIPPED' });
  expect(await firstOrderStepAfterAcceptance(handle)).toBe('regular activity');
});
