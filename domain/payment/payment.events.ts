import type { DomainEvent } from '../shared/domain-event';

export const PAYMENT_EVENT_TYPES = ['PaymentCharged', 'PaymentDeclined', 'PaymentRefunded'] as const;

export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

export type PaymentEvent = DomainEvent<PaymentEventType>;
