// Fake activities for the workflow tests on the time-skipping server: jest mocks typed as the
// activity interfaces, no database. Every step succeeds unless a test says otherwise
// (`fakes.payment.chargePayment.mockRejectedValueOnce(decline('PAYMENT_DECLINED'))`). The order
// activities run the real Order aggregate in memory, so an illegal transition the saga asks for
// fails the test the way it fails in production.
import { ApplicationFailure } from '@temporalio/common';
import type { OrderActivities } from '../activities/orders/order.activities';
import type { StockActivities } from '../activities/stock/stock.activities';
import type { CreditActivities } from '../activities/credit/credit.activities';
import type { PaymentActivities } from '../activities/payment/payment.activities';
import type { ShipmentActivities } from '../activities/shipment/shipment.activities';
import type { Order, OrderStatus } from '../domain/orders/order';
import { applyOrderCommand, type PlaceOrderInput } from '../domain/orders/order.commands';
import { DomainError } from '../domain/shared/domain-error';

export interface SagaFakes {
  orders: jest.Mocked<OrderActivities>;
  stock: jest.Mocked<StockActivities>;
  credit: jest.Mocked<CreditActivities>;
  payment: jest.Mocked<PaymentActivities>;
  shipment: jest.Mocked<ShipmentActivities>;
}
export type FakeContext = keyof SagaFakes;

/** A business decline as the activities throw it: non-retryable, the code as its type. */
export const decline = (code: string) => ApplicationFailure.nonRetryable(`declined: ${code}`, code);
/** An outage: a plain error, retried by the saga's retry policy. */
export const outage = (what = 'database') => Object.assign(new Error(`${what} unavailable (ECONNREFUSED)`), { code: 'ECONNREFUSED' });

const openGates = new Set<(error: unknown) => void>();

/** A promise the test resolves: holds an activity "in flight" until the test lets it finish. */
export function gate<T = void>() {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = (value) => { openGates.delete(fail); resolve(value); };
    fail = (error) => { openGates.delete(fail); reject(error); };
  });
  openGates.add(fail);
  promise.catch(() => undefined); // failed by failOpenGates before any activity took it: not an unhandled rejection
  return { promise, open, fail };
}

/** Fails every gate a test left closed, so no activity stays in flight (a worker waits for them to shut down). */
export function failOpenGates(): void {
  for (const fail of [...openGates]) fail(new Error('test ended with this activity still held'));
}

/** The in-memory Order aggregates and their timelines (domain event types, as the API shows them). */
export class FakeOrderBook {
  private readonly orders = new Map<string, { order: Order; timeline: string[]; steps: Set<string> }>();

  place(input: PlaceOrderInput, status: OrderStatus = 'APPROVAL_PENDING'): void {
    if (this.orders.has(input.orderId)) return;
    const order: Order = {
      id: input.orderId, customerId: input.customerId, status, items: input.items, totalCents: input.totalCents,
      rejectionReason: null, cancellationReason: null, statusBeforeLock: null, version: 0,
    };
    this.orders.set(input.orderId, { order, timeline: ['OrderPlaced'], steps: new Set() });
  }

  get(orderId: string): Order {
    return this.entry(orderId).order;
  }

  timeline(orderId: string): string[] {
    return [...(this.orders.get(orderId)?.timeline ?? [])];
  }

  append(orderId: string, type: string): void {
    this.entry(orderId).timeline.push(type);
  }

  clear(): void {
    this.orders.clear();
  }

  readonly transition: OrderActivities['transitionOrder'] = async ({ orderId, step, command }) => {
    const entry = this.entry(orderId);
    // Once per step key, like the real activity: a retried or replayed transition changes nothing.
    if (entry.steps.has(step)) return entry.order.status;
    try {
      const { order, events } = applyOrderCommand(entry.order, command);
      entry.order = order;
      entry.steps.add(step);
      entry.timeline.push(...events.map((e) => e.type));
      return order.status;
    } catch (error) {
      // As finalOnDomainError: a refused transition stays refused on retry.
      if (error instanceof DomainError) throw ApplicationFailure.nonRetryable(error.message, error.code);
      throw error;
    }
  };

  private entry(orderId: string) {
    const entry = this.orders.get(orderId);
    if (!entry) throw ApplicationFailure.nonRetryable(`order ${orderId} not found`, 'ORDER_NOT_FOUND');
    return entry;
  }
}

export function createSagaFakes(book: FakeOrderBook): SagaFakes {
  const fakes: SagaFakes = {
    orders: { recordOrderPlaced: jest.fn(), transitionOrder: jest.fn(), adoptOrder: jest.fn(), recordCompensationFailed: jest.fn() },
    stock: { reserveStock: jest.fn(), adjustReservation: jest.fn(), releaseStock: jest.fn(), commitStock: jest.fn() },
    credit: { reserveCredit: jest.fn(), adjustCredit: jest.fn(), releaseCredit: jest.fn(), consumeCredit: jest.fn() },
    payment: { chargePayment: jest.fn(), adjustPayment: jest.fn(), refundPayment: jest.fn() },
    shipment: { bookShipment: jest.fn() },
  };
  resetSagaFakes(fakes, book);
  return fakes;
}

/** Forgets every call and one-off behaviour; back to "every step succeeds". */
export function resetSagaFakes(fakes: SagaFakes, book: FakeOrderBook): void {
  for (const context of Object.values(fakes)) for (const mock of Object.values(context) as jest.Mock[]) mock.mockReset();
  book.clear();
  fakes.orders.recordOrderPlaced.mockImplementation(async (input) => book.place(input));
  fakes.orders.transitionOrder.mockImplementation(book.transition);
  fakes.orders.adoptOrder.mockImplementation(async ({ orderId }) => book.get(orderId).status);
  fakes.orders.recordCompensationFailed.mockImplementation(async ({ orderId }) => book.append(orderId, 'CompensationFailed'));
  fakes.stock.reserveStock.mockResolvedValue(undefined);
  fakes.stock.adjustReservation.mockResolvedValue(undefined);
  fakes.stock.releaseStock.mockResolvedValue({ releasedLines: 1 });
  fakes.stock.commitStock.mockResolvedValue({ shippedLines: 1 });
  fakes.credit.reserveCredit.mockResolvedValue(undefined);
  fakes.credit.adjustCredit.mockResolvedValue(undefined);
  fakes.credit.releaseCredit.mockResolvedValue({ released: true });
  fakes.credit.consumeCredit.mockResolvedValue({ consumed: true });
  fakes.payment.chargePayment.mockImplementation(async ({ orderId }) => ({ chargeId: `charge-${orderId}` }));
  fakes.payment.adjustPayment.mockResolvedValue(undefined);
  fakes.payment.refundPayment.mockResolvedValue({ refundedCents: 0 });
  fakes.shipment.bookShipment.mockImplementation(async ({ orderId }) => ({ trackingNumber: `TRACK-${orderId.slice(0, 8)}` }));
}

const RESERVATIONS = ['stock.reserveStock', 'credit.reserveCredit'];

/**
 * Every call to a stock, credit, payment or shipment activity, in the order made (each attempt
 * counts), as `context.activity`. The order's own transitions are on its timeline instead.
 * Stock and credit are reserved at once, so the two reservations that open the saga are listed
 * stock first whichever call came first.
 */
export function stepCalls(fakes: SagaFakes): string[] {
  const calls = allCalls(fakes).filter(({ name }) => !name.startsWith('orders.')).map(({ name }) => name);
  const opening = calls.findIndex((name) => !RESERVATIONS.includes(name));
  const reservations = calls.slice(0, opening === -1 ? calls.length : opening);
  return [...reservations.sort((a, b) => RESERVATIONS.indexOf(a) - RESERVATIONS.indexOf(b)), ...calls.slice(reservations.length)];
}

/** Every call with its argument, in the order made. */
export function allCalls(fakes: SagaFakes): { name: string; request: unknown }[] {
  const calls: { name: string; request: unknown; order: number }[] = [];
  for (const [context, activities] of Object.entries(fakes)) {
    for (const [activity, mock] of Object.entries(activities as Record<string, jest.Mock>)) {
      mock.mock.calls.forEach((args, i) => calls.push({ name: `${context}.${activity}`, request: args[0], order: mock.mock.invocationCallOrder[i]! }));
    }
  }
  return calls.sort((a, b) => a.order - b.order).map(({ name, request }) => ({ name, request }));
}
