// Maps the Payment aggregate (one per order) to `payments` + its ledger `payment_charges`. Cents are
// BIGINT columns; every amount fits a JS number exactly (ORDER_MAX_TOTAL_CENTS is far below 2^53).
// One read and one guarded write per step, each a single statement: no transaction round trips.
import { Prisma, type PrismaClient } from '../platform/prisma';
import type { DomainEvent } from '../domain/shared/domain-event';
import * as payments from '../domain/payment/payment';
import { eventRows, eventsAfter, VersionConflict, type EventSource } from './transaction';

type ChargeRow = { id: string; stepKey: string; amountCents: number | string; refundedCents: number | string; outcome: string; providerChargeId: string | null };

/**
 * The order's payment with its charges (oldest first) and whether the step `stepKey` already
 * committed, in one statement (one snapshot). No payment yet → null.
 */
export async function loadPaymentForStep(db: PrismaClient, orderId: string, stepKey: string | null = null): Promise<{ payment: payments.Payment | null; stepDone: boolean }> {
  const rows = await db.$queryRaw<{ id: string | null; version: number | null; charges: ChargeRow[] | null; stepDone: boolean }[]>`
    SELECT p.id, p.version,
           (SELECT json_agg(json_build_object('id', c.id, 'stepKey', c.step_key, 'amountCents', c.amount_cents, 'refundedCents', c.refunded_cents,
                                              'outcome', c.outcome, 'providerChargeId', c.provider_charge_id) ORDER BY c.created_at, c.id)
            FROM payment_charges c WHERE c.payment_id = p.id) AS charges,
           EXISTS (SELECT 1 FROM domain_events WHERE step_key = ${stepKey === null ? null : `${stepKey}#0`}::text) AS "stepDone"
    FROM (SELECT 1) AS one LEFT JOIN payments p ON p.order_id = ${orderId}::uuid`;
  const row = rows[0]!;
  if (row.id === null) return { payment: null, stepDone: row.stepDone };
  const payment: payments.Payment = {
    id: row.id,
    orderId,
    version: row.version!,
    charges: (row.charges ?? []).map((c) => ({
      id: c.id, stepKey: c.stepKey, amountCents: Number(c.amountCents), refundedCents: Number(c.refundedCents),
      outcome: c.outcome as payments.Charge['outcome'], providerChargeId: c.providerChargeId,
    })),
  };
  return { payment, stepDone: row.stepDone };
}

/**
 * Writes the payment, the charges that changed and the events in ONE statement, only if nobody
 * changed the payment since `before` was read (a new payment: only if the order has none yet); else
 * VersionConflict. Charges are append-only except for their refunded amount.
 */
export async function savePaymentWithEvents(db: PrismaClient, before: payments.Payment | null, after: payments.Payment, source: EventSource, events: readonly DomainEvent[], at: Date): Promise<void> {
  const charged = payments.chargedCents(after);
  const refunded = payments.refundedCents(after);
  const status = payments.paymentStatus(after);
  const saved = before === null
    ? Prisma.sql`
      INSERT INTO payments (id, order_id, charged_cents, refunded_cents, status, version, created_at)
      VALUES (${after.id}::uuid, ${after.orderId}::uuid, ${charged}::bigint, ${refunded}::bigint, ${status}, 0, ${at}::timestamptz)
      ON CONFLICT (order_id) DO NOTHING
      RETURNING id`
    : Prisma.sql`
      UPDATE payments SET charged_cents = ${charged}::bigint, refunded_cents = ${refunded}::bigint, status = ${status}, version = ${before.version + 1}
      WHERE id = ${after.id}::uuid AND version = ${before.version}
      RETURNING id`;

  const known = new Map((before?.charges ?? []).map((c) => [c.id, c]));
  // Charges of one write keep their order by a per-position millisecond offset.
  const added = after.charges.flatMap((charge, i) => (known.has(charge.id) ? [] : [Prisma.sql`(
    ${charge.id}::uuid, ${charge.stepKey}::text, ${charge.amountCents}::bigint, ${charge.refundedCents}::bigint, ${charge.outcome}::text,
    ${charge.providerChargeId}::text, ${new Date(at.getTime() + i)}::timestamptz)`]));
  const changed = after.charges.flatMap((charge) => {
    const old = known.get(charge.id);
    return old && old.refundedCents !== charge.refundedCents ? [Prisma.sql`(${charge.id}::uuid, ${charge.refundedCents}::bigint)`] : [];
  });
  const inserted = added.length === 0 ? Prisma.sql`SELECT 0` : Prisma.sql`
      INSERT INTO payment_charges (id, payment_id, step_key, amount_cents, refunded_cents, outcome, provider_charge_id, created_at)
      SELECT c.id, saved.id, c.step_key, c.amount_cents, c.refunded_cents, c.outcome, c.provider_charge_id, c.created_at
      FROM saved, (VALUES ${Prisma.join(added)}) AS c(id, step_key, amount_cents, refunded_cents, outcome, provider_charge_id, created_at)
      RETURNING 1`;
  const updated = changed.length === 0 ? Prisma.sql`SELECT 0` : Prisma.sql`
      UPDATE payment_charges pc SET refunded_cents = c.refunded_cents
      FROM saved, (VALUES ${Prisma.join(changed)}) AS c(id, refunded_cents)
      WHERE pc.id = c.id AND pc.payment_id = saved.id
      RETURNING 1`;
  const appended = eventsAfter('saved', events.length === 0 ? null : eventRows(source, events, at));
  const rows = await db.$queryRaw<{ saved: number }[]>`
    WITH saved AS (${saved}), inserted AS (${inserted}), updated AS (${updated}), appended AS (${appended})
    SELECT (SELECT count(*) FROM saved)::int AS saved`;
  if (rows[0]?.saved !== 1) throw new VersionConflict(`payment ${after.id}`);
}
