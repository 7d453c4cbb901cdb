// A stand-in for a remote payment provider, with the documented test tokens:
//   tok_decline → declined; tok_flaky → fails transiently twice per charge, then succeeds; else succeeds.
// Like a real provider it dedupes by idempotency key, and it keeps its own ledger (provider_charges)
// outside our transactions, so a retried or crashed charge can never charge twice.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../platform/prisma';
import type { PaymentProvider } from '../../domain/payment/payment';

export class ProviderUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderUnavailable';
  }
}

const FLAKY_FAILURES = 2;

export function createSimulatedPaymentProvider(prisma: PrismaClient): PaymentProvider {
  return {
    async charge({ idempotencyKey, amountCents, token }) {
      // Count every attempt atomically, as the provider would see it.
      const rows = await prisma.$queryRaw<{ attempts: number; outcome: string | null; charge_id: string | null }[]>`
        INSERT INTO provider_charges (idempotency_key, kind, token, amount_cents, attempts)
        VALUES (${idempotencyKey}, 'charge', ${token}, ${amountCents}, 1)
        ON CONFLICT (idempotency_key) DO UPDATE SET attempts = provider_charges.attempts + 1
        RETURNING attempts, outcome, charge_id`;
      const row = rows[0]!;
      if (row.outcome === 'succeeded') return { outcome: 'succeeded', chargeId: row.charge_id! };
      if (row.outcome === 'declined') return { outcome: 'declined', message: 'card declined' };
      if (token === 'tok_flaky' && row.attempts <= FLAKY_FAILURES) {
        throw new ProviderUnavailable(`payment provider unavailable (attempt ${row.attempts})`);
      }
      const declined = token === 'tok_decline';
      const chargeId = declined ? null : `ch_${randomUUID()}`;
      await prisma.providerCharge.updateMany({
        where: { idempotencyKey, outcome: null },
        data: { outcome: declined ? 'declined' : 'succeeded', chargeId },
      });
      // Re-read: a concurrent duplicate may have decided first; its answer is the answer.
      const decided = await prisma.providerCharge.findUniqueOrThrow({ where: { idempotencyKey } });
      return decided.outcome === 'declined'
        ? { outcome: 'declined', message: 'card declined' }
        : { outcome: 'succeeded', chargeId: decided.chargeId! };
    },

    async refund({ idempotencyKey, chargeId, amountCents }) {
      const refundId = `re_${randomUUID()}`;
      await prisma.providerCharge.upsert({
        where: { idempotencyKey },
        create: { idempotencyKey, kind: 'refund', token: chargeId, amountCents, attempts: 1, outcome: 'succeeded', chargeId: refundId },
        update: { attempts: { increment: 1 } },
      });
      const row = await prisma.providerCharge.findUniqueOrThrow({ where: { idempotencyKey } });
      return { refundId: row.chargeId! };
    },
  };
}
