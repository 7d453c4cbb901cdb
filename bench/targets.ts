// The issue's targets, checked against one run's results. Verdicts use the medians across rounds (the
// saga / floor ratios are taken within each round); a verdict says how many rounds alone would differ.
import type { RatioSummary, Results } from './results';

export interface TargetRow { target: string; measured: string; verdict: string }

const x = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(2)}×`);
const range = (s: { min: number; max: number }, f: (n: number) => string = String) => `${f(s.min)}–${f(s.max)}`;

function verdict(ok: boolean, perRound: boolean[] = []): string {
  const against = perRound.filter((round) => round !== ok).length;
  const note = against ? ` (${against} of ${perRound.length} rounds ${ok ? 'miss' : 'meet'} it)` : '';
  return `${ok ? 'met' : '**MISSED**'}${note}`;
}

/** A saga / floor ratio against a bound: `at least` for throughput, `at most` for latency. */
function ratioRow(r: Results, name: string, which: 'throughput' | 'p50', ratio: RatioSummary, floor: 'sameShape' | 'naive', bound: number): TargetRow {
  const o = r.orders;
  const ok = (v: number) => (which === 'throughput' ? v >= bound : v <= bound);
  const [saga, base] = which === 'throughput'
    ? [`${o.saga.ordersPerSecond.median}`, `${o[floor].ordersPerSecond.median} orders/s`]
    : [`${o.saga.latencyMs.p50.median}`, `${o[floor].latencyMs.p50.median} ms`];
  return {
    target: `saga ${which === 'throughput' ? 'throughput' : 'p50'} ${which === 'throughput' ? '≥' : '≤'} ${bound}× ${name}`,
    measured: `${x(ratio[which].median)} (rounds ${range(ratio[which], x)}; medians ${saga} vs ${base})`,
    verdict: verdict(ok(ratio[which].median), ratio.perRound.map((pr) => ok(pr[which]))),
  };
}

export function targets(r: Results): TargetRow[] {
  const { sagaVsSameShape, sagaVsNaive } = r.orders.ratios;
  const rows: TargetRow[] = [
    ratioRow(r, 'the same-shape floor', 'throughput', sagaVsSameShape, 'sameShape', 0.9),
    ratioRow(r, 'the same-shape floor', 'p50', sagaVsSameShape, 'sameShape', 1.2),
    ratioRow(r, 'the naive floor', 'throughput', sagaVsNaive, 'naive', 1.2),
    ratioRow(r, 'the naive floor', 'p50', sagaVsNaive, 'naive', 0.8),
  ];
  for (const api of r.reads.api) {
    const raw = r.reads.raw.find((row) => row.connections === api.connections);
    const ratio = raw ? api.rps / raw.rps : NaN;
    rows.push({ target: `reads ≥ 0.65× raw at c=${api.connections}`, measured: `${x(ratio)} (${api.rps} vs ${raw?.rps} req/s)`, verdict: verdict(ratio >= 0.65) });
  }
  const c32 = r.reads.api.find((row) => row.connections === 32);
  rows.push({ target: 'read p99 < 15 ms at c=32', measured: `${c32?.p99} ms`, verdict: verdict((c32?.p99 ?? Infinity) < 15) });
  const sql = Object.values(r.profile.sql.perOrder).reduce((a, b) => a + b, 0);
  rows.push({
    target: 'SQL round trips per order ≤ 25 (worker + API)',
    measured: `${Math.round(sql * 100) / 100} (${Object.entries(r.profile.sql.perOrder).map(([k, v]) => `${k} ${v}`).join(', ')})`,
    verdict: verdict(sql <= 25),
  });
  for (const d of r.firstDecision) {
    rows.push({
      target: `first decision (Prefer: wait) at c=${d.concurrency}: p50 / p99`,
      measured: `${d.responseMs.p50} / ${d.responseMs.p99} ms (${d.decided} of ${d.orders} answers carried a decision)`,
      verdict: 'reported, no target',
    });
  }
  const workers = r.long.memory.filter((row) => row.process.startsWith('worker'));
  const worstRss = Math.max(...workers.map((row) => row.rssGrowthPct));
  rows.push({
    target: `worker memory growth < 20% over ${r.long.run.orders} orders (earlier issue)`,
    measured: `${worstRss}% RSS, ${Math.max(...workers.map((row) => row.heapGrowthPct))}% heap after GC`,
    verdict: verdict(worstRss < 20),
  });
  return rows;
}
