import { DomainError } from './domain-error';

/**
 * Input guards shared by every context. Workflows and activities hand the domain deserialised JSON, so
 * the type system alone cannot promise that a "number" is an integer: these checks make a bad value a
 * VALIDATION_FAILED instead of silently corrupting money or stock.
 */
export const VALIDATION_FAILED = 'VALIDATION_FAILED';

export function assertInteger(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new DomainError(VALIDATION_FAILED, `${path} must be an integer ${range}`);
  }
  return value;
}

/** Amounts of money in cents: whole, never negative. Zero is allowed (free items, no-op deltas). */
export function assertCents(value: unknown, path: string): number {
  return assertInteger(value, path, 0);
}

/** Quantities that move stock: whole and strictly positive, since moving zero units is a caller bug. */
export function assertPositiveQuantity(value: unknown, path: string): number {
  return assertInteger(value, path, 1);
}

export function assertNonEmptyString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new DomainError(VALIDATION_FAILED, `${path} must be a non-empty string`);
  }
  return value;
}

export function assertOneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new DomainError(VALIDATION_FAILED, `${path} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}
