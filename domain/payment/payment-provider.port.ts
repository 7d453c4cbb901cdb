/**
 * The outside payment provider, as the payment activities see it. Only the interface lives in the
 * domain; the simulated provider is infrastructure. A decline is a normal answer (the saga rejects
 * the order), while an outage is a thrown error (the activity retries); the idempotency key makes
 * those retries safe from double charges.
 */
export type ChargeResult = { outcome: 'succeeded'; chargeId: string } | { outcome: 'declined'; message: string };

export interface PaymentProvider {
  /**
   * `token` is the payment method to charge: the reference the vault gave for the card (`pm_…`), or —
   * in sagas started before cards were vaulted — the card token itself. `reference` is the merchant's
   * reference (the order id), as real providers keep it with the charge.
   */
  charge(req: { idempotencyKey: string; amountCents: number; token: string; reference: string }): Promise<ChargeResult>;
  /** Reverses part of one charge; a provider refuses more than what is left of that charge. */
  refund(req: { idempotencyKey: string; chargeId: string; amountCents: number }): Promise<{ refundId: string }>;
}

/**
 * The provider's vault. A client's card token is exchanged for a payment-method reference before
 * anything is recorded: the reference is all we keep and charge (saga input, outbox, ledgers), as with
 * a real provider, so no table of ours ever holds the card token.
 */
export interface PaymentVault {
  createPaymentMethod(req: { token: string }): Promise<{ paymentMethodId: string }>;
}
