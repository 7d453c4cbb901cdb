// Prometheus metrics of the API: request latency by route and status, orders by status, and saga
// duration (placement → final status). The order figures are read from the projection at scrape
// time, so they are right whichever API or worker process handled the order.
import type { RequestHandler } from 'express';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PrismaClient } from '../platform/prisma';

const SAGA_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export function createMetrics(prisma: PrismaClient) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'saga_orders_api_' });

  const requestDuration = new Histogram({
    name: 'saga_orders_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  new Gauge({
    name: 'saga_orders_orders',
    help: 'Orders by current status (final statuses: SHIPPED, REJECTED, CANCELLED)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await prisma.order.groupBy({ by: ['status'], _count: { _all: true } });
      for (const row of rows) this.set({ status: row.status }, row._count._all);
    },
  });

  // A histogram assembled from the projection: cumulative counts per `le` bucket over all finished
  // sagas, so histogram_quantile(0.95, saga_orders_saga_duration_seconds_bucket) works as usual.
  new Gauge({
    name: 'saga_orders_saga_duration_seconds_bucket',
    help: 'Finished sagas by duration from placement to final status (cumulative le buckets)',
    labelNames: ['le', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await prisma.$queryRaw<{ status: string; le: string; n: bigint }[]>`
        SELECT o.status, b.le::text AS le, count(*) FILTER (WHERE extract(epoch FROM o.updated_at - o.created_at) <= b.le) AS n
        FROM orders o CROSS JOIN unnest(${SAGA_BUCKETS}::float8[] || 'Infinity'::float8) AS b(le)
        WHERE o.status IN ('SHIPPED', 'REJECTED', 'CANCELLED')
        GROUP BY o.status, b.le`;
      for (const row of rows) this.set({ status: row.status, le: row.le === 'Infinity' ? '+Inf' : row.le }, Number(row.n));
    },
  });

  const middleware: RequestHandler = (req, res, next) => {
    const end = requestDuration.startTimer();
    res.on('finish', () => {
      // The matched route pattern (not the raw path) keeps label cardinality bounded.
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };

  return { registry, middleware };
}
