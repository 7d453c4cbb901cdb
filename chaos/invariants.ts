// What must hold after the storm, read from the database and from Temporal — never from the API:
// every order final and its saga completed; stock, credit and money balanced to the unit and cent;
// each charge made once and refunded exactly when the order was undone, three ledgers agreeing (the
// provider's, ours, the timeline); every accepted cancel, revise and dispatch traced to its outcome;
// no compensation lost; and every order ended the way its kind and the client's actions say it must.
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { temporalBinary } from '../dev/temporal-dev-server';
import { OrderStatusKey } from '../workflows/definitions';
import type { DriveResult, DrivenOrder } from './driver';
import type { Seed } from './seed';
import { Checks, group, readSnapshot, sameLines, sum, type Check, type EventRow, type OrderRow } from './snapshot';
import { moneyChecks } from './money-checks';
import { requestChecks } from './request-checks';
import { orderWorkflowId } from '../domain/orders/order.commands';

export type { Check } from './snapshot';

const FINAL = new Set(['SHIPPED', 'REJECTED', 'CANCELLED']);
const FINAL_EVENTS = new Set(['OrderShipped', 'OrderRejected', 'OrderCancelled']);

export async function countOpenOrders(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM orders WHERE status NOT IN ('SHIPPED', 'REJECTED', 'CANCELLED')`);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

export async function checkInvariants(input: {
  databaseUrl: string; temporalAddress: string; taskQueuePrefix: string; seed: Seed; drive: DriveResult; otherOrderIds: string[];
}): Promise<{ checks: Check[]; figures: Record<string, number>; statuses: Map<string, string> }> {
  const { seed, drive } = input;
  const snapshot = await readSnapshot(input.databaseUrl);
  const { orders, products, stockRes, creditLines: lines, creditRes, provider, events, adjustEvents, keys } = snapshot;
  const checks = new Checks();
  const orderById = new Map(orders.map((o) => [o.id, o]));
  const eventsByOrder = group(events, (e) => e.order_id);
  const typesOf = (id: string) => (eventsByOrder.get(id) ?? []).map((e) => e.type);
  const driven = drive.orders;
  const accepted = driven.filter((o) => o.orderId);

  // ── orders ────────────────────────────────────────────────────────────
  checks.add('orders.accepted-exist', 'every order the API accepted (202/200) exists in the database', accepted.length,
    accepted.filter((o) => !orderById.has(o.orderId!)).map((o) => `#${o.index} ${o.kind}: order ${o.orderId} missing`));
  checks.add('orders.post-answered', 'every POST /orders got a 202/200 (retried with its Idempotency-Key through faults)', driven.length,
    driven.filter((o) => !o.orderId).map((o) => `#${o.index} ${o.kind}: last answer ${o.postStatus} after ${o.postAttempts} attempt(s)`));
  const drivenCustomers = new Set(seed.customers.filter((c) => c.role === 'rich' || c.role === 'poor').map((c) => c.id));
  const acceptedIds = new Set(accepted.map((o) => o.orderId!));
  const keyOrders = new Set(keys.filter((k) => drivenCustomers.has(k.customer_id)).map((k) => k.order_id));
  checks.add('orders.no-phantoms', 'the driven customers have exactly the orders the API answered (no second saga from a retry, none from an unanswered POST)', orders.filter((o) => drivenCustomers.has(o.customer_id)).length,
    orders.filter((o) => drivenCustomers.has(o.customer_id) && !acceptedIds.has(o.id)).map((o) => `order ${o.id} (${o.status}) was never returned to the client${keyOrders.has(o.id) ? ' (its key exists)' : ''}`));
  checks.add('orders.all-final', 'every order is SHIPPED, REJECTED or CANCELLED', orders.length,
    orders.filter((o) => !FINAL.has(o.status)).map((o) => `order ${o.id} is ${o.status}`));
  checks.add('orders.one-final-event', 'each order has exactly one final timeline entry, matching its status', orders.length,
    orders.flatMap((o) => {
      const finals = typesOf(o.id).filter((t) => FINAL_EVENTS.has(t));
      const expected = { SHIPPED: 'OrderShipped', REJECTED: 'OrderRejected', CANCELLED: 'OrderCancelled' }[o.status];
      return finals.length === 1 && finals[0] === expected ? [] : [`order ${o.id} ${o.status}: final entries [${finals.join(', ')}]`];
    }));
  const dupFailures = driven.filter((o) => o.kind === 'duplicate-post' && o.orderId && o.duplicateIds.some((id) => id !== o.orderId))
    .map((o) => `#${o.index}: one Idempotency-Key gave orders ${[...new Set(o.duplicateIds)].join(', ')}`);
  checks.add('orders.idempotency', 'concurrent and repeated POSTs with one Idempotency-Key return one order', driven.filter((o) => o.kind === 'duplicate-post').length, dupFailures);
  checks.add('orders.outcome-per-kind', 'each order ended as its kind and the client\'s actions require', accepted.length,
    accepted.flatMap((o) => {
      const row = orderById.get(o.orderId!);
      const why = row ? outcomeProblem(o, row, typesOf(o.orderId!), seed) : null;
      return why ? [`#${o.index} ${o.kind} ${o.orderId}: ${why}`] : [];
    }));

  // ── Temporal ──────────────────────────────────────────────────────────
  const temporal = await temporalChecks(input.temporalAddress, input.taskQueuePrefix, orders);
  checks.list.push(...temporal.checks);

  // ── stock ─────────────────────────────────────────────────────────────
  const resByProduct = group(stockRes, (r) => r.product_id);
  const adjByProduct = group(adjustEvents, (e) => e.aggregate_id);
  const stockFailures: string[] = [];
  for (const sp of seed.products.values()) {
    const row = products.find((p) => p.id === sp.id)!;
    const shipped = sum((resByProduct.get(sp.id) ?? []).filter((r) => r.state === 'SHIPPED').map((r) => r.quantity));
    const held = sum((resByProduct.get(sp.id) ?? []).filter((r) => r.state === 'RESERVED').map((r) => r.quantity));
    const adjustments = sum((adjByProduct.get(sp.id) ?? []).map((e) => Number(e.data.delta)));
    if (row.on_hand + shipped !== sp.initialStock + adjustments) stockFailures.push(`${sp.sku}: on_hand ${row.on_hand} + shipped ${shipped} ≠ initial ${sp.initialStock} + adjustments ${adjustments}`);
    if (row.reserved !== 0 || held !== 0) stockFailures.push(`${sp.sku}: reserved ${row.reserved}, RESERVED lines ${held} (want 0)`);
    if (row.on_hand < 0) stockFailures.push(`${sp.sku}: on_hand ${row.on_hand} < 0`);
    const confirmed = drive.adjustments.filter((a) => a.productId === sp.id && a.status === 200).length;
    const ambiguous = drive.adjustments.filter((a) => a.productId === sp.id && (a.status === 0 || a.status >= 500)).length;
    const recorded = (adjByProduct.get(sp.id) ?? []).length;
    if (recorded < confirmed || recorded > confirmed + ambiguous) stockFailures.push(`${sp.sku}: ${recorded} adjustments recorded, ${confirmed} confirmed to the admin (+${ambiguous} unanswered)`);
  }
  checks.add('stock.balance', 'per product: on_hand + shipped units = initial + adjustments; reserved = 0', seed.products.size, stockFailures);
  const resByOrder = group(stockRes, (r) => r.order_id);
  checks.add('stock.per-order', 'a SHIPPED order shipped exactly its items; any other order holds and shipped nothing', orders.length,
    orders.flatMap((o) => {
      const rows = resByOrder.get(o.id) ?? [];
      if (o.status === 'SHIPPED') {
        const shippedLines = rows.filter((r) => r.state === 'SHIPPED' && r.quantity > 0).map((r) => ({ productId: r.product_id, quantity: r.quantity }));
        const items = o.items.map((i) => ({ productId: i.productId, quantity: i.quantity }));
        const stray = rows.filter((r) => r.state === 'RESERVED');
        return sameLines(shippedLines, items) && stray.length === 0 ? [] : [`order ${o.id}: shipped ${JSON.stringify(shippedLines)} vs items ${JSON.stringify(items)}`];
      }
      const stray = rows.filter((r) => r.state === 'RESERVED' || r.state === 'SHIPPED');
      return stray.length ? [`order ${o.id} ${o.status}: ${stray.map((r) => `${r.quantity}×${r.product_id.slice(0, 8)} ${r.state}`).join(', ')}`] : [];
    }));

  // ── credit ────────────────────────────────────────────────────────────
  const shippedByCustomer = group(orders.filter((o) => o.status === 'SHIPPED'), (o) => o.customer_id);
  checks.add('credit.balance', 'per credit line: held = 0; consumed = Σ totals of its SHIPPED orders ≤ limit; limit unchanged', seed.customers.length,
    seed.customers.flatMap((c) => {
      const line = lines.find((l) => l.customer_id === c.id)!;
      const consumed = sum((shippedByCustomer.get(c.id) ?? []).map((o) => o.total_cents));
      const problems: string[] = [];
      if (line.held_cents !== 0) problems.push(`held ${line.held_cents}`);
      if (line.consumed_cents !== consumed) problems.push(`consumed ${line.consumed_cents} ≠ shipped totals ${consumed}`);
      if (line.consumed_cents > line.limit_cents) problems.push(`consumed ${line.consumed_cents} > limit ${line.limit_cents}`);
      if (line.limit_cents !== c.limitCents) problems.push(`limit ${line.limit_cents} ≠ seeded ${c.limitCents}`);
      return problems.length ? [`${c.key}: ${problems.join('; ')}`] : [];
    }));
  const creditByOrder = new Map(creditRes.map((r) => [r.order_id, r]));
  checks.add('credit.per-order', 'a SHIPPED order consumed exactly its total; any other order holds and consumed nothing', orders.length,
    orders.flatMap((o) => {
      const r = creditByOrder.get(o.id);
      if (o.status === 'SHIPPED') return r?.state === 'CONSUMED' && r.amount_cents === o.total_cents ? [] : [`order ${o.id} SHIPPED: credit ${r?.state ?? 'none'} ${r?.amount_cents ?? ''} vs total ${o.total_cents}`];
      return r && r.state !== 'RELEASED' ? [`order ${o.id} ${o.status}: credit ${r.state} ${r.amount_cents}`] : [];
    }));

  // ── money, and what became of every request ─────────────────────────────
  moneyChecks(checks, snapshot, eventsByOrder);
  requestChecks(checks, snapshot, eventsByOrder, driven, seed);

  // ── compensations ─────────────────────────────────────────────────────
  const failedComp = events.filter((e) => e.type === 'CompensationFailed');
  checks.add('compensation.none-unresolved', 'no CompensationFailed left open: every such order is final and balanced, CompensationFailing is unset', new Set(failedComp.map((e) => e.order_id)).size,
    [...new Set(failedComp.map((e) => e.order_id))].flatMap((id) => (FINAL.has(orderById.get(id)?.status ?? '') ? [] : [`order ${id}: compensation failing and not final`]))
      .concat(temporal.compensationFailing.map((id) => `${id}: CompensationFailing = true`)));

  return {
    checks: checks.list,
    statuses: new Map(orders.map((o) => [o.id, o.status])),
    figures: {
      ordersInDb: orders.length,
      shipped: orders.filter((o) => o.status === 'SHIPPED').length,
      rejected: orders.filter((o) => o.status === 'REJECTED').length,
      cancelled: orders.filter((o) => o.status === 'CANCELLED').length,
      compensationFailedEvents: failedComp.length,
      providerRows: provider.length,
      flakyAttempts: sum(provider.filter((p) => p.token === 'tok_flaky').map((p) => p.attempts)),
      workflows: temporal.workflowCount,
      ...revisionFigures(drive.orders, events),
    },
  };
}

/** Why the order's end does not fit its kind and the answers the client got (null = it fits). */
function outcomeProblem(o: DrivenOrder, row: OrderRow, types: string[], seed: Seed): string | null {
  const end = `${row.status}${row.rejection_reason ? `/${row.rejection_reason}` : ''}${row.cancellation_reason ? `/${row.cancellation_reason}` : ''}`;
  const is = (...allowed: string[]) => (allowed.includes(end) ? null : `ended ${end}, expected ${allowed.join(' or ')}`);
  const last = (name: string) => [...o.actions].reverse().find((a) => a.name === name);
  switch (o.kind) {
    case 'visa': case 'flaky': case 'multi-line': case 'duplicate-post': return is('SHIPPED');
    case 'decline': return is('REJECTED/PAYMENT_DECLINED');
    case 'unserved-country': return is('CANCELLED/SHIPMENT_FAILED');
    case 'over-stock': return is('REJECTED/OUT_OF_STOCK');
    case 'contended-stock': return is('SHIPPED', 'REJECTED/OUT_OF_STOCK');
    case 'credit-short': {
      const book = o.lines[0]!.productId === seed.products.get('book')!.id;
      return book ? is('REJECTED/CREDIT_LIMIT_EXCEEDED') : is('SHIPPED', 'REJECTED/CREDIT_LIMIT_EXCEEDED');
    }
    case 'cancel-early': case 'cancel-waiting': {
      const cancel = last('cancel');
      if (!cancel) return is('SHIPPED');
      if (cancel.status === 202) return is('CANCELLED/CUSTOMER_REQUEST');
      if (cancel.status === 409) return is('SHIPPED', 'CANCELLED/CUSTOMER_REQUEST');
      return `cancel answered ${cancel.status}${cancel.code ? ` ${cancel.code}` : ''}`;
    }
    case 'admin-dispatch': {
      const dispatch = last('dispatch');
      if (dispatch && dispatch.status !== 202 && dispatch.status !== 409) return `dispatch answered ${dispatch.status}`;
      if (dispatch?.status === 202 && !types.includes('DispatchRequested')) return 'dispatch accepted (202) but no DispatchRequested on the timeline';
      return is('SHIPPED');
    }
    case 'revise-then-cancel': {
      // Items and revision outcomes are checked by revise.*; here only where the order ended.
      const cancel = last('cancel');
      if (cancel?.status === 202) return is('CANCELLED/CUSTOMER_REQUEST');
      if (cancel && cancel.status !== 409) return `cancel answered ${cancel.status}${cancel.code ? ` ${cancel.code}` : ''}`;
      return cancel ? is('SHIPPED', 'CANCELLED/CUSTOMER_REQUEST') : is('SHIPPED');
    }
    case 'revise-up': case 'revise-down': case 'revise-chain': case 'revise-declined': case 'revise-approved': {
      const odd = o.actions.find((a) => a.name === 'revise' && ![202, 409, 0].includes(a.status) && a.status < 500);
      if (odd) return `revise answered ${odd.status}${odd.code ? ` ${odd.code}` : ''}`;
      return is('SHIPPED');
    }
  }
}

async function temporalChecks(address: string, prefix: string, orders: OrderRow[]): Promise<{ checks: Check[]; compensationFailing: string[]; workflowCount: number }> {
  const checks: Check[] = [];
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const workflows = new Map<string, { status: string; orderStatus: string | undefined }>();
    for await (const wf of client.workflow.list({ query: `TaskQueue = "${prefix}orders"` })) {
      workflows.set(wf.workflowId, { status: wf.status.name, orderStatus: wf.typedSearchAttributes.get(OrderStatusKey) });
    }
    const notCompleted = [...workflows].filter(([, w]) => w.status !== 'COMPLETED').map(([id, w]) => `${id}: ${w.status}`);
    checks.push({ name: 'temporal.sagas-completed', what: 'every order saga closed as Completed (none failed, terminated, timed out or still running)', checked: workflows.size, passed: notCompleted.length === 0, failures: notCompleted });

    // The operator's view, with the CLI: nothing in the namespace failed, was terminated or timed out.
    const cli = ['Failed', 'Terminated', 'TimedOut', 'Canceled'].flatMap((status) => {
      const out = execFileSync(temporalBinary(), ['workflow', 'count', '--address', address, '--query', `ExecutionStatus="${status}"`, '-o', 'json'], { encoding: 'utf8' });
      const count = Number((JSON.parse(out) as { count?: string | number }).count ?? 0);
      return count > 0 ? [`temporal workflow count --query 'ExecutionStatus="${status}"' → ${count}`] : [];
    });
    checks.push({ name: 'temporal.cli-no-failed', what: "temporal workflow count --query 'ExecutionStatus=\"Failed\"' (and Terminated, TimedOut, Canceled) is 0", checked: 4, passed: cli.length === 0, failures: cli });

    const pairing = [
      ...orders.filter((o) => !workflows.has(orderWorkflowId(o.id))).map((o) => `order ${o.id} (${o.status}) has no saga`),
      ...[...workflows.keys()].filter((id) => !orders.some((o) => orderWorkflowId(o.id) === id)).map((id) => `${id} has no order row`),
      ...orders.filter((o) => workflows.has(orderWorkflowId(o.id)) && workflows.get(orderWorkflowId(o.id))!.orderStatus !== o.status)
        .map((o) => `${orderWorkflowId(o.id)}: OrderStatus search attribute ${workflows.get(orderWorkflowId(o.id))!.orderStatus} ≠ ${o.status}`),
    ];
    checks.push({ name: 'temporal.one-saga-per-order', what: 'one saga per order and vice versa; the OrderStatus search attribute equals the order status', checked: orders.length, passed: pairing.length === 0, failures: pairing });

    const failing: string[] = [];
    for await (const wf of client.workflow.list({ query: `TaskQueue = "${prefix}orders" AND CompensationFailing = true` })) failing.push(wf.workflowId);
    return { checks, compensationFailing: failing, workflowCount: workflows.size };
  } finally {
    await connection.close();
  }
}

/** How much revising the run did, as the client saw it and as the timelines record it. */
function revisionFigures(driven: DrivenOrder[], events: EventRow[]): Record<string, number> {
  const revises = driven.flatMap((o) => o.actions).filter((a) => a.name === 'revise');
  const count = (type: string, reason?: string) => events.filter((e) => e.type === type && (reason === undefined || e.data.reason === reason)).length;
  return {
    revise202: revises.filter((a) => a.status === 202).length,
    revise409: revises.filter((a) => a.status === 409).length,
    reviseSentWhileApproved: revises.filter((a) => a.status === 202 && a.revise?.sentWhile === 'APPROVED').length,
    orderRevised: count('OrderRevised'),
    revisionRejected: count('RevisionRejected'),
    revisionDeclinedByPayment: count('RevisionRejected', 'PAYMENT_DECLINED'),
    revisionOvertaken: count('RevisionRejected', 'ORDER_REJECTED') + count('RevisionRejected', 'ORDER_CANCELLED'),
    paymentRefundedEntries: count('PaymentRefunded'),
  };
}
