// Business declines end the saga step for good: non-retryable failures whose `type` is the stable
// code (OUT_OF_STOCK, CREDIT_LIMIT_EXCEEDED, PAYMENT_DECLINED …). Everything else is retried.
import { ApplicationFailure } from '@temporalio/common';
import { DomainError } from '../../domain/shared/domain-error';

export function businessFailure(code: string, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, code);
}

/** Runs domain code, turning the listed domain refusals into business failures. */
export async function declining<T>(codes: readonly string[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError && codes.includes(error.code)) throw businessFailure(error.code, error.message);
    throw error;
  }
}

/** Runs domain code whose refusals are final (an illegal transition stays illegal on retry). */
export async function finalOnDomainError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError) throw businessFailure(error.code, error.message);
    throw error;
  }
}
