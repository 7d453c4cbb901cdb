// Maps the Product aggregate (catalog entry and its stock) to its row, and an order's stock
// reservations (one row per order and product) to theirs. The API's admin adjustment uses
// findProduct/saveProduct in its transaction; the saga's stock steps use one read
// (loadStockOfOrder) and one guarded statement (saveStockChanges) and no transaction.
import { Prisma, type PrismaClient, type Tx } from '../platform/prisma';
import type { Product } from '../domain/stock/product';
import { eventsAfter, VersionConflict } from './transaction';

export async function findProduct(tx: Tx | PrismaClient, productId: string): Promise<Product | null> {
  const row = await tx.product.findUnique({ where: { id: productId } });
  if (!row) return null;
  return { id: row.id, sku: row.sku, name: row.name, priceCents: Number(row.priceCents), onHand: row.onHand, reserved: row.reserved, version: row.version };
}

/** Writes the stock only if nobody changed the product since `expectedVersion` was read. */
export async function saveProduct(tx: Tx, product: Product, expectedVersion: number): Promise<void> {
  const { count } = await tx.product.updateMany({
    where: { id: product.id, version: expectedVersion },
    data: { onHand: product.onHand, reserved: product.reserved, version: expectedVersion + 1 },
  });
  if (count !== 1) throw new VersionConflict(`product ${product.id}`);
}

export type ReservationState = 'RESERVED' | 'RELEASED' | 'SHIPPED';
export interface StockReservationRow { productId: string; quantity: number; state: ReservationState }

export interface StockOfOrder {
  /** The products asked for and those the order has a reservation row of (unknown ids are absent). */
  products: Map<string, Product>;
  /** The order's reservation rows by product, whatever their state. */
  reservations: Map<string, StockReservationRow>;
  /** True when the saga step `stepKey` already committed. */
  stepDone: boolean;
}

/**
 * Everything a stock step decides on, in ONE statement (one snapshot): the products `productIds`
 * plus those the order holds, the order's reservation rows, and whether the step already
 * committed. A change committed after this read bumps a product's version, so the guarded write
 * (saveStockChanges) then fails and the caller reads again.
 */
export async function loadStockOfOrder(db: PrismaClient, orderId: string, productIds: readonly string[], stepKey?: string): Promise<StockOfOrder> {
  const asked = productIds.length === 0 ? Prisma.empty : Prisma.sql`UNION SELECT id FROM (VALUES ${Prisma.join(productIds.map((id) => Prisma.sql`(${id}::uuid)`))}) AS v(id)`;
  const rows = await db.$queryRaw<{
    productId: string | null; id: string | null; sku: string; name: string; priceCents: bigint; onHand: number; reserved: number; version: number;
    quantity: number | null; state: ReservationState | null; stepDone: boolean;
  }[]>`
    WITH wanted AS (SELECT product_id AS id FROM stock_reservations WHERE order_id = ${orderId}::uuid ${asked})
    SELECT w.id AS "productId", p.id, p.sku, p.name, p.price_cents AS "priceCents", p.on_hand AS "onHand", p.reserved, p.version,
           r.quantity, r.state,
           ${stepKey ? Prisma.sql`EXISTS (SELECT 1 FROM domain_events WHERE step_key = ${`${stepKey}#0`})` : Prisma.sql`false`} AS "stepDone"
    FROM (SELECT 1) AS always_one_row
    LEFT JOIN wanted w ON true
    LEFT JOIN products p ON p.id = w.id
    LEFT JOIN stock_reservations r ON r.order_id = ${orderId}::uuid AND r.product_id = w.id`;
  const products = new Map<string, Product>();
  const reservations = new Map<string, StockReservationRow>();
  for (const row of rows) {
    if (row.productId === null) continue; // no product at all: the one row only carries stepDone
    if (row.id !== null) products.set(row.id, { id: row.id, sku: row.sku, name: row.name, priceCents: Number(row.priceCents), onHand: row.onHand, reserved: row.reserved, version: row.version });
    if (row.state !== null) reservations.set(row.productId, { productId: row.productId, quantity: row.quantity!, state: row.state });
  }
  return { products, reservations, stepDone: rows[0]?.stepDone ?? false };
}

/**
 * Writes the products' new stock, the order's reservation rows of those products and the events in
 * ONE statement, all or nothing: only if NONE of the products changed since it was read at
 * `expectedVersion`, else nothing is written and VersionConflict is thrown (retried on fresh data).
 *
 * Why one statement is all-or-nothing for several products (READ COMMITTED): a plain
 * `UPDATE … FROM (VALUES …) WHERE version = expected` checks each row on its own, so with one row
 * changed by a concurrent commit it would update the others and still commit — an order holding
 * part of its items. Instead the statement first locks every product, `ORDER BY id FOR UPDATE`,
 * which waits for a concurrent writer and then returns the row's LATEST committed version; `guard`
 * compares all of them with the versions read, and the UPDATE, the reservation rows and the events
 * only happen if every one matches. Holding all the locks, nobody can change a row between that
 * check and the update, so the update writes every row or none. Locks are taken in product id
 * order (the LockRows step runs above the sort), so two multi-line orders cannot deadlock. The
 * same statement serves one line and many: the lock step costs no round trip, and a transaction
 * just for multi-line orders would add BEGIN/COMMIT and hold a connection between statements.
 *
 * A reservation row (order, product) is only ever written in such a statement, together with its
 * product and under that product's lock, so the products' versions also guard the reservation rows
 * the caller read: the upsert below writes exactly what the domain decided from them.
 */
export async function saveStockChanges(
  db: PrismaClient,
  orderId: string,
  changes: readonly { product: Product; expectedVersion: number }[],
  reservations: readonly StockReservationRow[],
  events: Prisma.Sql | null,
  at: Date,
): Promise<void> {
  if (changes.length === 0) return;
  const expected = Prisma.join(changes.map(({ product, expectedVersion }) =>
    Prisma.sql`(${product.id}::uuid, ${expectedVersion}::int, ${product.onHand}::int, ${product.reserved}::int)`));
  const held = reservations.length === 0 ? Prisma.sql`SELECT 0` : Prisma.sql`
      INSERT INTO stock_reservations (order_id, product_id, quantity, state, updated_at)
      SELECT ${orderId}::uuid, r.product_id, r.quantity, r.state, ${at}::timestamptz
      FROM (VALUES ${Prisma.join(reservations.map((r) => Prisma.sql`(${r.productId}::uuid, ${r.quantity}::int, ${r.state})`))}) AS r(product_id, quantity, state)
      JOIN saved ON saved.id = r.product_id
      ON CONFLICT (order_id, product_id) DO UPDATE SET quantity = EXCLUDED.quantity, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
      RETURNING 1`;
  const appended = eventsAfter('saved', events);
  const rows = await db.$queryRaw<{ updated: number }[]>`
    WITH expected (id, version, on_hand, reserved) AS (VALUES ${expected}),
    locked AS (
      SELECT p.id, p.version FROM products p WHERE p.id IN (SELECT id FROM expected) ORDER BY p.id FOR UPDATE
    ), guard AS (
      SELECT count(*) = ${changes.length} AND bool_and(l.version = e.version) AS ok FROM locked l JOIN expected e ON e.id = l.id
    ), saved AS (
      UPDATE products p SET on_hand = e.on_hand, reserved = e.reserved, version = e.version + 1
      FROM expected e
      WHERE (SELECT ok FROM guard) AND p.id = e.id AND p.version = e.version
      RETURNING p.id
    ), held AS (${held}), appended AS (${appended})
    SELECT (SELECT count(*) FROM saved)::int AS updated`;
  if (rows[0]?.updated !== changes.length) throw new VersionConflict(`products ${changes.map((c) => c.product.id).join(', ')}`);
}
