// Prometheus metrics of the API: request latency by route and status, orders by status, and saga
// duration (placement → final status) as a histogram by final status.
//
// The order figures come from counters the database keeps itself: a trigger on `orders` (migration
// 20261128000000_order_metrics) moves one order between per-status counts and files each finished
// saga in its duration bucket, in the transaction that changes the order. So they are exact (a
// rolled-back change leaves no trace), right whichever API or worker process handled the order,
// unchanged by restarts, and identical on every API replica (aggregate replicas with max, not sum).
// A scrape is one statement summing at most a few hundred counter rows, however many orders exist;
// writes pay instead, with one small upsert per status change into a counter sharded 16 ways.
// Rejected alternatives: caching the old full aggregate bounds how often it runs, not what it costs;
// an in-process histogram fed from domain_events starts empty on each restart and must replay history.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PrismaClient } from '../platform/prisma';
import type { Config } from '../platform/config';
import { FINAL_STATUSES, ORDER_STATUSES } from '../domain/orders/order.status';
import { authenticate } from './auth';
import { HttpError } from './problem';

/** Must list the same bounds as saga_duration_le() in the migration (a test checks they agree). */
export const SAGA_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** The one statement of a scrape: orders by status, and finished sagas by status and duration bucket. */
export const ORDER_METRICS_SQL = `
  SELECT 'orders' AS metric, status, NULL::float8 AS le, sum(orders)::float8 AS count, NULL::float8 AS sum
  FROM order_status_counts GROUP BY status
  UNION ALL
  SELECT 'duration', status, le, sum(count)::float8, sum(sum_seconds) FROM saga_duration_buckets GROUP BY status, le`;

interface OrderMetricsRow { metric: 'orders' | 'duration'; status: string; le: number | null; count: number; sum: number | null }

type MetricsConfig = Pick<Config, 'METRICS_TOKEN' | 'JWT_SECRET' | 'JWT_ALGORITHM' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_TTL'>;

export function createMetrics(prisma: PrismaClient, config: MetricsConfig) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'saga_orders_api_' });

  const requestDuration = new Histogram({
    name: 'saga_orders_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  // Filled by scrape() just before rendering, so both order metrics show one consistent read.
  let rows: OrderMetricsRow[] = [];
  new Gauge({
    name: 'saga_orders_orders',
    help: 'Orders by current status (final statuses: SHIPPED, REJECTED, CANCELLED)',
    labelNames: ['status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const status of ORDER_STATUSES) this.set({ status }, 0);
      for (const row of rows) if (row.metric === 'orders') this.set({ status: row.status }, row.count);
    },
  });
  new StoredHistogram({
    name: 'saga_orders_saga_duration_seconds',
    help: 'Finished sagas by duration from placement to final status',
    buckets: SAGA_BUCKETS,
    registers: [registry],
    rows: () => rows.filter((row) => row.metric === 'duration'),
  });

  // Concurrent scrapes share one read.
  let reading: Promise<OrderMetricsRow[]> | undefined;
  async function scrape(): Promise<string> {
    reading ??= prisma.$queryRawUnsafe<OrderMetricsRow[]>(ORDER_METRICS_SQL).finally(() => { reading = undefined; });
    rows = await reading;
    return registry.metrics();
  }

  const middleware: RequestHandler = (req, res, next) => {
    const end = requestDuration.startTimer();
    recordRoutePattern(req);
    res.on('finish', () => end({ method: req.method, route: (req as PatternHolder)[ROUTE_PATTERN] ?? 'unmatched', status: String(res.statusCode) }));
    next();
  };

  const handler: RequestHandler = async (_req, res) => void res.type(registry.contentType).send(await scrape());

  return { registry, middleware, scrape, authorize: metricsAuth(config), handler };
}

const ROUTE = Symbol('route');
const ROUTE_PATTERN = Symbol('route pattern');
type PatternHolder = { [ROUTE]?: unknown; [ROUTE_PATTERN]?: string; baseUrl: string };
const instrumented = new WeakSet<object>();
/** Patterns by route and mount path: a route is one object for the app's life, its mount paths few. */
const patterns = new WeakMap<object, Map<string, string>>();

/**
 * The matched route pattern (not the raw path) keeps label cardinality bounded. Express assigns
 * req.route when a route matches, while req.baseUrl is still that router's mount path; by 'finish'
 * an error passed out of the router has reset baseUrl, so the pattern is taken at the assignment.
 * The accessor that sees it is defined once on the app's request prototype (Express gives every
 * request of an app that prototype), not on each request: an accessor defined on the request object
 * itself cost ~15 µs per request, mostly in Express's later property accesses on it.
 */
function recordRoutePattern(req: object): void {
  const prototype = Object.getPrototypeOf(req) as object;
  if (instrumented.has(prototype)) return;
  // Only an Express app's own request prototype (it has `app`); anywhere else, the request itself.
  const target = Object.hasOwn(prototype, 'app') ? prototype : req;
  instrumented.add(target);
  Object.defineProperty(target, 'route', {
    configurable: true,
    get(this: PatternHolder) { return this[ROUTE]; },
    set(this: PatternHolder, value: { path?: unknown } | undefined) {
      this[ROUTE] = value;
      if (value?.path === undefined) return;
      let byBase = patterns.get(value);
      if (!byBase) patterns.set(value, (byBase = new Map()));
      let pattern = byBase.get(this.baseUrl);
      if (pattern === undefined) byBase.set(this.baseUrl, (pattern = routePattern(this.baseUrl, String(value.path))));
      this[ROUTE_PATTERN] = pattern;
    },
  });
}

/** `/orders` + `/:id/dispatch`; `/products` + `/` is `/products`, never `/products/`. */
function routePattern(baseUrl: string, path: string): string {
  const full = `${baseUrl}${path}`.replace(/\/+$/, '');
  return full === '' ? '/' : full;
}

/**
 * An admin JWT, or `Authorization: Bearer <METRICS_TOKEN>` for a scraper. The token is compared as
 * SHA-256 digests with timingSafeEqual: equal lengths whatever is sent, and no early exit on the
 * first differing byte. Anything else is 401 UNAUTHENTICATED, or 403 FORBIDDEN for a non-admin JWT.
 */
function metricsAuth(config: MetricsConfig): RequestHandler {
  const admin = authenticate(config, 'admin');
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  const expected = config.METRICS_TOKEN ? digest(config.METRICS_TOKEN) : undefined;
  return (req, res, next) => {
    const presented = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (expected && presented && timingSafeEqual(digest(presented), expected)) return next();
    if (presented && !presented.includes('.')) {
      // Not a JWT either; authenticate() would call it "not a Bearer token", which misleads a scraper.
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      return next(new HttpError(401, 'UNAUTHENTICATED', 'the bearer token is neither the metrics token nor a valid access token'));
    }
    admin(req, res, next);
  };
}

/**
 * A prom-client Histogram whose observations are counted in Postgres (by the orders trigger), not in
 * this process: it renders stored non-cumulative bucket counts as the usual cumulative `_bucket{le}`,
 * `_sum` and `_count` series, one set per final status (zeros included, so rate() has a start).
 */
class StoredHistogram extends Histogram<'status' | 'le'> {
  private readonly meta: { name: string; help: string; buckets: number[]; rows: () => OrderMetricsRow[] };

  constructor(options: { name: string; help: string; buckets: number[]; registers: Registry[]; rows: () => OrderMetricsRow[] }) {
    super({ name: options.name, help: options.help, labelNames: ['status'], buckets: options.buckets, registers: options.registers });
    this.meta = options;
  }

  override async get(): ReturnType<Histogram<'status' | 'le'>['get']> {
    const { name, help, buckets } = this.meta;
    const rows = this.meta.rows();
    const statuses = [...new Set<string>([...FINAL_STATUSES, ...rows.map((row) => row.status)])];
    const values = statuses.flatMap((status) => {
      const mine = rows.filter((row) => row.status === status);
      const count = mine.reduce((total, row) => total + row.count, 0);
      const sum = mine.reduce((total, row) => total + (row.sum ?? 0), 0);
      return [
        ...buckets.map((le) => ({
          metricName: `${name}_bucket`,
          labels: { status, le },
          value: mine.filter((row) => row.le !== null && row.le <= le).reduce((total, row) => total + row.count, 0),
        })),
        { metricName: `${name}_bucket`, labels: { status, le: '+Inf' }, value: count },
        { metricName: `${name}_sum`, labels: { status }, value: sum },
        { metricName: `${name}_count`, labels: { status }, value: count },
      ];
    });
    // prom-client's typings declare `type` as a numeric enum it does not export; the registry writes
    // the string into `# TYPE`, as its own Histogram does.
    return { name, help, type: 'histogram', values, aggregator: 'first' } as unknown as Awaited<ReturnType<Histogram['get']>>;
  }

  /** What prom-client's registry calls for the text format when a metric has it (Histogram does). */
  getForPromString() {
    return this.get();
  }
}
