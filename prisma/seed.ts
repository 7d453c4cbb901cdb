// A small development catalog, inserted once (only into an empty catalog).
import { randomUUID } from 'node:crypto';
import pg from 'pg';

const CATALOG = [
  { sku: 'MUG-001', name: 'Saga mug', priceCents: 1200, stock: 100 },
  { sku: 'TEE-001', name: 'Compensation T-shirt', priceCents: 2500, stock: 50 },
  { sku: 'BOOK-001', name: 'Microservices Patterns (used)', priceCents: 4000, stock: 10 },
  { sku: 'STICKER-001', name: 'Durable execution sticker', priceCents: 300, stock: 1000 },
  { sku: 'LAMP-001', name: 'Warehouse lamp', priceCents: 8900, stock: 5 },
];

export async function seedCatalog(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM products');
    if (Number(rows[0]!.n) > 0) return 0;
    for (const p of CATALOG) {
      await client.query('INSERT INTO products (id, sku, name, price_cents, on_hand) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sku) DO NOTHING', [randomUUID(), p.sku, p.name, p.priceCents, p.stock]);
    }
    return CATALOG.length;
  } finally {
    await client.end();
  }
}
