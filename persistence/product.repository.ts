// Maps the Product aggregate (catalog entry and its stock) to its row. Used by the stock activities
// (reservations) and by the API (an admin's stock adjustment): one save, guarded by `version`.
import type { PrismaClient, Tx } from '../platform/prisma';
import type { Product } from '../domain/stock/product';
import { VersionConflict } from './transaction';

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
