// What the order sagas' histories say: per order, the events and the billable actions they hold
// (for the capacity model), and which worker process ran each payment activity attempt (to show
// that a drained worker finished the charges it held). Read over the API, as `temporal workflow
// show` would; payloads stay encrypted (nothing here needs them).
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { orderWorkflowId } from '../domain/orders/order.commands';

const T = temporal.api.enums.v1.EventType;

/**
 * Events Temporal Cloud bills as an action (its pricing page lists them): a workflow started, each
 * activity scheduled (retries too: counted below from attempts), a timer, a signal or update received,
 * a search-attribute upsert, a local activity's marker, a child started. An approximation: a few kinds
 * (e.g. queries, heartbeats) do not show in a history.
 */
const ACTION_EVENTS = new Set<number>([
  T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, T.EVENT_TYPE_TIMER_STARTED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, T.EVENT_TYPE_MARKER_RECORDED, T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
]);

export interface OrderHistory {
  orderId: string;
  events: number;
  actions: number;
  activityAttempts: number;
  stateTransitions: number;
  /**
   * Payment activities that completed: who ran the last attempt, which attempt it was, when it started
   * and closed (a history keeps only the last attempt of a retried activity; earlier ones show as attempt > 1).
   */
  paymentAttempts: { identity: string; activity: string; attempt: number; startedAt: number; closedAt: number }[];
}

export async function readHistories(address: string, orderIds: string[], paymentQueue: string): Promise<OrderHistory[]> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const out: OrderHistory[] = [];
    for (const orderId of orderIds) {
      const handle = client.workflow.getHandle(orderWorkflowId(orderId));
      const [history, described] = await Promise.all([handle.fetchHistory(), handle.describe()]);
      const events = history.events ?? [];
      const scheduled = new Map<string, { activity: string; queue: string }>();
      const started = new Map<string, { identity: string; at: number; attempt: number }>();
      let actions = 0;
      let retries = 0;
      const paymentAttempts: OrderHistory['paymentAttempts'] = [];
      const time = (e: (typeof events)[number]) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
      for (const e of events) {
        if (ACTION_EVENTS.has(e.eventType ?? 0)) actions++;
        const id = String(e.eventId);
        if (e.activityTaskScheduledEventAttributes) {
          const a = e.activityTaskScheduledEventAttributes;
          scheduled.set(id, { activity: a.activityType?.name ?? '?', queue: a.taskQueue?.name ?? '' });
        }
        if (e.activityTaskStartedEventAttributes) {
          const a = e.activityTaskStartedEventAttributes;
          started.set(String(a.scheduledEventId), { identity: a.identity ?? '', at: time(e), attempt: a.attempt ?? 1 });
          retries += Math.max(0, (a.attempt ?? 1) - 1);
        }
        const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
        if (closed) {
          const sched = scheduled.get(String(closed.scheduledEventId));
          const start = started.get(String(closed.scheduledEventId));
          if (sched?.queue === paymentQueue && start && e.activityTaskCompletedEventAttributes) {
            paymentAttempts.push({ identity: start.identity, activity: sched.activity, attempt: start.attempt, startedAt: start.at, closedAt: time(e) });
          }
        }
      }
      out.push({
        orderId, events: events.length, actions: actions + retries, activityAttempts: scheduled.size + retries,
        stateTransitions: Number(described.raw.workflowExecutionInfo?.stateTransitionCount ?? 0), paymentAttempts,
      });
    }
    return out;
  } finally {
    await connection.close();
  }
}
