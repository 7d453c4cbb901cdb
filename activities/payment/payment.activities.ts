// Payment context (task queue `payment`). Provider calls happen outside our writes (they are
// remote). Every call carries an idempotency key derived from the saga step, and our ledger records
// each charge's outcome — a decline too — so a retry after a crash or a lost result replays what
// really happened instead of charging again or turning a decline into success.
// Each step is one read, the provider call(s), and one guarded statement (persistence/payment.repository.ts).
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../platform/prisma';
import * as payments from '../../domain/payment/payment';
import { VersionConflict, withRetries } from '../../persistence/transaction';
import { businessFailure } from '../shared/business-failure';
import { loadPaymentForStep, savePaymentWithEvents } from '../../persistence/payment.repository';

export function createPaymentActivities(deps: { prisma: PrismaClient; provider: payments.PaymentProvider }) {
  const { prisma, provider } = deps;
  const declined = () => businessFailure('PAYMENT_DECLINED', 'the payment provider declined the charge');
  const source = (orderId: string, aggregateId: string, stepKey?: string) => ({ orderId, context: 'payment', aggregateId, stepKey });
  const replay = (charge: payments.Charge): { chargeId: string } => {
    if (charge.outcome === 'DECLINED') throw declined();
    return { chargeId: charge.providerChargeId! };
  };

  /** One charge per step key: the recorded outcome if there is one, else the provider's (deduped by the key). */
  async function charge(orderId: string, stepKey: string, amountCents: number, token: string): Promise<{ chargeId: string }> {
    const { payment: read } = await loadPaymentForStep(prisma, orderId);
    const recorded = payments.findCharge(read, stepKey);
    if (recorded) return replay(recorded);
    const result = await provider.charge({ idempotencyKey: stepKey, amountCents, token, reference: orderId });
    // Recorded on the payment as read before the call; if it changed since (a concurrent attempt
    // recorded this very charge, or another step wrote), the guarded write fails and runs again on a fresh read.
    let fresh: payments.Payment | null | undefined = read;
    const outcome = await withRetries(async () => {
      const before = fresh !== undefined ? fresh : (await loadPaymentForStep(prisma, orderId)).payment;
      fresh = undefined;
      const already = payments.findCharge(before, stepKey);
      if (already) return already; // a concurrent attempt recorded it first
      const current = before ?? payments.newPayment({ id: randomUUID(), orderId });
      const { payment, events } = payments.recordCharge(current, result.outcome === 'succeeded'
        ? { id: randomUUID(), stepKey, amountCents, outcome: 'SUCCEEDED', providerChargeId: result.chargeId }
        : { id: randomUUID(), stepKey, amountCents, outcome: 'DECLINED', providerChargeId: null, message: result.message });
      await savePaymentWithEvents(prisma, before, payment, source(orderId, payment.id), events, new Date());
      return payments.findCharge(payment, stepKey)!;
    });
    return replay(outcome);
  }

  /**
   * Refunds the planned parts at the provider, then records them. The plan is computed from the
   * committed ledger, so a retry after a crash plans the same parts with the same idempotency keys.
   * A step key (a revision's refund) makes it happen once.
   */
  async function refund(orderId: string, plan: (p: payments.Payment) => payments.RefundPart[], keyOf: (part: payments.RefundPart, p: payments.Payment) => string, stepKey?: string): Promise<number> {
    const { payment, stepDone } = await loadPaymentForStep(prisma, orderId, stepKey ?? null);
    if (stepDone || !payment) return 0;
    const parts = plan(payment);
    if (parts.length === 0) return 0;
    for (const part of parts) {
      await provider.refund({ idempotencyKey: keyOf(part, payment), chargeId: part.providerChargeId, amountCents: part.amountCents });
    }
    const { payment: next, events } = payments.recordRefunds(payment, parts);
    try {
      await savePaymentWithEvents(prisma, payment, next, source(orderId, payment.id, stepKey), events, new Date());
    } catch (error) {
      // The payment changed since it was read: a concurrent attempt recorded these very refunds.
      if (!(error instanceof VersionConflict)) throw error;
    }
    return parts.reduce((sum, p) => sum + p.amountCents, 0);
  }

  return {
    /** Charges the order total once; PAYMENT_DECLINED is a business decline, outages are retried. */
    async chargePayment(request: { orderId: string; amountCents: number; token: string }): Promise<{ chargeId: string }> {
      return charge(request.orderId, `${request.orderId}:charge`, request.amountCents, request.token);
    },

    /**
     * A revision's payment delta: charge the difference as a charge of its own (PAYMENT_DECLINED
     * declines the revision, on every retry too) or refund part, newest charge first.
     */
    async adjustPayment(request: { orderId: string; stepKey: string; deltaCents: number; token: string }): Promise<void> {
      const { orderId, stepKey, deltaCents, token } = request;
      if (deltaCents > 0) {
        await charge(orderId, stepKey, deltaCents, token);
      } else if (deltaCents < 0) {
        await refund(orderId, (p) => payments.planRefund(p, -deltaCents), (part) => `${stepKey}:${part.chargeId}`, stepKey);
      }
    },

    /** Compensation: refunds what is still charged, charge by charge; nothing charged → nothing to do. */
    async refundPayment(request: { orderId: string }): Promise<{ refundedCents: number }> {
      const { orderId } = request;
      // The key includes how much of the charge was refunded before, so it is the same on a retry
      // of this refund and different for any later one.
      const refundedCents = await refund(orderId, payments.planFullRefund, (part, p) => {
        const charge = p.charges.find((c) => c.id === part.chargeId)!;
        return `${orderId}:refund:${part.chargeId}:${charge.refundedCents}`;
      });
      return { refundedCents };
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
