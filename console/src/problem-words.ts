// What the API's refusals mean, in words a shopper or an operator reads: clients switch on the
// problem's `code` (docs/API.md), never on its `detail`, which is kept only as a fallback.

export interface Problem { status: number; code: string; detail?: string; errors?: { path: string; message: string }[] }

const WORDS: Record<string, string> = {
  VALIDATION_FAILED: 'Some fields need attention.',
  UNAUTHENTICATED: 'Please sign in again: your session has ended.',
  INVALID_CREDENTIALS: 'That email and password do not match an account.',
  FORBIDDEN: 'This needs another role: an operator account, or a customer account.',
  EMAIL_TAKEN: 'An account with this email already exists. Sign in instead.',
  RATE_LIMITED: 'Too many attempts from here. Wait a minute and try again.',
  ORDER_NOT_FOUND: 'This order does not exist, or it is not yours.',
  PRODUCT_NOT_FOUND: 'This product no longer exists.',
  CUSTOMER_NOT_FOUND: 'No customer has this id.',
  UNKNOWN_PRODUCT: 'A product in your cart is no longer sold. Remove it and try again.',
  ORDER_NOT_CANCELLABLE: 'This order can no longer be cancelled: it is already with the carrier, or closed.',
  ORDER_NOT_REVISABLE: 'This order can no longer be changed: only an approved or paid order waiting for dispatch can, a limited number of times.',
  ORDER_NOT_DISPATCHABLE: 'This order is not waiting for dispatch (it is not paid yet, or already on its way or closed).',
  ORDER_MINIMUM_NOT_MET: 'The new total is below the shop\'s minimum order value.',
  ORDER_TOTAL_TOO_LARGE: 'The total is larger than the shop accepts in one order.',
  IDEMPOTENCY_KEY_REUSED: 'This order was already placed with different contents. Reload and place it again.',
  INSUFFICIENT_STOCK: 'That would take the stock below zero.',
  SKU_TAKEN: 'A product with this SKU already exists.',
  TOO_MANY_STREAMS: 'Too many live views are open. Close another order\'s page.',
  PAYLOAD_TOO_LARGE: 'That request is too large.',
  SERVICE_UNAVAILABLE: 'The shop is briefly unavailable. Try again in a few seconds.',
  NETWORK_ERROR: 'The shop could not be reached. Check your connection and try again.',
};

/** Why a saga ended as it did (rejectionReason, cancellationReason, RevisionRejected's reason). */
const REASONS: Record<string, string> = {
  OUT_OF_STOCK: 'not enough stock',
  CREDIT_LIMIT_EXCEEDED: 'the order exceeds the customer\'s available credit',
  PAYMENT_DECLINED: 'the payment was declined',
  UNKNOWN_PRODUCT: 'a product is no longer sold',
  UNKNOWN_CUSTOMER: 'the customer account no longer exists',
  SAGA_STEP_FAILED: 'a step failed for good (see the saga in Temporal)',
  CUSTOMER_REQUEST: 'cancelled on request',
  SHIPMENT_FAILED: 'the carrier does not deliver to this address',
  OPERATOR_REPAIR: 'closed by an operator, everything given back',
  ORDER_MINIMUM_NOT_MET: 'the new total is below the minimum',
  ORDER_REJECTED: 'the order was rejected first',
  ORDER_CANCELLED: 'the order was cancelled first',
};

export function describeProblem(problem: Problem): string {
  const words = WORDS[problem.code] ?? problem.detail ?? `The request failed (${problem.status}).`;
  const fields = (problem.errors ?? []).map((e) => `${e.path || 'request'}: ${e.message}`);
  return fields.length ? `${words} ${fields.join('; ')}.` : words;
}

/** A known code in words; an unknown CODE as lower-case words; a reason that is already a sentence as it is. */
export const describeReason = (reason: string): string => REASONS[reason] ?? (/^[A-Z0-9_]+$/.test(reason) ? reason.toLowerCase().replace(/_/g, ' ') : reason);
