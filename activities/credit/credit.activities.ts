// Credit context (task queue `credit`): holds on customers' credit lines per order.
// The reservation row (one per order) moves RESERVED → RELEASED | CONSUMED exactly once.
import type { PrismaClient, Tx } from '../../platform/prisma';
import * as credit from '../../domain/credit/credit-line';
import type { DomainEvent } from '../../domain/shared/domain-event';
import { appendEvents, inTransaction, stepAlreadyDone } from '../../persistence/transaction';
import { findCreditLine, saveCreditLine } from '../../persistence/credit-line.repository';
import { businessFailure, declining } from '../shared/business-failure';

async function loadCreditLine(tx: Tx, customerId: string): Promise<credit.CreditLine> {
  const line = await findCreditLine(tx, customerId);
  // Permanent, not an outage (e.g. a token outliving its customer): the saga rejects with UNKNOWN_CUSTOMER.
  if (!line) throw businessFailure('UNKNOWN_CUSTOMER', `credit line of customer ${customerId} not found`);
  return line;
}

export function createCreditActivities(deps: { prisma: PrismaClient }) {
  const { prisma } = deps;

  async function settle(orderId: string, to: 'RELEASED' | 'CONSUMED', change: (c: credit.CreditLine, amount: number) => { creditLine: credit.CreditLine; events: DomainEvent[] }): Promise<boolean> {
    return inTransaction(prisma, async (tx) => {
      const held = await tx.creditReservation.findUnique({ where: { orderId } });
      if (!held || held.state !== 'RESERVED') return false;
      const line = await loadCreditLine(tx, held.customerId);
      const next = change(line, Number(held.amountCents));
      await saveCreditLine(tx, next.creditLine, line.version);
      await tx.creditReservation.update({ where: { orderId }, data: { state: to, updatedAt: new Date() } });
      await appendEvents(tx, { orderId, context: 'credit', aggregateId: held.customerId }, next.events);
      return true;
    });
  }

  return {
    /** Holds the order total on the customer's credit line; CREDIT_LIMIT_EXCEEDED is a business decline. */
    async reserveCredit(request: { orderId: string; customerId: string; amountCents: number }): Promise<void> {
      const { orderId, customerId, amountCents } = request;
      await declining(['CREDIT_LIMIT_EXCEEDED'], () =>
        inTransaction(prisma, async (tx) => {
          if (await tx.creditReservation.findUnique({ where: { orderId } })) return;
          const line = await loadCreditLine(tx, customerId);
          const { creditLine, events } = credit.reserveCredit(line, amountCents, orderId);
          await saveCreditLine(tx, creditLine, line.version);
          await tx.creditReservation.create({ data: { orderId, customerId, amountCents, state: 'RESERVED' } });
          await appendEvents(tx, { orderId, context: 'credit', aggregateId: customerId }, events);
        }),
      );
    },

    /** A revision's credit delta: hold more (CREDIT_LIMIT_EXCEEDED declines) or free some. Once per step key. */
    async adjustCredit(request: { orderId: string; stepKey: string; deltaCents: number }): Promise<void> {
      const { orderId, stepKey, deltaCents } = request;
      if (deltaCents === 0) return;
      await declining(['CREDIT_LIMIT_EXCEEDED'], () =>
        inTransaction(prisma, async (tx) => {
          if (await stepAlreadyDone(tx, stepKey)) return;
          const held = await tx.creditReservation.findUnique({ where: { orderId } });
          if (!held || held.state !== 'RESERVED') throw new Error(`order ${orderId} holds no credit to adjust`);
          const line = await loadCreditLine(tx, held.customerId);
          const change = deltaCents > 0 ? credit.reserveCredit(line, deltaCents, orderId) : credit.releaseCredit(line, -deltaCents, orderId);
          await saveCreditLine(tx, change.creditLine, line.version);
          await tx.creditReservation.update({ where: { orderId }, data: { amountCents: Number(held.amountCents) + deltaCents, updatedAt: new Date() } });
          await appendEvents(tx, { orderId, context: 'credit', aggregateId: held.customerId, stepKey }, change.events);
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
