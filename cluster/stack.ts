// The system under test spread over the hosts of cluster/topology.ts, configured only through the
// variables a real deployment sets (DATABASE_URL, TEMPORAL_ADDRESS, HOST, PORT, WORKER_HEALTH_ADDRESS,
// the payment provider's latency and the payment worker's concurrency): PostgreSQL and Temporal on
// hosts of their own, the API on two hosts behind the balancer, one worker process per context host,
// payment on up to four hosts. Every process is `ip netns exec <host> node …` (chaos/processes.ts).
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { ManagedProcess, waitForHttp, type UnexpectedExit } from '../chaos/processes';
import { systemEnv, type Secrets } from '../chaos/cluster';
import { ROOT, sleep } from '../chaos/config';
import type { Network } from './netns';
import { SUBNET } from './netns';
import { addr, API_HOSTS, PAYMENT_HOSTS, PORTS, WORKER_HOSTS, type PaymentHost } from './topology';

export const CLUSTER_DIR = path.join(ROOT, '.data', 'cluster');
export const LOG_DIR = path.join(CLUSTER_DIR, 'logs');

export type WorkerContextName = 'orders' | 'stock' | 'credit' | 'shipment' | 'payment';
export const contextOf = (host: string): WorkerContextName => (host.startsWith('pay') ? 'payment' : (host as WorkerContextName));

export interface PaymentSettings { latencyMs: number; jitterMs: number; concurrency: number }

export class Stack {
  readonly secrets: Secrets = {
    jwtSecret: randomBytes(32).toString('hex'),
    adminEmail: `cluster-admin-${randomBytes(3).toString('hex')}@example.com`,
    adminPassword: `adm-${randomBytes(12).toString('hex')}`,
    metricsToken: `mt-${randomBytes(16).toString('hex')}`,
    payloadKeys: `cluster:${randomBytes(32).toString('base64')}`,
  };
  readonly taskQueuePrefix = `cluster${randomBytes(3).toString('hex')}-`;
  readonly unexpectedExits: UnexpectedExit[] = [];
  /** One managed process per host (its main program). */
  readonly procs = new Map<string, ManagedProcess>();
  /** Hosts whose exits are expected right now (a host killed on purpose, a drained worker). */
  readonly quiet = new Set<string>();

  constructor(private readonly net: Network, private readonly options: { dispatchDelay: string; payment: PaymentSettings; say: (line: string) => void }) {}

  get databaseUrl(): string { return `postgresql://postgres:postgres@${addr('postgres')}:${PORTS.postgres}/saga_orders_cluster`; }
  get temporalAddress(): string { return `${addr('temporal')}:${PORTS.temporal}`; }
  get baseUrl(): string { return `http://${addr('lb')}:${PORTS.balancer}`; }
  apiUrl(host: string): string { return `http://${addr(host)}:${PORTS.api}`; }

  private serviceEnv(host: string): NodeJS.ProcessEnv {
    return {
      ...systemEnv({ databaseUrl: this.databaseUrl, temporalAddress: this.temporalAddress, taskQueuePrefix: this.taskQueuePrefix, host: addr(host), port: PORTS.api, secrets: this.secrets, dispatchDelay: this.options.dispatchDelay }),
      WORKER_HEALTH_ADDRESS: `${addr(host)}:${PORTS.workerHealth}`,
      PAYMENT_PROVIDER_LATENCY_MS: String(this.options.payment.latencyMs),
      PAYMENT_PROVIDER_JITTER_MS: String(this.options.payment.jitterMs),
      PAYMENT_WORKER_CONCURRENCY: String(this.options.payment.concurrency),
    };
  }

  private define(host: string, file: string, env: NodeJS.ProcessEnv, ready: (p: ManagedProcess) => Promise<void>): ManagedProcess {
    const proc = new ManagedProcess({ name: host, file, env, logFile: path.join(LOG_DIR, `${host}.log`), ready, prefix: this.net.on(host) }, (exit) => this.unexpected(exit));
    this.procs.set(host, proc);
    return proc;
  }

  async start(paymentHosts: number): Promise<void> {
    const say = this.options.say;
    rmSync(CLUSTER_DIR, { recursive: true, force: true });
    mkdirSync(LOG_DIR, { recursive: true });
    const base = { PATH: process.env.PATH, HOME: process.env.HOME };
    this.define('postgres', 'cluster/postgres.host.ts', {
      ...base, CLUSTER_PG_DATA: path.join(CLUSTER_DIR, 'postgres'), CLUSTER_PG_PORT: String(PORTS.postgres), CLUSTER_PG_DATABASE: 'saga_orders_cluster',
      CLUSTER_PG_ADDRESS: addr('postgres'), CLUSTER_PG_ALLOW: `${SUBNET}.0/24`,
    }, (p) => p.waitForLine(/postgres host ready/));
    this.define('temporal', 'cluster/temporal.host.ts', {
      ...base, CLUSTER_TEMPORAL_ADDRESS: addr('temporal'), CLUSTER_TEMPORAL_PORT: String(PORTS.temporal), CLUSTER_TEMPORAL_UI_PORT: String(PORTS.temporalUi),
      CLUSTER_TEMPORAL_DB: path.join(CLUSTER_DIR, 'temporal.db'), CLUSTER_TEMPORAL_LOG: path.join(LOG_DIR, 'temporal-server.log'),
    }, (p) => p.waitForLine(/temporal host ready/));
    say(`PostgreSQL on ${addr('postgres')}:${PORTS.postgres}, Temporal dev server on ${this.temporalAddress} …`);
    await Promise.all([this.procs.get('postgres')!.start(120_000), this.procs.get('temporal')!.start(120_000)]);
    const { applyMigrations } = await import('../platform/migrate');
    const migrated = await applyMigrations(this.databaseUrl);
    say(`migrations: ${migrated.applied.length} applied (from the client host, over the network)`);

    for (const host of [...Object.values(WORKER_HOSTS), ...PAYMENT_HOSTS]) {
      this.define(host, `workers/${contextOf(host)}.worker.ts`, this.serviceEnv(host), (p) => p.waitForLine(/"msg":"workers running"/));
    }
    for (const host of API_HOSTS) this.define(host, 'api/server.ts', this.serviceEnv(host), () => waitForHttp(`${this.apiUrl(host)}/health/ready`, 120_000));
    this.define('lb', 'cluster/balancer.ts', {
      ...base, CLUSTER_LB_LISTEN: `${addr('lb')}:${PORTS.balancer}`, CLUSTER_LB_BACKENDS: API_HOSTS.map((h) => `${addr(h)}:${PORTS.api}`).join(','),
    }, (p) => p.waitForLine(/balancer listening/));

    const workerHosts = [...Object.values(WORKER_HOSTS), ...PAYMENT_HOSTS.slice(0, paymentHosts)];
    say(`workers on ${workerHosts.join(', ')}; API on ${API_HOSTS.join(', ')}; balancer on lb …`);
    // Two at a time: each bundles or compiles on start, and the machine has two cores.
    for (let i = 0; i < workerHosts.length; i += 2) await Promise.all(workerHosts.slice(i, i + 2).map((h) => this.procs.get(h)!.start(240_000)));
    await Promise.all(API_HOSTS.map((h) => this.procs.get(h)!.start(180_000)));
    await this.procs.get('lb')!.start(30_000);
    await waitForHttp(`${this.baseUrl}/health/ready`, 60_000);
    await this.waitForPollers(120_000, workerHosts);
    say(`API behind ${this.baseUrl}; task queues ${this.taskQueuePrefix}*`);
  }

  private unexpected(exit: UnexpectedExit): void {
    if (this.quiet.has(exit.name)) return;
    this.unexpectedExits.push(exit);
    if (exit.whileStarting) return void this.options.say(`!! ${exit.name} exited while starting (${exit.code ?? exit.signal})`);
    this.options.say(`!! ${exit.name} exited on its own (${exit.code ?? exit.signal}); restarting it (a finding)`);
    void sleep(1000).then(() => this.procs.get(exit.name)?.start().catch((error) => this.options.say(`!! restart of ${exit.name} failed: ${(error as Error).message.split('\n')[0]}`)));
  }

  runningPaymentHosts(): PaymentHost[] { return PAYMENT_HOSTS.filter((h) => this.procs.get(h)?.running); }

  /** Starts the worker of a payment host and waits until it polls its queue. */
  async startPayment(host: PaymentHost): Promise<void> {
    this.quiet.delete(host);
    await this.procs.get(host)!.start(240_000);
    await this.waitForPollers(60_000, [host]);
  }

  /** SIGTERM: the worker stops polling and finishes its in-flight charges (shutdown grace), then exits. */
  async drain(host: string): Promise<void> {
    this.quiet.add(host);
    await this.procs.get(host)!.kill('SIGTERM', 30_000);
  }

  /** Every given worker host answers 200 on /health/ready (from this host, over the network). */
  async waitForHealthy(timeoutMs: number, hosts: string[]): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(hosts.map((h) => fetch(`http://${addr(h)}:${PORTS.workerHealth}/health/ready`, { signal: AbortSignal.timeout(3000) }).then((r) => r.ok, () => false)));
      if (states.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error(`not ready: ${hosts.filter((_, i) => !states[i]).join(', ')} after ${timeoutMs} ms`);
      await sleep(500);
    }
  }

  /**
   * Every given host's worker polls its queue with its current process (identity `<pid>@…`): what an
   * operator checks after starting a worker.
   */
  async waitForPollers(timeoutMs: number, hosts: string[]): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let why = '';
    for (;;) {
      const missing = await this.hostsWithoutPollers(hosts).catch((error: Error) => {
        why = ` (${error.message.split('\n')[0]})`;
        return hosts;
      });
      if (missing.length === 0) return;
      if (Date.now() > deadline) throw new Error(`no poller from ${missing.join(', ')} after ${timeoutMs} ms${why}`);
      await sleep(500);
    }
  }

  private async hostsWithoutPollers(hosts: string[]): Promise<string[]> {
    const connection = await Connection.connect({ address: this.temporalAddress, connectTimeout: 2000 });
    try {
      const missing: string[] = [];
      for (const host of hosts) {
        const pid = this.procs.get(host)?.child?.pid;
        const context = contextOf(host);
        const reply = await connection.workflowService.describeTaskQueue({
          namespace: 'default', taskQueue: { name: `${this.taskQueuePrefix}${context}`, kind: 1 }, taskQueueType: context === 'orders' ? 1 : 2,
        });
        if (!(reply.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`))) missing.push(host);
      }
      return missing;
    } finally {
      await connection.close();
    }
  }

  /** Stops every process: API and balancer first, then workers (draining), then Temporal and PostgreSQL. */
  async stop(): Promise<void> {
    for (const h of this.procs.keys()) this.quiet.add(h);
    const close = (hosts: string[]) => Promise.all(hosts.map((h) => this.procs.get(h)?.close().catch(() => undefined)));
    await close(['lb', ...API_HOSTS]);
    await close([...Object.values(WORKER_HOSTS), ...PAYMENT_HOSTS]);
    await close(['temporal', 'postgres']);
  }
}
