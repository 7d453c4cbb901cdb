import { deepFreeze } from '../shared/shared.builders';
import type { Payment } from './payment';

/** A deeply frozen CHARGED payment of 5000 cents, nothing refunded yet. */
export function aPayment(overrides: Partial<Payment> = {}): Payment {
  return deepFreeze({
    id: 'payment-1',
    orderId: 'order-1',
    amountCents: 5_000,
    refundedCents: 0,
    status: 'CHARGED',
    providerChargeId: 'ch_1',
    version: 1,
    ...overrides,
  });
}
