// /orders: thin handlers — validate, authorize, then start/signal the saga or read the projection.
import { Router, type Request } from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { PrismaClient } from '../../platform/prisma';
import type { Config } from '../../platform/config';
import { canCancel, canRevise, type OrderLine, type OrderStatus } from '../../domain/orders/order';
import { orderWorkflowId } from '../../domain/orders/order.commands';
import { cancelUpdate, dispatchUpdate, FINAL_REFUSAL, MAX_DECISION_WAIT_MS, reviseUpdate, type ReviseRequest } from '../../workflows/definitions';
import { authenticate } from '../auth';
import { HttpError, notFound } from '../problem';
import { parse } from '../validation';
import { orderListQuery, placeOrderBody, reviseOrderBody } from '../schemas';
import { afterCursor, decodeCursor, encodeCursor, UUID } from '../pagination';
import { placeOrder, priceItems } from '../orders/place-order.service';
import { orderSummary, orderViewReader } from '../queries/order-view.query';
import { acquireStreamSlot, streamOrderEvents, type StreamDeps } from '../orders/order-events.stream';

export interface OrdersRouteDeps { prisma: PrismaClient; temporal: Client; config: Config; streams: Omit<StreamDeps, 'prisma'> }

const UPDATE_DEADLINE_MS = 10_000;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function ordersRouter(deps: OrdersRouteDeps): Router {
  const { prisma, temporal, config } = deps;
  const router = Router();
  const anyone = authenticate(config, 'customer', 'admin');

  /** Another customer's order is indistinguishable from a missing one (no existence leak). */
  function visibleTo<T extends { customerId: string }>(req: Request, order: T | null): T {
    const p = req.principal!;
    if (!order || (p.role !== 'admin' && order.customerId !== p.customerId)) throw notFound('ORDER_NOT_FOUND', 'order');
    return order;
  }
  const orderIdOf = (req: Request) => (UUID.test(String(req.params.id)) ? String(req.params.id) : null);

  /** The status the projection shows now (the workflow may not have caught up with it yet). */
  const statusNow = async (orderId: string) => (await prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } })).status as OrderStatus;

  /** The order row if the caller may see it. */
  async function visibleOrder(req: Request) {
    const orderId = orderIdOf(req);
    return visibleTo(req, orderId ? await prisma.order.findUnique({ where: { id: orderId } }) : null);
  }

  router.post('/', authenticate(config, 'customer'), async (req, res) => {
    const header = req.get('Idempotency-Key');
    if (header !== undefined && !IDEMPOTENCY_KEY.test(header)) {
      throw new HttpError(400, 'VALIDATION_FAILED', 'invalid Idempotency-Key header', [{ path: 'Idempotency-Key', message: '1..255 visible ASCII characters' }]);
    }
    const body = parse(placeOrderBody, req.body);
    // Prefer: wait=<seconds> (RFC 7240), at most 30: answer with the saga's decision.
    const wait = /(?:^|[\s,;])wait=(\d{1,6})(?=$|[\s,;])/i.exec(req.get('Prefer') ?? '')?.[1];
    const waitSeconds = wait === undefined ? 0 : Math.min(Number(wait), MAX_DECISION_WAIT_MS / 1000);
    const { created, order, waitedMs } = await placeOrder(deps, req.principal!.customerId, body, header, waitSeconds * 1000);
    res.locals.orderId = order.orderId;
    if (waitedMs !== undefined) res.set({ 'Preference-Applied': `wait=${waitSeconds}`, Vary: 'Prefer' });
    res.status(created ? 202 : 200).location(`/orders/${order.orderId}`).json(order);
  });

  router.get('/', anyone, async (req, res) => {
    const query = parse(orderListQuery, req.query);
    const p = req.principal!;
    const customerId = p.role === 'admin' ? query.customerId : p.customerId;
    if (customerId !== undefined && !UUID.test(customerId)) return void res.json({ items: [], nextCursor: null });
    const rows = await prisma.order.findMany({
      where: { ...(customerId ? { customerId } : {}), ...(query.status ? { status: query.status } : {}), ...afterCursor(decodeCursor(query.cursor)) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const paid = await prisma.payment.findMany({ where: { orderId: { in: page.map((o) => o.id) } }, select: { orderId: true, chargedCents: true, refundedCents: true } });
    const paymentOf = new Map(paid.map((p) => [p.orderId, { chargedCents: Number(p.chargedCents), refundedCents: Number(p.refundedCents) }]));
    res.json({ items: page.map((row) => orderSummary(row, paymentOf.get(row.id))), nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null });
  });

  // The hottest read: PostgreSQL builds the JSON text (orderViewReader), sent as it comes, with
  // res.json's headers (application/json; charset=utf-8, the ETag res.send derives from the body).
  const readOrderView = orderViewReader(prisma);
  router.get('/:id', anyone, async (req, res) => {
    const orderId = orderIdOf(req);
    const view = visibleTo(req, orderId ? await readOrderView(orderId) : null);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.send(Buffer.from(view.body, 'utf8'));
  });

  router.get('/:id/events', anyone, async (req, res) => {
    const orderId = orderIdOf(req);
    if (!orderId) throw notFound('ORDER_NOT_FOUND', 'order');
    const release = acquireStreamSlot(deps.streams.limits, req, res);
    await streamOrderEvents({ prisma, ...deps.streams }, orderId, req, res, release, (order) => visibleTo(req, order));
  });

  router.post('/:id/cancel', anyone, async (req, res) => {
    const row = await visibleOrder(req);
    const refuse = () => new HttpError(409, 'ORDER_NOT_CANCELLABLE', `order is ${row.status} and cannot be cancelled`);
    if (!canCancel(row.status as OrderStatus)) throw refuse();
    await updateSaga(temporal, row.id, refuse, (h) => h.executeUpdate(cancelUpdate), async () => canCancel(await statusNow(row.id)));
    res.status(202).json({ orderId: row.id, status: 'CANCEL_PENDING' });
  });

  router.post('/:id/dispatch', authenticate(config, 'admin'), async (req, res) => {
    const row = await visibleOrder(req);
    const refuse = () => new HttpError(409, 'ORDER_NOT_DISPATCHABLE', `order is ${row.status} and not waiting for dispatch`);
    if (row.status !== 'PAID') throw refuse();
    await updateSaga(temporal, row.id, refuse, (h) => h.executeUpdate(dispatchUpdate), async () => (await statusNow(row.id)) === 'PAID');
    res.status(202).json({ orderId: row.id, status: row.status });
  });

  router.post('/:id/revise', authenticate(config, 'customer'), async (req, res) => {
    const row = await visibleOrder(req);
    const { items } = parse(reviseOrderBody, req.body);
    const refuse = () => new HttpError(409, 'ORDER_NOT_REVISABLE', `order is ${row.status} and cannot be revised`);
    if (!canRevise(row.status as OrderStatus)) throw refuse();
    // Lines the order already has keep their price; the saga applies the same rule to its own copy.
    const priced = await priceItems(deps, items, row.items as unknown as OrderLine[]);
    if (priced.totalCents < config.ORDER_MINIMUM_CENTS) {
      throw new HttpError(422, 'ORDER_MINIMUM_NOT_MET', `the revised total ${priced.totalCents} is under the order minimum of ${config.ORDER_MINIMUM_CENTS} cents`);
    }
    const request: ReviseRequest = {
      lines: priced.items.map(({ productId, sku, name, quantity, unitPriceCents }) => ({ productId, sku, name, quantity, unitPriceCents })),
      totalCents: priced.totalCents,
      orderMinimumCents: config.ORDER_MINIMUM_CENTS,
    };
    await updateSaga(temporal, row.id, refuse, (h) => h.executeUpdate(reviseUpdate, { args: [request] }), async () => canRevise(await statusNow(row.id)));
    res.status(202).json({ orderId: row.id, status: 'REVISION_PENDING' });
  });

  return router;
}

/**
 * Sends an update to the order's saga; the workflow's validator refusal becomes the given 409.
 * The projection can run a moment ahead of the workflow (a step has committed, the workflow has not
 * yet seen its result), so a refusal while the projection still allows the command is retried briefly.
 */
async function updateSaga(temporal: Client, orderId: string, refuse: () => HttpError, send: (handle: WorkflowHandle) => Promise<unknown>, stillAllowed: () => Promise<boolean> = async () => false): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      // Bounded: with no order worker running, an update would wait indefinitely (→ 503 instead).
      await temporal.connection.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () => send(temporal.workflow.getHandle(orderWorkflowId(orderId))));
      return;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError || isFinalWorkflowError(error)) throw refuse();
      if (!(error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure)) throw error;
      if (error.cause.details?.[0] === FINAL_REFUSAL) throw refuse();
      if (attempt >= 20 || !(await stillAllowed())) throw refuse();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function isFinalWorkflowError(error: unknown): boolean {
  return /workflow execution already completed|already completed/i.test(String((error as Error)?.message));
}

