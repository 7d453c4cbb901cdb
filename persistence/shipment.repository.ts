// Maps the Shipment aggregate (one per order) to its row. A shipment is written once, booked or
// refused: the unique order id makes a second insert do nothing instead of booking twice.
import type { PrismaClient, Tx } from '../platform/prisma';
import type { DomainEvent } from '../domain/shared/domain-event';
import type { Shipment } from '../domain/shipment/shipment';
import { eventRows, eventsAfter, type EventSource } from './transaction';

export async function findShipment(tx: Tx | PrismaClient, orderId: string): Promise<Shipment | null> {
  const row = await tx.shipment.findUnique({ where: { orderId } });
  if (!row) return null;
  return { id: row.id, orderId: row.orderId, status: row.status as Shipment['status'], trackingNumber: row.trackingNumber, version: row.version };
}

/**
 * The shipment and its events in ONE statement, unless the order already has a shipment (then
 * nothing is written and it returns false). `country` is a column of the row, not of the aggregate:
 * where the carrier was booked to.
 */
export async function insertShipmentWithEvents(db: PrismaClient, shipment: Shipment, country: string, source: EventSource, events: readonly DomainEvent[], at: Date): Promise<boolean> {
  const appended = eventsAfter('saved', events.length === 0 ? null : eventRows(source, events, at));
  const rows = await db.$queryRaw<{ inserted: number }[]>`
    WITH saved AS (
      INSERT INTO shipments (id, order_id, status, tracking_number, country, version, created_at)
      VALUES (${shipment.id}::uuid, ${shipment.orderId}::uuid, ${shipment.status}, ${shipment.trackingNumber}::text, ${country}, ${shipment.version}, ${at}::timestamptz)
      ON CONFLICT (order_id) DO NOTHING
      RETURNING id
    ), appended AS (${appended})
    SELECT (SELECT count(*) FROM saved)::int AS inserted`;
  return rows[0]?.inserted === 1;
}
