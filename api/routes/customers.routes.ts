// /customers/:id (admin): credit is the store's decision — an admin reads a customer and sets the
// credit limit; a customer never can (register ignores any limit it is sent).
import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../platform/prisma';
import type { Config } from '../../platform/config';
import { changeLimit, MAX_CREDIT_LIMIT_CENTS } from '../../domain/credit/credit-line';
import { appendEvents, inTransaction } from '../../persistence/transaction';
import { findCreditLine, saveCreditLine } from '../../persistence/credit-line.repository';
import { authenticate } from '../auth';
import { notFound } from '../problem';
import { parse } from '../validation';
import { UUID } from '../pagination';
import { findCustomerView } from '../queries/customer-view.query';

export const creditLimitBody = z.object({ creditLimitCents: z.number().int().min(0).max(MAX_CREDIT_LIMIT_CENTS) });

export function customersRouter(deps: { prisma: PrismaClient; config: Config }): Router {
  const { prisma, config } = deps;
  const router = Router();
  const admin = authenticate(config, 'admin');
  const customerNotFound = () => notFound('CUSTOMER_NOT_FOUND', 'customer');

  router.get('/customers/:id', admin, async (req, res) => {
    const id = String(req.params.id);
    const view = UUID.test(id) ? await findCustomerView(prisma, id) : null;
    if (!view) throw customerNotFound();
    res.json(view);
  });

  router.put('/customers/:id/credit-limit', admin, async (req, res) => {
    const id = String(req.params.id);
    const { creditLimitCents } = parse(creditLimitBody, req.body);
    if (!UUID.test(id)) throw customerNotFound();
    const found = await inTransaction(prisma, async (tx) => {
      const line = await findCreditLine(tx, id);
      if (!line) return false;
      // A lower limit applies to later reservations; holds already made stay.
      const { creditLine, events } = changeLimit(line, creditLimitCents);
      await saveCreditLine(tx, creditLine, line.version);
      await appendEvents(tx, { orderId: null, context: 'credit', aggregateId: id }, events);
      return true;
    });
    if (!found) throw customerNotFound();
    res.json(await findCustomerView(prisma, id));
  });

  return router;
}
