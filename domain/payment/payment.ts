import { DomainError } from '../shared/domain-error';
import type { DomainEvent } from '../shared/domain-event';
import { assertCents, assertNonEmptyString, assertPositiveQuantity } from '../shared/guards';

export type { ChargeResult, PaymentProvider, PaymentVault } from './payment-provider.port';

export const PAYMENT_STATUSES = ['CHARGED', 'DECLINED', 'REFUNDED', 'PARTIALLY_REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * One charge at the provider: the order's first, or a revision's extra amount. A declined charge is
 * kept too, so a retried step replays the decline instead of charging again.
 * Invariant: 0 <= refundedCents <= amountCents, and only SUCCEEDED charges are ever refunded.
 */
export interface Charge {
  id: string;
  /** The saga step that made it (`<orderId>:charge`, `<orderId>:revise-<n>:payment`): one charge per step. */
  stepKey: string;
  amountCents: number;
  refundedCents: number;
  outcome: 'SUCCEEDED' | 'DECLINED';
  /** The provider's id, which a refund must name; null when declined. */
  providerChargeId: string | null;
}

/** The payment side of one order: its ledger of charges. */
export interface Payment {
  id: string;
  orderId: string;
  charges: readonly Charge[];
  /** Optimistic-locking counter owned by persistence; the domain never changes it. */
  version: number;
}

export type PaymentChange = { payment: Payment; events: DomainEvent[] };

/** A part of a refund: the charge it reverses and how much of it. */
export interface RefundPart { chargeId: string; providerChargeId: string; amountCents: number }

const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);
const succeeded = (payment: Payment) => payment.charges.filter((c) => c.outcome === 'SUCCEEDED');

export const chargedCents = (payment: Payment): number => sum(succeeded(payment).map((c) => c.amountCents));
export const refundedCents = (payment: Payment): number => sum(payment.charges.map((c) => c.refundedCents));
/** What can still be given back, over every charge. */
export const refundableCents = (payment: Payment): number => chargedCents(payment) - refundedCents(payment);

export function paymentStatus(payment: Payment): PaymentStatus {
  const charged = chargedCents(payment);
  if (charged === 0) return 'DECLINED';
  const refunded = refundedCents(payment);
  if (refunded === charged) return 'REFUNDED';
  return refunded === 0 ? 'CHARGED' : 'PARTIALLY_REFUNDED';
}

export const findCharge = (payment: Payment | null, stepKey: string): Charge | undefined =>
  payment?.charges.find((c) => c.stepKey === stepKey);

/** The order's payment before anything was charged. */
export function newPayment(input: { id: string; orderId: string }): Payment {
  return { id: assertNonEmptyString(input.id, 'id'), orderId: assertNonEmptyString(input.orderId, 'orderId'), charges: [], version: 0 };
}

/**
 * Records what the provider answered for one step's charge. The first charge of an order is plain
 * `PaymentCharged`; later ones (a revision's extra amount) say `additional`.
 */
export function recordCharge(payment: Payment, charge: Omit<Charge, 'refundedCents'> & { message?: string }): PaymentChange {
  assertNonEmptyString(charge.id, 'charge.id');
  assertNonEmptyString(charge.stepKey, 'charge.stepKey');
  assertPositiveQuantity(charge.amountCents, 'charge.amountCents');
  if (findCharge(payment, charge.stepKey)) {
    throw new DomainError('ILLEGAL_TRANSITION', `step ${charge.stepKey} already has a charge`);
  }
  if (charge.outcome === 'SUCCEEDED') assertNonEmptyString(charge.providerChargeId, 'charge.providerChargeId');
  const additional = succeeded(payment).length > 0;
  const recorded: Charge = {
    id: charge.id, stepKey: charge.stepKey, amountCents: charge.amountCents, refundedCents: 0, outcome: charge.outcome,
    providerChargeId: charge.outcome === 'SUCCEEDED' ? charge.providerChargeId : null,
  };
  const data: Record<string, unknown> = { amountCents: charge.amountCents, ...(additional ? { additional: true } : {}) };
  const event: DomainEvent = charge.outcome === 'SUCCEEDED'
    ? { type: 'PaymentCharged', data }
    : { type: 'PaymentDeclined', data: charge.message === undefined ? data : { ...data, message: charge.message } };
  return { payment: { ...payment, charges: [...payment.charges, recorded] }, events: [event] };
}

/**
 * Splits a refund over the charges, newest first: a partial refund after a revision gives back the
 * revision's extra charge before touching the first one. Each part names one charge and never
 * exceeds what is left of it, as a real provider requires.
 */
export function planRefund(payment: Payment, amountCents: number): RefundPart[] {
  assertCents(amountCents, 'amountCents');
  const refundable = refundableCents(payment);
  if (amountCents > refundable) {
    throw new DomainError('ILLEGAL_TRANSITION', `Cannot refund ${amountCents} cents of payment ${payment.id}: only ${refundable} refundable`);
  }
  const parts: RefundPart[] = [];
  let left = amountCents;
  for (const charge of [...succeeded(payment)].reverse()) {
    if (left === 0) break;
    const part = Math.min(left, charge.amountCents - charge.refundedCents);
    if (part > 0) parts.push({ chargeId: charge.id, providerChargeId: charge.providerChargeId!, amountCents: part });
    left -= part;
  }
  return parts;
}

/** Everything still charged, charge by charge (cancel, rejection, failed shipment). */
export const planFullRefund = (payment: Payment): RefundPart[] => planRefund(payment, refundableCents(payment));

/** Applies refunds the provider made; one `PaymentRefunded` per part, naming its charge. */
export function recordRefunds(payment: Payment, parts: readonly RefundPart[]): PaymentChange {
  let charges = payment.charges;
  const events: DomainEvent[] = [];
  for (const part of parts) {
    assertPositiveQuantity(part.amountCents, 'part.amountCents');
    const charge = charges.find((c) => c.id === part.chargeId);
    if (!charge || charge.outcome !== 'SUCCEEDED') throw new DomainError('ILLEGAL_TRANSITION', `payment ${payment.id} has no charge ${part.chargeId} to refund`);
    const left = charge.amountCents - charge.refundedCents;
    if (part.amountCents > left) {
      throw new DomainError('ILLEGAL_TRANSITION', `Cannot refund ${part.amountCents} cents of charge ${charge.id}: only ${left} left`);
    }
    charges = charges.map((c) => (c.id === charge.id ? { ...c, refundedCents: c.refundedCents + part.amountCents } : c));
    events.push({ type: 'PaymentRefunded', data: { amountCents: part.amountCents, chargeId: charge.id } });
  }
  return { payment: { ...payment, charges }, events };
}
