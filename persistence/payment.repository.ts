// Maps the Payment aggregate (one per order) to `payments` + its ledger `payment_charges`. Cents are
// BIGINT columns; every amount fits a JS number exactly (ORDER_MAX_TOTAL_CENTS is far below 2^53).
import type { PrismaClient, Tx } from '../platform/prisma';
import * as payments from '../domain/payment/payment';
import { VersionConflict } from './transaction';

export async function loadPayment(tx: Tx | PrismaClient, orderId: string): Promise<payments.Payment | null> {
  const row = await tx.payment.findUnique({ where: { orderId } });
  if (!row) return null;
  const charges = await tx.paymentCharge.findMany({ where: { paymentId: row.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return {
    id: row.id,
    orderId: row.orderId,
    version: row.version,
    charges: charges.map((c) => ({
      id: c.id, stepKey: c.stepKey, amountCents: Number(c.amountCents), refundedCents: Number(c.refundedCents),
      outcome: c.outcome as payments.Charge['outcome'], providerChargeId: c.providerChargeId,
    })),
  };
}

/**
 * Writes the payment and the charges that changed, guarded by `version` (a new payment has
 * version 0 and no row yet). Charges are append-only except for their refunded amount.
 */
export async function savePayment(tx: Tx, before: payments.Payment | null, after: payments.Payment, at = new Date()): Promise<void> {
  const totals = { chargedCents: payments.chargedCents(after), refundedCents: payments.refundedCents(after), status: payments.paymentStatus(after) };
  if (!before) {
    await tx.payment.create({ data: { id: after.id, orderId: after.orderId, ...totals, version: 0, createdAt: at } });
  } else {
    const { count } = await tx.payment.updateMany({ where: { id: after.id, version: before.version }, data: { ...totals, version: before.version + 1 } });
    if (count !== 1) throw new VersionConflict(`payment ${after.id}`);
  }
  const known = new Map((before?.charges ?? []).map((c) => [c.id, c]));
  for (const [i, charge] of after.charges.entries()) {
    const old = known.get(charge.id);
    if (!old) {
      await tx.paymentCharge.create({
        // Charges of one transaction keep their order by a per-position millisecond offset.
        data: { id: charge.id, paymentId: after.id, stepKey: charge.stepKey, amountCents: charge.amountCents, refundedCents: charge.refundedCents, outcome: charge.outcome, providerChargeId: charge.providerChargeId, createdAt: new Date(at.getTime() + i) },
      });
    } else if (old.refundedCents !== charge.refundedCents) {
      await tx.paymentCharge.update({ where: { id: charge.id }, data: { refundedCents: charge.refundedCents } });
    }
  }
}
