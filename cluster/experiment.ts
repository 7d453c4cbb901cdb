// The experiment of `npm run cluster`, run by cluster/run.ts ON the client host (so all its traffic
// stays on the network the run made):
//   1. start every part on its own host; migrate and seed over the network;
//   2. faults: the steady mixed stream of chaos/driver.ts while network faults run one after another;
//   3. scaling: the same offered load with 1, 2 and 4 payment worker hosts;
//   4. autoscaling: a burst, with payment workers started and drained by the queue's backlog;
//   5. the invariants of `npm run chaos` over every order of every phase, the capacity counts, SCALING.md.
// Exit code 0 only when every invariant holds, every fault recovered and no 5xx came outside a fault.
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { sleep, type ChaosConfig } from '../chaos/config';
import { seed as seedData } from '../chaos/seed';
import { HttpClient } from '../chaos/http';
import { Driver, type DriveResult, type DrivenOrder } from '../chaos/driver';
import { checkInvariants, countOpenOrders } from '../chaos/invariants';
import { loadClusterConfig, reproduceCommand } from './config';
import { Network } from './netns';
import { Stack } from './stack';
import { Faults } from './faults';
import { QueueStats } from './queues';
import { runScalingSteps, setPaymentHosts, type ScalingStep } from './scaling';
import { Autoscaler } from './autoscaler';
import { openLoop } from './load';
import { readHistories, type OrderHistory } from './histories';
import { writeScalingMd, type ClusterReport, type AutoscaleResult, type SqlCounts } from './report';
import { ADDRESSES, PORTS } from './topology';

const t0 = Date.now();
const say = (line: string) => console.log(`[cluster +${((Date.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${line}`);

async function quiesce(stack: Stack, timeoutMs: number): Promise<{ ok: boolean; ms: number; open: number }> {
  const started = Date.now();
  let open = -1;
  while (Date.now() - started < timeoutMs) {
    open = await countOpenOrders(stack.databaseUrl).catch(() => -1);
    if (open === 0) {
      const connection = await Connection.connect({ address: stack.temporalAddress });
      const { count } = await new Client({ connection }).workflow.count(`TaskQueue = "${stack.taskQueuePrefix}orders" AND ExecutionStatus = "Running"`).finally(() => connection.close());
      if (count === 0) return { ok: true, ms: Date.now() - started, open: 0 };
    }
    await sleep(2000);
  }
  return { ok: false, ms: Date.now() - started, open };
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query<T>(text)).rows;
  } finally {
    await db.end();
  }
}

/** Statements and commits the whole system ran since the last reset (the experiment's own reads left out). */
async function sqlCounters(url: string): Promise<{ statements: number; commits: number }> {
  const [s] = await sql<{ n: string }>(url, `SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements
    WHERE query NOT ILIKE '%pg_stat%' AND query NOT ILIKE 'SELECT count(*) AS n FROM orders%' AND query NOT ILIKE '%FROM provider_charges WHERE kind = %' AND query NOT ILIKE 'SELECT min(created_at)%'`);
  const [c] = await sql<{ n: string }>(url, `SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()`);
  return { statements: Number(s!.n), commits: Number(c!.n) };
}

async function main(): Promise<number> {
  const config = loadClusterConfig();
  const net = new Network(process.env.CLUSTER_NS_PREFIX);
  const stack = new Stack(net, { dispatchDelay: config.dispatchDelay, payment: config.payment, say });
  let stopping = false;
  const watchdog = setTimeout(() => {
    say(`the run exceeded CLUSTER_MAX_RUN_SECONDS=${config.maxRunSeconds}; stopping`);
    stopping = true;
    void stack.stop().finally(() => process.exit(3));
  }, config.maxRunSeconds * 1000);
  const abort = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping every host's processes …`);
    void stack.stop().finally(() => process.exit(130));
  };
  process.on('SIGINT', () => abort('SIGINT'));
  process.on('SIGTERM', () => abort('SIGTERM'));

  try {
    say(`payment provider ${config.payment.latencyMs} ± ${config.payment.jitterMs} ms, ${config.payment.concurrency} charge(s) at once per payment worker; DISPATCH_DELAY ${config.dispatchDelay}`);
    await stack.start(2);
    await sql(stack.databaseUrl, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const seed = await seedData(stack.databaseUrl);
    say(`seeded ${seed.products.size} products and ${seed.customers.length} customers`);

    const faults = new Faults(net, stack, say);
    const http = new HttpClient(stack.baseUrl, faults.at);
    const chaosConfig: ChaosConfig = {
      orders: 5000, orderIntervalMs: config.orderIntervalMs, maxInFlight: config.maxInFlight, maxDriveSeconds: 900, quiesceSeconds: 240,
      dispatchDelay: config.dispatchDelay, faultGapMs: 0, minFaultCycles: 1, fuzzMaxExamples: 0, fuzzMaxSeconds: 0, seed: config.seed,
      maxRunSeconds: config.maxRunSeconds, skip: new Set(), writeReport: false,
    };
    const driver = new Driver(http, seed, chaosConfig, { email: stack.secrets.adminEmail, password: stack.secrets.adminPassword }, say);
    await driver.login();
    const stats = await QueueStats.connect(stack.temporalAddress, stack.taskQueuePrefix);

    // Orders placed outside the mixed stream (bursts, scaling steps): checked by the same invariants.
    const extra: DrivenOrder[] = [];

    // ── 1. faults under the steady mixed stream ──
    let drive: DriveResult = { orders: [], adjustments: [], tokens: driver.tokenMap, adminToken: '', startedAt: Date.now(), endedAt: Date.now() };
    let netemRan = false;
    if (!config.skip.has('faults')) {
      say(`faults: a steady mixed stream (one order every ${config.orderIntervalMs} ms) while the faults run in turn`);
      const driving = driver.run();
      const gap = () => sleep(config.gapSeconds * 1000);
      const hold = config.faultSeconds * 1000;
      await gap();
      // In the middle of charges: a small burst fills the payment queue, so both payment hosts are
      // mid-charge (the queue has a backlog) when the cut comes.
      const burst = openLoop({ http, seed, tokens: driver.tokenMap, count: 60, ratePerSecond: 20, firstIndex: 50_000, label: 'partition-burst' });
      const backlog = await waitForCharges(stats, 5, 20_000);
      await faults.partitionHost('pay1', hold, `in the middle of charges (payment backlog ${backlog} at the cut)`);
      extra.push(...(await burst).orders);
      await gap();
      await faults.lossAndBandwidth(hold, 10, '256kbit');
      await gap();
      await faults.cutApiFromPostgres('api1', hold);
      await gap();
      await faults.partitionTemporalFromWorkers(config.temporalPartitionSeconds * 1000);
      await gap();
      await faults.killHost('orders', 10_000);
      await gap();
      netemRan = (await faults.latency(hold, 50, 20)) !== null;
      await gap();
      driver.stopLaunching = true;
      drive = await driving;
      say(`faults done; the stream placed ${drive.orders.length} orders`);
    }
    const quiet = await quiesce(stack, 300_000);
    say(quiet.ok ? `quiescent after ${(quiet.ms / 1000).toFixed(0)} s` : `NOT quiescent (${quiet.open} open)`);

    // ── 2. throughput against payment worker hosts ──
    let scaling: ScalingStep[] = [];
    let sqlCounts: SqlCounts | null = null;
    if (!config.skip.has('scaling')) {
      await sql(stack.databaseUrl, 'SELECT pg_stat_statements_reset()');
      const before = await sqlCounters(stack.databaseUrl);
      scaling = await runScalingSteps({
        stack, net, http, seed, tokens: driver.tokenMap, stats, steps: config.scalingSteps, rate: config.stepRate, seconds: config.stepSeconds,
        firstIndex: 100_000, say,
      });
      const after = await sqlCounters(stack.databaseUrl);
      const orders = scaling.reduce((n, s) => n + s.orders, 0);
      sqlCounts = { orders, statements: after.statements - before.statements, commits: after.commits - before.commits };
      extra.push(...scaling.flatMap((s) => s.load.orders));
      await quiesce(stack, 240_000);
    }

    // ── 3. backlog-driven autoscaling under a burst ──
    let autoscale: AutoscaleResult | null = null;
    if (!config.skip.has('autoscale')) {
      await setPaymentHosts(stack, config.autoscaleMin, say);
      const scaler = new Autoscaler(stack, stats, { min: config.autoscaleMin, max: config.autoscaleMax, targetBacklog: config.targetBacklog, intervalMs: 1000, cooldownMs: config.cooldownSeconds * 1000, say });
      scaler.start();
      await sleep(3000);
      // A burst, then a tail at a lower rate: the backlog falls while charges keep flowing, so the
      // scale-down drains workers that hold charges.
      const tailOrders = Math.round(config.burstOrders / 2);
      const tailRate = Math.max(1, Math.round(config.burstRate / 3));
      say(`autoscaler: burst of ${config.burstOrders} orders at ${config.burstRate}/s, then ${tailOrders} at ${tailRate}/s`);
      const head = await openLoop({ http, seed, tokens: driver.tokenMap, count: config.burstOrders, ratePerSecond: config.burstRate, firstIndex: 200_000, label: 'burst' });
      const tail = await openLoop({ http, seed, tokens: driver.tokenMap, count: tailOrders, ratePerSecond: tailRate, firstIndex: 300_000, label: 'burst-tail' });
      const burst = { ...head, orders: [...head.orders, ...tail.orders], launchedUntil: tail.launchedUntil, answeredAt: tail.answeredAt };
      extra.push(...burst.orders);
      await quiesce(stack, 240_000);
      // Until the pool is back at its minimum.
      const deadline = Date.now() + 90_000;
      while (stack.runningPaymentHosts().length > config.autoscaleMin && Date.now() < deadline) await sleep(1000);
      await scaler.stop();
      autoscale = { trace: scaler.trace, drained: scaler.drained, burst, histories: [] };
      const ids = burst.orders.filter((o) => o.orderId).map((o) => o.orderId!);
      autoscale.histories = await readHistories(stack.temporalAddress, ids, `${stack.taskQueuePrefix}payment`);
    }

    // ── 4. invariants over everything, the capacity counts ──
    say('final quiescence and invariants …');
    const settled = await quiesce(stack, 180_000);
    const allDrive: DriveResult = { ...drive, orders: [...drive.orders, ...extra] };
    const invariants = await checkInvariants({
      databaseUrl: stack.databaseUrl, temporalAddress: stack.temporalAddress, taskQueuePrefix: stack.taskQueuePrefix, seed, drive: allDrive, otherOrderIds: [],
    });
    // The capacity model's per-order counts: plain orders of the scaling steps (or the burst).
    const sampleIds = (scaling.at(-1)?.load.orders ?? autoscale?.burst.orders ?? drive.orders).filter((o) => o.orderId).slice(0, 40).map((o) => o.orderId!);
    const histories: OrderHistory[] = await readHistories(stack.temporalAddress, sampleIds, `${stack.taskQueuePrefix}payment`);
    const mixed = await readHistories(stack.temporalAddress, drive.orders.filter((o) => o.orderId).slice(0, 60).map((o) => o.orderId!), `${stack.taskQueuePrefix}payment`);
    await stats.close();

    const [repeats] = await sql<{ keys: string; requests: string }>(stack.databaseUrl, `SELECT count(*) AS keys, coalesce(sum(c.attempts - 1), 0) AS requests
      FROM provider_charges c JOIN provider_payment_methods m ON m.id = c.token WHERE c.kind = 'charge' AND c.attempts > 1 AND m.behaviour <> 'flaky'`);
    const report: ClusterReport = {
      command: reproduceCommand(), config, startedAt: t0, finishedAt: Date.now(), addresses: ADDRESSES, ports: PORTS,
      drive, faults: faults.records, netemRan, unexpectedExits: stack.unexpectedExits, http, quiescence: quiet, settled, invariants,
      scaling, autoscale, sql: sqlCounts, histories, mixedHistories: mixed,
      providerRepeats: { keys: Number(repeats!.keys), requests: Number(repeats!.requests) },
    };
    const passed = writeScalingMd(report, { write: config.writeReport, say });
    return passed ? 0 : 1;
  } finally {
    clearTimeout(watchdog);
    stopping = true;
    say('stopping every host\'s processes …');
    await stack.stop();
  }
}

/**
 * Waits (at most `timeoutMs`) until the payment queue has at least `atLeast` tasks waiting: every
 * payment worker's slots are taken, so each is mid-charge. Returns the backlog last seen.
 */
async function waitForCharges(stats: QueueStats, atLeast: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let backlog = 0;
  while (Date.now() < deadline) {
    backlog = await stats.backlog('payment').catch(() => 0);
    if (backlog >= atLeast) return backlog;
    await sleep(100);
  }
  return backlog;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error('[cluster] failed:', error);
    process.exit(2);
  },
);
