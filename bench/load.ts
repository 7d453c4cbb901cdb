// A closed-loop load generator: `concurrency` loops, each starting the next order as soon as its
// previous one finished, until `total` orders are done. Latency is per order, start → final.
import { performance } from 'node:perf_hooks';

export interface RunStats {
  orders: number;
  failures: number;
  concurrency: number;
  seconds: number;
  ordersPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  outcomes: Record<string, number>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Runs `one(i)` `total` times with `concurrency` in flight; `one` resolves to the order's outcome. */
export async function closedLoop(total: number, concurrency: number, one: (i: number) => Promise<string>, onProgress?: (done: number) => void): Promise<RunStats> {
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let failures = 0;
  let next = 0;
  let done = 0;
  const started = performance.now();
  const loop = async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      try {
        const outcome = await one(i);
        latencies.push(performance.now() - t0);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      } catch (error) {
        failures++;
        const key = `error: ${String((error as Error).message).slice(0, 80)}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
      done++;
      onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, loop));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
  return {
    orders: total, failures, concurrency, seconds: round(seconds, 2),
    ordersPerSecond: round(latencies.length / seconds, 1),
    latencyMs: {
      p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), p99: round(percentile(latencies, 99)),
      max: round(latencies[latencies.length - 1] ?? NaN), mean: round(mean),
    },
    outcomes,
  };
}
