// Shipment context (task queue `shipment`): books the carrier once per order.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../platform/prisma';
import * as shipments from '../../domain/shipment/shipment';
import { appendEvents, inTransaction } from '../../persistence/transaction';
import { findShipment, insertShipment } from '../../persistence/shipment.repository';
import { businessFailure } from '../shared/business-failure';

export function createShipmentActivities(deps: { prisma: PrismaClient; carrier: shipments.Carrier }) {
  const { prisma, carrier } = deps;
  const refused = (why: string) => businessFailure('SHIPMENT_FAILED', why);

  return {
    /** Books the shipment; a carrier refusal is a business decline (SHIPMENT_FAILED). */
    async bookShipment(request: { orderId: string; address: shipments.ShippingAddress }): Promise<{ trackingNumber: string }> {
      const { orderId, address } = request;
      const recorded = await findShipment(prisma, orderId);
      if (recorded) {
        if (recorded.status === 'REFUSED') throw refused('the carrier refused the shipment');
        return { trackingNumber: recorded.trackingNumber! };
      }
      const result = await carrier.book({ idempotencyKey: `${orderId}:shipment`, orderId, address });
      const id = randomUUID();
      const change = result.outcome === 'booked'
        ? shipments.bookShipment({ id, orderId, trackingNumber: result.trackingNumber })
        : shipments.shipmentRefused({ id, orderId, reason: result.reason });
      await inTransaction(prisma, async (tx) => {
        if (await findShipment(tx, orderId)) return;
        await insertShipment(tx, change.shipment, address.country);
        await appendEvents(tx, { orderId, context: 'shipment', aggregateId: change.shipment.id }, change.events);
      });
      if (result.outcome === 'refused') throw refused(result.reason);
      return { trackingNumber: result.trackingNumber };
    },
  };
}

export type ShipmentActivities = ReturnType<typeof createShipmentActivities>;
