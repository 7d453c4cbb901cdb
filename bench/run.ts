// `npm run bench`: one run on ONE Temporal dev server and ONE PostgreSQL, both started here.
//   1–2 orders — interleaved rounds (BENCH_ROUNDS) of: the naive floor (the saga's 10 steps as regular
//                no-op activities in sequence), the same-shape floor (the saga's shape with no-op bodies:
//                local activities for the orders context, stock and credit side by side) and the saga
//                (real orders via the API: POST → final status in the projection), closed loop at
//                BENCH_CONCURRENCY, after one warm-up of each
//   3 first decision — POST /orders with `Prefer: wait`, send → answer, at 1 and 16 orders in flight
//   4 reads  — GET /orders/:id with JWT vs a bare node:http + pg server, at 1, 8, 32 connections
//   5 scale  — 1 vs 2 worker processes, then BENCH_LONG_ORDERS orders with memory at start and end
// Writes bench/results.json, BENCHMARKS.md and bench/latency.svg (with BENCH_WRITE_REPORT=0: the same
// three files under the bench dir instead). See BENCHMARKS.md for the knobs.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { loadConfig } from '../platform/config';
import { applyMigrations } from '../platform/migrate';
import { freePort } from '../test/free-port';
import { orderWorkflowId } from '../domain/orders/order.commands';
import { closedLoop } from './load';
import { ProjectionWatcher, request, sagaDriver, seedCatalog } from './saga.driver';
import { readLoad, type ReadStats, type ReadTarget } from './reads';
import { addStatements, historyProfile, readStatStatements, resetStatStatements, summariseServerStatements, summariseStatements, type ServerStatements, type SqlProfile } from './profile';
import { ROOT, spawnBenchProcess, startBenchPostgres, startBenchTemporal, waitForHttp, type BenchProcess, type StatementStats } from './stack';
import { cpuSeconds, machine, postgresCpuSeconds, rssMiB } from './sys';
import { writeReport } from './report';
import { writeChart } from './chart';
import { firstDecision } from './first-decision';
import { ratios, summariseRounds } from './rounds';
import { naiveFloor, sameShapeFloor } from './floor.client';
import { settings, type FirstDecision, type MemoryRow, type Phase, type Results } from './results';

const log = (message: string) => console.log(`[bench +${(performance.now() / 1000).toFixed(0)}s] ${message}`);
const mib = (bytes: number) => Math.round(bytes / 2 ** 20 * 10) / 10;
const pct = (end: number, start: number) => Math.round((end / start - 1) * 1000) / 10;

async function main(): Promise<void> {
  const startedAt = new Date();
  rmSync(settings.dir, { recursive: true, force: true });
  mkdirSync(settings.dir, { recursive: true });
  const logDir = path.join(settings.dir, 'logs');
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => { for (const stop of stops.reverse()) await stop().catch((e) => console.error(e)); };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

  try {
    log(`settings ${JSON.stringify({ ...settings, dir: path.relative(ROOT, settings.dir) })}`);
    const postgres = await startBenchPostgres(settings.dir);
    stops.push(() => postgres.stop());
    await applyMigrations(postgres.url);
    const [temporal, bundle] = await Promise.all([
      startBenchTemporal(settings.dir),
      bundleWorkflowCode({ workflowsPath: path.join(ROOT, 'bench', 'floor.workflow.ts'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } }),
    ]);
    stops.push(() => temporal.stop());
    const bundlePath = path.join(settings.dir, 'floor-bundle.js');
    writeFileSync(bundlePath, bundle.code);
    log(`postgres ${postgres.embedded ? 'embedded' : 'DATABASE_URL'}, temporal ${temporal.address}`);

    const apiPort = await freePort();
    const rawPort = await freePort();
    const env = {
      DATABASE_URL: postgres.url, TEMPORAL_ADDRESS: temporal.address, TASK_QUEUE_PREFIX: 'bench-', DISPATCH_DELAY: '0',
      LOG_LEVEL: settings.logLevel, JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123', JWT_TTL: '6h', NODE_ENV: 'development',
    };
    const config = loadConfig({ ...env });
    const processes: BenchProcess[] = [];
    const spawnTracked = async (options: Parameters<typeof spawnBenchProcess>[0]) => {
      const p = await spawnBenchProcess(options);
      processes.push(p);
      stops.push(() => p.stop());
      return p;
    };
    const [floorWorker, worker1, readFloor] = await Promise.all([
      spawnTracked({ name: 'floor-worker', file: 'bench/floor.worker.ts', env: { TEMPORAL_ADDRESS: temporal.address, FLOOR_QUEUE_PREFIX: 'floor-', FLOOR_BUNDLE: bundlePath }, logDir, ready: 'workers running' }),
      spawnTracked({ name: 'worker-1', file: 'workers/all.worker.ts', env, logDir, ready: 'workers running' }),
      spawnTracked({ name: 'read-floor', file: 'bench/read-floor.ts', env: { DATABASE_URL: postgres.url, PORT: String(rawPort), DB_POOL_SIZE: String(config.DB_POOL_SIZE) }, logDir, ready: 'read floor listening' }),
    ]);
    const apiBase = `http://127.0.0.1:${apiPort}`;
    const api = await spawnTracked({ name: 'api', file: 'api/server.ts', env: { ...env, PORT: String(apiPort), HOST: '127.0.0.1' }, logDir, ready: () => waitForHttp(`${apiBase}/health/ready`) });
    const workers = [worker1];

    const pgCpu = () => (postgres.embedded ? postgresCpuSeconds(path.join(settings.dir, 'postgres')) : 0);
    const cpu = () => ({
      api: cpuSeconds(api.pid), workers: workers.reduce((s, w) => s + cpuSeconds(w.pid), 0), 'floor-worker': cpuSeconds(floorWorker.pid),
      temporal: cpuSeconds(temporal.process.pid!), postgres: pgCpu(), driver: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
    });
    const measured = async (orders: number, concurrency: number, one: (i: number) => Promise<string>): Promise<Phase> => {
      const before = cpu();
      const stats = await closedLoop(orders, concurrency, one, (done) => { if (done % 1000 === 0) log(`  ${done}/${orders}`); });
      const after = cpu();
      const cpuMsPerOrder = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, Math.round(((v - before[k as keyof typeof before]) / orders) * 1e4) / 10]));
      return { ...stats, cpuMsPerOrder };
    };

    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const client = new Client({ connection });
    const catalog = await seedCatalog(postgres.url, config, settings.catalogSize);
    const watcher = new ProjectionWatcher(postgres.url);
    await watcher.start();
    stops.push(() => watcher.stop());
    const info = await machine(postgres.url);
    if (info.otherHeavyProcesses.length) log(`WARNING: other heavy processes are running:\n  ${info.otherHeavyProcesses.join('\n  ')}`);

    // 1–2. Orders: the naive floor, the same-shape floor and the saga in interleaved rounds, after one
    // warm-up of each; SQL round trips counted over the saga rounds (client side and pg_stat_statements).
    const runId = Date.now().toString(36);
    const naive = naiveFloor(client, runId, { searchAttributes: process.env.BENCH_FLOOR_VARIANT === 'search-attributes' });
    const sameShape = sameShapeFloor(client, runId, catalog.customers.map((c) => c.customerId));
    const { rounds, concurrency } = settings;
    const perRound = Math.max(1, Math.floor(settings.orders / rounds));
    log(`orders: warm-up ${settings.warmup} of each kind, then ${rounds} rounds of ${perRound} naive floor, same-shape floor, saga at concurrency ${concurrency} (saga observed by ${settings.observe})`);
    await closedLoop(settings.warmup, concurrency, naive.one('warm'));
    await closedLoop(settings.warmup, concurrency, sameShape.one('warm'));
    const warmDriver = sagaDriver(apiBase, catalog, watcher, settings.observe);
    await closedLoop(settings.warmup, concurrency, (i) => warmDriver.placeAndWait(i));
    const driver = sagaDriver(apiBase, catalog, watcher, settings.observe);
    const naiveRounds: Phase[] = [];
    const sameShapeRounds: Phase[] = [];
    const sagaRounds: Phase[] = [];
    const counted = { api: [] as Record<string, StatementStats>[], worker: [] as Record<string, StatementStats>[], server: [] as ServerStatements[] };
    for (let r = 1; r <= rounds; r++) {
      naiveRounds.push(await measured(perRound, concurrency, naive.one(`r${r}`)));
      sameShapeRounds.push(await measured(perRound, concurrency, sameShape.one(`r${r}`)));
      await Promise.all([api.startCounting(), worker1.startCounting()]);
      if (postgres.statStatements) await resetStatStatements(postgres.url);
      sagaRounds.push(await measured(perRound, concurrency, (i) => driver.placeAndWait(i)));
      if (postgres.statStatements) counted.server.push(await readStatStatements(postgres.url));
      counted.api.push(await api.statements());
      counted.worker.push(await worker1.statements());
      const line = (p: Phase) => `${p.ordersPerSecond}/s p50 ${p.latencyMs.p50} p99 ${p.latencyMs.p99} ms`;
      log(`  round ${r}: naive ${line(naiveRounds.at(-1)!)}; same-shape ${line(sameShapeRounds.at(-1)!)}; saga ${line(sagaRounds.at(-1)!)} ${JSON.stringify(sagaRounds.at(-1)!.outcomes)}`);
    }
    const sagaOrders = perRound * rounds;
    const sql: SqlProfile = {
      ...summariseStatements(sagaOrders, { api: addStatements(counted.api), worker: addStatements(counted.worker) }),
      server: postgres.statStatements ? summariseServerStatements(counted.server, sagaOrders) : null,
    };
    const orders: Results['orders'] = {
      perRound, naive: summariseRounds(naiveRounds), sameShape: summariseRounds(sameShapeRounds), saga: summariseRounds(sagaRounds),
      ratios: { sagaVsSameShape: ratios(sagaRounds, sameShapeRounds), sagaVsNaive: ratios(sagaRounds, naiveRounds) },
    };
    log(`orders (median of ${rounds}): saga / same-shape ${orders.ratios.sagaVsSameShape.throughput.median}× throughput, ${orders.ratios.sagaVsSameShape.p50.median}× p50; saga / naive ${orders.ratios.sagaVsNaive.throughput.median}×, ${orders.ratios.sagaVsNaive.p50.median}×`);

    const sample = (ids: string[]) => ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / settings.profileSample)) === 0).slice(0, settings.profileSample);
    const measuredIds = (id: (tag: string, i: number) => string) => Array.from({ length: rounds }, (_, r) => Array.from({ length: perRound }, (__, i) => id(`r${r + 1}`, i))).flat();
    const profile = {
      saga: await historyProfile(client, sample(driver.placed.map((o) => o.orderId)).map(orderWorkflowId)),
      naive: await historyProfile(client, sample(measuredIds(naive.id))),
      sameShape: await historyProfile(client, sample(measuredIds(sameShape.id))),
      sql,
    };
    // The API itself agrees: a sampled order reads back SHIPPED with its whole timeline.
    const first = driver.placed[0]!;
    const check = await request(apiBase, 'GET', `/orders/${first.orderId}`, first.token);
    if (check.status !== 200 || check.json.status !== 'SHIPPED' || (check.json.timeline as unknown[]).length !== 10) {
      throw new Error(`GET /orders/${first.orderId} → ${check.status} ${JSON.stringify(check.json).slice(0, 300)}`);
    }

    // 3. First decision: POST /orders with Prefer: wait, send → answer.
    const decisions: FirstDecision[] = [];
    for (const c of settings.decisionConcurrency) {
      log(`first decision: ${settings.decisionOrders} orders with Prefer: wait=${settings.decisionWaitSeconds} at concurrency ${c}`);
      const result = await firstDecision(apiBase, catalog, watcher, { orders: settings.decisionOrders, concurrency: c, waitSeconds: settings.decisionWaitSeconds });
      decisions.push(result);
      log(`  c=${c}: answer p50 ${result.responseMs.p50} ms, p99 ${result.responseMs.p99} ms; decided ${result.decided}/${settings.decisionOrders} ${JSON.stringify(result.statuses)}`);
    }

    // 4. Reads: the API vs the raw floor, on orders with full timelines, each with its owner's token.
    const targets: ReadTarget[] = driver.placed.slice(0, 256);
    log(`reads: ${settings.readConnections.join(', ')} connections × ${settings.readSeconds} s, API and raw`);
    await readLoad(apiBase, api.pid, targets, 8, 2);
    await readLoad(`http://127.0.0.1:${rawPort}`, readFloor.pid, targets, 8, 2);
    const reads = { api: [] as ReadStats[], raw: [] as ReadStats[] };
    for (const connections of settings.readConnections) {
      reads.api.push(await readLoad(apiBase, api.pid, targets, connections, settings.readSeconds));
      reads.raw.push(await readLoad(`http://127.0.0.1:${rawPort}`, readFloor.pid, targets, connections, settings.readSeconds));
      log(`  c=${connections}: API ${reads.api.at(-1)!.rps} rps p99 ${reads.api.at(-1)!.p99} ms; raw ${reads.raw.at(-1)!.rps} rps p99 ${reads.raw.at(-1)!.p99} ms`);
    }

    // 5. Scale: one worker process; the long run on it (as `npm start` runs the workers), with memory
    // of the worker and the API at start and end; then a second worker process.
    log(`scale: ${settings.scaleOrders} orders at concurrency ${settings.scaleConcurrency} with 1 worker process`);
    const scaleDriver = sagaDriver(apiBase, catalog, watcher, settings.observe);
    const one = await measured(settings.scaleOrders, settings.scaleConcurrency, (i) => scaleDriver.placeAndWait(i));
    log(`  1 process: ${one.ordersPerSecond}/s, p50 ${one.latencyMs.p50} ms`);

    log(`long run: ${settings.longOrders} orders at concurrency ${settings.longConcurrency} on 1 worker process`);
    const watched = [worker1, api];
    // Heap after a forced GC, then RSS, so neither counts garbage that a collection would free.
    const memoryAt = async () => Promise.all(watched.map(async (p) => {
      const heap = mib((await p.memory()).heapUsed);
      return { rss: p.rssMiB(), heap };
    }));
    const start = await memoryAt();
    const samples: Results['long']['samples'] = [];
    const t0 = performance.now();
    const sampler = setInterval(() => {
      samples.push({ seconds: Math.round((performance.now() - t0) / 1000), rssMiB: Object.fromEntries([...watched.map((p) => [p.name, Math.round(rssMiB(p.pid))]), ['temporal', Math.round(rssMiB(temporal.process.pid!))]]) });
    }, 5000);
    const longDriver = sagaDriver(apiBase, catalog, watcher, settings.observe);
    const longRun = await measured(settings.longOrders, settings.longConcurrency, (i) => longDriver.placeAndWait(i));
    clearInterval(sampler);
    const end = await memoryAt();
    const memory: MemoryRow[] = watched.map((p, i) => ({
      process: p.name,
      rssStartMiB: Math.round(start[i]!.rss), rssEndMiB: Math.round(end[i]!.rss),
      rssMaxMiB: Math.round(Math.max(start[i]!.rss, end[i]!.rss, ...samples.map((s) => s.rssMiB[p.name] ?? 0))),
      heapStartMiB: start[i]!.heap, heapEndMiB: end[i]!.heap,
      rssGrowthPct: pct(end[i]!.rss, start[i]!.rss), heapGrowthPct: pct(end[i]!.heap, start[i]!.heap),
    }));
    log(`long run: ${longRun.ordersPerSecond}/s; memory ${memory.map((m) => `${m.process} rss ${m.rssStartMiB}→${m.rssEndMiB} MiB (${m.rssGrowthPct}%), heap ${m.heapStartMiB}→${m.heapEndMiB} MiB`).join('; ')}`);

    log(`scale: ${settings.scaleOrders} orders at concurrency ${settings.scaleConcurrency} with 2 worker processes`);
    workers.push(await spawnTracked({ name: 'worker-2', file: 'workers/all.worker.ts', env, logDir, ready: 'workers running' }));
    await closedLoop(settings.warmup, settings.scaleConcurrency, (i) => scaleDriver.placeAndWait(i));
    const two = await measured(settings.scaleOrders, settings.scaleConcurrency, (i) => scaleDriver.placeAndWait(i));
    log(`  2 processes: ${two.ordersPerSecond}/s, p50 ${two.latencyMs.p50} ms`);

    const results: Results = {
      startedAt: startedAt.toISOString(),
      seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      command: commandLine(),
      settings, machine: info, orders, firstDecision: decisions,
      reads, scale: { one, two }, long: { run: longRun, workers: 1, memory, samples }, profile,
    };
    // BENCH_WRITE_REPORT=0 (trial runs): the same files, under the bench dir, so the published ones stay.
    const out = settings.writeReport ? { results: path.join(ROOT, 'bench', 'results.json'), report: path.join(ROOT, 'BENCHMARKS.md'), chart: path.join(ROOT, 'bench', 'latency.svg') }
      : { results: path.join(settings.dir, 'results.json'), report: path.join(settings.dir, 'BENCHMARKS.md'), chart: path.join(settings.dir, 'latency.svg') };
    writeFileSync(out.results, `${JSON.stringify(results, null, 2)}\n`);
    writeReport(results, out.report);
    writeChart(results, out.chart);
    log(`done in ${results.seconds} s: ${Object.values(out).map((f) => path.relative(ROOT, f)).join(', ')}`);
  } finally {
    await stopAll();
  }
}

/** `npm run bench` and the BENCH_* variables it ran with (other than where it wrote). */
function commandLine(): string {
  const vars = Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_') && k !== 'BENCH_DIR' && k !== 'BENCH_WRITE_REPORT').map(([k, v]) => `${k}=${v}`).sort();
  return vars.length ? `${vars.join(' ')} npm run bench` : 'npm run bench';
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
