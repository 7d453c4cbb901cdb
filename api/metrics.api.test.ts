// GET /metrics on real Postgres and Temporal: who may scrape it, the saga-duration histogram, route
// labels, and what one scrape costs. Paid orders wait for dispatch (DISPATCH_DELAY 1h), so one order
// gives a 202 and a 409 of POST /orders/:id/dispatch and then ships when an admin dispatches it.
import { randomBytes, randomUUID } from 'node:crypto';
import { createApp } from './app';
import { ORDER_METRICS_SQL, SAGA_BUCKETS } from './metrics';
import { FINAL_STATUSES, ORDER_STATUSES } from '../domain/orders/order.status';
import { createLogger } from '../platform/logger';
import type { Config } from '../platform/config';
import type { PrismaClient } from '../platform/prisma';
import { listen, startTestStack, type TestStack } from '../test/harness';
import { adminToken, call, expectProblem, orderBody, placed, shopper, untilStatus } from '../test/api-kit';

const METRICS_TOKEN = `scrape-${randomBytes(16).toString('hex')}`;
let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ api: true, env: { METRICS_TOKEN, DISPATCH_DELAY: '1h' } }); });
afterAll(async () => { await stack?.stop(); });

async function scrape(authorization: string, baseUrl = stack.baseUrl) {
  const res = await fetch(`${baseUrl}/metrics`, { headers: { Authorization: authorization } });
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}
const scraped = async (baseUrl?: string) => {
  const reply = await scrape(`Bearer ${METRICS_TOKEN}`, baseUrl);
  expect(reply.status).toBe(200);
  return reply.text;
};

interface Sample { name: string; labels: Record<string, string>; value: number }
function samples(text: string, name: string): Sample[] {
  return text.split('\n').flatMap((line) => {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) return [];
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    return [{ name, labels, value: Number(match[3]) }];
  });
}
function value(text: string, name: string, labels: Record<string, string>): number {
  const found = samples(text, name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(found).toHaveLength(1);
  return found[0]!.value;
}

/** The same app on the same stack, with another config or Prisma client. */
async function anotherApp(options: { config?: Partial<Config>; prisma?: PrismaClient } = {}) {
  const app = createApp({ prisma: options.prisma ?? stack.prisma, temporal: stack.temporal, config: { ...stack.config, ...options.config }, logger: createLogger({ level: 'silent' }) });
  const served = await listen(app);
  return { baseUrl: served.baseUrl, close: async () => { await served.close(); await app.close(); } };
}

describe('who may scrape GET /metrics', () => {
  it('when there is no Authorization header, then 401 UNAUTHENTICATED', async () => {
    expectProblem(await call(stack, 'GET', '/metrics'), 401, 'UNAUTHENTICATED');
  });

  it('when a customer token is sent, then 403 FORBIDDEN', async () => {
    const { token } = await shopper(stack);
    expectProblem(await call(stack, 'GET', '/metrics', { token }), 403, 'FORBIDDEN');
  });

  it('when a wrong METRICS_TOKEN is sent (same length, a prefix, or longer), then 401 UNAUTHENTICATED', async () => {
    const wrong = [`${METRICS_TOKEN.slice(0, -1)}${METRICS_TOKEN.endsWith('0') ? '1' : '0'}`, METRICS_TOKEN.slice(0, 20), `${METRICS_TOKEN}x`];
    for (const token of wrong) {
      const reply = await call(stack, 'GET', '/metrics', { token });
      expectProblem(reply, 401, 'UNAUTHENTICATED');
      expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('when an admin token or the METRICS_TOKEN is sent, then 200 with Prometheus text', async () => {
    for (const authorization of [`Bearer ${adminToken(stack)}`, `Bearer ${METRICS_TOKEN}`]) {
      const reply = await scrape(authorization);
      expect(reply.status).toBe(200);
      expect(reply.contentType).toMatch(/^text\/plain;.*version=0\.0\.4/);
      expect(reply.text).toContain('# TYPE saga_orders_saga_duration_seconds histogram');
    }
  });

  it('when no METRICS_TOKEN is configured, then that token is refused and an admin token still works', async () => {
    const app = await anotherApp({ config: { METRICS_TOKEN: undefined } });
    try {
      expect((await scrape(`Bearer ${METRICS_TOKEN}`, app.baseUrl)).status).toBe(401);
      expect((await scrape(`Bearer ${adminToken(stack)}`, app.baseUrl)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('what GET /metrics shows', () => {
  it('when an order ships, then the saga-duration histogram counts it in _bucket, _sum and _count of status SHIPPED', async () => {
    const before = await scraped();
    const { token, productId } = await shopper(stack);
    const orderId = await placed(stack, token, orderBody(productId));
    await untilStatus(stack, token, orderId, 'PAID');
    expect((await call(stack, 'POST', `/orders/${orderId}/dispatch`, { token: adminToken(stack) })).status).toBe(202);
    await untilStatus(stack, token, orderId, 'SHIPPED');
    const row = await stack.prisma.order.findUniqueOrThrow({ where: { id: orderId } });
    const seconds = (row.updatedAt.getTime() - row.createdAt.getTime()) / 1000;
    const after = await scraped();

    const name = 'saga_orders_saga_duration_seconds';
    const shipped = { status: 'SHIPPED' };
    // Other test files share the database, so their sagas may finish in between: at least ours.
    expect(value(after, `${name}_count`, shipped)).toBeGreaterThanOrEqual(value(before, `${name}_count`, shipped) + 1);
    expect(value(after, `${name}_sum`, shipped)).toBeGreaterThanOrEqual(value(before, `${name}_sum`, shipped) + seconds - 0.001);
    const le = String(SAGA_BUCKETS.find((bound) => seconds <= bound) ?? '+Inf');
    expect(value(after, `${name}_bucket`, { ...shipped, le })).toBeGreaterThanOrEqual(value(before, `${name}_bucket`, { ...shipped, le }) + 1);

    for (const status of FINAL_STATUSES) {
      const buckets = samples(after, `${name}_bucket`).filter((s) => s.labels.status === status);
      expect(buckets.map((s) => s.labels.le)).toEqual([...SAGA_BUCKETS.map(String), '+Inf']);
      const counts = buckets.map((s) => s.value);
      expect(counts).toEqual([...counts].sort((a, b) => a - b)); // cumulative
      expect(counts.at(-1)).toBe(value(after, `${name}_count`, { status }));
    }
  });

  it('when the bounds of the database\'s buckets are read, then they are SAGA_BUCKETS', async () => {
    const [row] = await stack.prisma.$queryRaw<{ exact: number[]; above: number[] }[]>`
      SELECT array_agg(saga_duration_le(b) ORDER BY b) AS exact, array_agg(saga_duration_le(b + 0.000001) ORDER BY b) AS above
      FROM unnest(${SAGA_BUCKETS}::float8[]) AS b`;
    expect(row!.exact).toEqual(SAGA_BUCKETS);
    expect(row!.above).toEqual([...SAGA_BUCKETS.slice(1), Infinity]);
  });

  it('when POST /orders/:id/dispatch answers 202, 409 and 403, then all three carry route="/orders/:id/dispatch", and no route label ends in a slash', async () => {
    const { token, productId } = await shopper(stack);
    const orderId = await placed(stack, token, orderBody(productId));
    await untilStatus(stack, token, orderId, 'PAID');
    const dispatch = (as: string) => call(stack, 'POST', `/orders/${orderId}/dispatch`, { token: as });
    expect((await dispatch(adminToken(stack))).status).toBe(202);
    await untilStatus(stack, token, orderId, 'SHIPPED');
    expectProblem(await dispatch(adminToken(stack)), 409, 'ORDER_NOT_DISPATCHABLE');
    expectProblem(await dispatch(token), 403, 'FORBIDDEN');

    const requests = samples(await scraped(), 'saga_orders_http_request_duration_seconds_count');
    const dispatches = requests.filter((s) => s.labels.method === 'POST' && s.labels.route!.includes('dispatch'));
    expect(new Set(dispatches.map((s) => s.labels.route))).toEqual(new Set(['/orders/:id/dispatch']));
    expect(dispatches.map((s) => s.labels.status).sort()).toEqual(['202', '403', '409']);
    expect(requests.find((s) => s.labels.method === 'POST' && s.labels.status === '202' && s.labels.route === '/orders')).toBeDefined();
    expect(requests.filter((s) => s.labels.route !== '/' && s.labels.route!.endsWith('/'))).toEqual([]);
  });
});

describe('what a scrape costs', () => {
  const SHARDS = 16;
  // Every (status, shard) count plus every (final status, bucket incl. +Inf, shard) histogram row.
  const MOST_ROWS = SHARDS * (ORDER_STATUSES.length + FINAL_STATUSES.length * (SAGA_BUCKETS.length + 1));

  /** Rows each table scan of the scrape's statement read (EXPLAIN ANALYZE), by table. */
  async function rowsRead(): Promise<Record<string, number>> {
    const [row] = await stack.prisma.$queryRawUnsafe<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(`EXPLAIN (ANALYZE, FORMAT JSON) ${ORDER_METRICS_SQL}`);
    const read: Record<string, number> = {};
    const walk = (node: PlanNode) => {
      if (node['Relation Name']) read[node['Relation Name']] = (read[node['Relation Name']] ?? 0) + node['Actual Rows'] * node['Actual Loops'] + (node['Rows Removed by Filter'] ?? 0);
      node.Plans?.forEach(walk);
    };
    walk(row!['QUERY PLAN'][0].Plan);
    return read;
  }
  interface PlanNode { 'Relation Name'?: string; 'Actual Rows': number; 'Actual Loops': number; 'Rows Removed by Filter'?: number; Plans?: PlanNode[] }

  /** Orders by status counted from `orders` and from the metric counters, in one snapshot. */
  const countedBothWays = () => stack.prisma.$queryRaw<{ status: string; orders: number; counted: number }[]>`
    SELECT coalesce(o.status, c.status) AS status, coalesce(o.n, 0)::float8 AS orders, coalesce(c.n, 0)::float8 AS counted
    FROM (SELECT status, count(*) AS n FROM orders GROUP BY status) o
    FULL JOIN (SELECT status, sum(orders) AS n FROM order_status_counts GROUP BY status) c ON c.status = o.status`;

  it('when 5 000 more orders exist, then a scrape issues the same one statement, reads only the counter tables and at most a fixed number of rows, and the gauge counts them', async () => {
    const statements: string[] = [];
    const counting = stack.prisma.$extends({
      query: { $allOperations({ operation, args, query }) { statements.push(`${operation} ${JSON.stringify(args)}`); return query(args); } },
    });
    const app = await anotherApp({ prisma: counting as unknown as PrismaClient });
    const customerId = randomUUID();
    try {
      const measure = async () => {
        statements.length = 0;
        const text = await scraped(app.baseUrl);
        return { statements: [...statements], rows: await rowsRead(), cancelled: value(text, 'saga_orders_orders', { status: 'CANCELLED' }), finished: value(text, 'saga_orders_saga_duration_seconds_count', { status: 'CANCELLED' }) };
      };
      const before = await measure();

      await stack.prisma.$executeRaw`
        INSERT INTO orders (id, customer_id, status, items, total_cents, shipping_address, created_at, updated_at)
        SELECT gen_random_uuid(), ${customerId}::uuid, 'CANCELLED', '[]', 100, '{}', now() - interval '40 seconds', now()
        FROM generate_series(1, 5000)`;
      const after = await measure();

      expect(before.statements).toHaveLength(1);
      expect(after.statements).toEqual(before.statements);
      for (const rows of [before.rows, after.rows]) {
        expect(Object.keys(rows).sort()).toEqual(['order_status_counts', 'saga_duration_buckets']);
        expect(Object.values(rows).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MOST_ROWS);
      }
      expect(after.cancelled - before.cancelled).toBeGreaterThanOrEqual(5000);
      expect(after.finished - before.finished).toBeGreaterThanOrEqual(5000);
      for (const row of await countedBothWays()) expect(row.counted).toBe(row.orders);
    } finally {
      await stack.prisma.$executeRaw`DELETE FROM orders WHERE customer_id = ${customerId}::uuid`;
      await app.close();
    }
    for (const row of await countedBothWays()) expect(row.counted).toBe(row.orders);
  });

  it('when orders move between statuses in a transaction that rolls back, then the counters still agree with the orders', async () => {
    const id = randomUUID();
    await stack.prisma.$executeRaw`
      INSERT INTO orders (id, customer_id, status, items, total_cents, shipping_address) VALUES (${id}::uuid, ${randomUUID()}::uuid, 'APPROVED', '[]', 100, '{}')`;
    await expect(stack.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`UPDATE orders SET status = 'PAID' WHERE id = ${id}::uuid`;
      await tx.$executeRaw`UPDATE orders SET status = 'SHIPPED', updated_at = now() WHERE id = ${id}::uuid`;
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    for (const row of await countedBothWays()) expect(row.counted).toBe(row.orders);
    await stack.prisma.$executeRaw`DELETE FROM orders WHERE id = ${id}::uuid`;
  });
});
