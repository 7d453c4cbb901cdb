// Drives real orders through the API: POST /orders with a customer's JWT, then waits until the
// order's final status is visible in the projection (the `orders` table GET /orders/:id reads).
// Completion is observed with ONE batched query for all in-flight orders every few ms, so watching
// puts almost no load on the system under test; BENCH_SAGA_OBSERVE=http polls GET /orders/:id instead.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Config } from '../platform/config';
import { issueToken } from '../api/auth';

export interface Catalog { customers: { customerId: string; token: string }[]; productIds: string[] }

/** Customers with large credit lines and products with deep stock, so no order is declined and
 * concurrent orders rarely share a row (each in-flight order gets its own customer and product). */
export async function seedCatalog(databaseUrl: string, config: Config, size: number): Promise<Catalog> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const customers: Catalog['customers'] = [];
    const productIds: string[] = [];
    for (let i = 0; i < size; i++) {
      const customerId = randomUUID();
      const productId = randomUUID();
      await client.query('INSERT INTO customers (id, email, name, password_hash) VALUES ($1, $2, $3, $4)', [customerId, `bench-${customerId}@example.com`, `Bench ${i}`, 'not-a-login']);
      await client.query('INSERT INTO credit_lines (customer_id, limit_cents) VALUES ($1, $2)', [customerId, 2_000_000_000]);
      await client.query('INSERT INTO products (id, sku, name, price_cents, on_hand) VALUES ($1, $2, $3, $4, $5)', [productId, `BENCH-${productId.slice(0, 8)}`, `Bench product ${i}`, 1000, 100_000_000]);
      customers.push({ customerId, token: issueToken(config, { customerId, role: 'customer' }).accessToken });
      productIds.push(productId);
    }
    return { customers, productIds };
  } finally {
    await client.end();
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

export interface Reply { status: number; json: Record<string, unknown>; headers: http.IncomingHttpHeaders }

export function request(base: string, method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, {
      method, agent,
      headers: { ...headers, authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString() || '{}'), headers: res.headers });
        } catch (error) {
          reject(error);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const FINAL = ['SHIPPED', 'REJECTED', 'CANCELLED'];

/** Resolves each watched order when its final status is committed to the projection. */
export class ProjectionWatcher {
  private readonly pending = new Map<string, (status: string) => void>();
  private readonly client: pg.Client;
  private running = true;
  private loop: Promise<void> | undefined;

  constructor(databaseUrl: string, private readonly intervalMs = 5) {
    this.client = new pg.Client({ connectionString: databaseUrl });
  }

  async start(): Promise<void> {
    await this.client.connect();
    this.loop = this.run();
  }

  final(orderId: string): Promise<string> {
    return new Promise((resolve) => this.pending.set(orderId, resolve));
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.pending.size > 0) {
        const { rows } = await this.client.query<{ id: string; status: string }>(
          'SELECT id, status FROM orders WHERE id = ANY($1::uuid[]) AND status = ANY($2::text[])', [[...this.pending.keys()], FINAL]);
        for (const row of rows) {
          this.pending.get(row.id)?.(row.status);
          this.pending.delete(row.id);
        }
      }
      await new Promise((r) => setTimeout(r, this.intervalMs));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.client.end();
  }
}

/** The i-th order: one line of quantity 1 of the i-th product, paid with a card that is never declined. */
export function orderBody(catalog: Catalog, i: number) {
  return {
    items: [{ productId: catalog.productIds[i % catalog.productIds.length]!, quantity: 1 }],
    shippingAddress: { line1: '1 Bench St', city: 'Springfield', postalCode: '12345', country: 'US' },
    paymentMethod: { token: 'tok_visa' },
  };
}

export interface PlacedOrder { orderId: string; token: string }
export interface SagaDriver { placeAndWait(i: number): Promise<string>; placed: PlacedOrder[] }

export function sagaDriver(apiBase: string, catalog: Catalog, watcher: ProjectionWatcher, observe: 'projection' | 'http' = 'projection'): SagaDriver {
  const placed: PlacedOrder[] = [];
  return {
    placed,
    async placeAndWait(i: number) {
      const customer = catalog.customers[i % catalog.customers.length]!;
      const res = await request(apiBase, 'POST', '/orders', customer.token, orderBody(catalog, i));
      if (res.status !== 202) throw new Error(`POST /orders answered ${res.status}: ${JSON.stringify(res.json).slice(0, 200)}`);
      const orderId = String(res.json.orderId);
      placed.push({ orderId, token: customer.token });
      if (observe === 'projection') return watcher.final(orderId);
      for (;;) {
        const view = await request(apiBase, 'GET', `/orders/${orderId}`, customer.token);
        if (FINAL.includes(String(view.json.status))) return String(view.json.status);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}
