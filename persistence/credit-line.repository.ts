// Maps the CreditLine aggregate (one per customer) to its row. Cents are BIGINT columns; every
// amount fits a JS number exactly (limits are at most 10^12).
import type { PrismaClient, Tx } from '../platform/prisma';
import type { CreditLine } from '../domain/credit/credit-line';
import { VersionConflict } from './transaction';

export async function findCreditLine(tx: Tx | PrismaClient, customerId: string): Promise<CreditLine | null> {
  const row = await tx.creditLine.findUnique({ where: { customerId } });
  if (!row) return null;
  return { customerId: row.customerId, limitCents: Number(row.limitCents), heldCents: Number(row.heldCents), consumedCents: Number(row.consumedCents), version: row.version };
}

/** Writes the new state only if nobody changed the line since `expectedVersion` was read. */
export async function saveCreditLine(tx: Tx, line: CreditLine, expectedVersion: number): Promise<void> {
  const { count } = await tx.creditLine.updateMany({
    where: { customerId: line.customerId, version: expectedVersion },
    data: { limitCents: line.limitCents, heldCents: line.heldCents, consumedCents: line.consumedCents, version: expectedVersion + 1 },
  });
  if (count !== 1) throw new VersionConflict(`credit line ${line.customerId}`);
}
