// The system under test, started the way production runs it but all on loopback and all owned by
// this run: an embedded PostgreSQL (own data dir and port), a file-backed Temporal dev server (own
// SQLite file and port), the five worker processes and the API (own port, own task-queue prefix,
// fresh secrets). It also knows how to break each part and bring it back.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { applyMigrations } from '../platform/migrate';
import { startEmbeddedPostgres, type RunningPostgres } from '../dev/postgres';
import { startTemporalDevServer, type DevServer } from '../dev/temporal-dev-server';
import { freePort } from '../test/free-port';
import { CHAOS_DIR, LOG_DIR, sleep } from './config';
import { ManagedProcess, waitForHttp, type UnexpectedExit } from './processes';
import type { ApiLimits } from './abuse';

export const WORKER_CONTEXTS = ['orders', 'stock', 'credit', 'payment', 'shipment'] as const;
export type WorkerContext = (typeof WORKER_CONTEXTS)[number];

export type FaultKind = `kill -9 ${WorkerContext} worker` | 'restart API' | 'restart Temporal' | 'restart Postgres';

export interface FaultRecord {
  kind: FaultKind;
  how: string;
  startedAt: number;
  /** When the part was serving again (and the rest of the system saw it). */
  recoveredAt: number;
  ok: boolean;
  error?: string;
}

export interface Secrets { jwtSecret: string; adminEmail: string; adminPassword: string; metricsToken: string; payloadKeys: string }

/**
 * The limits the API runs with here (the security checks push against them). The defaults of
 * platform/config.ts, except the per-process stream cap: lowered from 1000 so that the stream check's
 * 50 accounts × 5 streams can reach it.
 */
export const API_LIMITS: ApiLimits = { streamsPerCustomer: 5, streamsPerProcess: 200, registerPerMinute: 10, tokenPerMinute: 20 };

/**
 * The environment of the system's processes (API and workers) in a fault-injection run: production
 * mode — the system must refuse default secrets, so it runs on this run's own — and the API limits
 * the abuse checks count on. `npm run chaos` and `npm run cluster` both start their processes with it.
 */
export function systemEnv(run: { databaseUrl: string; temporalAddress: string; taskQueuePrefix: string; host: string; port: number; secrets: Secrets; dispatchDelay: string }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    DATABASE_URL: run.databaseUrl,
    TEMPORAL_ADDRESS: run.temporalAddress,
    TASK_QUEUE_PREFIX: run.taskQueuePrefix,
    HOST: run.host,
    PORT: String(run.port),
    JWT_SECRET: run.secrets.jwtSecret,
    ADMIN_EMAIL: run.secrets.adminEmail,
    ADMIN_PASSWORD: run.secrets.adminPassword,
    DISPATCH_DELAY: run.dispatchDelay,
    BCRYPT_ROUNDS: '8',
    LOG_LEVEL: 'info',
    DB_POOL_SIZE: '8',
    METRICS_TOKEN: run.secrets.metricsToken,
    PAYLOAD_KEYS: run.secrets.payloadKeys,
    SSE_MAX_STREAMS_PER_CUSTOMER: String(API_LIMITS.streamsPerCustomer),
    SSE_MAX_STREAMS_PER_PROCESS: String(API_LIMITS.streamsPerProcess),
    REGISTER_RATE_LIMIT: String(API_LIMITS.registerPerMinute),
    TOKEN_RATE_LIMIT: String(API_LIMITS.tokenPerMinute),
  };
}

export class Cluster {
  readonly secrets: Secrets = {
    jwtSecret: randomBytes(32).toString('hex'),
    adminEmail: `chaos-admin-${randomBytes(3).toString('hex')}@example.com`,
    adminPassword: `adm-${randomBytes(12).toString('hex')}`,
    metricsToken: `mt-${randomBytes(16).toString('hex')}`,
    // Production refuses to start without a payload key ring (id:base64 of 32 bytes).
    payloadKeys: `chaos:${randomBytes(32).toString('base64')}`,
  };
  readonly taskQueuePrefix = `chaos${randomBytes(3).toString('hex')}-`;
  readonly faults: FaultRecord[] = [];
  readonly unexpectedExits: UnexpectedExit[] = [];
  readonly workers = new Map<WorkerContext, ManagedProcess>();
  api!: ManagedProcess;
  postgres!: RunningPostgres;
  temporal!: DevServer;
  pgPort = 0;
  temporalPort = 0;
  apiPort = 0;
  private uiPort = 0;
  private readonly pgDataDir = path.join(CHAOS_DIR, 'postgres');
  private readonly temporalDb = path.join(CHAOS_DIR, 'temporal.db');

  constructor(private readonly options: { dispatchDelay: string; say: (line: string) => void }) {}

  get databaseUrl(): string { return this.postgres.url; }
  get temporalAddress(): string { return `127.0.0.1:${this.temporalPort}`; }
  get baseUrl(): string { return `http://127.0.0.1:${this.apiPort}`; }
  get logFiles(): string[] { return [...WORKER_CONTEXTS.map((c) => path.join(LOG_DIR, `worker-${c}.log`)), path.join(LOG_DIR, 'api.log'), path.join(LOG_DIR, 'temporal.log')]; }

  async start(): Promise<void> {
    const say = this.options.say;
    rmSync(CHAOS_DIR, { recursive: true, force: true });
    mkdirSync(LOG_DIR, { recursive: true });
    [this.pgPort, this.temporalPort, this.apiPort, this.uiPort] = [await freePort(), await freePort(), await freePort(), await freePort()];

    say(`PostgreSQL: embedded, ${path.relative(process.cwd(), this.pgDataDir)}, port ${this.pgPort}`);
    this.postgres = await this.startPostgres();
    const migrated = await applyMigrations(this.postgres.url);
    say(`migrations: ${migrated.applied.length} applied`);

    say(`Temporal: dev server, ${path.relative(process.cwd(), this.temporalDb)}, port ${this.temporalPort}`);
    this.temporal = await this.startTemporal();

    const env = systemEnv({ databaseUrl: this.postgres.url, temporalAddress: this.temporalAddress, taskQueuePrefix: this.taskQueuePrefix, host: '127.0.0.1', port: this.apiPort, secrets: this.secrets, dispatchDelay: this.options.dispatchDelay });
    for (const context of WORKER_CONTEXTS) {
      this.workers.set(context, new ManagedProcess({
        name: `${context} worker`, file: `workers/${context}.worker.ts`, env, logFile: path.join(LOG_DIR, `worker-${context}.log`),
        ready: (p) => p.waitForLine(/"msg":"workers running"/),
      }, (exit) => this.unexpected(exit)));
    }
    this.api = new ManagedProcess({
      name: 'API', file: 'api/server.ts', env, logFile: path.join(LOG_DIR, 'api.log'),
      ready: () => waitForHttp(`${this.baseUrl}/health/ready`, 120_000),
    }, (exit) => this.unexpected(exit));

    say('workers: orders, stock, credit, payment, shipment (one process each) and the API …');
    await Promise.all([...this.workers.values()].map((w) => w.start(180_000)));
    await this.api.start(120_000);
    await this.waitForPollers(60_000);
    say(`API ${this.baseUrl}, task queues ${this.taskQueuePrefix}*`);
  }

  private unexpected(exit: UnexpectedExit): void {
    this.unexpectedExits.push(exit);
    // Died while starting: whoever called start() sees the failure and retries.
    if (exit.whileStarting) return void this.options.say(`!! ${exit.name} exited while starting (${exit.code ?? exit.signal})`);
    this.options.say(`!! ${exit.name} exited on its own (${exit.code ?? exit.signal}); restarting it (a finding)`);
    const proc = exit.name === 'API' ? this.api : [...this.workers.values()].find((w) => w.name === exit.name);
    // A supervisor (compose, Kubernetes) would restart it; so do we, after a breath.
    void sleep(1000).then(() => proc?.start().catch((error) => this.options.say(`!! restart of ${exit.name} failed: ${(error as Error).message.split('\n')[0]}`)));
  }

  private startPostgres(): Promise<RunningPostgres> {
    return startEmbeddedPostgres({ dataDir: this.pgDataDir, port: this.pgPort, database: 'saga_orders_chaos' });
  }

  private startTemporal(): Promise<DevServer> {
    const logFile = path.join(LOG_DIR, 'temporal.log');
    return startTemporalDevServer({
      dbFile: this.temporalDb, port: this.temporalPort, uiPort: this.uiPort, headless: true,
      log: (text) => appendFileSync(logFile, text),
    });
  }

  /** Runs one fault: break, wait `downMs`, restore, and wait until the system sees the part again. */
  private async fault(kind: FaultKind, how: string, breakIt: () => Promise<void>, restore: () => Promise<void>, downMs: number): Promise<FaultRecord> {
    const record: FaultRecord = { kind, how, startedAt: Date.now(), recoveredAt: 0, ok: false };
    this.faults.push(record);
    try {
      await breakIt();
      await sleep(downMs);
      await restore();
      record.ok = true;
    } catch (error) {
      record.error = (error as Error).message.split('\n').slice(0, 3).join(' ');
      this.options.say(`!! ${kind}: ${record.error}; trying to restore once more`);
      // Not back in time: one more try so the run can still finish and report (ok stays false).
      await restore().catch((again) => this.options.say(`!! ${kind}: second restore failed too: ${(again as Error).message.split('\n')[0]}`));
    }
    record.recoveredAt = Date.now();
    return record;
  }

  killWorker(context: WorkerContext, downMs = 1500): Promise<FaultRecord> {
    const worker = this.workers.get(context)!;
    return this.fault(`kill -9 ${context} worker`, 'SIGKILL, restart', () => worker.kill('SIGKILL'), async () => {
      await worker.start(180_000);
      await this.waitForPollers(60_000, [context]);
    }, downMs);
  }

  restartApi(downMs = 1500): Promise<FaultRecord> {
    return this.fault('restart API', 'SIGKILL, restart', () => this.api.kill('SIGKILL'), async () => {
      await this.api.start(120_000);
    }, downMs);
  }

  restartTemporal(signal: 'SIGTERM' | 'SIGKILL', downMs = 3000): Promise<FaultRecord> {
    return this.fault('restart Temporal', `${signal}, restart on the same file and port`, async () => {
      const child = this.temporal.process;
      if (signal === 'SIGTERM') return this.temporal.stop();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }, async () => {
      this.temporal = await this.startTemporal();
      // Recovered = the API answers ready (its client reconnected) and every queue is polled again.
      await waitForHttp(`${this.baseUrl}/health/ready`, 90_000);
      await this.waitForPollers(90_000);
    }, downMs);
  }

  restartPostgres(mode: 'fast' | 'immediate', downMs = 4000): Promise<FaultRecord> {
    return this.fault('restart Postgres', mode === 'fast' ? 'fast shutdown (SIGINT), start on the same data dir' : 'immediate shutdown (SIGQUIT: crash recovery), start on the same data dir', async () => {
      if (mode === 'fast') return this.postgres.stop();
      const pidFile = path.join(this.pgDataDir, 'postmaster.pid');
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGQUIT');
      const deadline = Date.now() + 30_000;
      while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    }, async () => {
      this.postgres = await this.startPostgres();
      await waitForHttp(`${this.baseUrl}/health/ready`, 90_000);
    }, downMs);
  }

  /** The API's pid (the process itself, not a wrapper), to read its memory. */
  get apiPid(): number | undefined { return this.api?.child?.pid; }

  /**
   * Freezes a worker (SIGSTOP) without killing it: its sagas make no progress, so their orders stay
   * open, until resumeWorker(). Not a fault: nothing is lost, the process keeps its pid and sockets.
   */
  pauseWorker(context: WorkerContext): void {
    const pid = this.workers.get(context)?.child?.pid;
    if (pid) process.kill(pid, 'SIGSTOP');
  }

  /** SIGCONT, then waits until its queue is polled again. */
  async resumeWorker(context: WorkerContext): Promise<void> {
    const pid = this.workers.get(context)?.child?.pid;
    if (pid) process.kill(pid, 'SIGCONT');
    await this.waitForPollers(60_000, [context]);
  }

  /**
   * Every task queue of this run has a poller: the workers are connected to Temporal. Pollers are
   * listed by the server from live long-polls, so this is what an operator would check.
   */
  async waitForPollers(timeoutMs: number, contexts: readonly WorkerContext[] = WORKER_CONTEXTS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing = await this.queuesWithoutPollers(contexts).catch(() => [...contexts]);
      if (missing.length === 0) return;
      if (Date.now() > deadline) throw new Error(`no poller of the current worker process on ${missing.join(', ')} after ${timeoutMs} ms`);
      await sleep(500);
    }
  }

  /** Queues not polled by the CURRENT process of their worker (its identity is `<pid>@<host>`). */
  private async queuesWithoutPollers(contexts: readonly WorkerContext[]): Promise<string[]> {
    const connection = await Connection.connect({ address: this.temporalAddress, connectTimeout: 2000 });
    try {
      const missing: string[] = [];
      for (const context of contexts) {
        const pid = this.workers.get(context)?.child?.pid;
        // The orders queue is polled for workflow tasks; the others for activity tasks.
        const taskQueueType = context === 'orders' ? 1 : 2;
        const reply = await connection.workflowService.describeTaskQueue({
          namespace: 'default', taskQueue: { name: `${this.taskQueuePrefix}${context}`, kind: 1 }, taskQueueType,
        });
        if (!(reply.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`))) missing.push(context);
      }
      return missing;
    } finally {
      await connection.close();
    }
  }

  async stop(): Promise<void> {
    // A worker left paused would sit out SIGTERM's grace period: wake it first.
    for (const w of this.workers.values()) {
      try {
        if (w.running && w.child?.pid) process.kill(w.child.pid, 'SIGCONT');
      } catch {
        // exited meanwhile
      }
    }
    await this.api?.close().catch(() => undefined);
    await Promise.all([...this.workers.values()].map((w) => w.close().catch(() => undefined)));
    await this.temporal?.stop().catch(() => undefined);
    if (this.postgres && existsSync(path.join(this.pgDataDir, 'postmaster.pid'))) await this.postgres.stop().catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
