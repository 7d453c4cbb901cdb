import { deepFreeze } from './shared.builders';
import type { Charge, Payment } from '../../domain/payment/payment';

/** A successful charge of 5000 cents made by the order's first step, nothing refunded yet. */
export function aCharge(overrides: Partial<Charge> = {}): Charge {
  return { id: 'charge-1', stepKey: 'order-1:charge', amountCents: 5_000, refundedCents: 0, outcome: 'SUCCEEDED', providerChargeId: 'ch_1', ...overrides };
}

/** A deeply frozen payment with one successful 5000-cent charge (or the given charges). */
export function aPayment(overrides: Partial<Payment> = {}): Payment {
  return deepFreeze({ id: 'payment-1', orderId: 'order-1', charges: [aCharge()], version: 1, ...overrides });
}
