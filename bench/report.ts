// Renders BENCHMARKS.md from one run's results. The analysis of the costs (bench/findings.md) is
// written by hand against a published run and included verbatim.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Phase, Results } from './results';

const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const verdict = (ok: boolean) => (ok ? 'met' : '**MISSED**');
const x = (n: number) => `${n.toFixed(2)}×`;

function phaseRow(name: string, p: Phase): (string | number)[] {
  return [name, p.concurrency, p.orders, p.ordersPerSecond, p.latencyMs.p50, p.latencyMs.p95, p.latencyMs.p99, p.latencyMs.max, p.failures];
}
const PHASE_HEAD = ['run', 'in flight', 'orders', 'orders/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'failures'];

export function renderReport(r: Results): string {
  const m = r.machine;
  const s = r.settings;
  const c32 = { api: r.reads.api.find((x) => x.connections === 32), raw: r.reads.raw.find((x) => x.connections === 32) };
  const readRatio32 = c32.api && c32.raw ? c32.api.rps / c32.raw.rps : NaN;
  const workerMemory = r.long.memory.filter((row) => row.process.startsWith('worker'));
  const worstWorkerRss = Math.max(...workerMemory.map((row) => row.rssGrowthPct));
  const cpuKeys = Object.keys(r.saga.cpuMsPerOrder);
  const findings = path.join(__dirname, 'findings.md');
  const sql = r.profile.sql;

  return `# Benchmarks

One run of \`${r.command}\` (${new Date(r.startedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round(r.seconds / 60)} min) on ONE Temporal dev
server and ONE PostgreSQL that the bench starts itself (own ports, data under \`${path.relative(path.resolve(__dirname, '..'), s.dir)}/\`). Everything here
(tables, ratios, the chart \`bench/latency.svg\`, \`bench/results.json\`) comes from that run, except the analysis under
"Biggest costs", which is written by hand from it and from the measurements it names.

## Summary against the targets

${table(['target', 'measured', 'verdict'], [
    ['saga throughput ≥ 0.7× floor', `${x(r.ratios.throughput)} (${r.saga.ordersPerSecond} vs ${r.floor.ordersPerSecond} orders/s)`, verdict(r.ratios.throughput >= 0.7)],
    ['saga p50 ≤ 1.5× floor', `${x(r.ratios.p50)} (${r.saga.latencyMs.p50} vs ${r.floor.latencyMs.p50} ms)`, verdict(r.ratios.p50 <= 1.5)],
    ['reads ≥ 0.5× raw at c=32', `${x(readRatio32)} (${c32.api?.rps} vs ${c32.raw?.rps} req/s)`, verdict(readRatio32 >= 0.5)],
    ['read p99 < 20 ms at c=32', `${c32.api?.p99} ms`, verdict((c32.api?.p99 ?? Infinity) < 20)],
    [`worker memory growth < 20% over ${r.long.run.orders} orders`, `${worstWorkerRss}% RSS, ${Math.max(...workerMemory.map((row) => row.heapGrowthPct))}% heap after GC`, verdict(worstWorkerRss < 20)],
  ])}

Where a target is missed, "Biggest costs" below says why and what would fix it.

## Machine and versions

${table(['', ''], [
    ['code measured', m.code ?? 'not recorded'], ['CPU', `${m.cpus} × ${m.cpuModel}`], ['memory', `${m.memoryGiB} GiB`], ['OS', m.os], ['Node', m.node],
    ['Temporal', `${m.temporalCli}; TypeScript SDK ${m.sdk}`], ['PostgreSQL', `${m.postgres} (${s.database})`],
    ['Prisma', m.prisma], ['autocannon', m.autocannon], ['load average at start', m.loadAverage.join(', ')],
    ['other heavy processes at start', m.otherHeavyProcesses.length ? m.otherHeavyProcesses.join('<br>') : 'none (`pgrep -fa "jest|chaos"` empty)'],
  ])}

Everything shares the ${m.cpus} cores: the dev server, PostgreSQL, the worker process(es), the API and the load generator.

## How it was run

\`\`\`bash
npm run bench                              # the published run (about ${Math.round(r.seconds / 60)} min here)
BENCH_LONG_ORDERS=500 BENCH_ORDERS=200 BENCH_SCALE_ORDERS=200 BENCH_READ_SECONDS=3 npm run bench   # a quick one
\`\`\`

${table(['setting', 'value', 'variable'], [
    ['orders in flight (floor, saga)', s.concurrency, 'BENCH_CONCURRENCY'],
    ['orders per floor / saga run (after a warm-up of ' + s.warmup + ')', s.orders, 'BENCH_ORDERS, BENCH_WARMUP'],
    ['read connections × seconds', `${s.readConnections.join(', ')} × ${s.readSeconds} s`, 'BENCH_READ_SECONDS'],
    ['scale runs: orders, in flight', `${s.scaleOrders}, ${s.scaleConcurrency}`, 'BENCH_SCALE_ORDERS, BENCH_SCALE_CONCURRENCY'],
    ['long run: orders, in flight', `${s.longOrders}, ${s.longConcurrency}`, 'BENCH_LONG_ORDERS, BENCH_LONG_CONCURRENCY'],
    ['customers / products (one per in-flight order)', s.catalogSize, 'BENCH_CATALOG'],
    ['log level of API and workers', s.logLevel, 'BENCH_LOG_LEVEL'],
    ['saga completion observed by', s.observe === 'projection' ? 'one batched projection query every 5 ms' : 'polling GET /orders/:id every 25 ms', 'BENCH_SAGA_OBSERVE=projection|http'],
    ['database', s.database, 'DATABASE_URL'],
  ])}

Saga orders run with \`DISPATCH_DELAY=0\`, payment token \`tok_visa\`, one line of quantity 1; the API and
worker processes are the real entrypoints (\`api/server.ts\`, \`workers/all.worker.ts\`) with the default worker
options (activity and workflow-task concurrency 100, workflow cache 1000, DB pool 10). Latency is per order:
floor = \`workflow.execute\` start → result; saga = \`POST /orders\` sent → final status committed in the
\`orders\` projection (the table \`GET /orders/:id\` reads), found by one batched query for all in-flight orders
every 5 ms so that watching costs the system almost nothing. The floor workflow (\`bench/floor.workflow.ts\`) runs
the saga's 10 activities as no-ops, in the same order, on the same task-queue split (orders ×4, stock ×2,
credit ×2, payment, shipment) and with the same activity options, in its own worker process with the same worker
options (\`bench/floor.worker.ts\`).

## 1–2. Orders: floor vs saga

${table(PHASE_HEAD, [phaseRow('floor: 10 no-op activities', r.floor), phaseRow('saga: POST /orders → SHIPPED', r.saga)])}

Ratios saga / floor: throughput **${x(r.ratios.throughput)}**, p50 **${x(r.ratios.p50)}**, p95 ${x(r.ratios.p95)}, p99 ${x(r.ratios.p99)}.
Outcomes of the saga run: ${Object.entries(r.saga.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}.

CPU time per order by process (ms; from /proc, user + system):

${table(['run', ...cpuKeys, 'total'], [r.floor, r.saga, r.scale.one, r.scale.two, r.long.run].map((p, i) => [
    ['floor', 'saga', 'scale, 1 worker process', 'scale, 2 worker processes', 'long run'][i]!,
    ...cpuKeys.map((k) => p.cpuMsPerOrder[k] ?? 0),
    Math.round(Object.values(p.cpuMsPerOrder).reduce((a, b) => a + b, 0) * 10) / 10,
  ]))}

![latency percentiles](bench/latency.svg)

## 3. Reads: GET /orders/:id with a JWT vs raw node:http + pg

The raw server (\`bench/read-floor.ts\`) answers the same JSON by running the same SQL as the API's route (at
the code measured: one statement returning the row and its timeline) through \`pg\` on a pool of the same size,
without Express, Prisma, JWT verification or a request log. Requests rotate over
${Math.min(256, s.orders)} shipped orders (10-entry timelines), each with its owner's token.

${table(['connections', 'API req/s', 'API p50 ms', 'API p99 ms', 'raw req/s', 'raw p50 ms', 'raw p99 ms', 'API / raw req/s', 'server CPU ms/req API, raw', 'API non-2xx'],
    r.reads.api.map((a, i) => {
      const raw = r.reads.raw[i]!;
      return [a.connections, a.rps, a.p50, a.p99, raw.rps, raw.p50, raw.p99, x(a.rps / raw.rps), `${a.serverCpuMsPerRequest}, ${raw.serverCpuMsPerRequest}`, a.non2xx + a.errors];
    }))}

## 4. Scale and a long run

${table(PHASE_HEAD, [phaseRow('1 worker process', r.scale.one), phaseRow('2 worker processes', r.scale.two), phaseRow(`long run, ${r.long.workers} worker process${r.long.workers === 1 ? '' : 'es'}`, r.long.run)])}

Two worker processes vs one: ${x(r.scale.two.ordersPerSecond / r.scale.one.ordersPerSecond)} the throughput.

Memory over the long run (${r.long.run.orders} orders; "start" is after the earlier phases, so every process is
warm; RSS from /proc/<pid>/status VmRSS, heap = V8 heapUsed after a forced GC, asked over IPC by
\`bench/probe.preload.mjs\`):

${table(['process', 'RSS start MiB', 'RSS end MiB', 'RSS max MiB', 'RSS growth', 'heap start MiB', 'heap end MiB', 'heap growth'],
    r.long.memory.map((row) => [row.process, row.rssStartMiB, row.rssEndMiB, row.rssMaxMiB, `${row.rssGrowthPct}%`, row.heapStartMiB, row.heapEndMiB, `${row.heapGrowthPct}%`]))}

RSS every 5 s (MiB): ${r.long.samples.filter((_, i, all) => i % Math.max(1, Math.ceil(all.length / 8)) === 0 || i === all.length - 1).map((sm) => `${sm.seconds} s: ${Object.entries(sm.rssMiB).map(([k, v]) => `${k} ${v}`).join(', ')}`).join('; ')}.

## Profile of the saga path

Per step, medians over ${r.profile.saga.workflows} sampled workflows of each kind, from the workflow histories'
server timestamps: *queue* = activity scheduled → started, *run* = started → completed (the activity's own work),
*turn* = previous step completed → this step scheduled (one workflow task).

${table(['step', 'floor queue', 'floor run', 'floor turn', 'saga queue', 'saga run', 'saga turn'], r.profile.saga.steps.map((st, i) => {
    const f = r.profile.floor.steps[i]!;
    return [st.step, f.queueMs, f.runMs, i === 0 ? '–' : f.turnaroundMs, st.queueMs, st.runMs, i === 0 ? '–' : st.turnaroundMs];
  }))}

${table(['per workflow (median)', 'floor', 'saga'], [
    ['start → close, ms', r.profile.floor.totalMs, r.profile.saga.totalMs],
    ['start → first activity scheduled, ms', r.profile.floor.firstScheduleMs, r.profile.saga.firstScheduleMs],
    ['last activity completed → close, ms', r.profile.floor.closeMs, r.profile.saga.closeMs],
    ['sum of activity run times, ms', sum(r.profile.floor.steps.map((st) => st.runMs)), sum(r.profile.saga.steps.map((st) => st.runMs))],
    ['workflow tasks', r.profile.floor.workflowTasks, r.profile.saga.workflowTasks],
    ['history events', r.profile.floor.events, r.profile.saga.events],
  ])}

SQL round trips per order, counted in the client (every pg \`Client#query\` of the API and worker processes,
including BEGIN/COMMIT): ${Object.entries(sql.perOrder).map(([k, v]) => `**${k} ${v}**`).join(', ')}; total ${sum(Object.values(sql.perOrder))}.

${table(['process', 'statement (first 160 chars)', 'per order', 'mean ms (client)'], sql.top.slice(0, 20).map((t) => [t.process, `\`${t.statement.replace(/\|/g, '\\|')}\``, t.perOrder, t.meanMs]))}

${sql.server ? `Server side (pg_stat_statements, same orders; mean execution time only, no network or queueing):

${table(['statement', 'per order', 'mean ms', 'ms per order'], sql.server.slice(0, 15).map((t) => [`\`${t.statement.replace(/\|/g, '\\|')}\``, t.perOrder, t.meanMs, t.totalMsPerOrder]))}` : 'pg_stat_statements was not available on this server.'}

## Biggest costs and suggested fixes

${existsSync(findings) ? readFileSync(findings, 'utf8').trim() : '_(bench/findings.md not written yet)_'}
`;
}

const sum = (values: number[]) => Math.round(values.reduce((a, b) => a + b, 0) * 10) / 10;

export function writeReport(r: Results, file: string): void {
  writeFileSync(file, renderReport(r));
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  writeReport(JSON.parse(readFileSync(path.join(root, 'bench', 'results.json'), 'utf8')) as Results, path.join(root, 'BENCHMARKS.md'));
}
