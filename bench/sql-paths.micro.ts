// What the hot SQL paths cost, one at a time on an otherwise idle database (mean wall ms and the
// client process's CPU µs per operation, serially):
//   order transition — the real `transitionOrder` activity (Prisma interactive transaction:
//     BEGIN, load, step-key check, guarded UPDATE, INSERT event, COMMIT = 6 round trips) vs the same
//     change as read + ONE guarded statement (UPDATE … WHERE version AND step not done, INSERT the
//     event from its RETURNING), through Prisma ($executeRaw) and through pg;
//   order view — GET /orders/:id's SQL up to da6fcb7 (the row, then row + timeline in a REPEATABLE READ
//     transaction: 6 round trips) vs findOrderView as the code is now vs ONE statement returning the
//     row with its timeline (json_agg), through Prisma and through pg.
//   node --import tsx bench/sql-paths.micro.ts        (embedded PostgreSQL, or DATABASE_URL's server)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { applyMigrations } from '../platform/migrate';
import { createPrisma, type PrismaClient } from '../platform/prisma';
import { createOrderActivities } from '../activities/orders/order.activities';
import { insertPlacedOrder } from '../persistence/order.repository';
import { findOrderView } from '../api/queries/order-view.query';
import { startBenchPostgres } from './stack';

const N = Number(process.env.MICRO_N ?? 300);

async function measure(name: string, n: number, op: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(30, n); i++) await op(n + i); // warm-up on spare items
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await op(i);
  const wall = (performance.now() - t0) / n;
  const used = process.cpuUsage(cpu);
  console.log(`  ${name.padEnd(62)} ${wall.toFixed(2).padStart(6)} ms  ${((used.user + used.system) / n).toFixed(0).padStart(5)} µs CPU`);
}

async function placedOrders(prisma: PrismaClient, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const orderId = randomUUID();
    await prisma.$transaction((tx) => insertPlacedOrder(tx, {
      orderId, customerId: randomUUID(), items: [{ productId: randomUUID(), sku: 'SKU-1', name: 'Mug', quantity: 1, unitPriceCents: 1000, lineTotalCents: 1000 }],
      totalCents: 1000, shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
      paymentToken: 'tok_visa', placedAt: new Date().toISOString(), dispatchDelayMs: 0,
    }));
    ids.push(orderId);
  }
  return ids;
}

// The change of `approve`, decided in code after one read, written by one statement: the UPDATE is
// guarded by the version read and by the step key not being taken; the event row is inserted only
// if the UPDATE happened. A lost race updates nothing and is retried like a VersionConflict.
const GUARDED_TRANSITION = `
  WITH upd AS (
    UPDATE orders SET status = $3, version = version + 1, updated_at = $4
    WHERE id = $1::uuid AND version = $2 AND NOT EXISTS (SELECT 1 FROM domain_events WHERE step_key = $5)
    RETURNING id)
  INSERT INTO domain_events (order_id, context, aggregate_id, type, data, step_key, at)
  SELECT id, 'orders', id::text, $6, '{}'::jsonb, $5, $4 FROM upd`;

// The order view in ONE statement: one statement sees one snapshot, so the status and its timeline
// agree without a REPEATABLE READ transaction; ownership is checked on the returned customer_id.
const ONE_STATEMENT_VIEW = `
  SELECT o.*, COALESCE((SELECT json_agg(json_build_object('type', e.type, 'at', e.at, 'data', e.data) ORDER BY e.id)
                        FROM domain_events e WHERE e.order_id = o.id), '[]'::json) AS timeline
  FROM orders o WHERE o.id = $1::uuid`;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'saga-micro-'));
  const postgres = await startBenchPostgres(dir);
  try {
    await applyMigrations(postgres.url);
    const prisma = createPrisma(postgres.url, 10);
    const pool = new pg.Pool({ connectionString: postgres.url, max: 10 });
    const activities = createOrderActivities({ prisma });
    const batch = () => placedOrders(prisma, N + 30);
    console.log(`order transition (APPROVAL_PENDING → APPROVED), ${N} orders each, serial:`);
    const a = await batch();
    await measure('transitionOrder activity as is (Prisma, 6 round trips)', N, (i) => activities.transitionOrder({ orderId: a[i]!, step: 'approve', command: { type: 'approve' } }));
    const b = await batch();
    await measure('read + one guarded statement, Prisma (2 round trips)', N, async (i) => {
      const row = await prisma.order.findUnique({ where: { id: b[i]! } });
      const written = await prisma.$executeRawUnsafe(GUARDED_TRANSITION, b[i]!, row!.version, 'APPROVED', new Date(), `${b[i]}:approve#0`, 'OrderApproved');
      if (written !== 1) throw new Error('not written');
    });
    const c = await batch();
    await measure('read + one guarded statement, pg (2 round trips)', N, async (i) => {
      const { rows } = await pool.query<{ version: number }>('SELECT id, status, items, total_cents, version FROM orders WHERE id = $1', [c[i]!]);
      const res = await pool.query(GUARDED_TRANSITION, [c[i]!, rows[0]!.version, 'APPROVED', new Date(), `${c[i]}:approve#0`, 'OrderApproved']);
      if (res.rowCount !== 1) throw new Error('not written');
    });

    console.log(`order view (GET /orders/:id's SQL), ${N} reads each, serial:`);
    const ids = a;
    const id = (i: number) => ids[i % ids.length]!;
    await measure('up to da6fcb7: findUnique, then row + timeline in a RR transaction, Prisma', N, async (i) => {
      const row = await prisma.order.findUnique({ where: { id: id(i) } });
      await prisma.$transaction([
        prisma.order.findUnique({ where: { id: row!.id } }),
        prisma.domainEvent.findMany({ where: { orderId: row!.id }, orderBy: { id: 'asc' }, select: { type: true, at: true, data: true } }),
      ], { isolationLevel: 'RepeatableRead' });
    });
    await measure('  of which the first order.findUnique alone, Prisma', N, (i) => prisma.order.findUnique({ where: { id: id(i) } }));
    await measure('findOrderView as the code is now, Prisma', N, (i) => findOrderView(prisma, id(i)));
    await measure('one statement (row + json_agg timeline), Prisma $queryRawUnsafe', N, (i) => prisma.$queryRawUnsafe(ONE_STATEMENT_VIEW, id(i)));
    await measure('up to da6fcb7: the same 6 statements, pg', N, async (i) => {
      await pool.query('SELECT * FROM orders WHERE id = $1 LIMIT 1', [id(i)]);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        await client.query('SELECT * FROM orders WHERE id = $1 LIMIT 1', [id(i)]);
        await client.query('SELECT type, at, data FROM domain_events WHERE order_id = $1 ORDER BY id', [id(i)]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    });
    await measure('one statement (row + json_agg timeline), pg', N, (i) => pool.query(ONE_STATEMENT_VIEW, [id(i)]));
    await prisma.$disconnect();
    await pool.end();
    await new Promise((r) => setTimeout(r, 500)); // let the pools' sockets close before the server stops
  } finally {
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
