// `npm run chaos`: the reliability and security proof of shared/API.md's promises, on loopback only.
//   1. start an own PostgreSQL, Temporal dev server, five worker processes and the API;
//   2. drive a steady, bounded stream of orders of every kind while faults are injected in turn;
//   3. wait until every order is final; run the security checks and the Schemathesis fuzzer;
//   4. check the invariants from the database and Temporal, print a table, write RELIABILITY.md.
// Exit code 0 only when every invariant holds, no unexplained 5xx was seen and every attack failed.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadChaosConfig, reproduceCommand, ROOT, sleep } from './config';
import { API_LIMITS, Cluster } from './cluster';
import { seed as seedData } from './seed';
import { HttpClient } from './http';
import { Driver } from './driver';
import { injectFaults } from './faults';
import { checkInvariants, countOpenOrders } from './invariants';
import { runSecurityChecks, type SecurityResult } from './security';
import { runFuzzer, type FuzzResult } from './fuzz';
import { printReport, writeReliabilityMd, type RunReport } from './report';

const t0 = Date.now();
const say = (line: string) => console.log(`[chaos +${((Date.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${line}`);

async function waitForQuiescence(cluster: Cluster, timeoutMs: number): Promise<{ ok: boolean; ms: number; open: number }> {
  const started = Date.now();
  let open = -1;
  let stuckSince = 0;
  while (Date.now() - started < timeoutMs) {
    open = await countOpenOrders(cluster.databaseUrl).catch(() => -1);
    if (open === 0) {
      const running = await countRunningSagas(cluster).catch(() => -1);
      if (running === 0) return { ok: true, ms: Date.now() - started, open };
      // Every order is final yet sagas still run: sagas without an order. Give them 30 s, then
      // report them (the invariants name them) instead of waiting out the whole timeout.
      stuckSince ||= Date.now();
      if (Date.now() - stuckSince > 30_000) return { ok: false, ms: Date.now() - started, open: running };
    } else {
      stuckSince = 0;
    }
    await sleep(2000);
  }
  return { ok: false, ms: Date.now() - started, open };
}

async function countRunningSagas(cluster: Cluster): Promise<number> {
  const connection = await Connection.connect({ address: cluster.temporalAddress });
  try {
    const { count } = await new Client({ connection }).workflow.count(`TaskQueue = "${cluster.taskQueuePrefix}orders" AND ExecutionStatus = "Running"`);
    return count;
  } finally {
    await connection.close();
  }
}

async function main(): Promise<number> {
  const config = loadChaosConfig();
  say(`settings: ${config.orders} orders every ${config.orderIntervalMs} ms (≤ ${config.maxInFlight} followed at once, ≤ ${config.maxDriveSeconds} s), DISPATCH_DELAY ${config.dispatchDelay}, seed ${config.seed}`);
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'provision.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });

  const cluster = new Cluster({ dispatchDelay: config.dispatchDelay, say });
  let stopping = false;
  // The hard bound of the whole run: whatever happens, stop everything and exit after it.
  const watchdog = setTimeout(() => {
    say(`the run exceeded CHAOS_MAX_RUN_SECONDS=${config.maxRunSeconds}; stopping`);
    stopping = true;
    void cluster.stop().finally(() => process.exit(3));
  }, config.maxRunSeconds * 1000);
  const abort = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping the cluster …`);
    void cluster.stop().finally(() => process.exit(130));
  };
  process.on('SIGINT', () => abort('SIGINT'));
  process.on('SIGTERM', () => abort('SIGTERM'));

  try {
    await cluster.start();
    const seed = await seedData(cluster.databaseUrl);
    say(`seeded ${seed.products.size} products and ${seed.customers.length} customers`);

    const faultAt = (from: number, to: number) => {
      // A fault's window runs from the kill until 5 s after the part is back (clients catch up).
      const hit = [...cluster.faults].reverse().find((f) => from <= (f.recoveredAt || Infinity) + 5000 && to >= f.startedAt);
      return hit ? hit.kind : null;
    };
    const http = new HttpClient(cluster.baseUrl, faultAt);
    const driver = new Driver(http, seed, config, { email: cluster.secrets.adminEmail, password: cluster.secrets.adminPassword }, say);
    await driver.login();

    const plannedMs = config.orders * config.orderIntervalMs;
    const gapMs = config.faultGapMs || Math.max(2000, Math.min(30_000, Math.round(plannedMs / (8 * Math.max(1, config.minFaultCycles)) - 6000)));
    let driving = true;
    say(`driving orders; faults every ~${(gapMs / 1000).toFixed(0)} s, at least ${config.minFaultCycles} cycle(s)`);
    const faults = config.skip.has('faults') ? Promise.resolve() : injectFaults(cluster, { gapMs, minCycles: config.minFaultCycles, keepGoing: () => driving, say });
    const drive = await driver.run();
    driving = false;
    say(`drive done: ${drive.orders.length} orders in ${((drive.endedAt - drive.startedAt) / 1000).toFixed(0)} s; waiting for the last fault to recover`);
    await faults;

    say('waiting for quiescence (every order final, no saga running) …');
    const quiet = await waitForQuiescence(cluster, config.quiesceSeconds * 1000);
    say(quiet.ok ? `quiescent after ${(quiet.ms / 1000).toFixed(0)} s` : `NOT quiescent after ${(quiet.ms / 1000).toFixed(0)} s (${quiet.open} orders open)`);

    let security: SecurityResult | null = null;
    let fuzz: FuzzResult | null = null;
    const securityTokens = seed.customers.filter((c) => c.role === 'security').map((c) => ({ customerId: c.id, token: driver.tokenMap.get(c.id)! }));
    const fuzzCustomer = seed.customers.find((c) => c.role === 'fuzz')!;
    const fuzzNow = async () => {
      // The fuzzer starts from ids that exist: a product and an order of its own customer.
      const token = driver.tokenMap.get(fuzzCustomer.id)!;
      const productId = seed.products.get('sticker')!.id;
      const placed = await http.call('POST', '/orders', {
        token, retry: 'safe', headers: { 'Idempotency-Key': 'fuzz-seed-order' },
        body: { items: [{ productId, quantity: 1 }], shippingAddress: { line1: '1 Fuzz St', city: 'Fuzz', postalCode: '1', country: 'US' }, paymentMethod: { token: 'tok_visa' } },
      });
      return runFuzzer({
        baseUrl: cluster.baseUrl, token, examples: { productId, orderId: placed.body?.orderId ?? productId },
        maxExamples: config.fuzzMaxExamples, maxSeconds: config.fuzzMaxSeconds, seed: config.seed, say,
      });
    };
    if (!config.skip.has('security')) {
      say('security checks …');
      security = await runSecurityChecks({
        baseUrl: cluster.baseUrl, databaseUrl: cluster.databaseUrl, secrets: cluster.secrets, customers: securityTokens, adminToken: drive.adminToken,
        products: seed.products, logFiles: cluster.logFiles, say,
        // Scanned last, after the fuzzer, so the logs hold everything the run did.
        secretsToFind: () => [cluster.secrets.jwtSecret, cluster.secrets.adminPassword, cluster.secrets.metricsToken, cluster.secrets.payloadKeys.split(':')[1]!, ...seed.customers.map((c) => c.password), ...driver.tokenMap.values(), drive.adminToken],
        whileSlowClientRuns: async () => {
          if (!config.skip.has('fuzz')) fuzz = await fuzzNow();
        },
        load: !config.skip.has('load'),
        limits: API_LIMITS,
        // The orders worker frozen: the stream checks' orders stay open while they are streamed.
        holdSagas: { pause: () => cluster.pauseWorker('orders'), resume: () => cluster.resumeWorker('orders') },
        apiPid: () => cluster.apiPid,
      });
    } else if (!config.skip.has('fuzz')) {
      fuzz = await fuzzNow();
    }

    say('final quiescence and invariants …');
    const settled = await waitForQuiescence(cluster, 120_000);
    const invariants = await checkInvariants({
      databaseUrl: cluster.databaseUrl, temporalAddress: cluster.temporalAddress, taskQueuePrefix: cluster.taskQueuePrefix, seed, drive,
      otherOrderIds: security?.orderIds ?? [],
    });
    const report: RunReport = {
      config, command: reproduceCommand(), startedAt: t0, finishedAt: Date.now(), drive, quiescence: quiet, settled,
      faults: cluster.faults, unexpectedExits: cluster.unexpectedExits, http, invariants, security, fuzz,
    };
    printReport(report);
    if (config.writeReport) {
      writeReliabilityMd(report);
      say('wrote RELIABILITY.md');
    }
    return report.invariants.checks.every((c) => c.passed) && passedOverall(report) ? 0 : 1;
  } finally {
    clearTimeout(watchdog);
    stopping = true;
    say('stopping the cluster …');
    await cluster.stop();
  }
}

function passedOverall(report: RunReport): boolean {
  // Outside a fault nothing may fail; during one, only 503 (a dependency is down, retry) is right.
  const unexplained5xx = report.http.serverErrors.filter((e) => !e.fault || e.status !== 503).length;
  const fuzzOk = !report.fuzz || (report.fuzz.serverErrors === 0 && report.fuzz.schemaViolations === 0 && report.fuzz.completed);
  const securityOk = !report.security || report.security.categories.every((c) => c.tried === c.rejected);
  const faultsOk = report.faults.every((f) => f.ok) && report.unexpectedExits.length === 0;
  return unexplained5xx === 0 && fuzzOk && securityOk && faultsOk && report.quiescence.ok;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error('[chaos] failed:', error);
    process.exit(2);
  },
);
