/**
 * The outside payment provider, as the payment activities see it. Only the interface lives in the
 * domain; the simulated provider is infrastructure. A decline is a normal answer (the saga rejects
 * the order), while an outage is a thrown error (the activity retries); the idempotency key makes
 * those retries safe from double charges.
 */
export type ChargeResult = { outcome: 'succeeded'; chargeId: string } | { outcome: 'declined'; message: string };

export interface PaymentProvider {
  charge(req: { idempotencyKey: string; amountCents: number; token: string }): Promise<ChargeResult>;
  refund(req: { idempotencyKey: string; chargeId: string; amountCents: number }): Promise<{ refundId: string }>;
}
