// Money, from three ledgers that must agree to the cent: the provider's (provider_charges, what
// really moved), ours (payments and payment_charges) and the timeline (PaymentCharged/Refunded).
// Every provider key of an order starts with `<orderId>:`; a refund names the charge it reverses.
import { group, orderOfKey, sum, type Checks, type EventRow, type ProviderRow, type Snapshot } from './snapshot';

const succeededCharges = (rows: ProviderRow[]) => rows.filter((r) => r.kind === 'charge' && r.outcome === 'succeeded');
const refunds = (rows: ProviderRow[]) => rows.filter((r) => r.kind === 'refund' && r.outcome === 'succeeded');
const stepOf = (e: EventRow) => /:(revise-\d+)-(?:confirm|reject)#/.exec(e.step_key ?? '')?.[1] ?? null;

export function moneyChecks(checks: Checks, s: Snapshot, eventsByOrder: Map<string, EventRow[]>): void {
  const orderIds = new Set(s.orders.map((o) => o.id));
  const providerByOrder = group(s.provider, (p) => orderOfKey(p.idempotency_key));
  const paymentByOrder = new Map(s.payments.map((p) => [p.order_id, p]));
  const chargesByPayment = group(s.charges, (c) => c.payment_id);
  const refundsByCharge = group(refunds(s.provider), (r) => r.refund_of ?? '');
  const providerCharge = new Map(s.provider.filter((p) => p.kind === 'charge' && p.charge_id).map((p) => [p.charge_id!, p]));
  const provided = (rows: ProviderRow[]) => ({ charged: sum(succeededCharges(rows).map((r) => r.amount_cents)), refunded: sum(refunds(rows).map((r) => r.amount_cents)) });

  // ── the provider nets to what the order kept ──
  const nets: string[] = [...providerByOrder.keys()].filter((id) => !orderIds.has(id)).map((id) => `provider rows under key prefix ${id} belong to no order`);
  for (const o of s.orders) {
    const { charged, refunded } = provided(providerByOrder.get(o.id) ?? []);
    const want = o.status === 'SHIPPED' || o.status === 'PAID' ? o.total_cents : 0;
    if (charged - refunded !== want) nets.push(`order ${o.id} ${o.status}: provider charged ${charged} − refunded ${refunded} = ${charged - refunded} ≠ ${want}`);
  }
  checks.add('payment.provider-nets-to-total', "per order, the provider's charges − refunds = the total if SHIPPED (or PAID), 0 if CANCELLED or REJECTED", s.orders.length, nets);

  // ── a refund reverses a real charge of the same order, never more than it ──
  const bounded: string[] = [];
  for (const r of refunds(s.provider)) {
    const charge = providerCharge.get(r.refund_of ?? '');
    const order = orderOfKey(r.idempotency_key);
    if (!charge || charge.outcome !== 'succeeded') bounded.push(`refund ${r.idempotency_key} (${r.amount_cents}) names ${r.refund_of}, ${charge ? `a ${charge.outcome} charge` : 'no charge'}`);
    else if (orderOfKey(charge.idempotency_key) !== order || charge.reference !== order) bounded.push(`refund ${r.idempotency_key} reverses charge ${charge.idempotency_key} of another order (reference ${charge.reference})`);
    if (r.amount_cents <= 0) bounded.push(`refund ${r.idempotency_key}: amount ${r.amount_cents}`);
  }
  for (const [chargeId, rows] of refundsByCharge) {
    const charge = providerCharge.get(chargeId);
    const total = sum(rows.map((r) => r.amount_cents));
    if (charge && total > charge.amount_cents) bounded.push(`charge ${charge.idempotency_key} (${charge.amount_cents}) refunded ${total} in ${rows.length} refund(s)`);
  }
  checks.add('payment.refunds-bounded', 'every refund names a succeeded charge of its own order; Σ refunds of a charge ≤ that charge', refunds(s.provider).length, bounded);

  // ── our ledger and the timeline equal the provider's ──
  const ledger: string[] = [];
  for (const o of s.orders) {
    const rows = providerByOrder.get(o.id) ?? [];
    const { charged, refunded } = provided(rows);
    const p = paymentByOrder.get(o.id);
    const ours = p ? chargesByPayment.get(p.id) ?? [] : [];
    const problems: string[] = [];
    if (!p) {
      if (rows.some((r) => r.outcome !== null)) problems.push(`no payment row, provider has ${rows.length} row(s) (charged ${charged}, refunded ${refunded})`);
    } else {
      if (p.charged_cents !== charged || p.refunded_cents !== refunded) problems.push(`payments ${p.charged_cents}/${p.refunded_cents} ≠ provider ${charged}/${refunded}`);
      const succeeded = ours.filter((c) => c.outcome === 'SUCCEEDED');
      if (sum(succeeded.map((c) => c.amount_cents)) !== p.charged_cents || sum(ours.map((c) => c.refunded_cents)) !== p.refunded_cents) {
        problems.push(`payment_charges Σ ${sum(succeeded.map((c) => c.amount_cents))}/${sum(ours.map((c) => c.refunded_cents))} ≠ payments ${p.charged_cents}/${p.refunded_cents}`);
      }
      const status = p.charged_cents === 0 ? 'DECLINED' : p.refunded_cents === p.charged_cents ? 'REFUNDED' : p.refunded_cents === 0 ? 'CHARGED' : 'PARTIALLY_REFUNDED';
      if (p.status !== status) problems.push(`payments.status ${p.status}, amounts say ${status}`);
    }
    for (const c of ours) {
      const at = rows.find((r) => r.idempotency_key === c.step_key && r.kind === 'charge');
      const theirs = at ? `${at.outcome} ${at.amount_cents} ${at.charge_id}` : 'nothing';
      if (!at || at.outcome !== c.outcome.toLowerCase() || at.amount_cents !== c.amount_cents || at.charge_id !== c.provider_charge_id) {
        problems.push(`charge ${c.step_key}: ours ${c.outcome} ${c.amount_cents} ${c.provider_charge_id}, provider ${theirs}`);
      }
      const back = sum((refundsByCharge.get(c.provider_charge_id ?? '') ?? []).map((r) => r.amount_cents));
      if (back !== c.refunded_cents) problems.push(`charge ${c.step_key}: ours refunded ${c.refunded_cents}, provider ${back}`);
    }
    for (const r of rows.filter((x) => x.kind === 'charge' && x.outcome !== null)) {
      if (!ours.some((c) => c.step_key === r.idempotency_key)) problems.push(`provider ${r.outcome} charge ${r.idempotency_key} (${r.amount_cents}) missing from payment_charges`);
    }
    const events = eventsByOrder.get(o.id) ?? [];
    const onTimeline = (type: string) => sum(events.filter((e) => e.type === type).map((e) => Number(e.data.amountCents)));
    if (onTimeline('PaymentCharged') !== charged || onTimeline('PaymentRefunded') !== refunded) {
      problems.push(`timeline PaymentCharged ${onTimeline('PaymentCharged')} / PaymentRefunded ${onTimeline('PaymentRefunded')} ≠ provider ${charged}/${refunded}`);
    }
    if (problems.length) ledger.push(`order ${o.id} ${o.status}: ${problems.join('; ')}`);
  }
  checks.add('payment.ledger-matches-provider', "per order and per charge, payments/payment_charges and the timeline's PaymentCharged/PaymentRefunded equal the provider's charges and refunds", s.orders.length, ledger);

  // ── each charge belongs to one step of the timeline, made once ──
  const once: string[] = [];
  for (const o of s.orders) {
    const events = eventsByOrder.get(o.id) ?? [];
    const charges = (providerByOrder.get(o.id) ?? []).filter((r) => r.kind === 'charge');
    const has = (type: string) => events.some((e) => e.type === type);
    const placed = events.find((e) => e.type === 'OrderPlaced');
    const first = charges.find((r) => r.idempotency_key === `${o.id}:charge`);
    if (has('OrderPaid') && first?.outcome !== 'succeeded') once.push(`order ${o.id}: OrderPaid but the first charge is ${first?.outcome ?? 'missing'}`);
    if (first?.outcome === 'succeeded' && !has('OrderPaid')) once.push(`order ${o.id} ${o.status}: first charge succeeded but no OrderPaid`);
    if (first?.outcome === 'declined' && !(o.rejection_reason === 'PAYMENT_DECLINED' || o.status === 'CANCELLED')) once.push(`order ${o.id} ${o.status}: first charge declined`);
    if (first && placed && first.amount_cents !== Number(placed.data.totalCents)) once.push(`order ${o.id}: first charge ${first.amount_cents} ≠ placed total ${String(placed.data.totalCents)}`);
    const outcomes = new Map(events.filter((e) => stepOf(e)).map((e) => [stepOf(e)!, e]));
    for (const r of charges) {
      if (r.token === 'tok_flaky' && r.outcome === 'succeeded' && r.attempts < 3) once.push(`${r.idempotency_key}: tok_flaky charge succeeded after ${r.attempts} attempt(s) (< 3)`);
      if (r === first) continue;
      const step = /^[^:]+:(revise-\d+):payment$/.exec(r.idempotency_key)?.[1];
      const outcome = step ? outcomes.get(step) : undefined;
      if (!step) once.push(`${r.idempotency_key}: a charge key that is neither :charge nor :revise-<n>:payment`);
      else if (r.outcome === 'succeeded' && !(outcome?.type === 'OrderRevised' && Number(outcome.data.totalCents) - Number(outcome.data.previousTotalCents) === r.amount_cents)) {
        once.push(`${r.idempotency_key}: charged ${r.amount_cents}, timeline ${outcome ? `${outcome.type} ${String(outcome.data.previousTotalCents)} → ${String(outcome.data.totalCents)}` : 'has no outcome of that revision'}`);
      } else if (r.outcome === 'declined' && !(outcome?.type === 'RevisionRejected' && outcome.data.reason === 'PAYMENT_DECLINED')) {
        once.push(`${r.idempotency_key}: declined, timeline ${outcome ? `${outcome.type} ${String(outcome.data.reason ?? '')}` : 'has no outcome of that revision'}`);
      }
    }
    for (const [step, e] of outcomes) {
      const raised = e.type === 'OrderRevised' && Number(e.data.totalCents) > Number(e.data.previousTotalCents);
      const declined = e.type === 'RevisionRejected' && e.data.reason === 'PAYMENT_DECLINED';
      if ((raised || declined) && !charges.some((r) => r.idempotency_key === `${o.id}:${step}:payment`)) once.push(`order ${o.id}: ${e.type} of ${step} without its charge ${o.id}:${step}:payment`);
    }
  }
  checks.add('payment.charged-once-per-step', 'one provider charge per step: :charge iff OrderPaid (its placed total); :revise-<n>:payment = the delta of OrderRevised n, or declined iff RevisionRejected n PAYMENT_DECLINED; tok_flaky after its 2 failures', s.provider.filter((p) => p.kind === 'charge').length, once);

  // ── refunds exactly when something was given back ──
  const refundRule: string[] = [];
  for (const o of s.orders) {
    const rows = providerByOrder.get(o.id) ?? [];
    const { charged, refunded } = provided(rows);
    const events = eventsByOrder.get(o.id) ?? [];
    const loweredByRevision = events.some((e) => e.type === 'OrderRevised' && Number(e.data.totalCents) < Number(e.data.previousTotalCents));
    if (o.status === 'CANCELLED') {
      const open = succeededCharges(rows).filter((c) => sum((refundsByCharge.get(c.charge_id!) ?? []).map((r) => r.amount_cents)) !== c.amount_cents);
      if (open.length) refundRule.push(`order ${o.id} CANCELLED: charge(s) not refunded in full: ${open.map((c) => c.idempotency_key).join(', ')}`);
    }
    if (o.status === 'SHIPPED' && (charged === 0 || refunded === charged)) refundRule.push(`order ${o.id} SHIPPED: charged ${charged}, refunded ${refunded}`);
    if (o.status === 'SHIPPED' && refunded > 0 && !loweredByRevision) refundRule.push(`order ${o.id} SHIPPED: refunded ${refunded} though no revision lowered its total`);
    if (o.status === 'REJECTED' && charged > 0) refundRule.push(`order ${o.id} REJECTED (${o.rejection_reason}) but charged ${charged}`);
  }
  checks.add('payment.refund-iff-cancelled', 'CANCELLED: every charge refunded in full; SHIPPED: charged, refunded only what a revision lowered; REJECTED: never charged', s.orders.length, refundRule);
}
