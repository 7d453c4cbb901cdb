// POST /orders: price the items from the catalog, record the order, start its saga.
// Consistency without a distributed transaction and without a DB connection waiting on Temporal:
//   1. one short transaction writes the Idempotency-Key, the order row (APPROVAL_PENDING with its
//      OrderPlaced entry) and an outbox row holding the saga's input — a row the database refuses
//      never gets a saga, and a failed attempt leaves nothing behind (its retry answers 202);
//   2. after the commit, the saga is started (its id derives from the order id, so a second start
//      is a no-op) and the outbox row deleted;
//   3. if the start fails, the order is taken back (503) unless its saga already claimed it; if the
//      API dies between 1 and 2, the outbox sweeper starts the saga — a started saga always has its
//      row, since the saga's first step writes the very same row if it is missing.
// Before step 1 the card token is exchanged at the payment provider's vault for a payment-method
// reference: the saga input (outbox row, Temporal history) holds the reference, never the card token.
import { createHash, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { PrismaClient } from '../../platform/prisma';
import type { Config } from '../../platform/config';
import { taskQueues } from '../../platform/config';
import { assertTotalWithin, keepSoldPrices, priceLines, type OrderLine } from '../../domain/orders/order';
import { orderWorkflowId, type PlaceOrderInput } from '../../domain/orders/order.commands';
import { insertOrderWithSagaStart } from '../../persistence/order.repository';
import type { PaymentVault } from '../../domain/payment/payment';
import { createSimulatedPaymentVault } from '../../platform/simulated-payment-vault';
import { CustomerIdKey, decisionUpdate, OrderStatusKey, OrderTotalCentsKey } from '../../workflows/definitions';
import { HttpError } from '../problem';
import { UUID } from '../pagination';
import type { PlaceOrderBody } from '../schemas';
import { findOrderView, type OrderView } from '../queries/order-view.query';

const START_DEADLINE_MS = 5000;

export interface PlaceOrderDeps {
  prisma: PrismaClient; temporal: Client; config: Config;
  /** The payment provider's vault; unset: the simulated provider's. */
  paymentVault?: PaymentVault;
}
export interface PlaceOrderOutcome { created: boolean; order: OrderView; waitedMs?: number }

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

/** `paymentMethodId`: the vault's reference for the body's card token (see vaultCard). */
export function placeOrderInput(config: Config, customerId: string, body: PlaceOrderBody, priced: { items: OrderLine[]; totalCents: number }, paymentMethodId: string): PlaceOrderInput {
  return {
    orderId: randomUUID(), customerId, items: priced.items, totalCents: priced.totalCents,
    shippingAddress: body.shippingAddress, paymentToken: paymentMethodId,
    placedAt: new Date().toISOString(), dispatchDelayMs: config.DISPATCH_DELAY, maxRevisions: config.MAX_REVISIONS,
  };
}

/**
 * The card token, exchanged for the provider's payment-method reference: what the order keeps and
 * the saga charges. A repeated request (same Idempotency-Key) vaults again; the earlier order's
 * reference stands and the new one is never charged.
 */
export async function vaultCard(deps: Pick<PlaceOrderDeps, 'prisma' | 'paymentVault'>, body: PlaceOrderBody): Promise<string> {
  const vault = deps.paymentVault ?? createSimulatedPaymentVault(deps.prisma);
  return (await vault.createPaymentMethod({ token: body.paymentMethod.token })).paymentMethodId;
}

export type Recorded = { created: true; input: PlaceOrderInput } | { created: false; orderId: string; response: OrderView | null };

/** `waitMs` > 0 (Prefer: wait): answer once the saga has decided, or after that long. */
export async function placeOrder(deps: PlaceOrderDeps, customerId: string, body: PlaceOrderBody, idempotencyKey?: string, waitMs = 0): Promise<PlaceOrderOutcome> {
  const { prisma, config } = deps;
  const priced = await priceItems(deps, body.items);
  const input = placeOrderInput(config, customerId, body, priced, await vaultCard(deps, body));
  let recorded = await recordOrder(prisma, config, input, body, idempotencyKey);
  // A repeat of an earlier request with this key answers with that request's answer. Its first
  // attempt may still be starting the saga — or may have failed to and taken its order back, which
  // frees the key: then this request places the order itself (at most twice, then 503).
  for (let repeats = 0; !recorded.created; repeats++) {
    const stored = recorded.response ?? (idempotencyKey !== undefined ? await firstAnswer(prisma, customerId, idempotencyKey, recorded.orderId) : null);
    if (stored) return { created: false, order: stored };
    const claimed = await sagaClaimed(prisma, recorded.orderId);
    if (claimed) return { created: false, order: (await findOrderView(prisma, recorded.orderId))! };
    // Not claimed yet: the first attempt is still starting its saga (an order it may yet take back),
    // or its process died and the outbox sweeper will start it. Either way there is no answer to give yet.
    if (claimed === false || repeats >= 2) throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'the first request with this Idempotency-Key is still being processed; retry shortly');
    recorded = await recordOrder(prisma, config, input, body, idempotencyKey);
  }
  try {
    await (waitMs > 0 ? startSagaAndAwaitDecision(deps, input, waitMs) : startSaga(deps, input));
  } catch (error) {
    await takeBack(prisma, input.orderId);
    throw error;
  }
  // The outbox row is deleted by the saga's first step (it claims the order in the same statement).
  const order = (await findOrderView(prisma, input.orderId))!;
  if (idempotencyKey !== undefined) {
    // Every repeat answers with this very body.
    await prisma.$executeRaw`
      UPDATE idempotency_keys SET response = ${JSON.stringify(order)}::json
      WHERE customer_id = ${customerId}::uuid AND key = ${idempotencyKey} AND order_id = ${input.orderId}::uuid AND response IS NULL`;
  }
  return { created: true, order, ...(waitMs > 0 ? { waitedMs: waitMs } : {}) };
}

/**
 * A repeat that arrived while the first request was still starting its saga: wait (briefly) for the
 * first answer to be stored, so every repeat answers with that very body — the saga moves on fast,
 * and a fresh read would show a later state. After the wait, the live order is the answer.
 */
async function firstAnswer(prisma: PrismaClient, customerId: string, key: string, orderId: string): Promise<OrderView | null> {
  const deadline = Date.now() + START_DEADLINE_MS + 1000;
  while (Date.now() < deadline) {
    const row = await prisma.idempotencyKey.findUnique({ where: { customerId_key: { customerId, key } }, select: { orderId: true, response: true } });
    if (!row || row.orderId !== orderId) return null;
    if (row.response !== null) return row.response as unknown as OrderView;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}

/** Whether the order's saga has claimed it (true), not yet (false), or the order is gone (null: taken back). */
async function sagaClaimed(prisma: PrismaClient, orderId: string): Promise<boolean | null> {
  const [row] = await prisma.$queryRaw<{ claimed: boolean }[]>`SELECT saga_run_id IS NOT NULL AS claimed FROM orders WHERE id = ${orderId}::uuid`;
  return row ? row.claimed : null;
}

const startOptions = (deps: PlaceOrderDeps, input: PlaceOrderInput) => ({
  workflowId: orderWorkflowId(input.orderId),
  taskQueue: taskQueues(deps.config).orders,
  args: [input] as [PlaceOrderInput],
  workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
  typedSearchAttributes: [
    { key: CustomerIdKey, value: input.customerId },
    { key: OrderStatusKey, value: 'APPROVAL_PENDING' },
    { key: OrderTotalCentsKey, value: input.totalCents },
  ],
  staticSummary: `Order ${input.orderId}: ${input.items.length} line(s), ${input.totalCents} cents`,
});

/**
 * Starts the saga and, in the same call (Update-with-Start), asks it for its decision: the workflow
 * answers when the order leaves APPROVAL_PENDING or the wait is over. If the start happened but the
 * answer did not come (our deadline), the order stands and the answer is simply not waited for.
 */
async function startSagaAndAwaitDecision(deps: PlaceOrderDeps, input: PlaceOrderInput, waitMs: number): Promise<void> {
  const start = new WithStartWorkflowOperation('placeOrderSaga', { ...startOptions(deps, input), workflowIdConflictPolicy: 'USE_EXISTING' });
  try {
    await deps.temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS + waitMs, () =>
      deps.temporal.workflow.executeUpdateWithStart(decisionUpdate, { args: [waitMs], startWorkflowOperation: start }));
  } catch (error) {
    const started = await start.workflowHandle().then(() => true, () => false);
    if (!started) throw error;
  }
}

/** Step 1: the key, the order and its outbox row in one short transaction (or the earlier order of the key). */
export async function recordOrder(prisma: PrismaClient, config: Config, input: PlaceOrderInput, body: PlaceOrderBody, idempotencyKey?: string): Promise<Recorded> {
  const { customerId } = input;
  // A token can outlive its customer (e.g. the data was reset): then nothing is written.
  const customerGone = () => new HttpError(401, 'UNAUTHENTICATED', 'the customer of this access token no longer exists');
  if (idempotencyKey === undefined) {
    // The usual case: one statement, no transaction round trips.
    if (!(await insertOrderWithSagaStart(prisma, input))) throw customerGone();
    return { created: true, input };
  }
  return prisma.$transaction(async (tx): Promise<Recorded> => {
    const hash = requestHash(body);
    // The insert decides which of several simultaneous duplicates is "first" (the others wait on
    // the key and then see its row); a key older than IDEMPOTENCY_TTL is forgotten and replaced.
    const inserted = await tx.$executeRaw`
      INSERT INTO idempotency_keys (customer_id, key, request_hash, order_id, created_at)
      VALUES (${customerId}::uuid, ${idempotencyKey}, ${hash}, ${input.orderId}::uuid, now())
      ON CONFLICT (customer_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, order_id = EXCLUDED.order_id, response = NULL, created_at = now()
        WHERE idempotency_keys.created_at < now() - ${config.IDEMPOTENCY_TTL} * interval '1 millisecond'`;
    if (inserted === 0) {
      const existing = await tx.idempotencyKey.findUniqueOrThrow({ where: { customerId_key: { customerId, key: idempotencyKey } } });
      if (existing.requestHash !== hash) {
        throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request body');
      }
      return { created: false, orderId: existing.orderId, response: existing.response as unknown as OrderView | null };
    }
    if (!(await insertOrderWithSagaStart(tx, input))) throw customerGone();
    return { created: true, input };
  });
}

/**
 * The saga could not be started (Temporal unreachable): remove the order, its key and its outbox
 * row so the client's retry starts afresh — unless the saga did start after all (a start that timed
 * out on our side) and claimed the row, in which case the order stays and its saga goes on.
 */
async function takeBack(prisma: PrismaClient, orderId: string): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const removed = await tx.$executeRaw`DELETE FROM orders WHERE id = ${orderId}::uuid AND saga_run_id IS NULL`;
    if (removed === 0) return;
    await tx.$executeRaw`DELETE FROM domain_events WHERE order_id = ${orderId}::uuid`;
    await tx.$executeRaw`DELETE FROM idempotency_keys WHERE order_id = ${orderId}::uuid`;
    await tx.$executeRaw`DELETE FROM saga_starts WHERE order_id = ${orderId}::uuid`;
  }).catch(() => undefined); // if even this fails, the sweeper starts the saga: nothing is lost
}

export async function startSaga(deps: PlaceOrderDeps, input: PlaceOrderInput): Promise<void> {
  try {
    // Fail fast (→ 503) rather than hold the client for the SDK's long default retry when Temporal is down.
    await deps.temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS, () => deps.temporal.workflow.start('placeOrderSaga', startOptions(deps, input)));
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
