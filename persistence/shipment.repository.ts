// Maps the Shipment aggregate (one per order) to its row. A shipment is written once, booked or
// refused: the unique order id makes a second insert fail instead of booking twice.
import type { PrismaClient, Tx } from '../platform/prisma';
import type { Shipment } from '../domain/shipment/shipment';

export async function findShipment(tx: Tx | PrismaClient, orderId: string): Promise<Shipment | null> {
  const row = await tx.shipment.findUnique({ where: { orderId } });
  if (!row) return null;
  return { id: row.id, orderId: row.orderId, status: row.status as Shipment['status'], trackingNumber: row.trackingNumber, version: row.version };
}

/** `country` is a column of the row, not of the aggregate: where the carrier was booked to. */
export async function insertShipment(tx: Tx, shipment: Shipment, country: string): Promise<void> {
  await tx.shipment.create({
    data: { id: shipment.id, orderId: shipment.orderId, status: shipment.status, trackingNumber: shipment.trackingNumber, country, version: shipment.version },
  });
}
