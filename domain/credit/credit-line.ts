import { DomainError } from '../shared/domain-error';
import type { DomainEvent } from '../shared/domain-event';
import { assertCents, assertInteger, assertNonEmptyString } from '../shared/guards';
import type { CreditLineEventType } from './credit-line.events';

/**
 * A customer's credit. Invariant at every reservation: heldCents + consumedCents <= limitCents.
 * Credit is held while an order is in flight (so a cancel just releases it) and consumed when the
 * order ships. An admin may lower the limit below what is already used: holds made stay, later
 * reservations are refused until enough is released.
 */
export interface CreditLine {
  customerId: string;
  limitCents: number;
  heldCents: number;
  consumedCents: number;
  /** Optimistic-locking counter owned by persistence; the domain never changes it. */
  version: number;
}

export type CreditLineChange = { creditLine: CreditLine; events: DomainEvent[] };

export function openCreditLine(input: { customerId: string; limitCents: number }): CreditLine {
  return {
    customerId: assertNonEmptyString(input.customerId, 'customerId'),
    limitCents: assertCents(input.limitCents, 'limitCents'),
    heldCents: 0,
    consumedCents: 0,
    version: 0,
  };
}

/** What a new reservation may still take; never below 0 (the limit may have been lowered). */
export function availableCredit(creditLine: CreditLine): number {
  return Math.max(0, creditLine.limitCents - creditLine.heldCents - creditLine.consumedCents);
}

export const MAX_CREDIT_LIMIT_CENTS = 1_000_000_000_000;

/** The store's decision (an admin's), never the customer's. */
export function changeLimit(creditLine: CreditLine, limitCents: number): CreditLineChange {
  assertInteger(limitCents, 'creditLimitCents', 0, MAX_CREDIT_LIMIT_CENTS);
  return {
    creditLine: { ...creditLine, limitCents },
    events: [{ type: 'CreditLimitChanged', data: { limitCents, previousLimitCents: creditLine.limitCents } }],
  };
}

function changed(
  creditLine: CreditLine,
  patch: Partial<CreditLine>,
  type: CreditLineEventType,
  amountCents: number,
  orderId: string,
): CreditLineChange {
  return { creditLine: { ...creditLine, ...patch }, events: [{ type, data: { amountCents, orderId } }] };
}

/**
 * Zero is allowed and still emits the event: a free order (or a revision with no price change)
 * passes through the same saga steps, and the timeline shows each of them.
 */
export function reserveCredit(creditLine: CreditLine, amountCents: number, orderId: string): CreditLineChange {
  assertCents(amountCents, 'amountCents');
  if (availableCredit(creditLine) < amountCents) {
    throw new DomainError(
      'CREDIT_LIMIT_EXCEEDED',
      `Customer ${creditLine.customerId} has ${availableCredit(creditLine)} cents of credit, ${amountCents} requested`,
    );
  }
  return changed(creditLine, { heldCents: creditLine.heldCents + amountCents }, 'CreditReserved', amountCents, orderId);
}

/** Compensation for `reserveCredit`; releasing more than is held would mean a double release. */
export function releaseCredit(creditLine: CreditLine, amountCents: number, orderId: string): CreditLineChange {
  assertHeld(creditLine, amountCents, 'release');
  return changed(creditLine, { heldCents: creditLine.heldCents - amountCents }, 'CreditReleased', amountCents, orderId);
}

/** The order shipped: its hold becomes permanent use of the limit. */
export function consumeCredit(creditLine: CreditLine, amountCents: number, orderId: string): CreditLineChange {
  assertHeld(creditLine, amountCents, 'consume');
  const patch = {
    heldCents: creditLine.heldCents - amountCents,
    consumedCents: creditLine.consumedCents + amountCents,
  };
  return changed(creditLine, patch, 'CreditConsumed', amountCents, orderId);
}

function assertHeld(creditLine: CreditLine, amountCents: number, action: string): void {
  assertCents(amountCents, 'amountCents');
  if (creditLine.heldCents < amountCents) {
    throw new DomainError(
      'ILLEGAL_TRANSITION',
      `Cannot ${action} ${amountCents} cents for customer ${creditLine.customerId}: only ${creditLine.heldCents} held`,
    );
  }
}
