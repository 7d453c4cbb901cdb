// The vault of the simulated payment provider (activities/payment/simulated-payment-provider.ts). As
// with a real provider, the card token a client sends is exchanged for a payment-method reference
// (`pm_…`) before anything is recorded, and only the reference is kept: in the saga's input, the
// outbox row, the provider's charges. Where a real vault keeps the card, this one keeps what the
// simulation needs — the documented behaviour of the test token (shared/API.md) — and no token.
// The API and the payment worker both talk to it, so it sits below both.
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from './prisma';
import type { PaymentVault } from '../domain/payment/payment';

export type CardBehaviour = 'succeed' | 'decline' | 'flaky' | 'decline_more';

const TEST_TOKENS = new Map<string, CardBehaviour>([['tok_decline', 'decline'], ['tok_flaky', 'flaky'], ['tok_decline_more', 'decline_more']]);
/** tok_decline, tok_flaky and tok_decline_more behave as documented; any other token succeeds. */
export const cardBehaviour = (token: string): CardBehaviour => TEST_TOKENS.get(token) ?? 'succeed';

/** A reference the vault gave; anything else a charge receives is a card token (a saga started before vaulting). */
export const PAYMENT_METHOD_REF = /^pm_[0-9a-f]{32}$/;

export function createSimulatedPaymentVault(prisma: PrismaClient): PaymentVault {
  return {
    async createPaymentMethod({ token }) {
      const paymentMethodId = `pm_${randomBytes(16).toString('hex')}`;
      await prisma.$executeRaw`INSERT INTO provider_payment_methods (id, behaviour) VALUES (${paymentMethodId}, ${cardBehaviour(token)})`;
      return { paymentMethodId };
    },
  };
}
