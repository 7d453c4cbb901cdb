import { codeOf } from '../../test/builders/shared.builders';
import { availableCredit, changeLimit, consumeCredit, openCreditLine, releaseCredit, reserveCredit } from './credit-line';
import { aCreditLine } from '../../test/builders/credit-line.builders';

// aCreditLine(): limit 10000, held 3000, consumed 2000, available 5000.
const badAmounts = [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, '100' as unknown as number];

describe('availableCredit', () => {
  it('when credit is held and consumed, then available is limit minus both', () => {
    expect(availableCredit(aCreditLine())).toBe(5_000);
  });
});

describe('reserveCredit', () => {
  it.each([0, 1, 5_000])('when %p cents are reserved, then they are held and CreditReserved is emitted', (amountCents) => {
    const creditLine = aCreditLine();
    const { creditLine: next, events } = reserveCredit(creditLine, amountCents, 'order-1');
    expect(next).toEqual({ ...creditLine, heldCents: 3_000 + amountCents });
    expect(events).toEqual([{ type: 'CreditReserved', data: { amountCents, orderId: 'order-1' } }]);
  });

  it('when one cent more than available is requested, then it throws CREDIT_LIMIT_EXCEEDED', () => {
    expect(codeOf(() => reserveCredit(aCreditLine(), 5_001, 'order-1'))).toBe('CREDIT_LIMIT_EXCEEDED');
  });

  it('when the line is exhausted, then zero can still be reserved but one cent cannot', () => {
    const exhausted = aCreditLine({ heldCents: 8_000 });
    expect(codeOf(() => reserveCredit(exhausted, 0, 'order-1'))).toBeUndefined();
    expect(codeOf(() => reserveCredit(exhausted, 1, 'order-1'))).toBe('CREDIT_LIMIT_EXCEEDED');
  });

  it.each(badAmounts)('when the amount is %p, then it throws VALIDATION_FAILED', (amountCents) => {
    expect(codeOf(() => reserveCredit(aCreditLine(), amountCents, 'order-1'))).toBe('VALIDATION_FAILED');
  });
});

describe('releaseCredit', () => {
  it.each([0, 1_000, 3_000])('when %p cents are released, then the hold shrinks by that much', (amountCents) => {
    const { creditLine, events } = releaseCredit(aCreditLine(), amountCents, 'order-1');
    expect(creditLine).toMatchObject({ heldCents: 3_000 - amountCents, consumedCents: 2_000 });
    expect(events).toEqual([{ type: 'CreditReleased', data: { amountCents, orderId: 'order-1' } }]);
  });

  it('when more than is held is released, then it throws ILLEGAL_TRANSITION', () => {
    expect(codeOf(() => releaseCredit(aCreditLine(), 3_001, 'order-1'))).toBe('ILLEGAL_TRANSITION');
  });

  it.each(badAmounts)('when the amount is %p, then it throws VALIDATION_FAILED', (amountCents) => {
    expect(codeOf(() => releaseCredit(aCreditLine(), amountCents, 'order-1'))).toBe('VALIDATION_FAILED');
  });
});

describe('consumeCredit', () => {
  it('when a hold is consumed, then it moves from held to consumed and available is unchanged', () => {
    const before = aCreditLine();
    const { creditLine, events } = consumeCredit(before, 3_000, 'order-1');
    expect(creditLine).toMatchObject({ heldCents: 0, consumedCents: 5_000 });
    expect(availableCredit(creditLine)).toBe(availableCredit(before));
    expect(events).toEqual([{ type: 'CreditConsumed', data: { amountCents: 3_000, orderId: 'order-1' } }]);
  });

  it('when more than is held is consumed, then it throws ILLEGAL_TRANSITION', () => {
    expect(codeOf(() => consumeCredit(aCreditLine(), 3_001, 'order-1'))).toBe('ILLEGAL_TRANSITION');
  });

  it.each(badAmounts)('when the amount is %p, then it throws VALIDATION_FAILED', (amountCents) => {
    expect(codeOf(() => consumeCredit(aCreditLine(), amountCents, 'order-1'))).toBe('VALIDATION_FAILED');
  });
});

describe('openCreditLine', () => {
  it('when opened, then the whole limit is available', () => {
    const creditLine = openCreditLine({ customerId: 'c-1', limitCents: 100_000 });
    expect(creditLine).toEqual({ customerId: 'c-1', limitCents: 100_000, heldCents: 0, consumedCents: 0, version: 0 });
  });

  it.each([-1, 1.5])('when opened with limit %p, then it throws VALIDATION_FAILED', (limitCents) => {
    expect(codeOf(() => openCreditLine({ customerId: 'c-1', limitCents }))).toBe('VALIDATION_FAILED');
  });
});

describe('changeLimit', () => {
  it('when an admin lowers the limit below what is held, then holds stay and nothing more is available', () => {
    const line = { customerId: 'c-1', limitCents: 10_000, heldCents: 6_000, consumedCents: 2_000, version: 3 };
    const { creditLine, events } = changeLimit(line, 5_000);
    expect(creditLine).toEqual({ ...line, limitCents: 5_000 });
    expect(availableCredit(creditLine)).toBe(0);
    expect(events).toEqual([{ type: 'CreditLimitChanged', data: { limitCents: 5_000, previousLimitCents: 10_000 } }]);
    expect(() => reserveCredit(creditLine, 1, 'o-1')).toThrow(expect.objectContaining({ code: 'CREDIT_LIMIT_EXCEEDED' }));
  });

  it.each([-1, 0.5, 1_000_000_000_001, Number.NaN])('when the limit is %p, then it throws VALIDATION_FAILED', (limit) => {
    expect(() => changeLimit({ customerId: 'c', limitCents: 0, heldCents: 0, consumedCents: 0, version: 0 }, limit)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
