// First-decision latency: POST /orders with `Prefer: wait=<n>` (shared/API.md) answers once the saga
// has decided (APPROVED, PAID or REJECTED) or the wait is over. Measured from send to answer, in a
// closed loop whose slot is held until the order is final, so `concurrency` is the number of whole
// orders in flight (answers alone would let the rest of each saga pile up behind the loop).
import { performance } from 'node:perf_hooks';
import { closedLoop, percentile } from './load';
import { orderBody, request, type Catalog, type ProjectionWatcher } from './saga.driver';
import type { FirstDecision } from './results';

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function firstDecision(apiBase: string, catalog: Catalog, watcher: ProjectionWatcher, options: { orders: number; concurrency: number; waitSeconds: number }): Promise<FirstDecision> {
  const responseMs: number[] = [];
  const statuses: Record<string, number> = {};
  let preferenceApplied = 0;
  const order = await closedLoop(options.orders, options.concurrency, async (i) => {
    const customer = catalog.customers[i % catalog.customers.length]!;
    const t0 = performance.now();
    const res = await request(apiBase, 'POST', '/orders', customer.token, orderBody(catalog, i), { prefer: `wait=${options.waitSeconds}` });
    const elapsed = performance.now() - t0;
    if (res.status !== 202) throw new Error(`POST /orders answered ${res.status}: ${JSON.stringify(res.json).slice(0, 200)}`);
    responseMs.push(elapsed);
    const status = String(res.json.status);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (res.headers['preference-applied'] === `wait=${options.waitSeconds}`) preferenceApplied++;
    return watcher.final(String(res.json.orderId));
  });
  responseMs.sort((a, b) => a - b);
  return {
    concurrency: options.concurrency, orders: options.orders, failures: order.failures, seconds: order.seconds,
    responseMs: {
      p50: round(percentile(responseMs, 50)), p99: round(percentile(responseMs, 99)), max: round(responseMs[responseMs.length - 1] ?? NaN),
      mean: round(responseMs.reduce((a, b) => a + b, 0) / Math.max(1, responseMs.length)),
    },
    decided: Object.entries(statuses).filter(([status]) => status !== 'APPROVAL_PENDING').reduce((s, [, n]) => s + n, 0),
    statuses, preferenceApplied, order,
  };
}
