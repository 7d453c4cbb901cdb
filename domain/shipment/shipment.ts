import type { DomainEvent } from '../shared/domain-event';
import { assertNonEmptyString } from '../shared/guards';

export type { BookingResult, Carrier, ShippingAddress } from './carrier.port';

export const SHIPMENT_STATUSES = ['BOOKED', 'REFUSED'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/** The outcome of booking the carrier for one order; a refusal is stored so a retry finds it. */
export interface Shipment {
  id: string;
  orderId: string;
  status: ShipmentStatus;
  /** Set only when BOOKED. */
  trackingNumber: string | null;
  /** Optimistic-locking counter owned by persistence; the domain never changes it. */
  version: number;
}

export type ShipmentChange = { shipment: Shipment; events: DomainEvent[] };

export function bookShipment(input: { id: string; orderId: string; trackingNumber: string }): ShipmentChange {
  const shipment: Shipment = {
    id: assertNonEmptyString(input.id, 'id'),
    orderId: assertNonEmptyString(input.orderId, 'orderId'),
    status: 'BOOKED',
    trackingNumber: assertNonEmptyString(input.trackingNumber, 'trackingNumber'),
    version: 0,
  };
  return { shipment, events: [{ type: 'ShipmentBooked', data: { trackingNumber: shipment.trackingNumber } }] };
}

export function shipmentRefused(input: { id: string; orderId: string; reason: string }): ShipmentChange {
  const shipment: Shipment = {
    id: assertNonEmptyString(input.id, 'id'),
    orderId: assertNonEmptyString(input.orderId, 'orderId'),
    status: 'REFUSED',
    trackingNumber: null,
    version: 0,
  };
  return { shipment, events: [{ type: 'ShipmentRefused', data: { reason: assertNonEmptyString(input.reason, 'reason') } }] };
}
