import { DomainError } from '../../domain/shared/domain-error';

/**
 * Test support: freezes a value and everything inside it, so a domain function that mutates its
 * input throws a TypeError in a test instead of silently corrupting a workflow's state.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}

/** Runs `fn` expecting a DomainError and returns its code (undefined if nothing or something else was thrown). */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}
