// A small hand-written SVG of latency percentiles: orders (naive floor, same-shape floor, saga; medians
// across rounds), first decisions (Prefer: wait) and reads (raw vs API).
// `node --import tsx bench/chart.ts` redraws bench/latency.svg from bench/results.json.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Results } from './results';

interface Series { label: string; color: string; values: number[] }

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (n: number) => (n === 0 ? '0' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

function niceMax(max: number): number {
  const step = 10 ** Math.floor(Math.log10(max || 1));
  return Math.ceil((max * 1.1) / step) * step;
}

function panel(x0: number, title: string, groups: string[], series: Series[], width = 420, height = 300): string {
  const top = 50;
  const left = x0 + 50;
  const plotW = width - 70;
  const plotH = height - 110;
  const max = niceMax(Math.max(...series.flatMap((s) => s.values.filter(Number.isFinite))));
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const groupW = plotW / groups.length;
  const barW = Math.min(28, (groupW - 16) / series.length);
  const out: string[] = [`<text x="${x0 + width / 2}" y="24" text-anchor="middle" font-weight="bold">${escape(title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const v = (max / 4) * i;
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${fmt(v)}</text>`);
  }
  out.push(`<text x="${x0 + 14}" y="${top + plotH / 2}" font-size="11" transform="rotate(-90 ${x0 + 14} ${top + plotH / 2})" text-anchor="middle">ms</text>`);
  groups.forEach((group, g) => {
    const gx = left + g * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, k) => {
      const v = s.values[g] ?? NaN;
      if (!Number.isFinite(v)) return;
      const bx = gx + k * barW;
      out.push(`<rect x="${bx.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(top + plotH - y(v)).toFixed(1)}" fill="${s.color}"><title>${escape(`${s.label} ${group}: ${fmt(v)} ms`)}</title></rect>`,
        `<text x="${(bx + barW / 2 - 1).toFixed(1)}" y="${(y(v) - 3).toFixed(1)}" text-anchor="middle" font-size="9">${fmt(v)}</text>`);
    });
    out.push(`<text x="${left + g * groupW + groupW / 2}" y="${top + plotH + 16}" text-anchor="middle" font-size="11">${escape(group)}</text>`);
  });
  series.forEach((s, k) => {
    const lx = left + (k % 2) * 190;
    const ly = top + plotH + 36 + Math.floor(k / 2) * 16;
    out.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${s.color}"/>`, `<text x="${lx + 14}" y="${ly}" font-size="11">${escape(s.label)}</text>`);
  });
  return out.join('\n');
}

export function renderChart(r: Results): string {
  const o = r.orders;
  const med = (p: typeof o.saga) => [p.latencyMs.p50.median, p.latencyMs.p95.median, p.latencyMs.p99.median];
  const orders = panel(0, `Order latency, ${r.settings.concurrency} in flight (median of ${o.saga.rounds.length} rounds)`, ['p50', 'p95', 'p99'], [
    { label: 'naive floor', color: '#c9ced4', values: med(o.naive) },
    { label: 'same-shape floor', color: '#7d8b99', values: med(o.sameShape) },
    { label: 'saga (POST → SHIPPED)', color: '#2f6fb0', values: med(o.saga) },
  ]);
  const decisions = panel(440, 'First decision (POST with Prefer: wait)', r.firstDecision.map((d) => `c=${d.concurrency}`), [
    { label: 'answer p50', color: '#b4a7d6', values: r.firstDecision.map((d) => d.responseMs.p50) },
    { label: 'answer p99', color: '#674ea7', values: r.firstDecision.map((d) => d.responseMs.p99) },
  ]);
  const groups = r.reads.api.map((s) => `c=${s.connections}`);
  const reads = panel(880, 'GET /orders/:id latency', groups, [
    { label: 'raw p50', color: '#b7d7a8', values: r.reads.raw.map((s) => s.p50) },
    { label: 'raw p99', color: '#6aa84f', values: r.reads.raw.map((s) => s.p99) },
    { label: 'API p50', color: '#f6b26b', values: r.reads.api.map((s) => s.p50) },
    { label: 'API p99', color: '#cc4125', values: r.reads.api.map((s) => s.p99) },
  ]);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1320" height="330" viewBox="0 0 1320 330" font-family="sans-serif" font-size="12">
<rect width="1320" height="330" fill="#fff"/>
${orders}
${decisions}
${reads}
</svg>
`;
}

export function writeChart(r: Results, file: string): void {
  writeFileSync(file, renderChart(r));
}

if (require.main === module) {
  const dir = path.resolve(__dirname);
  writeChart(JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as Results, path.join(dir, 'latency.svg'));
}
