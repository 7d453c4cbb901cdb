// `npm start`: the whole system on embedded defaults, no configuration needed.
//   PostgreSQL (DATABASE_URL, else embedded under .data/postgres) → migrations → Temporal dev server
//   (.data/temporal.db, Web UI) → seed catalog (development) → workers → API.
// Ctrl-C stops every child in reverse order and keeps the data for the next start.
// `--workers payment=3,stock=2` runs extra processes for those contexts (scaling one context).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../platform/config';
import { applyMigrations } from '../platform/migrate';
import { startEmbeddedPostgres, type RunningPostgres } from '../platform/postgres';
import { startTemporalDevServer, stopChild, type DevServer } from '../platform/temporal-dev-server';
import { CONTEXTS, type Context } from '../workers/worker-factory';
import { seedCatalog } from '../prisma/seed';

const root = path.resolve(__dirname, '..');
const started = Date.now();
const step = (message: string) => console.log(`[start +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);

export function parseScale(argv: string[]): Partial<Record<Context, number>> {
  const i = argv.indexOf('--workers');
  if (i < 0) return {};
  const scale: Partial<Record<Context, number>> = {};
  for (const part of (argv[i + 1] ?? '').split(',').filter(Boolean)) {
    const [name, count] = part.split('=');
    if (!(CONTEXTS as readonly string[]).includes(name ?? '') || !/^[1-9]\d?$/.test(count ?? '')) {
      throw new Error(`--workers expects e.g. payment=3,stock=2 (contexts: ${CONTEXTS.join(', ')}); got "${part}"`);
    }
    scale[name as Context] = Number(count);
  }
  return scale;
}

async function main(): Promise<void> {
  const scale = parseScale(process.argv.slice(2));
  // The children run in the project root; so does this process, so a relative DATA_DIR (and .env)
  // means the same directory for all of them — the API reads the jwt-secret generated here.
  process.chdir(root);
  const config = loadConfig(process.env, {
    onSecretGenerated: (file) => step(`JWT_SECRET not set: generated a random one in ${path.relative(root, file).startsWith('..') ? file : path.relative(root, file)} (kept for later starts)`),
  });
  const dataDir = path.resolve(root, config.DATA_DIR);
  const children: ChildProcess[] = [];
  let postgres: RunningPostgres | undefined;
  let temporal: DevServer | undefined;
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\n[start] stopping: API, workers, Temporal, PostgreSQL …');
    // Reverse start order: the API stops taking orders, workers finish in-flight activities.
    for (const child of [...children].reverse()) await stopChild(child, 15_000);
    if (temporal) await temporal.stop();
    if (postgres?.embedded) await postgres.stop();
    console.log('[start] stopped; data kept in', dataDir);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    if (config.DATABASE_URL) {
      postgres = { url: config.DATABASE_URL, embedded: false, stop: async () => undefined };
      step('PostgreSQL: using DATABASE_URL');
    } else {
      step('PostgreSQL: starting embedded server (.data/postgres) …');
      postgres = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: config.EMBEDDED_PG_PORT, database: 'saga_orders' });
    }
    const migrated = await applyMigrations(postgres.url);
    step(`migrations: ${migrated.applied.length} applied, ${migrated.alreadyApplied} already in place`);

    const externalTemporal = process.env.TEMPORAL_ADDRESS !== undefined;
    if (externalTemporal) {
      step(`Temporal: using ${config.TEMPORAL_ADDRESS}`);
    } else {
      step('Temporal: starting dev server (.data/temporal.db) …');
      const port = Number(config.TEMPORAL_ADDRESS.split(':')[1] ?? 7233);
      temporal = await startTemporalDevServer({ dbFile: path.join(dataDir, 'temporal.db'), port, uiPort: config.TEMPORAL_UI_PORT });
    }

    if (config.NODE_ENV === 'development') {
      const seeded = await seedCatalog(postgres.url);
      if (seeded > 0) step(`seeded ${seeded} products`);
    }

    const env = { ...process.env, DATABASE_URL: postgres.url, TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS };
    let metricsPort = 9464;
    const workerMetrics: string[] = [];
    const nextMetricsAddress = () => {
      const address = `127.0.0.1:${metricsPort++}`;
      workerMetrics.push(`http://${address}/metrics`);
      return { WORKER_METRICS_ADDRESS: address };
    };
    const run = (name: string, file: string, extraEnv: Record<string, string> = {}) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, file)], { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit'] });
      child.once('exit', (code, signal) => {
        if (!stopping) {
          console.error(`[start] ${name} exited (${code ?? signal}); stopping everything`);
          void shutdown(1);
        }
      });
      children.push(child);
    };
    const scaled = Object.keys(scale) as Context[];
    const shared = CONTEXTS.filter((c) => !scaled.includes(c));
    step(`workers: ${shared.join(', ')} in one process${scaled.map((c) => `; ${c} ×${scale[c]}`).join('')}`);
    // Worker metrics ports are only assigned when nothing was configured (tests run several stacks).
    const metricsEnv = () => (process.env.WORKER_METRICS_ADDRESS || process.env.TASK_QUEUE_PREFIX ? {} : nextMetricsAddress());
    if (shared.length) run('workers', 'workers/all.worker.ts', { WORKER_CONTEXTS: shared.join(','), ...metricsEnv() });
    for (const context of scaled) for (let i = 0; i < scale[context]!; i++) run(`${context} worker ${i + 1}`, `workers/${context}.worker.ts`, metricsEnv());

    step(`API: starting on ${config.HOST} port ${config.PORT} …`);
    run('api', 'api/server.ts');
    // The API answers on loopback when it listens there (the default) or everywhere; else only on HOST.
    const everywhere = ['0.0.0.0', '::'].includes(config.HOST);
    const apiHost = everywhere ? '127.0.0.1' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
    await waitForReady(`http://${apiHost}:${config.PORT}/health/ready`, 120_000);
    const api = `http://${apiHost === '127.0.0.1' ? 'localhost' : apiHost}:${config.PORT}`;

    console.log(`
  Saga Orders is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)
    API          ${api}   (docs: ${api}/docs)
    Temporal UI  ${temporal ? `http://localhost:${config.TEMPORAL_UI_PORT}` : config.TEMPORAL_UI_URL}
    Metrics      ${api}/metrics${workerMetrics.length ? `  (workers: ${workerMetrics.join(' ')})` : ''}
    Admin login  ${config.ADMIN_EMAIL} / ${config.NODE_ENV === 'production' ? '(ADMIN_PASSWORD)' : config.ADMIN_PASSWORD}
  Press Ctrl-C to stop (data is kept in ${path.relative(root, dataDir)}/).
`);
  } catch (error) {
    console.error('[start] failed:', (error as Error).message);
    await shutdown(1);
  }
}

async function waitForReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

void main();
