import { deepFreeze } from './shared.builders';
import type { CreditLine } from '../../domain/credit/credit-line';

/** A deeply frozen credit line: limit 10000, 3000 held, 2000 consumed (5000 available). */
export function aCreditLine(overrides: Partial<CreditLine> = {}): CreditLine {
  return deepFreeze({
    customerId: 'customer-1',
    limitCents: 10_000,
    heldCents: 3_000,
    consumedCents: 2_000,
    version: 4,
    ...overrides,
  });
}
