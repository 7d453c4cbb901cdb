// What one `npm run bench` measures and writes to bench/results.json: the settings it ran with and
// the shape of its results. Read by run.ts (which fills them) and by report.ts and chart.ts (which
// render them), so the renderers do not import the runner.
import path from 'node:path';
import type { RunStats } from './load';
import type { ReadStats } from './reads';
import type { HistoryProfile, SqlProfile } from './profile';
import { ROOT } from './stack';
import type { Machine } from './sys';

const int = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
};

export const settings = {
  concurrency: int('BENCH_CONCURRENCY', 16),
  /** Orders of each kind (naive floor, same-shape floor, saga) over all rounds, split evenly. */
  orders: int('BENCH_ORDERS', 500),
  rounds: Math.max(1, int('BENCH_ROUNDS', 3)),
  warmup: int('BENCH_WARMUP', 50),
  decisionOrders: int('BENCH_DECISION_ORDERS', 200),
  decisionConcurrency: [1, 16],
  decisionWaitSeconds: int('BENCH_DECISION_WAIT', 5),
  readSeconds: int('BENCH_READ_SECONDS', 10),
  readConnections: [1, 8, 32],
  scaleConcurrency: int('BENCH_SCALE_CONCURRENCY', 32),
  scaleOrders: int('BENCH_SCALE_ORDERS', 500),
  longOrders: int('BENCH_LONG_ORDERS', 10_000),
  longConcurrency: int('BENCH_LONG_CONCURRENCY', 32),
  profileSample: int('BENCH_PROFILE_SAMPLE', 50),
  catalogSize: int('BENCH_CATALOG', 128),
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  observe: (process.env.BENCH_SAGA_OBSERVE === 'http' ? 'http' : 'projection') as 'projection' | 'http',
  dir: path.resolve(ROOT, process.env.BENCH_DIR ?? '.data/bench'),
  database: process.env.DATABASE_URL ? 'DATABASE_URL (fresh database)' : 'embedded PostgreSQL',
  /** BENCH_WRITE_REPORT=0: results, report and chart go to the bench dir instead of the repository. */
  writeReport: process.env.BENCH_WRITE_REPORT !== '0',
};

export type Phase = RunStats & { cpuMsPerOrder: Record<string, number> };
export interface Spread { median: number; min: number; max: number }
/** One kind of order run in several interleaved rounds: each round as measured, and across them. */
export interface RoundsSummary {
  rounds: Phase[];
  orders: number; failures: number; concurrency: number; outcomes: Record<string, number>;
  ordersPerSecond: Spread;
  latencyMs: { p50: Spread; p95: Spread; p99: Spread; max: Spread };
  /** CPU per order over all rounds together. */
  cpuMsPerOrder: Record<string, number>;
}
/** Saga / floor, round by round (the phases of one round ran back to back), and across rounds. */
export interface RatioSummary {
  perRound: { throughput: number; p50: number; p99: number }[];
  throughput: Spread; p50: Spread; p99: Spread;
}
export interface FirstDecision {
  concurrency: number; orders: number; failures: number; seconds: number;
  /** POST /orders with `Prefer: wait` sent → its answer. */
  responseMs: { p50: number; p99: number; max: number; mean: number };
  /** Answers carrying a decision (any status but APPROVAL_PENDING), and the statuses answered. */
  decided: number; statuses: Record<string, number>; preferenceApplied: number;
  /** The whole order, POST sent → final status in the projection (the loop's slot is held until then). */
  order: RunStats;
}
export interface MemoryRow { process: string; rssStartMiB: number; rssEndMiB: number; rssMaxMiB: number; heapStartMiB: number; heapEndMiB: number; rssGrowthPct: number; heapGrowthPct: number }
export interface Results {
  startedAt: string; seconds: number; command: string; settings: typeof settings; machine: Machine;
  orders: {
    perRound: number;
    naive: RoundsSummary; sameShape: RoundsSummary; saga: RoundsSummary;
    ratios: { sagaVsSameShape: RatioSummary; sagaVsNaive: RatioSummary };
  };
  firstDecision: FirstDecision[];
  reads: { api: ReadStats[]; raw: ReadStats[] };
  scale: { one: Phase; two: Phase };
  long: { run: Phase; workers: number; memory: MemoryRow[]; samples: { seconds: number; rssMiB: Record<string, number> }[] };
  profile: { naive: HistoryProfile; sameShape: HistoryProfile; saga: HistoryProfile; sql: SqlProfile };
}
