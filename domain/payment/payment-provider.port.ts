/**
 * The outside payment provider, as the payment activities see it. Only the interface lives in the
 * domain; the simulated provider is infrastructure. A decline is a normal answer (the saga rejects
 * the order), while an outage is a thrown error (the activity retries); the idempotency key makes
 * those retries safe from double charges.
 */
export type ChargeResult = { outcome: 'succeeded'; chargeId: string } | { outcome: 'declined'; message: string };

export interface PaymentProvider {
  /** `reference` is the merchant's reference (the order id), as real providers keep it with the charge. */
  charge(req: { idempotencyKey: string; amountCents: number; token: string; reference: string }): Promise<ChargeResult>;
  /** Reverses part of one charge; a provider refuses more than what is left of that charge. */
  refund(req: { idempotencyKey: string; chargeId: string; amountCents: number }): Promise<{ refundId: string }>;
}
