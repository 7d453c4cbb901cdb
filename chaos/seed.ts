// The run's catalog and customers, written straight into the database (as an operator's import
// would), so the initial stock and credit limits are known exactly for the balance checks.
import { randomBytes, randomUUID } from 'node:crypto';
import bcrypt from 'bcryptjs';
import pg from 'pg';

export interface SeedProduct { key: string; id: string; sku: string; priceCents: number; initialStock: number }
export interface SeedCustomer { key: string; id: string; email: string; password: string; limitCents: number; role: 'rich' | 'poor' | 'fuzz' | 'security' }
export interface Seed { products: Map<string, SeedProduct>; customers: SeedCustomer[] }

const CATALOG = [
  { key: 'mug', priceCents: 1200, stock: 100_000 },
  { key: 'tee', priceCents: 2500, stock: 100_000 },
  { key: 'sticker', priceCents: 300, stock: 100_000 },
  { key: 'book', priceCents: 4000, stock: 100_000 },
  // Contended: few units, many small orders, replenished now and then by the admin.
  { key: 'lamp', priceCents: 8900, stock: 40 },
  // Scarce: orders ask for more than exists (OUT_OF_STOCK).
  { key: 'rare', priceCents: 15_000, stock: 20 },
];

export const RICH_LIMIT_CENTS = 100_000_000;
export const POOR_LIMIT_CENTS = 2_000;

export async function seed(databaseUrl: string): Promise<Seed> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const products = new Map<string, SeedProduct>();
    for (const item of CATALOG) {
      const product: SeedProduct = { key: item.key, id: randomUUID(), sku: `CHAOS-${item.key.toUpperCase()}`, priceCents: item.priceCents, initialStock: item.stock };
      await client.query('INSERT INTO products (id, sku, name, price_cents, on_hand) VALUES ($1, $2, $3, $4, $5)', [product.id, product.sku, `Chaos ${item.key}`, product.priceCents, product.initialStock]);
      products.set(item.key, product);
    }
    const plan: [SeedCustomer['role'], number, number][] = [['rich', 8, RICH_LIMIT_CENTS], ['poor', 3, POOR_LIMIT_CENTS], ['fuzz', 1, RICH_LIMIT_CENTS], ['security', 2, RICH_LIMIT_CENTS]];
    const customers: SeedCustomer[] = [];
    for (const [role, count, limitCents] of plan) {
      for (let i = 0; i < count; i++) {
        const id = randomUUID();
        const customer: SeedCustomer = { key: `${role}-${i}`, id, email: `chaos-${role}-${i}-${id.slice(0, 6)}@example.com`, password: `pw-${randomBytes(10).toString('hex')}`, limitCents, role };
        const hash = await bcrypt.hash(customer.password, 8);
        await client.query('BEGIN');
        await client.query('INSERT INTO customers (id, email, name, password_hash, role) VALUES ($1, $2, $3, $4, $5)', [id, customer.email, `Chaos ${customer.key}`, hash, 'customer']);
        await client.query('INSERT INTO credit_lines (customer_id, limit_cents) VALUES ($1, $2)', [id, limitCents]);
        await client.query('COMMIT');
        customers.push(customer);
      }
    }
    return { products, customers };
  } finally {
    await client.end();
  }
}
