// What the simulated payment provider holds for one order (its own ledger, keyed by the idempotency
// keys we sent, which all start with the order id): every successful charge with what was refunded
// against it, and any refund that names no charge of this order.
import type { PrismaClient } from '../platform/prisma';

export interface ProviderLedger {
  charges: { chargeId: string; amountCents: number; refundedCents: number }[];
  declinedCharges: number;
  refundsWithoutCharge: { refundId: string; amountCents: number }[];
  chargedCents: number;
  refundedCents: number;
}

export async function providerLedger(prisma: PrismaClient, orderId: string): Promise<ProviderLedger> {
  const rows = await prisma.providerCharge.findMany({ where: { idempotencyKey: { startsWith: `${orderId}:` } }, orderBy: { createdAt: 'asc' } });
  const charges = rows.filter((r) => r.kind === 'charge' && r.outcome === 'succeeded')
    .map((r) => ({ chargeId: r.chargeId!, amountCents: Number(r.amountCents), refundedCents: 0 }));
  const byId = new Map(charges.map((c) => [c.chargeId, c]));
  const refundsWithoutCharge: ProviderLedger['refundsWithoutCharge'] = [];
  for (const refund of rows.filter((r) => r.kind === 'refund' && r.outcome === 'succeeded')) {
    const charge = byId.get(refund.refundOf ?? refund.token);
    if (charge) charge.refundedCents += Number(refund.amountCents);
    else refundsWithoutCharge.push({ refundId: refund.chargeId!, amountCents: Number(refund.amountCents) });
  }
  return {
    charges,
    declinedCharges: rows.filter((r) => r.kind === 'charge' && r.outcome === 'declined').length,
    refundsWithoutCharge,
    chargedCents: charges.reduce((sum, c) => sum + c.amountCents, 0),
    refundedCents: charges.reduce((sum, c) => sum + c.refundedCents, 0) + refundsWithoutCharge.reduce((sum, r) => sum + r.amountCents, 0),
  };
}
