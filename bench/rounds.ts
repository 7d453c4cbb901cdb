// Interleaved rounds (naive floor, same-shape floor, saga, naive floor, …) summarised across rounds:
// the median and the spread of each figure, and the saga / floor ratios taken within each round, so
// that drift of the shared machine and of the dev server's growing database favours neither side.
import { percentile } from './load';
import type { Phase, RatioSummary, RoundsSummary, Spread } from './results';

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export function spread(values: number[], digits = 1): Spread {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  // The median of an even count is the mean of the two middle values.
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? percentile(sorted, 50) : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median: round(median, digits), min: round(sorted[0] ?? NaN, digits), max: round(sorted[sorted.length - 1] ?? NaN, digits) };
}

export function summariseRounds(rounds: Phase[]): RoundsSummary {
  const orders = rounds.reduce((s, p) => s + p.orders, 0);
  const outcomes: Record<string, number> = {};
  for (const p of rounds) for (const [k, v] of Object.entries(p.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
  const cpuMsPerOrder: Record<string, number> = {};
  for (const p of rounds) for (const [k, v] of Object.entries(p.cpuMsPerOrder)) cpuMsPerOrder[k] = (cpuMsPerOrder[k] ?? 0) + v * p.orders;
  for (const k of Object.keys(cpuMsPerOrder)) cpuMsPerOrder[k] = round(cpuMsPerOrder[k]! / Math.max(1, orders));
  return {
    rounds, orders, failures: rounds.reduce((s, p) => s + p.failures, 0), concurrency: rounds[0]?.concurrency ?? 0, outcomes,
    ordersPerSecond: spread(rounds.map((p) => p.ordersPerSecond)),
    latencyMs: {
      p50: spread(rounds.map((p) => p.latencyMs.p50)), p95: spread(rounds.map((p) => p.latencyMs.p95)),
      p99: spread(rounds.map((p) => p.latencyMs.p99)), max: spread(rounds.map((p) => p.latencyMs.max)),
    },
    cpuMsPerOrder,
  };
}

/** `saga` / `floor` per round: throughput (higher is better for the saga) and latency (lower is). */
export function ratios(saga: Phase[], floor: Phase[]): RatioSummary {
  const perRound = saga.map((s, i) => {
    const f = floor[i]!;
    return {
      throughput: round(s.ordersPerSecond / f.ordersPerSecond, 3),
      p50: round(s.latencyMs.p50 / f.latencyMs.p50, 3),
      p99: round(s.latencyMs.p99 / f.latencyMs.p99, 3),
    };
  });
  return {
    perRound,
    throughput: spread(perRound.map((r) => r.throughput), 3),
    p50: spread(perRound.map((r) => r.p50), 3),
    p99: spread(perRound.map((r) => r.p99), 3),
  };
}
