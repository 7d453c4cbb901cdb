// The data of the read-path benchmarks (bench/read-path.compare.ts, bench/read-path.micro.ts): a scratch
// database on a PostgreSQL server (dropped afterwards) with shipped orders like the bench's.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { applyMigrations } from '../platform/migrate';

export interface ScratchDatabase { url: string; drop(): Promise<void> }

/** `server`: a URL of the server (any database on it); the new database is migrated. */
export async function scratchDatabase(server = process.env.READ_PATH_PG ?? 'postgresql://postgres@127.0.0.1:5432/postgres'): Promise<ScratchDatabase> {
  const database = `saga_readpath_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(server);
  url.pathname = `/${database}`;
  const drop = async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  };
  try {
    await applyMigrations(url.toString());
  } catch (error) {
    await drop();
    throw error;
  }
  return { url: url.toString(), drop };
}

/** Shipped orders like the bench's: one line, a payment, a 10-entry timeline, `customers` owners. */
export async function seedShippedOrders(url: string, orderCount = 256, customerCount = 128): Promise<{ orderId: string; customerId: string }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const customers = Array.from({ length: customerCount }, () => randomUUID());
    const orders = Array.from({ length: orderCount }, (_, i) => ({ orderId: randomUUID(), customerId: customers[i % customers.length]! }));
    const productId = randomUUID();
    const items = [{ productId, sku: 'SKU-BENCH-1', name: 'Bench mug', quantity: 1, unitPriceCents: 1250, lineTotalCents: 1250 }];
    const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
    await client.query(`
      INSERT INTO orders (id, customer_id, status, items, total_cents, shipping_address, version, created_at, updated_at)
      SELECT o.id, o.customer_id, 'SHIPPED', $3::jsonb, 1250, $4::jsonb, 6, now() - interval '1 minute', now()
      FROM unnest($1::uuid[], $2::uuid[]) AS o(id, customer_id)`,
    [orders.map((o) => o.orderId), orders.map((o) => o.customerId), JSON.stringify(items), JSON.stringify(address)]);
    await client.query(`
      INSERT INTO payments (id, order_id, charged_cents, refunded_cents, status)
      SELECT gen_random_uuid(), id, 1250, 0, 'CHARGED' FROM unnest($1::uuid[]) AS o(id)`, [orders.map((o) => o.orderId)]);
    const events: [string, string, (o: { orderId: string; customerId: string }) => unknown][] = [
      ['orders', 'OrderPlaced', (o) => ({ customerId: o.customerId, items, totalCents: 1250 })],
      ['stock', 'StockReserved', (o) => ({ productId, quantity: 1, orderId: o.orderId })],
      ['credit', 'CreditReserved', (o) => ({ amountCents: 1250, orderId: o.orderId })],
      ['orders', 'OrderApproved', () => ({})],
      ['payment', 'PaymentCharged', () => ({ amountCents: 1250 })],
      ['orders', 'OrderPaid', () => ({})],
      ['stock', 'StockShipped', (o) => ({ productId, quantity: 1, orderId: o.orderId })],
      ['credit', 'CreditConsumed', (o) => ({ amountCents: 1250, orderId: o.orderId })],
      ['shipment', 'ShipmentBooked', () => ({ trackingNumber: `TRK${randomBytes(5).toString('hex').toUpperCase()}` })],
      ['orders', 'OrderShipped', () => ({})],
    ];
    const rows = orders.flatMap((o) => events.map(([context, type, data], k) => [o.orderId, context, type, JSON.stringify(data(o)), `${o.orderId}:${k}`]));
    await client.query(`
      INSERT INTO domain_events (order_id, context, aggregate_id, type, data, step_key, at)
      SELECT e.order_id, e.context, e.order_id::text, e.type, e.data::jsonb, e.step_key, now() - interval '1 minute' + e.n * interval '37 milliseconds'
      FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS e(order_id, context, type, data, step_key, n)`,
    [0, 1, 2, 3, 4].map((col) => rows.map((r) => r[col])));
    await client.query('ANALYZE');
    return orders;
  } finally {
    await client.end();
  }
}

