// Stock context (task queue `stock`): reservations of product stock per order.
// A reservation covers all lines of an order atomically — an order never holds part of its items —
// and each (order, product) reservation row moves RESERVED → RELEASED | SHIPPED exactly once.
import type { PrismaClient, Tx } from '../../platform/prisma';
import * as stock from '../../domain/stock/product';
import type { DomainEvent } from '../../domain/shared/domain-event';
import { appendEvents, inTransaction, stepAlreadyDone } from '../../persistence/transaction';
import { findProduct, saveProduct } from '../../persistence/product.repository';
import { businessFailure, declining } from '../shared/business-failure';

export interface StockLine { productId: string; quantity: number }

async function loadProduct(tx: Tx, productId: string): Promise<stock.Product> {
  const product = await findProduct(tx, productId);
  // Permanent, not an outage: the saga rejects (or the revision is rejected) with UNKNOWN_PRODUCT.
  if (!product) throw businessFailure('UNKNOWN_PRODUCT', `product ${productId} not found`);
  return product;
}

type Move = 'RELEASED' | 'SHIPPED';

export function createStockActivities(deps: { prisma: PrismaClient }) {
  const { prisma } = deps;

  /** Moves every RESERVED line of the order to `to`, applying `change` to its product. */
  async function settle(orderId: string, to: Move, change: (p: stock.Product, qty: number) => { product: stock.Product; events: DomainEvent[] }): Promise<number> {
    return inTransaction(prisma, async (tx) => {
      const held = await tx.stockReservation.findMany({ where: { orderId, state: 'RESERVED' }, orderBy: { productId: 'asc' } });
      for (const line of held) {
        const product = await loadProduct(tx, line.productId);
        const next = change(product, line.quantity);
        await saveProduct(tx, next.product, product.version);
        await tx.stockReservation.update({ where: { orderId_productId: { orderId, productId: line.productId } }, data: { state: to, updatedAt: new Date() } });
        await appendEvents(tx, { orderId, context: 'stock', aggregateId: product.id }, next.events);
      }
      return held.length;
    });
  }

  return {
    /** Reserves every line or none; OUT_OF_STOCK is a business decline. Repeats change nothing. */
    async reserveStock(request: { orderId: string; lines: StockLine[] }): Promise<void> {
      const { orderId } = request;
      await declining(['OUT_OF_STOCK'], () =>
        inTransaction(prisma, async (tx) => {
          const existing = await tx.stockReservation.count({ where: { orderId } });
          if (existing > 0) return; // already reserved by an earlier attempt
          // Lock products in a fixed order so concurrent multi-line orders cannot deadlock.
          const lines = [...request.lines].sort((a, b) => a.productId.localeCompare(b.productId));
          for (const line of lines) {
            const product = await loadProduct(tx, line.productId);
            const { product: next, events } = stock.reserve(product, line.quantity, orderId);
            await saveProduct(tx, next, product.version);
            await tx.stockReservation.create({ data: { orderId, productId: line.productId, quantity: line.quantity, state: 'RESERVED' } });
            await appendEvents(tx, { orderId, context: 'stock', aggregateId: product.id }, events);
          }
        }),
      );
    },

    /**
     * A revision's stock delta: reserve more of some products (all or nothing: OUT_OF_STOCK declines
     * the whole revision) and give back some of others. Once per step key; the undo is the same call
     * with negated deltas and its own key.
     */
    async adjustReservation(request: { orderId: string; stepKey: string; deltas: { productId: string; quantityDelta: number }[] }): Promise<void> {
      const { orderId, stepKey } = request;
      await declining(['OUT_OF_STOCK'], () =>
        inTransaction(prisma, async (tx) => {
          if (await stepAlreadyDone(tx, stepKey)) return;
          const events: DomainEvent[] = [];
          const deltas = [...request.deltas].sort((a, b) => a.productId.localeCompare(b.productId));
          for (const { productId, quantityDelta } of deltas) {
            const line = await tx.stockReservation.findUnique({ where: { orderId_productId: { orderId, productId } } });
            const held = line?.state === 'RESERVED' ? line.quantity : 0;
            if (quantityDelta < 0 && held === 0) continue; // nothing of it is held: nothing to give back
            const product = await loadProduct(tx, productId);
            const change = quantityDelta > 0 ? stock.reserve(product, quantityDelta, orderId) : stock.release(product, Math.min(-quantityDelta, held), orderId);
            await saveProduct(tx, change.product, product.version);
            const quantity = held + (quantityDelta > 0 ? quantityDelta : -Math.min(-quantityDelta, held));
            const state = quantity > 0 ? 'RESERVED' : 'RELEASED';
            await tx.stockReservation.upsert({
              where: { orderId_productId: { orderId, productId } },
              create: { orderId, productId, quantity, state },
              update: { quantity, state, updatedAt: new Date() },
            });
            events.push(...change.events);
          }
          await appendEvents(tx, { orderId, context: 'stock', aggregateId: orderId, stepKey }, events);
        }),
      );
    },

    /** Compensation: gives back what the order still holds; nothing held → nothing to do. */
    async releaseStock(request: { orderId: string }): Promise<{ releasedLines: number }> {
      return { releasedLines: await settle(request.orderId, 'RELEASED', (p, q) => stock.release(p, q, request.orderId)) };
    },

    /** On shipment the reserved units leave the warehouse: on hand and reserved both drop. */
    async commitStock(request: { orderId: string }): Promise<{ shippedLines: number }> {
      return { shippedLines: await settle(request.orderId, 'SHIPPED', (p, q) => stock.commit(p, q, request.orderId)) };
    },
  };
}

export type StockActivities = ReturnType<typeof createStockActivities>;
