// Where an order's time goes, from workflow histories (server timestamps) and SQL counts.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import pg from 'pg';
import { percentile } from './load';
import type { StatementStats } from './stack';

export const STEPS = ['recordOrderPlaced', 'reserveStock', 'reserveCredit', 'approve', 'chargePayment', 'paid', 'bookShipment', 'commitStock', 'consumeCredit', 'shipped'] as const;

export interface StepTiming { step: string; queueMs: number; runMs: number; turnaroundMs: number }
export interface HistoryProfile {
  workflows: number;
  /** Medians over the sampled workflows. */
  totalMs: number;
  firstScheduleMs: number;
  closeMs: number;
  workflowTasks: number;
  events: number;
  steps: StepTiming[];
}

type Event = temporal.api.history.v1.IHistoryEvent;
const ms = (e: Event) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
const median = (values: number[]) => Math.round(percentile([...values].sort((a, b) => a - b), 50) * 10) / 10;

/**
 * Per step: queue = activity scheduled → started (task dispatch to a worker), run = started →
 * completed (the activity's own work), turnaround = previous step completed → this step scheduled
 * (a workflow task: dispatch, replay-free processing on the cached workflow, command round trip).
 */
export async function historyProfile(client: Client, workflowIds: string[]): Promise<HistoryProfile> {
  const perStep = STEPS.map(() => ({ queue: [] as number[], run: [] as number[], turnaround: [] as number[] }));
  const totals: number[] = [];
  const firsts: number[] = [];
  const closes: number[] = [];
  const wfts: number[] = [];
  const counts: number[] = [];
  for (const workflowId of workflowIds) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    const scheduled = new Map<string, number>();
    const started = new Map<string, number>();
    let index = -1;
    let lastCompleted = ms(events[0]!);
    for (const event of events) {
      if (event.activityTaskScheduledEventAttributes) {
        index++;
        scheduled.set(String(event.eventId), ms(event));
        if (index === 0) firsts.push(ms(event) - ms(events[0]!));
        else if (index < STEPS.length) perStep[index]!.turnaround.push(ms(event) - lastCompleted);
      } else if (event.activityTaskStartedEventAttributes) {
        started.set(String(event.activityTaskStartedEventAttributes.scheduledEventId), ms(event));
      } else if (event.activityTaskCompletedEventAttributes) {
        const key = String(event.activityTaskCompletedEventAttributes.scheduledEventId);
        const step = perStep[Math.min(index, STEPS.length - 1)]!;
        step.queue.push(started.get(key)! - scheduled.get(key)!);
        step.run.push(ms(event) - started.get(key)!);
        lastCompleted = ms(event);
      }
    }
    const last = events[events.length - 1]!;
    totals.push(ms(last) - ms(events[0]!));
    closes.push(ms(last) - lastCompleted);
    wfts.push(events.filter((e) => e.workflowTaskCompletedEventAttributes).length);
    counts.push(events.length);
  }
  return {
    workflows: workflowIds.length,
    totalMs: median(totals), firstScheduleMs: median(firsts), closeMs: median(closes),
    workflowTasks: median(wfts), events: median(counts),
    steps: STEPS.map((step, i) => ({ step, queueMs: median(perStep[i]!.queue), runMs: median(perStep[i]!.run), turnaroundMs: median(perStep[i]!.turnaround) })),
  };
}

export interface SqlProfile {
  orders: number;
  /** Client-side round trips per order, by process, and the top statements. */
  perOrder: Record<string, number>;
  top: { process: string; statement: string; perOrder: number; meanMs: number }[];
  /** Server-side, from pg_stat_statements (when available). */
  server: { statement: string; perOrder: number; meanMs: number; totalMsPerOrder: number }[] | null;
}

export function summariseStatements(orders: number, byProcess: Record<string, Record<string, StatementStats>>): Omit<SqlProfile, 'server'> {
  const perOrder: Record<string, number> = {};
  const top: SqlProfile['top'] = [];
  for (const [name, statements] of Object.entries(byProcess)) {
    let calls = 0;
    for (const [statement, s] of Object.entries(statements)) {
      calls += s.calls;
      top.push({ process: name, statement, perOrder: round2(s.calls / orders), meanMs: round2(s.totalMs / s.calls) });
    }
    perOrder[name] = round2(calls / orders);
  }
  top.sort((a, b) => b.perOrder - a.perOrder);
  return { orders, perOrder, top: top.slice(0, 25) };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export async function resetStatStatements(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try { await client.query('SELECT pg_stat_statements_reset()'); } finally { await client.end(); }
}

export async function readStatStatements(url: string, orders: number): Promise<SqlProfile['server']> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ query: string; calls: string; total: number; mean: number }>(`
      SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls, total_exec_time AS total, mean_exec_time AS mean
      FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query NOT ILIKE '%pg_stat_statements%' AND query NOT LIKE 'SELECT id, status FROM orders WHERE id = ANY%'
      ORDER BY calls DESC LIMIT 25`);
    return rows.map((r) => ({ statement: r.query.slice(0, 160), perOrder: round2(Number(r.calls) / orders), meanMs: round2(r.mean), totalMsPerOrder: round2(r.total / orders) }));
  } finally {
    await client.end();
  }
}
