import { DomainError } from '../shared/domain-error';
import {
  approve,
  cancel,
  markPaid,
  markShipped,
  ORDER_STATUSES,
  reject,
  rejectRevision,
  requestCancel,
  requestDispatch,
  requestRevision,
  reviseOrder,
  refuseRevision,
  revisionOvertaken,
} from './order';
import type { Order, OrderChange, OrderStatus } from './order';
import type { OrderEventType } from './order.events';
import { anOrder, someLineInputs } from '../../test/builders/order.builders';

const revisedLines = someLineInputs(3);

type Command = { run: (order: Order) => OrderChange; illegalCode: string };

// Every command the aggregate knows, with the code it throws when the status does not allow it.
const commands: Record<string, Command> = {
  approve: { run: approve, illegalCode: 'ILLEGAL_TRANSITION' },
  'reject(OUT_OF_STOCK)': { run: (o) => reject(o, 'OUT_OF_STOCK'), illegalCode: 'ILLEGAL_TRANSITION' },
  markPaid: { run: markPaid, illegalCode: 'ILLEGAL_TRANSITION' },
  requestDispatch: { run: requestDispatch, illegalCode: 'ORDER_NOT_DISPATCHABLE' },
  markShipped: { run: markShipped, illegalCode: 'ILLEGAL_TRANSITION' },
  requestCancel: { run: requestCancel, illegalCode: 'ORDER_NOT_CANCELLABLE' },
  'cancel(CUSTOMER_REQUEST)': { run: (o) => cancel(o, 'CUSTOMER_REQUEST'), illegalCode: 'ILLEGAL_TRANSITION' },
  'cancel(SHIPMENT_FAILED)': { run: (o) => cancel(o, 'SHIPMENT_FAILED'), illegalCode: 'ILLEGAL_TRANSITION' },
  requestRevision: { run: (o) => requestRevision(o, revisedLines, 0), illegalCode: 'ORDER_NOT_REVISABLE' },
  reviseOrder: { run: (o) => reviseOrder(o, revisedLines), illegalCode: 'ILLEGAL_TRANSITION' },
  'rejectRevision(OUT_OF_STOCK)': { run: (o) => rejectRevision(o, 'OUT_OF_STOCK'), illegalCode: 'ILLEGAL_TRANSITION' },
  'cancel(OPERATOR_REPAIR)': { run: (o) => cancel(o, 'OPERATOR_REPAIR'), illegalCode: 'ILLEGAL_TRANSITION' },
  'revisionOvertaken(ORDER_REJECTED)': { run: (o) => revisionOvertaken(o, 'ORDER_REJECTED'), illegalCode: 'ILLEGAL_TRANSITION' },
  'revisionOvertaken(ORDER_CANCELLED)': { run: (o) => revisionOvertaken(o, 'ORDER_CANCELLED'), illegalCode: 'ILLEGAL_TRANSITION' },
  'refuseRevision(ORDER_MINIMUM_NOT_MET)': { run: (o) => refuseRevision(o, 'ORDER_MINIMUM_NOT_MET'), illegalCode: 'ILLEGAL_TRANSITION' },
};

// The whole state machine: any (status, command) pair not listed here must be refused.
// Locked orders built by anOrder() were locked from APPROVED, so they return to APPROVED.
const legalMoves: Record<string, Partial<Record<OrderStatus, [OrderStatus, OrderEventType]>>> = {
  approve: { APPROVAL_PENDING: ['APPROVED', 'OrderApproved'] },
  'reject(OUT_OF_STOCK)': {
    APPROVAL_PENDING: ['REJECTED', 'OrderRejected'],
    APPROVED: ['REJECTED', 'OrderRejected'],
  },
  markPaid: { APPROVED: ['PAID', 'OrderPaid'] },
  requestDispatch: { PAID: ['PAID', 'DispatchRequested'] },
  markShipped: { PAID: ['SHIPPED', 'OrderShipped'] },
  requestCancel: {
    APPROVAL_PENDING: ['CANCEL_PENDING', 'CancelRequested'],
    APPROVED: ['CANCEL_PENDING', 'CancelRequested'],
    PAID: ['CANCEL_PENDING', 'CancelRequested'],
  },
  'cancel(CUSTOMER_REQUEST)': { CANCEL_PENDING: ['CANCELLED', 'OrderCancelled'] },
  'cancel(SHIPMENT_FAILED)': { PAID: ['CANCELLED', 'OrderCancelled'] },
  requestRevision: {
    APPROVED: ['REVISION_PENDING', 'RevisionRequested'],
    PAID: ['REVISION_PENDING', 'RevisionRequested'],
  },
  reviseOrder: { REVISION_PENDING: ['APPROVED', 'OrderRevised'] },
  'rejectRevision(OUT_OF_STOCK)': { REVISION_PENDING: ['APPROVED', 'RevisionRejected'] },
  'cancel(OPERATOR_REPAIR)': {
    APPROVAL_PENDING: ['CANCELLED', 'OrderCancelled'],
    APPROVED: ['CANCELLED', 'OrderCancelled'],
    PAID: ['CANCELLED', 'OrderCancelled'],
    CANCEL_PENDING: ['CANCELLED', 'OrderCancelled'],
    REVISION_PENDING: ['CANCELLED', 'OrderCancelled'],
  },
  // An overtaken revision only adds its answer to the timeline; the decided order stays as it is.
  'revisionOvertaken(ORDER_REJECTED)': { REJECTED: ['REJECTED', 'RevisionRejected'] },
  'revisionOvertaken(ORDER_CANCELLED)': { CANCELLED: ['CANCELLED', 'RevisionRejected'] },
  // A revision refused before it started (the minimum changed meanwhile): only its answer is added.
  'refuseRevision(ORDER_MINIMUM_NOT_MET)': { APPROVED: ['APPROVED', 'RevisionRejected'], PAID: ['PAID', 'RevisionRejected'] },
};

const pairs = ORDER_STATUSES.flatMap((status) => Object.keys(commands).map((command) => ({ status, command })));

const legalCases = pairs.flatMap(({ status, command }) => {
  const move = legalMoves[command]?.[status];
  return move ? [{ status, command, expectedStatus: move[0], expectedEvent: move[1] }] : [];
});

const illegalCases = pairs
  .filter(({ status, command }) => legalMoves[command]?.[status] === undefined)
  .map(({ status, command }) => ({ status, command, code: commands[command]!.illegalCode }));

describe('Order state machine', () => {
  it('when the tables are built, then every (status, command) pair is covered exactly once', () => {
    expect(pairs).toHaveLength(ORDER_STATUSES.length * Object.keys(commands).length);
    expect(legalCases.length + illegalCases.length).toBe(pairs.length);
    expect(legalCases).toHaveLength(24);
  });

  it.each(legalCases)(
    'when the order is $status and $command runs, then it becomes $expectedStatus and emits $expectedEvent',
    ({ status, command, expectedStatus, expectedEvent }) => {
      const order = anOrder({ status });
      const before = structuredClone(order);

      const { order: next, events } = commands[command]!.run(order);

      expect(next.status).toBe(expectedStatus);
      expect(events.map((e) => e.type)).toEqual([expectedEvent]);
      expect(next).not.toBe(order);
      expect(next.version).toBe(order.version); // persistence owns the version
      expect(order).toEqual(before);
    },
  );

  it.each(illegalCases)(
    'when the order is $status and $command runs, then it throws $code and leaves the order unchanged',
    ({ status, command, code }) => {
      const order = anOrder({ status });
      const before = structuredClone(order);

      const run = (): OrderChange => commands[command]!.run(order);

      expect(run).toThrow(DomainError);
      expect(run).toThrow(expect.objectContaining({ code }));
      expect(run).toThrow(new RegExp(status));
      expect(order).toEqual(before);
    },
  );
});

describe('Order transitions in detail', () => {
  it.each(['OUT_OF_STOCK', 'CREDIT_LIMIT_EXCEEDED', 'PAYMENT_DECLINED'] as const)(
    'when an order is rejected for %s, then the reason is recorded on the order and the event',
    (reason) => {
      const { order, events } = reject(anOrder({ status: 'APPROVED' }), reason);
      expect(order.rejectionReason).toBe(reason);
      expect(events[0]!.data).toEqual({ reason });
    },
  );

  it('when reject gets an unknown reason, then it throws VALIDATION_FAILED', () => {
    expect(() => reject(anOrder(), 'BORED' as never)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it.each(['APPROVAL_PENDING', 'APPROVED', 'PAID'] as const)(
    'when a %s order is cancelled by request, then the previous status is remembered until it is cancelled',
    (previousStatus) => {
      const requested = requestCancel(anOrder({ status: previousStatus }));
      expect(requested.order.statusBeforeLock).toBe(previousStatus);
      expect(requested.events[0]!.data).toEqual({ previousStatus });

      const done = cancel(requested.order, 'CUSTOMER_REQUEST');
      expect(done.order).toMatchObject({
        status: 'CANCELLED',
        cancellationReason: 'CUSTOMER_REQUEST',
        statusBeforeLock: null,
      });
      expect(done.events[0]!.data).toEqual({ reason: 'CUSTOMER_REQUEST' });
    },
  );

  it('when a paid order ships, then items and totals are untouched', () => {
    const order = anOrder({ status: 'PAID' });
    const { order: shipped, events } = markShipped(order);
    expect(shipped).toEqual({ ...order, status: 'SHIPPED' });
    expect(events[0]!.data).toEqual({});
  });

  it('when a shipment fails, then the paid order is cancelled with SHIPMENT_FAILED', () => {
    const { order } = cancel(anOrder({ status: 'PAID' }), 'SHIPMENT_FAILED');
    expect(order.cancellationReason).toBe('SHIPMENT_FAILED');
  });

  it('when dispatch is requested, then the order object is equal but new', () => {
    const order = anOrder({ status: 'PAID' });
    const { order: next } = requestDispatch(order);
    expect(next).toEqual(order);
    expect(next).not.toBe(order);
  });

  it('when dispatch is refused, then the message names the command and the status', () => {
    expect(() => requestDispatch(anOrder({ status: 'SHIPPED' }))).toThrow('Cannot dispatch an order that is SHIPPED');
  });
});
