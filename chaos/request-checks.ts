// Every 202 leaves a trace (API.md): an accepted revise ends in exactly one OrderRevised or
// RevisionRejected, an accepted cancel in OrderCancelled, an accepted dispatch in a shipment decision.
// Checked twice: against what the driving client was told, and on every order's timeline (the
// fuzzer's and the security checks' orders too). Also: no order is left locked, and every total is
// the sum of its lines at the price each line was sold at.
import type { DrivenOrder, Line, RevisionOutcome } from './driver';
import { sameLines, sum, type Checks, type EventRow, type OrderRow, type Snapshot } from './snapshot';
import type { Seed } from './seed';

const OUTCOMES = new Set(['OrderRevised', 'RevisionRejected']);
const OVERTAKEN = new Set(['ORDER_REJECTED', 'ORDER_CANCELLED']);
const LOCKS = new Set(['APPROVAL_PENDING', 'APPROVED', 'PAID', 'CANCEL_PENDING', 'REVISION_PENDING']);
const MAX_REVISIONS = 5;

/** A revise that may or may not have reached the saga: no answer, or a 5xx during a fault. */
const ambiguous = (status: number) => status === 0 || status >= 500;
const describe = (o: RevisionOutcome | EventRow) => ('reason' in o ? `${o.type}${o.reason ? `/${o.reason}` : ''}` : `${o.type}${o.data.reason ? `/${String(o.data.reason)}` : ''}`);

/** What an accepted revision of this order must become: only tok_decline_more declines, and only an extra charge. */
function expectedOutcome(o: DrivenOrder, direction: 'up' | 'down'): string {
  return o.token === 'tok_decline_more' && direction === 'up' ? 'RevisionRejected/PAYMENT_DECLINED' : 'OrderRevised';
}

export function requestChecks(checks: Checks, s: Snapshot, eventsByOrder: Map<string, EventRow[]>, driven: DrivenOrder[], seed: Seed): void {
  const orderById = new Map(s.orders.map((o) => [o.id, o]));
  const accepted = driven.filter((o) => o.orderId && orderById.has(o.orderId));
  const eventsOf = (id: string) => eventsByOrder.get(id) ?? [];

  // ── revise: one outcome per 202, as the client saw it ──
  const perRequest: string[] = [];
  const expected: string[] = [];
  let accepted202 = 0;
  for (const o of accepted) {
    const revises = o.actions.filter((a) => a.name === 'revise');
    const yes = revises.filter((a) => a.status === 202);
    const maybe = revises.filter((a) => ambiguous(a.status));
    accepted202 += yes.length;
    const outcomes = eventsOf(o.orderId!).filter((e) => OUTCOMES.has(e.type));
    const tag = `#${o.index} ${o.kind} ${o.orderId}`;
    if (outcomes.length < yes.length || outcomes.length > yes.length + maybe.length) {
      perRequest.push(`${tag}: ${yes.length} revise 202(s)${maybe.length ? ` + ${maybe.length} unanswered` : ''}, ${outcomes.length} outcome entries [${outcomes.map(describe).join(', ')}]`);
      continue;
    }
    if (maybe.length) continue; // which request an outcome answers is not known: the counts above are all there is
    yes.forEach((a, k) => {
      const seen = a.revise!.outcome;
      if (seen && describe(seen) !== describe(outcomes[k]!)) perRequest.push(`${tag}: revise ${k + 1} was seen ending ${describe(seen)}, the database says ${describe(outcomes[k]!)}`);
      const want = expectedOutcome(o, a.revise!.direction);
      if (describe(outcomes[k]!) !== want) expected.push(`${tag}: revise ${k + 1} (${a.revise!.direction}, sent while ${a.revise!.sentWhile}) ended ${describe(outcomes[k]!)}, expected ${want}`);
    });
    // The items are those of the last revision that took effect (the placed ones if none did).
    const row = orderById.get(o.orderId!)!;
    let want: Line[] = o.lines;
    yes.forEach((a, k) => { if (outcomes[k]!.type === 'OrderRevised') want = a.revise!.lines; });
    if (!sameLines(row.items, want)) expected.push(`${tag} ${row.status}: items ${JSON.stringify(row.items.map((i) => [i.productId.slice(0, 8), i.quantity]))}, expected ${JSON.stringify(want.map((l) => [l.productId.slice(0, 8), l.quantity]))}`);
  }
  // A 409 is right only when the order cannot be revised: the same revise accepted half a second
  // later, with nothing else acting on the order, shows the order was revisable all along.
  const refusedWrongly = accepted.flatMap((o) => o.actions.flatMap((a, i) => {
    if (!a.revise?.afterRefusal || a.status !== 202) return [];
    const refused = o.actions[i - 1]!;
    return [`#${o.index} ${o.kind} ${o.orderId}: revise ${a.revise.direction} answered ${refused.status} ${refused.code ?? ''} while the order showed ${refused.revise?.sentWhile}; the same revise 0.5 s later (order ${a.revise.sentWhile}) → 202`];
  }));
  checks.add('revise.refused-only-when-not-revisable', 'no revise sent while GET showed the order APPROVED/PAID (every earlier revision answered) got 409 ORDER_NOT_REVISABLE when the same revise half a second later was accepted',
    accepted.flatMap((o) => o.actions).filter((a) => a.name === 'revise' && a.status === 409).length, refusedWrongly);
  checks.add('revise.one-outcome-per-202', 'per driven order, one OrderRevised/RevisionRejected per revise answered 202 (and what the client saw is what the database holds)', accepted202, perRequest);
  checks.add('revise.outcomes-expected', 'each accepted revision ended as its token and direction require (only tok_decline_more declines, and only a raise); the items are those of the last revision that took effect', accepted202, expected);

  // ── revise, cancel and dispatch on every timeline ──
  const resolved: string[] = [];
  const cancelled: string[] = [];
  const dispatched: string[] = [];
  for (const o of s.orders) {
    const types = eventsOf(o.id).map((e) => e.type);
    let pending = false;
    let final = false;
    for (const e of eventsOf(o.id)) {
      if (e.type === 'RevisionRequested') {
        if (pending) resolved.push(`order ${o.id}: a second RevisionRequested before the first had an outcome`);
        pending = true;
      } else if (e.type === 'OrderRevised' || (e.type === 'RevisionRejected' && pending)) {
        if (!pending) resolved.push(`order ${o.id}: OrderRevised without a RevisionRequested`);
        pending = false;
      } else if (e.type === 'RevisionRejected' && !(OVERTAKEN.has(String(e.data.reason)) && final)) {
        resolved.push(`order ${o.id}: RevisionRejected/${String(e.data.reason)} neither answers a RevisionRequested nor follows the final entry`);
      }
      if (['OrderShipped', 'OrderRejected', 'OrderCancelled'].includes(e.type)) final = true;
    }
    if (pending) resolved.push(`order ${o.id} ${o.status}: RevisionRequested never answered [${types.join(', ')}]`);
    const outcomes = types.filter((t) => OUTCOMES.has(t)).length;
    if (outcomes > MAX_REVISIONS) resolved.push(`order ${o.id}: ${outcomes} revision outcomes (at most ${MAX_REVISIONS} revisions are accepted)`);
    const after = (type: string, ends: string[]) => {
      const at = types.indexOf(type);
      return at < 0 || types.slice(at + 1).some((t) => ends.includes(t));
    };
    if (!after('CancelRequested', ['OrderCancelled'])) cancelled.push(`order ${o.id} ${o.status}: CancelRequested never ended in OrderCancelled [${types.join(', ')}]`);
    if (!after('DispatchRequested', ['OrderShipped', 'OrderCancelled'])) dispatched.push(`order ${o.id} ${o.status}: DispatchRequested never ended in OrderShipped/OrderCancelled [${types.join(', ')}]`);
  }
  for (const o of accepted) {
    const row = orderById.get(o.orderId!)!;
    const types = eventsOf(row.id).map((e) => e.type);
    for (const a of o.actions.filter((x) => x.status === 202)) {
      if (a.name === 'cancel' && !(row.status === 'CANCELLED' && row.cancellation_reason === 'CUSTOMER_REQUEST' && types.includes('CancelRequested'))) {
        cancelled.push(`#${o.index} ${o.kind} ${row.id}: cancel answered 202, order ${row.status}/${row.cancellation_reason ?? row.rejection_reason ?? ''} [${types.join(', ')}]`);
      }
      if (a.name === 'dispatch' && !(types.includes('DispatchRequested') && (row.status === 'SHIPPED' || row.cancellation_reason === 'SHIPMENT_FAILED'))) {
        dispatched.push(`#${o.index} ${o.kind} ${row.id}: dispatch answered 202, order ${row.status} [${types.join(', ')}]`);
      }
    }
  }
  checks.add('revise.requests-resolved', `every order's timeline: each RevisionRequested gets exactly one OrderRevised/RevisionRejected before the next; any other RevisionRejected is an overtaken one (ORDER_REJECTED/ORDER_CANCELLED) after the final entry; ≤ ${MAX_REVISIONS} revisions`, s.orders.length, resolved);
  checks.add('cancel.every-202-traced', 'each cancel answered 202 ended CANCELLED/CUSTOMER_REQUEST; on every timeline, CancelRequested is followed by OrderCancelled', s.orders.length, cancelled);
  checks.add('dispatch.every-202-traced', 'each dispatch answered 202 has DispatchRequested and ended SHIPPED (or CANCELLED/SHIPMENT_FAILED); on every timeline, DispatchRequested is followed by that decision', s.orders.length, dispatched);

  // ── nothing left locked ──
  checks.add('orders.no-lock-left', 'no order is left APPROVAL_PENDING, APPROVED, PAID, CANCEL_PENDING or REVISION_PENDING, nor remembers a status to return to', s.orders.length,
    s.orders.filter((o) => LOCKS.has(o.status) || o.status_before_lock !== null).map((o) => `order ${o.id} is ${o.status} (status before lock: ${o.status_before_lock ?? '—'})`));

  // ── totals ──
  const priceOf = new Map([...seed.products.values()].map((p) => [p.id, p.priceCents]));
  checks.add('orders.total-is-sum-of-lines', 'every total = Σ quantity × unit price of its lines, equals the last OrderPlaced/OrderRevised total, and every seeded product kept its catalog price', s.orders.length,
    s.orders.flatMap((o) => totalProblems(o, eventsOf(o.id), priceOf)));
}

function totalProblems(o: OrderRow, events: EventRow[], priceOf: Map<string, number>): string[] {
  const problems: string[] = [];
  const lines = sum(o.items.map((i) => i.lineTotalCents));
  if (o.items.some((i) => i.lineTotalCents !== i.quantity * i.unitPriceCents)) problems.push('a line total ≠ quantity × unit price');
  if (lines !== o.total_cents) problems.push(`Σ lines ${lines} ≠ total ${o.total_cents}`);
  const last = [...events].reverse().find((e) => e.type === 'OrderPlaced' || e.type === 'OrderRevised');
  if (last && Number(last.data.totalCents) !== o.total_cents) problems.push(`last ${last.type} says ${String(last.data.totalCents)}, total ${o.total_cents}`);
  for (const i of o.items) {
    const price = priceOf.get(i.productId);
    if (price !== undefined && price !== i.unitPriceCents) problems.push(`${i.productId.slice(0, 8)} at ${i.unitPriceCents} ≠ catalog ${price}`);
  }
  return problems.length ? [`order ${o.id} ${o.status}: ${problems.join('; ')}`] : [];
}
