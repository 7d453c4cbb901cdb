// Stock context (task queue `stock`): reservations of product stock per order.
// A reservation covers all lines of an order atomically — an order never holds part of its items —
// and each (order, product) reservation row moves RESERVED → RELEASED | SHIPPED exactly once.
// Each step is two round trips: one read (loadStockOfOrder), the domain decides in memory, and one
// guarded statement writes products, reservation rows and events together or not at all
// (saveStockChanges explains why that holds for several products). A lost race reads again.
import { Prisma, type PrismaClient } from '../../platform/prisma';
import * as stock from '../../domain/stock/product';
import type { DomainEvent } from '../../domain/shared/domain-event';
import { eventRows, withRetries, type EventSource } from '../../persistence/transaction';
import { loadStockOfOrder, saveStockChanges, type ReservationState, type StockOfOrder, type StockReservationRow } from '../../persistence/product.repository';
import { businessFailure, declining } from '../shared/business-failure';

export interface StockLine { productId: string; quantity: number }

type Move = 'RELEASED' | 'SHIPPED';
type Change = (p: stock.Product, qty: number) => stock.ProductChange;

/**
 * What one step decided, product by product, on top of what it read: each product's latest state
 * (several changes of one product fold into one write, guarded by the version read), the order's
 * reservation rows to write, and the events in the order they happened.
 */
class StockPlan {
  private readonly changed = new Map<string, { product: stock.Product; expectedVersion: number }>();
  private readonly rows = new Map<string, StockReservationRow>();
  // By source: a step key numbers all of its step's events together (#0, #1 …).
  private readonly events = new Map<EventSource, DomainEvent[]>();

  constructor(private readonly read: StockOfOrder) {}

  product(productId: string): stock.Product {
    const product = this.changed.get(productId)?.product ?? this.read.products.get(productId);
    // Permanent, not an outage: the saga rejects (or the revision is rejected) with UNKNOWN_PRODUCT.
    if (!product) throw businessFailure('UNKNOWN_PRODUCT', `product ${productId} not found`);
    return product;
  }

  reservation(productId: string): StockReservationRow | undefined {
    return this.rows.get(productId) ?? this.read.reservations.get(productId);
  }

  apply(change: stock.ProductChange, row: StockReservationRow, source: EventSource): void {
    const { id } = change.product;
    this.changed.set(id, { product: change.product, expectedVersion: this.read.products.get(id)!.version });
    this.rows.set(id, row);
    this.events.set(source, [...(this.events.get(source) ?? []), ...change.events]);
  }

  async save(prisma: PrismaClient, orderId: string): Promise<void> {
    const at = new Date();
    const bySource = [...this.events].filter(([, events]) => events.length > 0);
    const events = bySource.length === 0 ? null : Prisma.join(bySource.map(([source, events]) => eventRows(source, events, at)));
    await saveStockChanges(prisma, orderId, [...this.changed.values()], [...this.rows.values()], events, at);
  }
}

const byProduct = <T extends { productId: string }>(items: readonly T[]) => [...items].sort((a, b) => a.productId.localeCompare(b.productId));

export function createStockActivities(deps: { prisma: PrismaClient }) {
  const { prisma } = deps;
  const perProduct = (orderId: string, productId: string): EventSource => ({ orderId, context: 'stock', aggregateId: productId });

  /** Moves every RESERVED line of the order to `to`, applying `change` to its product. */
  async function settle(orderId: string, to: Move, change: Change): Promise<number> {
    return withRetries(async () => {
      const read = await loadStockOfOrder(prisma, orderId, []);
      const held = byProduct([...read.reservations.values()].filter((r) => r.state === 'RESERVED'));
      if (held.length === 0) return 0; // never reserved, or already released / shipped
      const plan = new StockPlan(read);
      for (const line of held) {
        plan.apply(change(plan.product(line.productId), line.quantity), { ...line, state: to }, perProduct(orderId, line.productId));
      }
      await plan.save(prisma, orderId);
      return held.length;
    });
  }

  return {
    /** Reserves every line or none; OUT_OF_STOCK is a business decline. Repeats change nothing. */
    async reserveStock(request: { orderId: string; lines: StockLine[] }): Promise<void> {
      const { orderId } = request;
      await declining(['OUT_OF_STOCK'], () =>
        withRetries(async () => {
          const read = await loadStockOfOrder(prisma, orderId, request.lines.map((l) => l.productId));
          if (read.reservations.size > 0) return; // already reserved by an earlier attempt
          const plan = new StockPlan(read);
          for (const line of byProduct(request.lines)) {
            const quantity = (plan.reservation(line.productId)?.quantity ?? 0) + line.quantity;
            plan.apply(stock.reserve(plan.product(line.productId), line.quantity, orderId), { productId: line.productId, quantity, state: 'RESERVED' }, perProduct(orderId, line.productId));
          }
          await plan.save(prisma, orderId);
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
      const source: EventSource = { orderId, context: 'stock', aggregateId: orderId, stepKey };
      await declining(['OUT_OF_STOCK'], () =>
        withRetries(async () => {
          const read = await loadStockOfOrder(prisma, orderId, request.deltas.map((d) => d.productId), stepKey);
          if (read.stepDone) return;
          const plan = new StockPlan(read);
          for (const { productId, quantityDelta } of byProduct(request.deltas)) {
            const line = plan.reservation(productId);
            const held = line?.state === 'RESERVED' ? line.quantity : 0;
            if (quantityDelta < 0 && held === 0) continue; // nothing of it is held: nothing to give back
            const product = plan.product(productId);
            const change = quantityDelta > 0 ? stock.reserve(product, quantityDelta, orderId) : stock.release(product, Math.min(-quantityDelta, held), orderId);
            const quantity = held + (quantityDelta > 0 ? quantityDelta : -Math.min(-quantityDelta, held));
            const state: ReservationState = quantity > 0 ? 'RESERVED' : 'RELEASED';
            plan.apply(change, { productId, quantity, state }, source);
          }
          await plan.save(prisma, orderId);
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
