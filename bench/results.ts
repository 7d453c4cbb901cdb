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
  orders: int('BENCH_ORDERS', 500),
  warmup: int('BENCH_WARMUP', 50),
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
};

export type Phase = RunStats & { cpuMsPerOrder: Record<string, number> };
export interface MemoryRow { process: string; rssStartMiB: number; rssEndMiB: number; rssMaxMiB: number; heapStartMiB: number; heapEndMiB: number; rssGrowthPct: number; heapGrowthPct: number }
export interface Results {
  startedAt: string; seconds: number; command: string; settings: typeof settings; machine: Machine;
  floor: Phase; saga: Phase;
  ratios: { throughput: number; p50: number; p95: number; p99: number };
  reads: { api: ReadStats[]; raw: ReadStats[] };
  scale: { one: Phase; two: Phase };
  long: { run: Phase; workers: number; memory: MemoryRow[]; samples: { seconds: number; rssMiB: Record<string, number> }[] };
  profile: { saga: HistoryProfile; floor: HistoryProfile; sql: SqlProfile };
}

