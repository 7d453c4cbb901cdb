// Shipment context (task queue `shipment`): books the carrier once per order. One read, the
// carrier call, and one statement that records the booking or the refusal with its event.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../platform/prisma';
import * as shipments from '../../domain/shipment/shipment';
import { findShipment, insertShipmentWithEvents } from '../../persistence/shipment.repository';
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
      // One statement; if a concurrent attempt recorded first it writes nothing, and that attempt
      // had the same answer (the carrier dedupes by the key).
      await insertShipmentWithEvents(prisma, change.shipment, address.country, { orderId, context: 'shipment', aggregateId: change.shipment.id }, change.events, new Date());
      if (result.outcome === 'refused') throw refused(result.reason);
      return { trackingNumber: result.trackingNumber };
    },
  };
}

export type ShipmentActivities = ReturnType<typeof createShipmentActivities>;
