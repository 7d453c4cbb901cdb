// The parts of GET /orders/:id one at a time, to decide what the read path should do rather than guess:
//   client — the API process's CPU per read with 32 in flight (as under load): the view as the API read
//            it before (many columns through Prisma, mapped and re-serialised in JS), as it reads it now
//            (ONE json text column built by PostgreSQL, prepared; alone or 8 orders per statement, as
//            api/queries/order-view.query.ts orderViewReader batches them), the same with Prisma's errorFormat
//            'minimal' (production's default: no call site captured per query), through the driver
//            adapter alone, through pg alone; and `SELECT 1` through Prisma and pg (the fixed cost);
//   server — PostgreSQL's CPU per order (its backend's /proc time, serial): the floor's SQL, the API's
//            before, the API's now unprepared, prepared, and 8 orders per statement;
//   small  — JWT verification vs a cache hit, JSON.stringify/parse of the view, one request log line.
// Each case runs in rounds interleaved with the others (machine drift hits all alike); medians shown.
//   node --import tsx bench/read-path.micro.ts        (READ_PATH_PG: the server for the scratch database)
import { createWriteStream } from 'node:fs';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { loadConfig } from '../platform/config';
import { createPrisma } from '../platform/prisma';
import { createLogger } from '../platform/logger';
import { issueToken, verifyToken } from '../api/auth';
import { ORDER_VIEW_SQL, ORDER_VIEWS_SQL, findOrderView } from '../api/queries/order-view.query';
import { scratchDatabase, seedShippedOrders } from './read-path.seed';
import { cpuSeconds } from './sys';
import { READ_FLOOR_SQL as FLOOR_SQL } from './read-floor.sql';

const ROUNDS = Number(process.env.MICRO_ROUNDS ?? 5);

type Case = [name: string, op: (i: number) => unknown];

/** µs per operation by `cost` (process CPU unless given), `inFlight` at once, median of ROUNDS interleaved rounds. */
async function measure(title: string, n: number, inFlight: number, cases: Case[], cost: () => number = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; }): Promise<void> {
  console.log(`${title} (${n} per case and round, ${inFlight} in flight, median of ${ROUNDS} rounds):`);
  const results = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  const run = async (op: Case[1], count: number) => {
    let next = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => { while (next < count) await op(next++); }));
  };
  for (const [, op] of cases) await run(op, Math.min(n, 500));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, op] of cases) {
      const before = cost();
      await run(op, n);
      results.get(name)!.push(((cost() - before) * 1e6) / n);
    }
  }
  for (const [name, xs] of results) {
    xs.sort((a, b) => a - b);
    console.log(`  ${name.padEnd(66)} ${xs[Math.floor(xs.length / 2)]!.toFixed(1).padStart(7)} µs  (${xs.map((x) => x.toFixed(0)).join(' ')})`);
  }
}

interface ColumnsRow {
  id: string; customer_id: string; status: string; items: unknown; total_cents: bigint; shipping_address: unknown;
  charged_cents: bigint | null; refunded_cents: bigint | null;
  rejection_reason: string | null; cancellation_reason: string | null; created_at: Date; updated_at: Date; version: number;
  timeline: { type: string; at: string; data: unknown }[];
}
const fromColumns = (row: ColumnsRow) => ({
  orderId: row.id, customerId: row.customer_id, status: row.status, items: row.items, totalCents: Number(row.total_cents), shippingAddress: row.shipping_address,
  payment: { chargedCents: Number(row.charged_cents ?? 0), refundedCents: Number(row.refunded_cents ?? 0) },
  rejectionReason: row.rejection_reason, cancellationReason: row.cancellation_reason, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(), version: row.version,
  timeline: row.timeline.map((e, i) => ({ sequence: i + 1, type: e.type, at: new Date(e.at).toISOString(), data: e.data })),
});

/** The view as the API read it up to this change: many columns, converted by Prisma, mapped in JS. */
const COLUMNS_SQL = `
  SELECT o.id, o.customer_id, o.status, o.items, o.total_cents, o.shipping_address, o.rejection_reason,
         o.cancellation_reason, o.created_at, o.updated_at, o.version, p.charged_cents, p.refunded_cents,
         COALESCE((SELECT json_agg(json_build_object('type', e.type, 'at', e.at, 'data', e.data) ORDER BY e.id)
                   FROM domain_events e WHERE e.order_id = o.id), '[]'::json) AS timeline
  FROM orders o LEFT JOIN payments p ON p.order_id = o.id WHERE o.id = $1::uuid`;


async function main(): Promise<void> {
  const db = await scratchDatabase();
  try {
    const orders = await seedShippedOrders(db.url);
    const id = (i: number) => orders[i % orders.length]!.orderId;
    const prisma = createPrisma(db.url, 10);
    const minimal = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url, max: 10 }, { statementNameGenerator: (q) => (q.sql === ORDER_VIEW_SQL ? 'order_view' : '') }), errorFormat: 'minimal' });
    const pool = new pg.Pool({ connectionString: db.url, max: 10 });
    const adapter = await new PrismaPg(pool, { statementNameGenerator: (q) => (q.sql === ORDER_VIEW_SQL ? 'order_view' : '') }).connect();
    const stringArg = [{ scalarType: 'string', arity: 'scalar' }] as Parameters<typeof adapter.queryRaw>[0]['argTypes'];

    await measure('client: the API process per read', 4000, 32, [
      ['before: many columns via Prisma, mapped and stringified in JS', (i) => prisma.$queryRawUnsafe<ColumnsRow[]>(COLUMNS_SQL, id(i)).then((rows) => JSON.stringify(fromColumns(rows[0]!)))],
      ['now: one json text column via Prisma $queryRawUnsafe, prepared', (i) => prisma.$queryRawUnsafe(ORDER_VIEW_SQL, id(i))],
      ['now, 8 reads per statement (orderViewReader under load), per read', (i) => (i % 8 === 0 ? prisma.$queryRawUnsafe(ORDER_VIEWS_SQL, Array.from({ length: 8 }, (_, k) => id(i + k))) : undefined)],
      ['the same, Prisma errorFormat minimal', (i) => minimal.$queryRawUnsafe(ORDER_VIEW_SQL, id(i))],
      ['the same through the driver adapter (PrismaPg) alone', (i) => adapter.queryRaw({ sql: ORDER_VIEW_SQL, args: [id(i)], argTypes: stringArg })],
      ['the same through pg alone', (i) => pool.query({ name: 'order_view', text: ORDER_VIEW_SQL, values: [id(i)] })],
      ['SELECT 1 via Prisma $queryRawUnsafe', () => prisma.$queryRawUnsafe('SELECT 1')],
      ['SELECT 1 via pg', () => pool.query('SELECT 1')],
    ]);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows: [backend] } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const statement = (text: string, name?: string): Case[1] => (i) => client.query({ name, text, values: [id(i)] });
    await measure('server: PostgreSQL per statement', 2000, 1, [
      ["the floor's SQL (bench/read-floor.ts), unprepared", statement(FLOOR_SQL)],
      ["the API's before (many columns), unprepared", statement(COLUMNS_SQL)],
      ["the API's now (json text), unprepared", statement(ORDER_VIEW_SQL)],
      ["the API's now (json text), prepared", statement(ORDER_VIEW_SQL, 'order_view_micro')],
      ["the API's now, 8 orders per statement (prepared, planned each time), per order", (i) => (i % 8 === 0 ? client.query({ name: 'order_views_micro', text: ORDER_VIEWS_SQL, values: [Array.from({ length: 8 }, (_, k) => id(i + k))] }) : undefined)],
    ], () => cpuSeconds(backend!.pid));
    await client.end();

    const view = await findOrderView(prisma, id(0));
    const config = loadConfig({ JWT_SECRET: 'micro-secret-micro-secret-micro-secret-0123', NODE_ENV: 'test' });
    const token = issueToken(config, { customerId: orders[0]!.customerId, role: 'customer' }).accessToken;
    const other = loadConfig({ JWT_SECRET: 'micro-secret-micro-secret-micro-secret-4567', NODE_ENV: 'test' });
    const uncached = () => { const c = { ...other }; return verifyToken(c, issueToken(c, { customerId: orders[0]!.customerId, role: 'customer' }).accessToken); };
    const sink = createWriteStream('/dev/null');
    const line = (i: number) => ({ requestId: '6f1c1f9e-7d7a-4c55-9d55-2f8c0a1e0b6d', orderId: id(i), workflowId: `order-${id(i)}`, method: 'GET', path: `/orders/${id(i)}`, status: 200, ms: 1.2 });
    const asConfigured = createLogger({ level: 'info', name: 'api' }, sink);
    const unredacted = asConfigured.child({}, { redact: [] });
    await measure('small parts', 20_000, 1, [
      ['sign + verify a new token (jsonwebtoken, KeyObject): a cache miss', uncached],
      ['verifyToken of a known token: a cache hit', () => verifyToken(config, token)],
      ['JSON.stringify of the view', () => JSON.stringify(view)],
      ['JSON.parse of the view', () => JSON.parse(JSON.stringify(view)) as unknown],
      ['request log line, pino as platform/logger.ts (to /dev/null)', (i) => asConfigured.info(line(i), 'request')],
      ['request log line, its child without redaction (api/app.ts)', (i) => unredacted.info(line(i), 'request')],
    ]);

    await adapter.dispose();
    await Promise.all([prisma.$disconnect(), minimal.$disconnect()]);
    await pool.end();
  } finally {
    await db.drop();
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
