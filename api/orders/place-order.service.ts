// POST /orders: price the items from the catalog, start the saga, record the order.
// Consistency without a distributed transaction: the order row is inserted, the workflow started
// (its id derives from the order id, so a second start is a no-op), then the row committed. If the
// API dies after the start, the saga's first step writes the same row — so there is never an order
// without a saga, and after a 202 the order is always visible to GET.
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { PrismaClient } from '../../platform/prisma';
import type { Config } from '../../platform/config';
import { taskQueues } from '../../platform/config';
import { assertTotalWithin, keepSoldPrices, priceLines, type OrderLine } from '../../domain/orders/order';
import { insertPlacedOrder } from '../../activities/orders/order.activities';
import { CustomerIdKey, OrderStatusKey, OrderTotalCentsKey, orderWorkflowId, type PlaceOrderInput } from '../../workflows/definitions';
import { HttpError } from '../problem';
import { UUID } from '../pagination';
import type { PlaceOrderBody } from '../schemas';
import { findOrderView, type OrderView } from '../queries/order-view.query';

const START_DEADLINE_MS = 5000;

export interface PlaceOrderDeps { prisma: PrismaClient; temporal: Client; config: Config }
export interface PlaceOrderOutcome { created: boolean; order: OrderView }

/**
 * Prices items from today's catalog (UNKNOWN_PRODUCT → 422); with `sold`, lines the order already
 * has keep the price they were sold at. Totals above ORDER_MAX_TOTAL_CENTS → 422.
 */
export async function priceItems(deps: { prisma: PrismaClient; config: Config }, items: { productId: string; quantity: number }[], sold: readonly OrderLine[] = []) {
  const { prisma } = deps;
  const ids = items.map((i) => i.productId);
  const products = ids.every((id) => UUID.test(id))
    ? await prisma.product.findMany({ where: { id: { in: ids } } })
    : [];
  const byId = new Map(products.map((p) => [p.id, p]));
  const unknown = items.map((item, i) => ({ item, i })).filter(({ item }) => !byId.has(item.productId));
  if (unknown.length > 0) {
    throw new HttpError(422, 'UNKNOWN_PRODUCT', `unknown product(s): ${unknown.map((u) => u.item.productId).join(', ')}`,
      unknown.map(({ i }) => ({ path: `items.${i}.productId`, message: 'no such product' })));
  }
  const priced = priceLines(keepSoldPrices(sold, items.map((item) => {
    const p = byId.get(item.productId)!;
    return { productId: p.id, sku: p.sku, name: p.name, quantity: item.quantity, unitPriceCents: Number(p.priceCents) };
  })));
  assertTotalWithin(priced.totalCents, deps.config.ORDER_MAX_TOTAL_CENTS);
  return priced;
}

function requestHash(body: PlaceOrderBody): string {
  const canonical = {
    items: body.items.map((i) => [i.productId, i.quantity]),
    shippingAddress: [body.shippingAddress.line1, body.shippingAddress.city, body.shippingAddress.postalCode, body.shippingAddress.country],
    token: body.paymentMethod.token,
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

export async function placeOrder(deps: PlaceOrderDeps, customerId: string, body: PlaceOrderBody, idempotencyKey?: string): Promise<PlaceOrderOutcome> {
  const { prisma } = deps;
  const priced = await priceItems(deps, body.items);
  let orderId: string = randomUUID();
  let created = true;

  if (idempotencyKey !== undefined) {
    const hash = requestHash(body);
    // The insert decides which of several simultaneous duplicates is "first"; the others reuse its order.
    const inserted = await prisma.$executeRaw`
      INSERT INTO idempotency_keys (customer_id, key, request_hash, order_id)
      VALUES (${customerId}::uuid, ${idempotencyKey}, ${hash}, ${orderId}::uuid)
      ON CONFLICT (customer_id, key) DO NOTHING`;
    if (inserted === 0) {
      const existing = await prisma.idempotencyKey.findUniqueOrThrow({ where: { customerId_key: { customerId, key: idempotencyKey } } });
      if (existing.requestHash !== hash) {
        throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request body');
      }
      orderId = existing.orderId;
      created = false;
      if (existing.response) return { created, order: existing.response as unknown as OrderView };
    }
  }

  const input: PlaceOrderInput = {
    orderId, customerId, items: priced.items, totalCents: priced.totalCents,
    shippingAddress: body.shippingAddress, paymentToken: body.paymentMethod.token,
    placedAt: new Date().toISOString(), dispatchDelayMs: deps.config.DISPATCH_DELAY, maxRevisions: deps.config.MAX_REVISIONS,
  };
  // Insert, start, commit: a row the database refuses never gets a saga (the insert fails first), a
  // failed start rolls the row back, and if the API dies after the start but before the commit, the
  // saga's first step writes the very same row.
  await prisma.$transaction(async (tx) => {
    await insertPlacedOrder(tx, input);
    await startSaga(deps, input);
  }, { timeout: START_DEADLINE_MS + 5000 });
  const order = (await findOrderView(prisma, orderId))!;
  if (idempotencyKey !== undefined) {
    // First writer wins: every duplicate answers with the very body the first one stored.
    await prisma.$executeRaw`
      UPDATE idempotency_keys SET response = ${JSON.stringify(order)}::jsonb
      WHERE customer_id = ${customerId}::uuid AND key = ${idempotencyKey} AND response IS NULL`;
    const stored = await prisma.idempotencyKey.findUnique({ where: { customerId_key: { customerId, key: idempotencyKey } } });
    if (stored?.response) return { created, order: stored.response as unknown as OrderView };
  }
  return { created, order };
}

async function startSaga(deps: PlaceOrderDeps, input: PlaceOrderInput): Promise<void> {
  try {
    // Fail fast (→ 503) rather than hold the client for the SDK's long default retry when Temporal is down.
    await deps.temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS, () => deps.temporal.workflow.start('placeOrderSaga', {
      workflowId: orderWorkflowId(input.orderId),
      taskQueue: taskQueues(deps.config).orders,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: CustomerIdKey, value: input.customerId },
        { key: OrderStatusKey, value: 'APPROVAL_PENDING' },
        { key: OrderTotalCentsKey, value: input.totalCents },
      ],
      staticSummary: `Order ${input.orderId}: ${input.items.length} line(s), ${input.totalCents} cents`,
    }));
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
