import type { DomainEvent } from '../shared/domain-event';

export const SHIPMENT_EVENT_TYPES = ['ShipmentBooked', 'ShipmentRefused'] as const;

export type ShipmentEventType = (typeof SHIPMENT_EVENT_TYPES)[number];

export type ShipmentEvent = DomainEvent<ShipmentEventType>;
