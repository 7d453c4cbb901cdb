export { DomainError, isDomainError } from './domain-error';
export { domainEvent } from './domain-event';
export type { DomainEvent } from './domain-event';
