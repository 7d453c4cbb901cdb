// Where an order's time goes, from workflow histories (server timestamps) and SQL counts.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import pg from 'pg';
import { percentile } from './load';
import type { StatementStats } from './stack';

export const STEPS = ['recordOrderPlaced', 'reserveStock', 'reserveCredit', 'approve', 'chargePayment', 'paid', 'bookShipment', 'commitStock', 'consumeCredit', 'shipped'] as const;
// Steps are named by activity type (the floors have one type per step); the saga's three transitions
// share `transitionOrder` and are told apart by their order in a shipped order's history.
const ALIASES: Record<string, readonly string[]> = { transitionOrder: ['approve', 'paid', 'shipped'] };
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

export interface StepTiming {
  step: string;
  /** A regular activity (through a task queue) or a local one (run by the workflow's own worker, recorded as a marker). */
  kind: 'activity' | 'local';
  /** null for local activities: they are not queued by the server. */
  queueMs: number | null;
  runMs: number;
  /** null for the first step. */
  turnaroundMs: number | null;
}
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

/** A timestamp in core's local-activity marker data (JSON): `{seconds, nanos}` or an RFC 3339 string. */
function markerTime(value: unknown): number | null {
  if (typeof value === 'string') return Date.parse(value);
  if (value && typeof value === 'object' && 'seconds' in value) {
    const t = value as { seconds: number | string; nanos?: number };
    return Number(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6;
  }
  return null;
}

function localActivity(event: Event): { type: string; completedAt: number | null } | null {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== LOCAL_ACTIVITY_MARKER) return null;
  const data = marker.details?.data?.payloads?.[0]?.data;
  if (!data) return null;
  const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as Record<string, unknown>;
  return { type: String(parsed.activity_type ?? parsed.activityType ?? '?'), completedAt: markerTime(parsed.complete_time ?? parsed.completeTime) };
}

/**
 * Per step: queue = activity scheduled → started (task dispatch to a worker), run = started →
 * completed (the activity's own work), turnaround = the latest earlier step's completion → this step
 * scheduled (a workflow task: dispatch, replay-free processing on the cached workflow, command round
 * trip). Steps run side by side both count from the same earlier completion. A local activity has no
 * queue; it runs from the workflow time it was scheduled at (its workflow task's start, or the
 * completion of the local activity before it in the same task) to its completion as its marker records it.
 */
export async function historyProfile(client: Client, workflowIds: string[]): Promise<HistoryProfile> {
  const perStep = new Map<string, { kind: StepTiming['kind']; queue: number[]; run: number[]; turnaround: number[] }>();
  const sample = (step: string, kind: StepTiming['kind']) => {
    if (!perStep.has(step)) perStep.set(step, { kind, queue: [], run: [], turnaround: [] });
    return perStep.get(step)!;
  };
  const totals: number[] = [];
  const firsts: number[] = [];
  const closes: number[] = [];
  const wfts: number[] = [];
  const counts: number[] = [];
  for (const workflowId of workflowIds) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    const t0 = ms(events[0]!);
    const seen = new Map<string, number>();
    const stepName = (type: string) => {
      const n = seen.get(type) ?? 0;
      seen.set(type, n + 1);
      return ALIASES[type]?.[n] ?? type;
    };
    const scheduled = new Map<string, { step: string; at: number }>();
    const started = new Map<string, number>();
    let lastCompleted: number | null = null;
    let workflowTime = t0; // the workflow's clock as local activities see it
    let firstScheduled = false;
    const scheduleAt = (step: string, kind: StepTiming['kind'], at: number) => {
      if (!firstScheduled) firsts.push(at - t0);
      else if (lastCompleted !== null) sample(step, kind).turnaround.push(at - lastCompleted);
      firstScheduled = true;
    };
    for (const event of events) {
      if (event.workflowTaskStartedEventAttributes) {
        workflowTime = ms(event);
      } else if (event.activityTaskScheduledEventAttributes) {
        const step = stepName(event.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
        scheduled.set(String(event.eventId), { step, at: ms(event) });
        scheduleAt(step, 'activity', ms(event));
      } else if (event.activityTaskStartedEventAttributes) {
        started.set(String(event.activityTaskStartedEventAttributes.scheduledEventId), ms(event));
      } else if (event.activityTaskCompletedEventAttributes) {
        const key = String(event.activityTaskCompletedEventAttributes.scheduledEventId);
        const { step, at } = scheduled.get(key)!;
        const s = sample(step, 'activity');
        s.queue.push(started.get(key)! - at);
        s.run.push(ms(event) - started.get(key)!);
        lastCompleted = ms(event);
      } else {
        const la = localActivity(event);
        if (!la || la.completedAt === null) continue;
        const step = stepName(la.type);
        scheduleAt(step, 'local', workflowTime);
        sample(step, 'local').run.push(la.completedAt - workflowTime);
        workflowTime = la.completedAt;
        lastCompleted = la.completedAt;
      }
    }
    const last = events[events.length - 1]!;
    totals.push(ms(last) - t0);
    closes.push(ms(last) - (lastCompleted ?? t0));
    wfts.push(events.filter((e) => e.workflowTaskCompletedEventAttributes).length);
    counts.push(events.length);
  }
  const order = (step: string) => { const i = (STEPS as readonly string[]).indexOf(step); return i < 0 ? STEPS.length : i; };
  return {
    workflows: workflowIds.length,
    totalMs: median(totals), firstScheduleMs: median(firsts), closeMs: median(closes),
    workflowTasks: median(wfts), events: median(counts),
    steps: [...perStep.entries()].sort(([a], [b]) => order(a) - order(b)).map(([step, s]) => ({
      step, kind: s.kind,
      queueMs: s.kind === 'local' ? null : median(s.queue), runMs: median(s.run),
      turnaroundMs: s.turnaround.length ? median(s.turnaround) : null,
    })),
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

/** Client-side counts of several readings (one per saga round) added up. */
export function addStatements(readings: Record<string, StatementStats>[]): Record<string, StatementStats> {
  const all: Record<string, StatementStats> = {};
  for (const reading of readings) {
    for (const [statement, s] of Object.entries(reading)) {
      const entry = all[statement] ?? { calls: 0, totalMs: 0 };
      all[statement] = { calls: entry.calls + s.calls, totalMs: entry.totalMs + s.totalMs };
    }
  }
  return all;
}

export async function resetStatStatements(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try { await client.query('SELECT pg_stat_statements_reset()'); } finally { await client.end(); }
}

export type ServerStatements = Map<string, { calls: number; totalMs: number }>;

/** Every statement pg_stat_statements has seen since its last reset (the watcher's own query left out). */
export async function readStatStatements(url: string): Promise<ServerStatements> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ query: string; calls: string; total: number }>(`
      SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls, total_exec_time AS total
      FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query NOT ILIKE '%pg_stat_statements%' AND query NOT LIKE 'SELECT id, status FROM orders WHERE id = ANY%'`);
    return new Map(rows.map((r) => [r.query.slice(0, 160), { calls: Number(r.calls), totalMs: r.total }]));
  } finally {
    await client.end();
  }
}

/** Several readings (one per saga round) added up, per order, the 25 most frequent statements. */
export function summariseServerStatements(readings: ServerStatements[], orders: number): NonNullable<SqlProfile['server']> {
  const all: ServerStatements = new Map();
  for (const reading of readings) {
    for (const [statement, s] of reading) {
      const entry = all.get(statement) ?? { calls: 0, totalMs: 0 };
      all.set(statement, { calls: entry.calls + s.calls, totalMs: entry.totalMs + s.totalMs });
    }
  }
  return [...all.entries()].sort(([, a], [, b]) => b.calls - a.calls).slice(0, 25).map(([statement, s]) => ({
    statement, perOrder: round2(s.calls / orders), meanMs: round2(s.totalMs / s.calls), totalMsPerOrder: round2(s.totalMs / orders),
  }));
}
