// A stand-in for a remote payment provider, with the documented test tokens:
//   tok_decline → declined; tok_flaky → fails transiently twice per charge, then succeeds;
//   tok_decline_more → an order's first charge succeeds, every further charge is declined; else succeeds.
// Like a real provider it dedupes by idempotency key (replaying the first answer, a decline too),
// keeps its own ledger (provider_charges) outside our transactions, and refuses a refund that names
// an unknown charge or exceeds what is left of it.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../platform/prisma';
import type { PaymentProvider } from '../../domain/payment/payment';

export class ProviderUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderUnavailable';
  }
}

/** The provider answered 4xx to a refund: retrying the same request cannot help. */
export class RefundRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefundRefused';
  }
}

const FLAKY_FAILURES = 2;

export function createSimulatedPaymentProvider(prisma: PrismaClient): PaymentProvider {
  return {
    async charge({ idempotencyKey, amountCents, token, reference }) {
      // Count every attempt atomically, as the provider would see it.
      const rows = await prisma.$queryRaw<{ attempts: number; outcome: string | null; charge_id: string | null }[]>`
        INSERT INTO provider_charges (idempotency_key, kind, token, reference, amount_cents, attempts)
        VALUES (${idempotencyKey}, 'charge', ${token}, ${reference}, ${amountCents}, 1)
        ON CONFLICT (idempotency_key) DO UPDATE SET attempts = provider_charges.attempts + 1
        RETURNING attempts, outcome, charge_id`;
      const row = rows[0]!;
      if (row.outcome === 'succeeded') return { outcome: 'succeeded', chargeId: row.charge_id! };
      if (row.outcome === 'declined') return { outcome: 'declined', message: 'card declined' };
      if (token === 'tok_flaky' && row.attempts <= FLAKY_FAILURES) {
        throw new ProviderUnavailable(`payment provider unavailable (attempt ${row.attempts})`);
      }
      const earlier = token === 'tok_decline_more'
        ? await prisma.providerCharge.count({ where: { reference, kind: 'charge', outcome: 'succeeded', NOT: { idempotencyKey } } })
        : 0;
      const declined = token === 'tok_decline' || earlier > 0;
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
      return prisma.$transaction(async (tx) => {
        const replay = await tx.providerCharge.findUnique({ where: { idempotencyKey } });
        if (replay) return { refundId: replay.chargeId! };
        // Lock the charge so concurrent refunds of it are checked one after the other.
        const [charge] = await tx.$queryRaw<{ amount_cents: bigint }[]>`
          SELECT amount_cents FROM provider_charges
          WHERE charge_id = ${chargeId} AND kind = 'charge' AND outcome = 'succeeded' FOR UPDATE`;
        if (!charge) throw new RefundRefused(`refund refused: no charge ${chargeId}`);
        const refunded = await tx.providerCharge.aggregate({ where: { refundOf: chargeId, kind: 'refund' }, _sum: { amountCents: true } });
        const left = Number(charge.amount_cents) - Number(refunded._sum.amountCents ?? 0);
        if (amountCents > left) throw new RefundRefused(`refund refused: ${amountCents} cents exceeds the ${left} cents left of charge ${chargeId}`);
        const refundId = `re_${randomUUID()}`;
        await tx.providerCharge.create({ data: { idempotencyKey, kind: 'refund', token: chargeId, refundOf: chargeId, amountCents, attempts: 1, outcome: 'succeeded', chargeId: refundId } });
        return { refundId };
      });
    },
  };
}
