// Renders BENCHMARKS.md from one run's results. The analysis of the costs (bench/findings.md) is
// written by hand against a published run and included verbatim.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Phase, Results, RoundsSummary, Spread } from './results';
import { targets } from './targets';

const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const x = (n: number) => `${n.toFixed(2)}×`;
/** Median (min–max) across rounds. */
const mm = (sp: Spread, f: (n: number) => string = String) => `${f(sp.median)} (${f(sp.min)}–${f(sp.max)})`;

function phaseRow(name: string, p: Phase): (string | number)[] {
  return [name, p.concurrency, p.orders, p.ordersPerSecond, p.latencyMs.p50, p.latencyMs.p95, p.latencyMs.p99, p.latencyMs.max, p.failures];
}
const PHASE_HEAD = ['run', 'in flight', 'orders', 'orders/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'failures'];

function roundsRow(name: string, p: RoundsSummary, perRound: number): (string | number)[] {
  return [name, p.concurrency, `${p.rounds.length} × ${perRound}`, mm(p.ordersPerSecond), mm(p.latencyMs.p50), p.latencyMs.p95.median, mm(p.latencyMs.p99), p.latencyMs.max.max, p.failures];
}
const ROUNDS_HEAD = ['run', 'in flight', 'orders', 'orders/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms (worst round)', 'failures'];

export function renderReport(r: Results): string {
  const m = r.machine;
  const s = r.settings;
  const o = r.orders;
  const cpuKeys = Object.keys(o.saga.cpuMsPerOrder);
  const findings = path.join(__dirname, 'findings.md');
  const sql = r.profile.sql;
  const kinds = [['naive floor', r.profile.naive], ['same-shape floor', r.profile.sameShape], ['saga', r.profile.saga]] as const;
  const stepNames = [...new Set(kinds.flatMap(([, p]) => p.steps.map((st) => st.step)))];

  return `# Benchmarks

One run of \`${r.command}\` (${new Date(r.startedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round(r.seconds / 60)} min) on ONE Temporal dev
server and ONE PostgreSQL that the bench starts itself (own ports, data under \`${path.relative(path.resolve(__dirname, '..'), s.dir)}/\`). Everything here
(tables, ratios, the chart \`bench/latency.svg\`, \`bench/results.json\`) comes from that run, except the analysis under
"Biggest costs", which is written by hand from it and from the measurements it names.

## Summary against the targets

${table(['target', 'measured', 'verdict'], targets(r).map((t) => [t.target, t.measured, t.verdict]))}

Orders ran in ${s.rounds} interleaved rounds (naive floor, same-shape floor, saga, then again): a verdict is taken on
the median across rounds of the ratio within each round; "rounds" gives the lowest and highest round.

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
BENCH_LONG_ORDERS=500 BENCH_ORDERS=300 BENCH_DECISION_ORDERS=60 BENCH_SCALE_ORDERS=200 BENCH_READ_SECONDS=3 npm run bench   # a quick one
BENCH_WRITE_REPORT=0 npm run bench         # a trial: results, report and chart under the bench dir, not here
\`\`\`

${table(['setting', 'value', 'variable'], [
    ['orders in flight (floors, saga)', s.concurrency, 'BENCH_CONCURRENCY'],
    [`orders of each kind (floors, saga), after one warm-up of ${s.warmup} of each`, `${o.saga.orders} in ${s.rounds} rounds of ${o.perRound}`, 'BENCH_ORDERS, BENCH_ROUNDS, BENCH_WARMUP'],
    ['first decision: orders per run, in flight, Prefer: wait', `${s.decisionOrders}, ${s.decisionConcurrency.join(' and ')}, wait=${s.decisionWaitSeconds}`, 'BENCH_DECISION_ORDERS, BENCH_DECISION_WAIT'],
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
floors = \`workflow.execute\` start → result; saga = \`POST /orders\` sent → final status committed in the
\`orders\` projection (the table \`GET /orders/:id\` reads), found by one batched query for all in-flight orders
every 5 ms so that watching costs the system almost nothing. Both floors (\`bench/floor.workflow.ts\`) run in their
own worker process with the same worker options (\`bench/floor.worker.ts\`), on the same task-queue split as the
saga and with the saga's activity options (start-to-close 10 s, its retry policy), every activity a no-op:

- **naive floor** (\`floorWorkflow\`): the saga's 10 steps as regular activities one after another (orders ×4,
  stock ×2, credit ×2, payment, shipment), no search attributes;
- **same-shape floor** (\`sameShapeFloorWorkflow\`): the saga's shape — the orders context's 4 steps as local
  activities on the workflow's own worker, reserveStock ∥ reserveCredit, chargePayment, bookShipment,
  commitStock ∥ consumeCredit as regular activities, the saga's search-attribute upserts (3 at the start,
  OrderStatus after each transition), started like the API starts the saga (same search attributes, reuse
  policy, summary). It differs from the saga only by what the activities do (and the saga's payload codec).

## 1–2. Orders: naive floor, same-shape floor, saga

Medians across ${s.rounds} rounds, with the lowest and highest round in brackets:

${table(ROUNDS_HEAD, [
    roundsRow('naive floor: 10 regular no-op activities', o.naive, o.perRound),
    roundsRow('same-shape floor: the saga\'s shape, no-op bodies', o.sameShape, o.perRound),
    roundsRow('saga: POST /orders → SHIPPED', o.saga, o.perRound),
  ])}

Round by round (orders/s · p50 ms · p99 ms; the three phases of a round ran back to back):

${table(['round', 'naive floor', 'same-shape floor', 'saga', 'saga / same-shape: orders/s · p50', 'saga / naive: orders/s · p50'], o.saga.rounds.map((sg, i) => {
    const line = (p: Phase) => `${p.ordersPerSecond} · ${p.latencyMs.p50} · ${p.latencyMs.p99}`;
    const vsSame = o.ratios.sagaVsSameShape.perRound[i]!;
    const vsNaive = o.ratios.sagaVsNaive.perRound[i]!;
    return [i + 1, line(o.naive.rounds[i]!), line(o.sameShape.rounds[i]!), line(sg), `${x(vsSame.throughput)} · ${x(vsSame.p50)}`, `${x(vsNaive.throughput)} · ${x(vsNaive.p50)}`];
  }))}

Ratios saga / same-shape floor, median (min–max) across rounds: throughput **${mm(o.ratios.sagaVsSameShape.throughput, x)}**,
p50 **${mm(o.ratios.sagaVsSameShape.p50, x)}**, p99 ${mm(o.ratios.sagaVsSameShape.p99, x)}.
Ratios saga / naive floor: throughput **${mm(o.ratios.sagaVsNaive.throughput, x)}**, p50 **${mm(o.ratios.sagaVsNaive.p50, x)}**,
p99 ${mm(o.ratios.sagaVsNaive.p99, x)}.
Outcomes of the saga rounds: ${Object.entries(o.saga.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}.

CPU time per order by process (ms; from /proc, user + system; the floors and the saga over all their rounds):

${table(['run', ...cpuKeys, 'total'], [o.naive, o.sameShape, o.saga, r.scale.one, r.scale.two, r.long.run].map((p, i) => [
    ['naive floor', 'same-shape floor', 'saga', 'scale, 1 worker process', 'scale, 2 worker processes', 'long run'][i]!,
    ...cpuKeys.map((k) => p.cpuMsPerOrder[k] ?? 0),
    Math.round(Object.values(p.cpuMsPerOrder).reduce((a, b) => a + b, 0) * 10) / 10,
  ]))}

![latency percentiles](bench/latency.svg)

## 3. First decision: POST /orders with \`Prefer: wait=${s.decisionWaitSeconds}\`

The answer waits until the saga has decided (shared/API.md): time from sending the POST to its answer, closed
loop; a loop's next order starts once the previous one is final, so "in flight" counts whole orders. An
answer carries a decision when its status is not \`APPROVAL_PENDING\`.

${table(['in flight', 'orders', 'answer p50 ms', 'answer p99 ms', 'answer max ms', 'with a decision', 'statuses answered', 'Preference-Applied', 'whole order p50 ms', 'orders/s', 'failures'],
    r.firstDecision.map((d) => [d.concurrency, d.orders, d.responseMs.p50, d.responseMs.p99, d.responseMs.max, `${d.decided} of ${d.orders}`,
      Object.entries(d.statuses).map(([k, v]) => `${k} ${v}`).join(', '), d.preferenceApplied, d.order.latencyMs.p50, d.order.ordersPerSecond, d.failures]))}

## 4. Reads: GET /orders/:id with a JWT vs raw node:http + pg

The raw server (\`bench/read-floor.ts\`) answers the same JSON by running the same SQL as the API's route (at
the code measured: one statement returning the row and its timeline) through \`pg\` on a pool of the same size,
without Express, Prisma, JWT verification or a request log. Requests rotate over
${Math.min(256, o.saga.orders)} shipped orders (10-entry timelines), each with its owner's token.

${table(['connections', 'API req/s', 'API p50 ms', 'API p99 ms', 'raw req/s', 'raw p50 ms', 'raw p99 ms', 'API / raw req/s', 'server CPU ms/req API, raw', 'API non-2xx'],
    r.reads.api.map((a, i) => {
      const raw = r.reads.raw[i]!;
      return [a.connections, a.rps, a.p50, a.p99, raw.rps, raw.p50, raw.p99, x(a.rps / raw.rps), `${a.serverCpuMsPerRequest}, ${raw.serverCpuMsPerRequest}`, a.non2xx + a.errors];
    }))}

## 5. Scale and a long run

${table(PHASE_HEAD, [phaseRow('1 worker process', r.scale.one), phaseRow('2 worker processes', r.scale.two), phaseRow(`long run, ${r.long.workers} worker process${r.long.workers === 1 ? '' : 'es'}`, r.long.run)])}

Two worker processes vs one: ${x(r.scale.two.ordersPerSecond / r.scale.one.ordersPerSecond)} the throughput.

Memory over the long run (${r.long.run.orders} orders; "start" is after the earlier phases, so every process is
warm; RSS from /proc/<pid>/status VmRSS, heap = V8 heapUsed after a forced GC, asked over IPC by
\`bench/probe.preload.mjs\`):

${table(['process', 'RSS start MiB', 'RSS end MiB', 'RSS max MiB', 'RSS growth', 'heap start MiB', 'heap end MiB', 'heap growth'],
    r.long.memory.map((row) => [row.process, row.rssStartMiB, row.rssEndMiB, row.rssMaxMiB, `${row.rssGrowthPct}%`, row.heapStartMiB, row.heapEndMiB, `${row.heapGrowthPct}%`]))}

RSS every 5 s (MiB): ${r.long.samples.filter((_, i, all) => i % Math.max(1, Math.ceil(all.length / 8)) === 0 || i === all.length - 1).map((sm) => `${sm.seconds} s: ${Object.entries(sm.rssMiB).map(([k, v]) => `${k} ${v}`).join(', ')}`).join('; ')}.

## Profile of the saga path

Per step, medians over ${r.profile.saga.workflows} sampled workflows of each kind (from all rounds), from the
workflow histories' server timestamps: *queue* = activity scheduled → started, *run* = started → completed (the
activity's own work), *turn* = the latest earlier step's completion → this step scheduled (one workflow task;
steps run side by side count from the same completion). A local activity (*local*) is not queued by the
server; its *run* is from the workflow time it was scheduled at to the completion its marker records.

${table(['step', ...kinds.flatMap(([name]) => [`${name} queue`, `${name} run`, `${name} turn`])], stepNames.map((step) => [
    step,
    ...kinds.flatMap(([, p]) => {
      const st = p.steps.find((t) => t.step === step);
      return st ? [st.queueMs ?? 'local', st.runMs, st.turnaroundMs ?? '–'] : ['', '', ''];
    }),
  ]))}

${table(['per workflow (median)', ...kinds.map(([name]) => name)], [
    ['start → close, ms', ...kinds.map(([, p]) => p.totalMs)],
    ['start → first step scheduled, ms', ...kinds.map(([, p]) => p.firstScheduleMs)],
    ['last step completed → close, ms', ...kinds.map(([, p]) => p.closeMs)],
    ['sum of step run times, ms', ...kinds.map(([, p]) => sum(p.steps.map((st) => st.runMs)))],
    ['workflow tasks', ...kinds.map(([, p]) => p.workflowTasks)],
    ['history events', ...kinds.map(([, p]) => p.events)],
  ])}

SQL round trips per order over the saga rounds, counted in the client (every pg \`Client#query\` of the API
and worker processes, including BEGIN/COMMIT): ${Object.entries(sql.perOrder).map(([k, v]) => `**${k} ${v}**`).join(', ')}; total ${sum(Object.values(sql.perOrder))}.

${table(['process', 'statement (first 160 chars)', 'per order', 'mean ms (client)'], sql.top.slice(0, 20).map((t) => [t.process, `\`${t.statement.replace(/\|/g, '\\|')}\``, t.perOrder, t.meanMs]))}

${sql.server ? `Server side (pg_stat_statements, the same saga rounds; mean execution time only, no network or queueing):

${table(['statement', 'per order', 'mean ms', 'ms per order'], sql.server.slice(0, 15).map((t) => [`\`${t.statement.replace(/\|/g, '\\|')}\``, t.perOrder, t.meanMs, t.totalMsPerOrder]))}` : 'pg_stat_statements was not available on this server.'}

## Biggest costs and suggested fixes

_Everything above this heading is generated from this run. What follows is bench/findings.md, written by hand:
its figures come from the run and the measurements it names itself, which need not be this one._

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
