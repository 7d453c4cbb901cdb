// A customer as /customers/me and /customers/:id show it: identity plus credit line.
import type { PrismaClient } from '../../platform/prisma';
import { availableCredit } from '../../domain/credit/credit-line';
import { findCreditLine } from '../../persistence/credit-line.repository';

export interface CustomerView { customerId: string; email: string; name: string; creditLimitCents: number; creditAvailableCents: number }

export async function findCustomerView(prisma: PrismaClient, customerId: string): Promise<CustomerView | null> {
  const [customer, credit] = await Promise.all([
    prisma.customer.findUnique({ where: { id: customerId } }),
    findCreditLine(prisma, customerId),
  ]);
  if (!customer) return null;
  return {
    customerId, email: customer.email, name: customer.name,
    creditLimitCents: credit?.limitCents ?? 0,
    // limit − held − consumed, never shown below 0 (a lowered limit can sit under what is used).
    creditAvailableCents: credit ? availableCredit(credit) : 0,
  };
}
