// Throughput against payment worker hosts: for each step (1, 2, 4 hosts) the same open-loop offered
// load of plain orders, more than one payment host can charge; measured: orders charged per second
// while the load is offered (the saga's slow step), orders completed per second end to end, every
// queue's backlog and each host's CPU. The host whose CPU or queue saturates once payment no longer
// does is the next bottleneck.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { sleep } from '../chaos/config';
import type { HttpClient } from '../chaos/http';
import type { Seed } from '../chaos/seed';
import { openLoop, type LoadResult } from './load';
import { pidsIn, type Network } from './netns';
import type { QueueStats } from './queues';
import type { Stack } from './stack';
import { ADDRESSES, PAYMENT_HOSTS } from './topology';

export interface ScalingStep {
  paymentHosts: number;
  offeredPerSecond: number;
  orders: number;
  /** The step's first charges per second, from its first charge to its last (the payment stage's service rate). */
  chargedPerSecond: number;
  /** The step's orders shipped per second, from the first to the last one final. */
  completedPerSecond: number;
  /** Mean and max of each queue's backlog, sampled every second while the load ran. */
  backlog: Record<string, { mean: number; max: number }>;
  /** CPU seconds per second of each host from the first POST until every order was final (1.0 = one core busy). */
  cpu: Record<string, number>;
  /** Busy share of the whole machine (2 cores) meanwhile, including processes outside the run. */
  machineCpuBusy: number;
  /** Cores busy with processes outside the run's hosts (other work on the machine). */
  outsideCores: number;
  load: LoadResult;
}

const CLK_TCK = 100;
const cores = () => readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d/.test(l)).length;

/** CPU seconds used so far by the processes of each host. */
function hostCpu(net: Network): Record<string, number> {
  const out: Record<string, number> = {};
  for (const host of Object.keys(ADDRESSES)) {
    let ticks = 0;
    for (const pid of pidsIn(net.ns(host))) {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // exited
      }
    }
    out[host] = ticks / CLK_TCK;
  }
  return out;
}

/** [busy, total] jiffies of the whole machine. */
function machineTicks(): [number, number] {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3]! + cpu[4]!;
  const total = cpu.reduce((a, b) => a + b, 0);
  return [total - idle, total];
}

export async function setPaymentHosts(stack: Stack, n: number, say: (line: string) => void): Promise<void> {
  const want = PAYMENT_HOSTS.slice(0, n);
  const extra = stack.runningPaymentHosts().filter((h) => !want.includes(h));
  await Promise.all(extra.map((h) => stack.drain(h)));
  const missing = want.filter((h) => !stack.procs.get(h)?.running);
  for (const h of missing) await stack.startPayment(h);
  say(`payment worker hosts: ${stack.runningPaymentHosts().join(', ')}`);
}

async function waitFinal(databaseUrl: string, orderIds: string[], timeoutMs: number): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM orders WHERE id = ANY($1::uuid[]) AND status NOT IN ('SHIPPED', 'REJECTED', 'CANCELLED')`, [orderIds]);
      if (Number(rows[0]!.n) === 0 || Date.now() > deadline) return Number(rows[0]!.n);
      await sleep(1000);
    }
  } finally {
    await db.end();
  }
}

/** (n − 1) events ÷ (last − first): the rate at which a stage got through the step's orders. */
const rate = (n: number, first: Date | null, last: Date | null) => (n > 1 && first && last && last > first ? (n - 1) / ((last.getTime() - first.getTime()) / 1000) : 0);

async function rates(databaseUrl: string, orderIds: string[]): Promise<{ charged: number; completed: number }> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const charged = await db.query<{ n: string; first: Date | null; last: Date | null }>(
      `SELECT count(*) AS n, min(created_at) AS first, max(created_at) AS last FROM provider_charges
        WHERE kind = 'charge' AND outcome = 'succeeded' AND reference = ANY($1::text[])`, [orderIds]);
    const shipped = await db.query<{ n: string; first: Date | null; last: Date | null }>(
      `SELECT count(*) AS n, min(updated_at) AS first, max(updated_at) AS last FROM orders WHERE id = ANY($1::uuid[]) AND status = 'SHIPPED'`, [orderIds]);
    const c = charged.rows[0]!;
    const s = shipped.rows[0]!;
    return { charged: rate(Number(c.n), c.first, c.last), completed: rate(Number(s.n), s.first, s.last) };
  } finally {
    await db.end();
  }
}

export async function runScalingSteps(input: {
  stack: Stack; net: Network; http: HttpClient; seed: Seed; tokens: Map<string, string>; stats: QueueStats;
  steps: number[]; rate: number; seconds: number; firstIndex: number; say: (line: string) => void;
}): Promise<ScalingStep[]> {
  const { stack, say } = input;
  const results: ScalingStep[] = [];
  let index = input.firstIndex;
  for (const n of input.steps) {
    await setPaymentHosts(stack, n, say);
    await sleep(3000);
    const count = input.rate * input.seconds;
    say(`scaling step: ${n} payment host(s), ${count} orders offered at ${input.rate}/s …`);
    const samples: Record<string, number>[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await input.stats.all().catch(() => ({})));
        await sleep(1000);
      }
    })();
    const cpu0 = hostCpu(input.net);
    const m0 = machineTicks();
    const t0 = Date.now();
    const load = await openLoop({ http: input.http, seed: input.seed, tokens: input.tokens, count, ratePerSecond: input.rate, firstIndex: index, label: `scale${n}` });
    index += count;
    const ids = load.orders.filter((o) => o.orderId).map((o) => o.orderId!);
    const open = await waitFinal(stack.databaseUrl, ids, 300_000);
    if (open) say(`!! ${open} orders of the step still open after 300 s`);
    const cpu1 = hostCpu(input.net);
    const m1 = machineTicks();
    const t1 = Date.now();
    sampling = false;
    await sampler;
    const r = await rates(stack.databaseUrl, ids);
    const backlog: ScalingStep['backlog'] = {};
    for (const q of Object.keys(samples[0] ?? {})) {
      const values = samples.map((s) => s[q] ?? 0).filter((v) => v >= 0);
      backlog[q] = { mean: values.reduce((a, b) => a + b, 0) / Math.max(1, values.length), max: Math.max(0, ...values) };
    }
    const cpu = Object.fromEntries(Object.keys(cpu1).map((h) => [h, (cpu1[h]! - (cpu0[h] ?? 0)) / ((t1 - t0) / 1000)]));
    const step: ScalingStep = {
      paymentHosts: n, offeredPerSecond: input.rate, orders: ids.length, chargedPerSecond: r.charged, completedPerSecond: r.completed,
      backlog, cpu, machineCpuBusy: (m1[0] - m0[0]) / Math.max(1, m1[1] - m0[1]), outsideCores: 0, load,
    };
    step.outsideCores = Math.max(0, step.machineCpuBusy * cores() - Object.values(cpu).reduce((a, b) => a + b, 0));
    results.push(step);
    const busiest = Object.entries(cpu).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([h, c]) => `${h} ${c.toFixed(2)}`).join(', ');
    say(`  → ${r.charged.toFixed(1)} charged/s, ${r.completed.toFixed(1)} completed/s; payment backlog mean ${backlog.payment?.mean.toFixed(0)}, orders backlog mean ${backlog.orders?.mean.toFixed(0)}; machine CPU ${(step.machineCpuBusy * 100).toFixed(0)} % (${step.outsideCores.toFixed(2)} cores outside the run); busiest hosts ${busiest}`);
  }
  return results;
}
