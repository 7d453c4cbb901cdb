import { canCancel, canRevise, FINAL_STATUSES, isFinal, ORDER_STATUSES, requestCancel, requestRevision } from './order';
import { anOrder, someLineInputs } from '../../test/builders/order.builders';
import { codeOf } from '../../test/builders/shared.builders';

describe('Order status predicates', () => {
  it.each(ORDER_STATUSES.map((status) => ({ status, final: ['SHIPPED', 'REJECTED', 'CANCELLED'].includes(status) })))(
    'when the status is $status, then isFinal is $final',
    ({ status, final }) => {
      expect(isFinal(status)).toBe(final);
    },
  );

  it('when listing final statuses, then they are exactly SHIPPED, REJECTED and CANCELLED', () => {
    expect([...FINAL_STATUSES].sort()).toEqual(['CANCELLED', 'REJECTED', 'SHIPPED']);
  });

  // Validators answer 409 before the workflow runs the command, so they must agree with the aggregate.
  it.each(ORDER_STATUSES)('when the status is %s, then canCancel agrees with requestCancel', (status) => {
    const accepted = codeOf(() => requestCancel(anOrder({ status }))) === undefined;
    expect(canCancel(status)).toBe(accepted);
  });

  it.each(ORDER_STATUSES)('when the status is %s, then canRevise agrees with requestRevision', (status) => {
    const accepted = codeOf(() => requestRevision(anOrder({ status }), someLineInputs(1), 0)) === undefined;
    expect(canRevise(status)).toBe(accepted);
  });
});
