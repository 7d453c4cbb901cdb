import { DomainError } from '../shared/domain-error';

/**
 * Codes an Order operation can throw. The API maps them to HTTP (400 / 409 / 422) and workflows treat
 * them as non-retryable, so they must never be renamed.
 */
export const ORDER_ERROR_CODES = [
  'VALIDATION_FAILED',
  'ILLEGAL_TRANSITION',
  'ORDER_NOT_CANCELLABLE',
  'ORDER_NOT_REVISABLE',
  'ORDER_NOT_DISPATCHABLE',
  'ORDER_MINIMUM_NOT_MET',
] as const;

export type OrderErrorCode = (typeof ORDER_ERROR_CODES)[number];

/** Codes for a move the current status does not allow; customer-facing commands get their own code. */
export type OrderTransitionErrorCode = Extract<
  OrderErrorCode,
  'ILLEGAL_TRANSITION' | 'ORDER_NOT_CANCELLABLE' | 'ORDER_NOT_REVISABLE' | 'ORDER_NOT_DISPATCHABLE'
>;

export function illegalTransition(code: OrderTransitionErrorCode, command: string, status: string): DomainError {
  return new DomainError(code, `Cannot ${command} an order that is ${status}`);
}
