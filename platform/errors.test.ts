import { ApplicationFailure } from '@temporalio/common';
import { describeError, describeErrors, isTransient } from './errors';

describe('describeError', () => {
  it('when an ApplicationFailure with a cause chain is logged, then message, type, retryability and every cause show (not {})', () => {
    const root = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const failure = ApplicationFailure.create({ message: 'credit line of customer c-1 not found', type: 'UNKNOWN_CUSTOMER', nonRetryable: true, cause: root });
    expect(JSON.parse(JSON.stringify(failure)).message).toBeUndefined(); // why this exists: JSON drops the message
    expect(describeErrors({ error: failure, workflowId: 'order-1' })).toEqual({
      workflowId: 'order-1',
      error: {
        name: 'ApplicationFailure', message: 'credit line of customer c-1 not found', type: 'UNKNOWN_CUSTOMER', nonRetryable: true,
        cause: { name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' },
      },
    });
  });

  it('when something other than an Error is thrown, then it is shown as text', () => {
    expect(describeError('boom')).toBe('boom');
  });
});

describe('isTransient', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a full pool', new Error('timeout exceeded when trying to connect')],
    ['PostgreSQL shutting down (wrapped by Prisma)', Object.assign(new Error('x'), { meta: { driverAdapterError: { cause: { originalCode: '57P01' } } } })],
    ['a serialization failure', Object.assign(new Error('x'), { code: 'P2034' })],
    ['a lost optimistic-lock race', Object.assign(new Error('version conflict'), { name: 'VersionConflict' })],
    ['the payment provider unavailable', Object.assign(new Error('payment provider unavailable'), { name: 'ProviderUnavailable' })],
    ['PostgreSQL closing the connection mid-query (P2010, ConnectionClosed)', Object.assign(new Error('Raw query failed. Code: `N/A`. Message: `Server has closed the connection.`'), { code: 'P2010', meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'ConnectionClosed' } } } })],
    // Found by chaos (a 500 during a Postgres restart): pg refuses a client whose connection broke mid-transaction.
    ['a pooled client broken by a lost connection (pg)', new Error('Client has encountered a connection error and is not queryable')],
    ['a transient cause under a wrapper', new Error('step failed', { cause: Object.assign(new Error('x'), { code: '08006' }) })],
  ])('when the error is %s, then it is transient', (_why, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a missing row', new Error('order 1 not found')],
    ['a unique violation of our own data', Object.assign(new Error('x'), { code: 'P2002' })],
  ])('when the error is %s, then it is not transient', (_why, error) => {
    expect(isTransient(error)).toBe(false);
  });
});
