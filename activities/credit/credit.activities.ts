// Credit context (task queue `credit`): holds on customers' credit lines per order.
// The reservation row (one per order) moves RESERVED → RELEASED | CONSUMED exactly once.
// Each step is two round trips: one read (loadCreditOfOrder), the domain decides in memory, and one
// statement guarded by the line's version writes the line, the hold and the events together
// (saveCreditLineWithHold). A lost race reads again.
import type { PrismaClient } from '../../platform/prisma';
import * as credit from '../../domain/credit/credit-line';
import { eventRows, withRetries, type EventSource } from '../../persistence/transaction';
import { loadCreditOfOrder, saveCreditLineWithHold, type CreditHold } from '../../persistence/credit-line.repository';
import { businessFailure, declining } from '../shared/business-failure';

function known(line: credit.CreditLine | null, customerId: string): credit.CreditLine {
  // Permanent, not an outage (e.g. a token outliving its customer): the saga rejects with UNKNOWN_CUSTOMER.
  if (!line) throw businessFailure('UNKNOWN_CUSTOMER', `credit line of customer ${customerId} not found`);
  return line;
}

export function createCreditActivities(deps: { prisma: PrismaClient }) {
  const { prisma } = deps;

  /** Writes what the domain decided: the line (guarded by the version read), the hold and the events. */
  async function save(read: credit.CreditLine, change: credit.CreditLineChange, hold: CreditHold & { create: boolean }, source: EventSource): Promise<void> {
    const at = new Date();
    const events = change.events.length === 0 ? null : eventRows(source, change.events, at);
    await saveCreditLineWithHold(prisma, change.creditLine, read.version, hold, events, at);
  }

  async function settle(orderId: string, to: 'RELEASED' | 'CONSUMED', change: (c: credit.CreditLine, amount: number) => credit.CreditLineChange): Promise<boolean> {
    return withRetries(async () => {
      const { hold, line } = await loadCreditOfOrder(prisma, orderId);
      if (!hold || hold.state !== 'RESERVED') return false;
      const current = known(line, hold.customerId);
      await save(current, change(current, hold.amountCents), { ...hold, state: to, create: false }, { orderId, context: 'credit', aggregateId: hold.customerId });
      return true;
    });
  }

  return {
    /** Holds the order total on the customer's credit line; CREDIT_LIMIT_EXCEEDED is a business decline. */
    async reserveCredit(request: { orderId: string; customerId: string; amountCents: number }): Promise<void> {
      const { orderId, customerId, amountCents } = request;
      await declining(['CREDIT_LIMIT_EXCEEDED'], () =>
        withRetries(async () => {
          const { hold, line } = await loadCreditOfOrder(prisma, orderId, { customerId });
          if (hold) return; // held (and maybe released since) by an earlier attempt
          const current = known(line, customerId);
          const change = credit.reserveCredit(current, amountCents, orderId);
          await save(current, change, { orderId, customerId, amountCents, state: 'RESERVED', create: true }, { orderId, context: 'credit', aggregateId: customerId });
        }),
      );
    },

    /** A revision's credit delta: hold more (CREDIT_LIMIT_EXCEEDED declines) or free some. Once per step key. */
    async adjustCredit(request: { orderId: string; stepKey: string; deltaCents: number }): Promise<void> {
      const { orderId, stepKey, deltaCents } = request;
      if (deltaCents === 0) return;
      await declining(['CREDIT_LIMIT_EXCEEDED'], () =>
        withRetries(async () => {
          const { hold, line, stepDone } = await loadCreditOfOrder(prisma, orderId, { stepKey });
          if (stepDone) return;
          if (!hold || hold.state !== 'RESERVED') throw new Error(`order ${orderId} holds no credit to adjust`);
          const current = known(line, hold.customerId);
          const change = deltaCents > 0 ? credit.reserveCredit(current, deltaCents, orderId) : credit.releaseCredit(current, -deltaCents, orderId);
          await save(current, change, { ...hold, amountCents: hold.amountCents + deltaCents, create: false }, { orderId, context: 'credit', aggregateId: hold.customerId, stepKey });
        }),
      );
    },

    /** Compensation: frees the hold; no hold (or already freed) → nothing to do. */
    async releaseCredit(request: { orderId: string }): Promise<{ released: boolean }> {
      return { released: await settle(request.orderId, 'RELEASED', (c, a) => credit.releaseCredit(c, a, request.orderId)) };
    },

    /** On shipment the hold becomes consumed credit. */
    async consumeCredit(request: { orderId: string }): Promise<{ consumed: boolean }> {
      return { consumed: await settle(request.orderId, 'CONSUMED', (c, a) => credit.consumeCredit(c, a, request.orderId)) };
    },
  };
}

export type CreditActivities = ReturnType<typeof createCreditActivities>;
