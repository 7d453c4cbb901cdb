// Payment context (task queue `payment`). The provider call happens outside our transaction (it is
// remote); its idempotency key `<orderId>:charge` makes a retry after a crash return the same charge.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../platform/prisma';
import * as payments from '../../domain/payment/payment';
import { appendEvents, inTransaction, stepAlreadyDone, VersionConflict } from '../shared/transaction';
import { businessFailure } from '../shared/business-failure';

type PaymentRow = NonNullable<Awaited<ReturnType<PrismaClient['payment']['findUnique']>>>;

function toPayment(row: PaymentRow): payments.Payment {
  return {
    id: row.id, orderId: row.orderId, amountCents: row.amountCents, refundedCents: row.refundedCents,
    status: row.status as payments.PaymentStatus, providerChargeId: row.providerChargeId, version: row.version,
  };
}

export function createPaymentActivities(deps: { prisma: PrismaClient; provider: payments.PaymentProvider }) {
  const { prisma, provider } = deps;
  const declined = () => businessFailure('PAYMENT_DECLINED', 'the payment provider declined the charge');

  return {
    /** Charges the order total once; PAYMENT_DECLINED is a business decline, outages are retried. */
    async chargePayment(request: { orderId: string; amountCents: number; token: string }): Promise<{ chargeId: string }> {
      const { orderId, amountCents, token } = request;
      const recorded = await prisma.payment.findUnique({ where: { orderId } });
      if (recorded) {
        if (recorded.status === 'DECLINED') throw declined();
        return { chargeId: recorded.providerChargeId! };
      }
      const result = await provider.charge({ idempotencyKey: `${orderId}:charge`, amountCents, token });
      const change = result.outcome === 'succeeded'
        ? payments.chargeSucceeded({ id: randomUUID(), orderId, amountCents, providerChargeId: result.chargeId })
        : payments.chargeDeclined({ id: randomUUID(), orderId, amountCents });
      await inTransaction(prisma, async (tx) => {
        if (await tx.payment.findUnique({ where: { orderId } })) return;
        const p = change.payment;
        await tx.payment.create({ data: { id: p.id, orderId, amountCents: p.amountCents, refundedCents: p.refundedCents, status: p.status, providerChargeId: p.providerChargeId } });
        await appendEvents(tx, { orderId, context: 'payment', aggregateId: p.id }, change.events);
      });
      if (result.outcome === 'declined') throw declined();
      return { chargeId: result.chargeId };
    },

    /**
     * A revision's payment delta: charge the difference (PAYMENT_DECLINED declines the revision) or
     * refund part. The provider call carries the step key, so a retry never charges twice.
     */
    async adjustPayment(request: { orderId: string; stepKey: string; deltaCents: number; token: string }): Promise<void> {
      const { orderId, stepKey, deltaCents, token } = request;
      if (deltaCents === 0) return;
      if (await prisma.$transaction((tx) => stepAlreadyDone(tx, stepKey))) return;
      const before = toPayment(await prisma.payment.findUniqueOrThrow({ where: { orderId } }));
      let declinedMessage: string | null = null;
      if (deltaCents > 0) {
        const result = await provider.charge({ idempotencyKey: stepKey, amountCents: deltaCents, token });
        if (result.outcome === 'declined') declinedMessage = result.message;
      } else {
        await provider.refund({ idempotencyKey: stepKey, chargeId: before.providerChargeId!, amountCents: -deltaCents });
      }
      await inTransaction(prisma, async (tx) => {
        if (await stepAlreadyDone(tx, stepKey)) return;
        const fresh = toPayment(await tx.payment.findUniqueOrThrow({ where: { orderId } }));
        if (declinedMessage !== null) {
          await appendEvents(tx, { orderId, context: 'payment', aggregateId: fresh.id, stepKey }, [{ type: 'PaymentDeclined', data: { amountCents: deltaCents, message: declinedMessage, additional: true } }]);
          return;
        }
        const { payment: next, events } = deltaCents > 0 ? payments.chargeMore(fresh, deltaCents) : payments.refund(fresh, -deltaCents);
        const { count } = await tx.payment.updateMany({
          where: { id: fresh.id, version: fresh.version },
          data: { amountCents: next.amountCents, refundedCents: next.refundedCents, status: next.status, version: fresh.version + 1 },
        });
        if (count !== 1) throw new VersionConflict(`payment ${fresh.id}`);
        await appendEvents(tx, { orderId, context: 'payment', aggregateId: fresh.id, stepKey }, events);
      });
      if (declinedMessage !== null) throw declined();
    },

    /** Compensation: refunds what is still charged; nothing charged → nothing to do. */
    async refundPayment(request: { orderId: string }): Promise<{ refundedCents: number }> {
      const { orderId } = request;
      const row = await prisma.payment.findUnique({ where: { orderId } });
      if (!row) return { refundedCents: 0 };
      const payment = toPayment(row);
      const outstanding = payment.amountCents - payment.refundedCents;
      if (payment.status === 'DECLINED' || outstanding === 0) return { refundedCents: 0 };
      await provider.refund({ idempotencyKey: `${orderId}:refund:${payment.refundedCents}`, chargeId: payment.providerChargeId!, amountCents: outstanding });
      await inTransaction(prisma, async (tx) => {
        const fresh = toPayment((await tx.payment.findUniqueOrThrow({ where: { orderId } })));
        if (fresh.refundedCents !== payment.refundedCents) return; // a concurrent attempt recorded it
        const { payment: next, events } = payments.refund(fresh, outstanding);
        const { count } = await tx.payment.updateMany({
          where: { id: fresh.id, version: fresh.version },
          data: { refundedCents: next.refundedCents, status: next.status, version: fresh.version + 1 },
        });
        if (count !== 1) throw new VersionConflict(`payment ${fresh.id}`);
        await appendEvents(tx, { orderId, context: 'payment', aggregateId: fresh.id }, events);
      });
      return { refundedCents: outstanding };
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
