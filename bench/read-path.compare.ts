// GET /orders/:id: the API against the raw floor (bench/read-floor.ts), both on ONE scratch database,
// measured interleaved (raw, api, raw, api …) at each connection count so machine drift (others'
// tests on the same 2 cores) hits both alike. Prints per-round ratios and their median. The API runs
// as bench/read-path.api.ts (createApp, real config, request log to a file, no Temporal needed).
//   node --import tsx bench/read-path.compare.ts
// Knobs: READ_PATH_PG (server to create the scratch database on; default the local PostgreSQL),
// READ_PATH_ROUNDS (3), READ_PATH_SECONDS (5), READ_PATH_CONNECTIONS (1,8,32), READ_PATH_ORDERS (256),
// READ_PATH_CUSTOMERS (128), READ_PATH_OTHERS (other API versions, see main), BENCH_CPU_PROFILE=1 (V8 profiles of the
// servers under .data/read-path/cpu; bench/read-path.profile.ts splits the API's per request).
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../platform/config';
import { issueToken } from '../api/auth';
import { freePort } from '../test/free-port';
import { readLoad, type ReadStats, type ReadTarget } from './reads';
import { cpuSeconds } from './sys';
import { scratchDatabase, seedShippedOrders } from './read-path.seed';
import { ROOT, spawnBenchProcess, waitForHttp, type BenchProcess } from './stack';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const rounds = Number(env('READ_PATH_ROUNDS', '3'));
const seconds = Number(env('READ_PATH_SECONDS', '5'));
const connectionCounts = env('READ_PATH_CONNECTIONS', '1,8,32').split(',').map(Number);
const orderCount = Number(env('READ_PATH_ORDERS', '256'));
const customerCount = Number(env('READ_PATH_CUSTOMERS', '128'));
const dir = path.join(ROOT, '.data', 'read-path');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function main(): Promise<void> {
  const db = await scratchDatabase();
  const url = db.url;
  const processes: BenchProcess[] = [];
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const orders = await seedShippedOrders(url, orderCount, customerCount);
    const secret = randomBytes(32).toString('hex');
    const apiEnv = { DATABASE_URL: url, JWT_SECRET: secret, JWT_TTL: '6h', LOG_LEVEL: 'info', NODE_ENV: 'development', DB_POOL_SIZE: '10' };
    const config = loadConfig({ ...apiEnv });
    const tokens = new Map<string, string>();
    const targets: ReadTarget[] = orders.map((o) => {
      if (!tokens.has(o.customerId)) tokens.set(o.customerId, issueToken(config, { customerId: o.customerId, role: 'customer' }).accessToken);
      return { orderId: o.orderId, token: tokens.get(o.customerId)! };
    });
    const logDir = path.join(dir, 'logs');
    const rawPort = await freePort();
    const raw = await spawnBenchProcess({ name: 'read-floor', file: 'bench/read-floor.ts', env: { DATABASE_URL: url, PORT: String(rawPort), DB_POOL_SIZE: '10' }, logDir, ready: 'read floor listening' });
    processes.push(raw);
    // The API of this checkout and, measured in the same rounds, others given as READ_PATH_OTHERS=
    // name=dir,…: each a copy of another commit or a variant (node_modules and generated/ linked in)
    // whose bench/read-path.api.ts serves GET /orders/:id and /health/live (copy this one in).
    const apiRoots: [string, string][] = [['api', ROOT], ...(process.env.READ_PATH_OTHERS ?? '').split(',').filter(Boolean).map((entry) => {
      const [name, root] = entry.split('=');
      return [name!, path.resolve(root!)] as [string, string];
    })];
    const apis: { name: string; base: string; pid: number }[] = [];
    for (const [name, root] of apiRoots) {
      const port = await freePort();
      const file = path.relative(ROOT, path.join(root, 'bench', 'read-path.api.ts'));
      const p = await spawnBenchProcess({ name, file, env: { ...apiEnv, PORT: String(port) }, logDir, ready: () => waitForHttp(`http://127.0.0.1:${port}/health/live`) });
      processes.push(p);
      apis.push({ name, base: `http://127.0.0.1:${port}`, pid: p.pid });
    }
    const floor = { name: 'raw', base: `http://127.0.0.1:${rawPort}`, pid: raw.pid };

    // The same answer from each (the floor's SQL does not read `payment`; its totalCents is pg's bigint string).
    const sample = targets[0]!;
    const bodies = await Promise.all([floor, ...apis].map(async (s) => {
      const res = await fetch(`${s.base}/orders/${sample.orderId}`, { headers: { authorization: `Bearer ${sample.token}` } });
      if (res.status !== 200) throw new Error(`${s.name}: GET /orders/${sample.orderId} → ${res.status} ${await res.text()}`);
      const { payment: _payment, totalCents, ...rest } = (await res.json()) as Record<string, unknown>;
      return JSON.stringify({ ...rest, totalCents: Number(totalCents) });
    }));
    for (const [i, body] of bodies.entries()) if (body !== bodies[0]) console.warn(`WARNING: ${[floor, ...apis][i]!.name}'s body differs from the floor's:\n  ${body}\n  ${bodies[0]}`);

    // PostgreSQL's CPU per request: its backends serving this database (the pools keep theirs open).
    const monitor = new pg.Client({ connectionString: url });
    await monitor.connect();
    // A backend that exits (a pool's idle timeout) did no work meanwhile; one that starts counts in full.
    const backendCpu = async () => {
      const { rows } = await monitor.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      return new Map(rows.map((r) => [r.pid, cpuSeconds(r.pid)]));
    };
    const load = async (s: { base: string; pid: number }, c: number, secs: number) => {
      const before = await backendCpu();
      const stats = await readLoad(s.base, s.pid, targets, c, secs);
      let used = 0;
      for (const [pid, cpu] of await backendCpu()) used += cpu - (before.get(pid) ?? 0);
      return { ...stats, pgCpuMsPerRequest: Math.round((used * 1e6) / Math.max(1, stats.requests)) / 1000 };
    };
    for (const s of [floor, ...apis]) await readLoad(s.base, s.pid, targets, 8, 3); // warm-up (JIT, pools)
    type Run = ReadStats & { pgCpuMsPerRequest: number; ratio: number };
    const results = new Map<number, Map<string, Run[]>>(connectionCounts.map((c) => [c, new Map([floor, ...apis].map((s) => [s.name, []]))]));
    for (let round = 1; round <= rounds; round++) {
      for (const c of connectionCounts) {
        // raw, api[, baseline], raw, api … : the floor right before each API run, so each ratio compares neighbours.
        const line: string[] = [];
        for (const s of round % 2 ? apis : [...apis].reverse()) {
          const r = await load(floor, c, seconds);
          const a = await load(s, c, seconds);
          results.get(c)!.get('raw')!.push({ ...r, ratio: 1 });
          results.get(c)!.get(s.name)!.push({ ...a, ratio: a.rps / r.rps });
          line.push(`raw ${r.rps} rps p99 ${r.p99} | ${s.name} ${a.rps} rps p50 ${a.p50} p99 ${a.p99} ms cpu ${a.serverCpuMsPerRequest} ms pg ${a.pgCpuMsPerRequest} ms${a.non2xx ? ` non2xx ${a.non2xx}` : ''} → ${(a.rps / r.rps).toFixed(2)}×`);
        }
        console.log(`round ${round} c=${String(c).padStart(2)}: ${line.join(' || ')}`);
      }
    }
    await monitor.end();
    console.log('\nserver   c | rps/raw per round | median | p99 ms per round | median p99 | server CPU ms/req | PostgreSQL CPU ms/req (medians)');
    for (const [c, byServer] of results) {
      for (const [name, runs] of byServer) {
        const ratios = runs.map((r) => r.ratio);
        console.log(`${name.padEnd(8)} ${String(c).padStart(2)} | ${ratios.map((x) => x.toFixed(2)).join(' ')} | ${median(ratios).toFixed(2)}× | ${runs.map((r) => r.p99).join(' ')} | ${median(runs.map((r) => r.p99))} | ${median(runs.map((r) => r.serverCpuMsPerRequest))} | ${median(runs.map((r) => r.pgCpuMsPerRequest))}`);
      }
    }
  } finally {
    for (const p of processes.reverse()) await p.stop().catch((e) => console.error(e));
    await db.drop().catch((e) => console.error(e));
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
