import type { DomainEvent } from '../shared/domain-event';

export const CREDIT_LINE_EVENT_TYPES = ['CreditReserved', 'CreditReleased', 'CreditConsumed', 'CreditLimitChanged'] as const;

export type CreditLineEventType = (typeof CREDIT_LINE_EVENT_TYPES)[number];

export type CreditLineEvent = DomainEvent<CreditLineEventType>;
