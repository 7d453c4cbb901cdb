// Maps the CreditLine aggregate (one per customer) to its row, and an order's hold on it (one
// credit_reservations row per order) to that. Cents are BIGINT columns; every amount fits a JS
// number exactly (limits are at most 10^12). The API's admin limit change uses
// findCreditLine/saveCreditLine in its transaction; the saga's credit steps use one read
// (loadCreditOfOrder) and one guarded statement (saveCreditLineWithHold) and no transaction.
import { Prisma, type PrismaClient, type Tx } from '../platform/prisma';
import type { CreditLine } from '../domain/credit/credit-line';
import { eventsAfter, VersionConflict } from './transaction';

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

export type HoldState = 'RESERVED' | 'RELEASED' | 'CONSUMED';
export interface CreditHold { orderId: string; customerId: string; amountCents: number; state: HoldState }

/**
 * Everything a credit step decides on, in ONE statement (one snapshot): the order's hold, the credit
 * line it is on (or, with no hold yet, the line of `customerId`) and whether the step `stepKey`
 * already committed. A change committed after this read bumps the line's version, so the guarded
 * write (saveCreditLineWithHold) then fails and the caller reads again.
 */
export async function loadCreditOfOrder(db: PrismaClient, orderId: string, options: { customerId?: string; stepKey?: string } = {}): Promise<{ hold: CreditHold | null; line: CreditLine | null; stepDone: boolean }> {
  const rows = await db.$queryRaw<{
    holdCustomerId: string | null; holdAmountCents: bigint | null; holdState: HoldState | null;
    customerId: string | null; limitCents: bigint; heldCents: bigint; consumedCents: bigint; version: number; stepDone: boolean;
  }[]>`
    SELECT r.customer_id AS "holdCustomerId", r.amount_cents AS "holdAmountCents", r.state AS "holdState",
           l.customer_id AS "customerId", l.limit_cents AS "limitCents", l.held_cents AS "heldCents",
           l.consumed_cents AS "consumedCents", l.version,
           ${options.stepKey ? Prisma.sql`EXISTS (SELECT 1 FROM domain_events WHERE step_key = ${`${options.stepKey}#0`})` : Prisma.sql`false`} AS "stepDone"
    FROM (SELECT 1) AS always_one_row
    LEFT JOIN credit_reservations r ON r.order_id = ${orderId}::uuid
    LEFT JOIN credit_lines l ON l.customer_id = COALESCE(r.customer_id, ${options.customerId ?? null}::uuid)`;
  const row = rows[0]!;
  return {
    hold: row.holdCustomerId === null ? null : { orderId, customerId: row.holdCustomerId, amountCents: Number(row.holdAmountCents), state: row.holdState! },
    line: row.customerId === null ? null : { customerId: row.customerId, limitCents: Number(row.limitCents), heldCents: Number(row.heldCents), consumedCents: Number(row.consumedCents), version: row.version },
    stepDone: row.stepDone,
  };
}

/**
 * The line's new state, the order's hold as the domain left it and the events, in ONE statement:
 * only if nobody changed the line since `expectedVersion` was read (else nothing is written and
 * VersionConflict is thrown, retried on fresh data). A single-row guard, so it is all or nothing on
 * its own: the hold and the events are written only FROM `saved`, the one updated line row.
 *
 * The line's version also guards the hold the caller read: a hold never changes its customer, and
 * every write to it is such a statement, which locks the line first and bumps its version. Only the
 * first write of a hold (`create`) is a plain INSERT, so a duplicate — even one claiming another
 * customer's line — fails on the order's primary key and rolls the whole statement back.
 */
export async function saveCreditLineWithHold(db: PrismaClient, line: CreditLine, expectedVersion: number, hold: CreditHold & { create: boolean }, events: Prisma.Sql | null, at: Date): Promise<void> {
  const held = hold.create
    ? Prisma.sql`
      INSERT INTO credit_reservations (order_id, customer_id, amount_cents, state, updated_at)
      SELECT ${hold.orderId}::uuid, saved.customer_id, ${hold.amountCents}::bigint, ${hold.state}, ${at}::timestamptz FROM saved
      RETURNING 1`
    : Prisma.sql`
      UPDATE credit_reservations r SET amount_cents = ${hold.amountCents}::bigint, state = ${hold.state}, updated_at = ${at}::timestamptz
      FROM saved WHERE r.order_id = ${hold.orderId}::uuid AND r.customer_id = saved.customer_id
      RETURNING 1`;
  const appended = eventsAfter('saved', events);
  const rows = await db.$queryRaw<{ updated: number }[]>`
    WITH saved AS (
      UPDATE credit_lines SET limit_cents = ${line.limitCents}::bigint, held_cents = ${line.heldCents}::bigint,
             consumed_cents = ${line.consumedCents}::bigint, version = ${expectedVersion + 1}
      WHERE customer_id = ${line.customerId}::uuid AND version = ${expectedVersion}
      RETURNING customer_id
    ), held AS (${held}), appended AS (${appended})
    SELECT (SELECT count(*) FROM saved)::int AS updated`;
  if (rows[0]?.updated !== 1) throw new VersionConflict(`credit line ${line.customerId}`);
}
