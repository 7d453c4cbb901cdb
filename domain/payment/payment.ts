import { DomainError } from '../shared/domain-error';
import type { DomainEvent } from '../shared/domain-event';
import { assertCents, assertNonEmptyString } from '../shared/guards';

export type { ChargeResult, PaymentProvider } from './payment-provider.port';

export const PAYMENT_STATUSES = ['CHARGED', 'DECLINED', 'REFUNDED', 'PARTIALLY_REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** One charge attempt for an order. Invariant: 0 <= refundedCents <= amountCents. */
export interface Payment {
  id: string;
  orderId: string;
  /** What was charged (or attempted, when DECLINED). */
  amountCents: number;
  refundedCents: number;
  status: PaymentStatus;
  /** Needed to refund through the provider; null when nothing was charged. */
  providerChargeId: string | null;
  /** Optimistic-locking counter owned by persistence; the domain never changes it. */
  version: number;
}

export type PaymentChange = { payment: Payment; events: DomainEvent[] };

export function chargeSucceeded(input: {
  id: string;
  orderId: string;
  amountCents: number;
  providerChargeId: string;
}): PaymentChange {
  const payment: Payment = {
    id: assertNonEmptyString(input.id, 'id'),
    orderId: assertNonEmptyString(input.orderId, 'orderId'),
    amountCents: assertCents(input.amountCents, 'amountCents'),
    refundedCents: 0,
    status: 'CHARGED',
    providerChargeId: assertNonEmptyString(input.providerChargeId, 'providerChargeId'),
    version: 0,
  };
  return { payment, events: [{ type: 'PaymentCharged', data: { amountCents: payment.amountCents } }] };
}

/**
 * Recorded so the decline is visible and a retried activity finds it instead of charging again.
 * `message` is the provider's wording, kept for the timeline only.
 */
export function chargeDeclined(input: { id: string; orderId: string; amountCents: number; message?: string }): PaymentChange {
  const payment: Payment = {
    id: assertNonEmptyString(input.id, 'id'),
    orderId: assertNonEmptyString(input.orderId, 'orderId'),
    amountCents: assertCents(input.amountCents, 'amountCents'),
    refundedCents: 0,
    status: 'DECLINED',
    providerChargeId: null,
    version: 0,
  };
  const data = input.message === undefined ? { amountCents: payment.amountCents } : { amountCents: payment.amountCents, message: input.message };
  return { payment, events: [{ type: 'PaymentDeclined', data }] };
}

/**
 * A revision that raises the total charges the difference on top of the original charge; the
 * payment's charged amount grows, so a later full refund gives back everything.
 */
export function chargeMore(payment: Payment, amountCents: number): PaymentChange {
  assertCents(amountCents, 'amountCents');
  switch (payment.status) {
    case 'CHARGED':
    case 'PARTIALLY_REFUNDED': {
      const charged = payment.amountCents + amountCents;
      return {
        payment: { ...payment, amountCents: charged, status: refundStatus(payment.refundedCents, charged) },
        events: [{ type: 'PaymentCharged', data: { amountCents, additional: true } }],
      };
    }
    default:
      throw new DomainError('ILLEGAL_TRANSITION', `Cannot charge more on a payment that is ${payment.status}`);
  }
}

/** What can still be given back. */
export function refundableCents(payment: Payment): number {
  return payment.status === 'CHARGED' || payment.status === 'PARTIALLY_REFUNDED'
    ? payment.amountCents - payment.refundedCents
    : 0;
}

/**
 * Full refunds (cancel, failed shipment) and partial ones (a revision that lowers the total) both go
 * through here. Refunding more than remains would pay the customer twice, so it is refused.
 */
export function refund(payment: Payment, amountCents: number): PaymentChange {
  assertCents(amountCents, 'amountCents');
  switch (payment.status) {
    case 'CHARGED':
    case 'PARTIALLY_REFUNDED': {
      const remaining = refundableCents(payment);
      if (amountCents > remaining) {
        throw new DomainError(
          'ILLEGAL_TRANSITION',
          `Cannot refund ${amountCents} cents of payment ${payment.id}: only ${remaining} refundable`,
        );
      }
      const refundedCents = payment.refundedCents + amountCents;
      const status = refundStatus(refundedCents, payment.amountCents);
      return { payment: { ...payment, refundedCents, status }, events: [{ type: 'PaymentRefunded', data: { amountCents } }] };
    }
    default:
      throw new DomainError('ILLEGAL_TRANSITION', `Cannot refund a payment that is ${payment.status}`);
  }
}

// A zero refund of a still-untouched charge leaves it CHARGED rather than "partially" refunded.
function refundStatus(refundedCents: number, amountCents: number): PaymentStatus {
  if (refundedCents === amountCents) return 'REFUNDED';
  return refundedCents === 0 ? 'CHARGED' : 'PARTIALLY_REFUNDED';
}
