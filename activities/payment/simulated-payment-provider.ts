// A stand-in for a remote payment provider, with the documented test tokens:
//   tok_decline → declined; tok_flaky → fails transiently twice per charge, then succeeds;
//   tok_decline_more → an order's first charge succeeds, every further charge is declined; else succeeds.
// It charges payment methods its vault made from card tokens (platform/simulated-payment-vault.ts),
// which keep the token's behaviour, not the token; an unknown payment method is declined.
// Like a real provider it dedupes by idempotency key (replaying the first answer, a decline too),
// keeps its own ledger (provider_charges) outside our transactions, and refuses a refund that names
// an unknown charge or exceeds what is left of it.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../platform/prisma';
import type { PaymentProvider } from '../../domain/payment/payment';
import { createSimulatedPaymentVault, PAYMENT_METHOD_REF } from '../../platform/simulated-payment-vault';

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

/** How long the provider takes to answer a call: `latencyMs` ± up to `jitterMs`, uniformly. */
export interface ProviderLatency { latencyMs: number; jitterMs: number }

/** One call's answer time; `random` in [0, 1). Never negative (a jitter larger than the latency is cut at 0). */
export function providerDelayMs({ latencyMs, jitterMs }: ProviderLatency, random: () => number = Math.random): number {
  if (latencyMs <= 0 && jitterMs <= 0) return 0;
  return Math.max(0, Math.round(latencyMs + (2 * random() - 1) * jitterMs));
}

export function createSimulatedPaymentProvider(prisma: PrismaClient, options: { latency?: ProviderLatency } = {}): PaymentProvider {
  const vault = createSimulatedPaymentVault(prisma);
  // The wait stands for the request's trip to the provider and its processing there, before it
  // records anything: an attempt cut off meanwhile (a partitioned or drained worker) left no trace.
  const answerTime = async () => {
    const ms = options.latency ? providerDelayMs(options.latency) : 0;
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  };
  return {
    // One statement per attempt, as the provider would see it: it counts the attempt, and the first
    // attempt past the outages decides (a decline too) while every later one replays that decision.
    // A concurrent duplicate waits on the key's row, then replays.
    async charge({ idempotencyKey, amountCents, token, reference }) {
      await answerTime();
      // A saga started before cards were vaulted still carries the card token: vault it first, so the
      // ledger keeps a reference here too.
      const method = PAYMENT_METHOD_REF.test(token) ? token : (await vault.createPaymentMethod({ token })).paymentMethodId;
      const chargeId = `ch_${randomUUID()}`;
      const rows = await prisma.$queryRaw<{ attempts: number; outcome: string | null; charge_id: string | null }[]>`
        WITH decision AS (
          SELECT CASE WHEN m.behaviour IS NULL OR m.behaviour = 'decline'
                        OR (m.behaviour = 'decline_more' AND EXISTS (
                              SELECT 1 FROM provider_charges WHERE reference = ${reference} AND kind = 'charge'
                              AND outcome = 'succeeded' AND idempotency_key <> ${idempotencyKey}))
                      THEN 'declined' ELSE 'succeeded' END AS outcome,
                 CASE WHEN m.behaviour = 'flaky' THEN ${FLAKY_FAILURES}::int ELSE 0 END AS outages
          FROM (SELECT 1) AS one LEFT JOIN provider_payment_methods m ON m.id = ${method}
        )
        INSERT INTO provider_charges AS p (idempotency_key, kind, token, reference, amount_cents, attempts, outcome, charge_id)
        SELECT ${idempotencyKey}, 'charge', ${method}, ${reference}, ${amountCents}::bigint, 1,
               CASE WHEN 1 > d.outages THEN d.outcome END,
               CASE WHEN 1 > d.outages AND d.outcome = 'succeeded' THEN ${chargeId} END
        FROM decision d
        ON CONFLICT (idempotency_key) DO UPDATE SET
          attempts = p.attempts + 1,
          outcome = CASE WHEN p.outcome IS NULL AND p.attempts + 1 > (SELECT outages FROM decision) THEN (SELECT outcome FROM decision) ELSE p.outcome END,
          charge_id = CASE WHEN p.outcome IS NULL AND p.attempts + 1 > (SELECT outages FROM decision) AND (SELECT outcome FROM decision) = 'succeeded'
                           THEN ${chargeId} ELSE p.charge_id END
        RETURNING attempts, outcome, charge_id`;
      const row = rows[0]!;
      if (row.outcome === null) throw new ProviderUnavailable(`payment provider unavailable (attempt ${row.attempts})`);
      return row.outcome === 'declined' ? { outcome: 'declined', message: 'card declined' } : { outcome: 'succeeded', chargeId: row.charge_id! };
    },

    // Refunds of one charge are checked one after the other: the first statement locks the charge,
    // the second (whose snapshot is taken after the lock was granted, so it sees every refund of the
    // charge committed before) replays a known key, or checks what is left of the charge and records.
    async refund({ idempotencyKey, chargeId, amountCents }) {
      await answerTime();
      const [row] = await prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1 FROM provider_charges WHERE charge_id = ${chargeId} AND kind = 'charge' AND outcome = 'succeeded' FOR UPDATE`;
        return tx.$queryRaw<{ replayed: string | null; refund_id: string | null; left_cents: bigint | null }[]>`
          WITH replay AS (SELECT charge_id FROM provider_charges WHERE idempotency_key = ${idempotencyKey}),
          charge AS (
            SELECT c.amount_cents - COALESCE((SELECT sum(r.amount_cents) FROM provider_charges r WHERE r.refund_of = ${chargeId} AND r.kind = 'refund'), 0) AS left_cents
            FROM provider_charges c WHERE c.charge_id = ${chargeId} AND c.kind = 'charge' AND c.outcome = 'succeeded'
          ), refunded AS (
            INSERT INTO provider_charges (idempotency_key, kind, token, refund_of, amount_cents, attempts, outcome, charge_id)
            SELECT ${idempotencyKey}, 'refund', ${chargeId}, ${chargeId}, ${amountCents}::bigint, 1, 'succeeded', ${`re_${randomUUID()}`}
            FROM charge WHERE NOT EXISTS (SELECT 1 FROM replay) AND ${amountCents}::bigint <= charge.left_cents
            RETURNING charge_id
          )
          SELECT (SELECT charge_id FROM replay) AS replayed, (SELECT charge_id FROM refunded) AS refund_id, (SELECT left_cents FROM charge) AS left_cents`;
      });
      if (row!.replayed !== null) return { refundId: row!.replayed };
      if (row!.left_cents === null) throw new RefundRefused(`refund refused: no charge ${chargeId}`);
      if (row!.refund_id === null) throw new RefundRefused(`refund refused: ${amountCents} cents exceeds the ${Number(row!.left_cents)} cents left of charge ${chargeId}`);
      return { refundId: row!.refund_id };
    },
  };
}
