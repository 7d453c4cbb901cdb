// The raw floor for reads: GET /orders/:id on bare node:http + pg, running the same SQL statement the
// API runs for it (api/queries/order-view.query.ts findOrderView: the row and its timeline, json_agg, in
// ONE statement) and answering the same JSON. No framework, no ORM, no JWT verification, no request log:
// the ratio API / raw is the cost of the stack around the same SQL. Keep it in step when the API's SQL
// changes (bench/probe.preload.mjs counts the API's statements per request).
import http from 'node:http';
import pg from 'pg';
import { READ_FLOOR_SQL as VIEW_SQL } from './read-floor.sql';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface OrderRow {
  id: string; customer_id: string; status: string; items: unknown; total_cents: number; shipping_address: unknown;
  rejection_reason: string | null; cancellation_reason: string | null; created_at: Date; updated_at: Date; version: number;
  timeline: { type: string; at: string; data: unknown }[];
}

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_SIZE ?? 10) });

async function orderView(id: string) {
  const { rows } = await pool.query<OrderRow>(VIEW_SQL, [id]);
  const row = rows[0];
  if (!row) return null; // the API also compares customer_id with the token's subject here
  return {
    orderId: row.id, customerId: row.customer_id, status: row.status, items: row.items, totalCents: row.total_cents,
    shippingAddress: row.shipping_address, rejectionReason: row.rejection_reason, cancellationReason: row.cancellation_reason,
    createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(), version: row.version,
    timeline: row.timeline.map((e, i) => ({ sequence: i + 1, type: e.type, at: new Date(e.at).toISOString(), data: e.data })),
  };
}

const server = http.createServer((req, res) => {
  const match = /^\/orders\/([^/?]+)$/.exec(req.url ?? '');
  const send = (status: number, body: unknown) => {
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  };
  if (req.method !== 'GET' || !match || !UUID.test(match[1]!)) return send(404, { code: 'NOT_FOUND' });
  orderView(match[1]!).then((view) => send(view ? 200 : 404, view ?? { code: 'ORDER_NOT_FOUND' }), () => send(500, { code: 'INTERNAL' }));
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`read floor listening on ${typeof address === 'object' && address ? address.port : '?'}`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void pool.end().then(() => process.exit(0)));
});
