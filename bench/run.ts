// `npm run bench`: one run on ONE Temporal dev server and ONE PostgreSQL, both started here.
//   1 floor  — a bare workflow with the saga's 10 activities as no-ops, closed loop at BENCH_CONCURRENCY
//   2 saga   — real orders via the API (POST → final status in the projection), same concurrency
//   3 reads  — GET /orders/:id with JWT vs a bare node:http + pg server, at 1, 8, 32 connections
//   4 scale  — 1 vs 2 worker processes, then BENCH_LONG_ORDERS orders with memory at start and end
// Writes bench/results.json, BENCHMARKS.md and bench/latency.svg. See BENCHMARKS.md for the knobs.
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
import { historyProfile, readStatStatements, resetStatStatements, summariseStatements, type SqlProfile } from './profile';
import { ROOT, spawnBenchProcess, startBenchPostgres, startBenchTemporal, waitForHttp, type BenchProcess } from './stack';
import { cpuSeconds, machine, postgresCpuSeconds, rssMiB } from './sys';
import { writeReport } from './report';
import { writeChart } from './chart';
import { settings, type MemoryRow, type Phase, type Results } from './results';

const log = (message: string) => console.log(`[bench +${(performance.now() / 1000).toFixed(0)}s] ${message}`);
const mib = (bytes: number) => Math.round(bytes / 2 ** 20 * 10) / 10;
const pct = (end: number, start: number) => Math.round((end / start - 1) * 1000) / 10;
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

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

    // 1. Floor.
    const runId = Date.now().toString(36);
    const floorOptions = { searchAttributes: process.env.BENCH_FLOOR_VARIANT === 'search-attributes' };
    const floorOne = (tag: string) => async (i: number) => {
      const result = await client.workflow.execute('floorWorkflow', { taskQueue: 'floor-orders', workflowId: `floor-${runId}-${tag}-${i}`, args: [`${tag}-${i}`, floorOptions] });
      return (result as { status: string }).status;
    };
    log(`floor: warm-up ${settings.warmup}, then ${settings.orders} at concurrency ${settings.concurrency}`);
    await closedLoop(settings.warmup, settings.concurrency, floorOne('warm'));
    const floor = await measured(settings.orders, settings.concurrency, floorOne('run'));
    log(`floor: ${floor.ordersPerSecond}/s, p50 ${floor.latencyMs.p50} ms, p99 ${floor.latencyMs.p99} ms`);

    // 2. Saga through the API, with SQL round trips counted (client side and pg_stat_statements).
    log(`saga: warm-up ${settings.warmup}, then ${settings.orders} at concurrency ${settings.concurrency} (observe: ${settings.observe})`);
    const warmDriver = sagaDriver(apiBase, catalog, watcher, settings.observe);
    await closedLoop(settings.warmup, settings.concurrency, (i) => warmDriver.placeAndWait(i));
    await Promise.all([api.startCounting(), worker1.startCounting()]);
    if (postgres.statStatements) await resetStatStatements(postgres.url);
    const driver = sagaDriver(apiBase, catalog, watcher, settings.observe);
    const saga = await measured(settings.orders, settings.concurrency, (i) => driver.placeAndWait(i));
    const sqlServer = postgres.statStatements ? await readStatStatements(postgres.url, settings.orders) : null;
    const sql: SqlProfile = { ...summariseStatements(settings.orders, { api: await api.statements(), worker: await worker1.statements() }), server: sqlServer };
    log(`saga: ${saga.ordersPerSecond}/s, p50 ${saga.latencyMs.p50} ms, p99 ${saga.latencyMs.p99} ms, outcomes ${JSON.stringify(saga.outcomes)}`);

    const sample = (ids: string[]) => ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / settings.profileSample)) === 0).slice(0, settings.profileSample);
    const profile = {
      saga: await historyProfile(client, sample(driver.placed.map((o) => o.orderId)).map(orderWorkflowId)),
      floor: await historyProfile(client, sample(Array.from({ length: settings.orders }, (_, i) => `floor-${runId}-run-${i}`))),
      sql,
    };
    // The API itself agrees: a sampled order reads back SHIPPED with its whole timeline.
    const first = driver.placed[0]!;
    const check = await request(apiBase, 'GET', `/orders/${first.orderId}`, first.token);
    if (check.status !== 200 || check.json.status !== 'SHIPPED' || (check.json.timeline as unknown[]).length !== 10) {
      throw new Error(`GET /orders/${first.orderId} → ${check.status} ${JSON.stringify(check.json).slice(0, 300)}`);
    }

    // 3. Reads: the API vs the raw floor, on orders with full timelines, each with its owner's token.
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

    // 4. Scale: one worker process; the long run on it (as `npm start` runs the workers), with memory
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
      command: `npm run bench${process.env.BENCH_LONG_ORDERS ? ` (BENCH_LONG_ORDERS=${process.env.BENCH_LONG_ORDERS})` : ''}`,
      settings, machine: info, floor, saga,
      ratios: {
        throughput: ratio(saga.ordersPerSecond, floor.ordersPerSecond), p50: ratio(saga.latencyMs.p50, floor.latencyMs.p50),
        p95: ratio(saga.latencyMs.p95, floor.latencyMs.p95), p99: ratio(saga.latencyMs.p99, floor.latencyMs.p99),
      },
      reads, scale: { one, two }, long: { run: longRun, workers: 1, memory, samples }, profile,
    };
    writeFileSync(path.join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeReport(results, path.join(ROOT, 'BENCHMARKS.md'));
    writeChart(results, path.join(ROOT, 'bench', 'latency.svg'));
    log(`done in ${results.seconds} s: BENCHMARKS.md, bench/latency.svg, bench/results.json`);
  } finally {
    await stopAll();
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
