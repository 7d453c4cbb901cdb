// The shipment activity on real PostgreSQL with the simulated carrier, called as a worker would call
// it: one booking per order whatever the retries, a refusal (an unserved country) recorded as a final
// SHIPMENT_FAILED and replayed, and a carrier outage retried without recording anything.
import { randomUUID } from 'node:crypto';
import { createShipmentActivities } from './shipment.activities';
import { createSimulatedCarrier } from './simulated-carrier';
import type { Carrier, ShippingAddress } from '../../domain/shipment/shipment';
import { testConfig } from '../../test/harness';
import { activityPrisma, eventsOf, failureOf } from '../../test/activity-kit';
import type { PrismaClient } from '../../platform/prisma';

let prisma: PrismaClient;
beforeAll(() => { prisma = activityPrisma(); });
afterAll(async () => { await prisma?.$disconnect(); });

/** The carrier the workers use (unserved countries from the configuration, AQ by default), counting the bookings it is asked for. */
function countingCarrier(options: { outages?: number } = {}) {
  const carrier = createSimulatedCarrier({ unservedCountries: testConfig().CARRIER_UNSERVED_COUNTRIES });
  let outagesLeft = options.outages ?? 0;
  const asked: string[] = [];
  const counting: Carrier = {
    async book(request) {
      asked.push(request.idempotencyKey);
      if (outagesLeft > 0) {
        outagesLeft--;
        throw Object.assign(new Error('connect ECONNREFUSED carrier'), { code: 'ECONNREFUSED' });
      }
      return carrier.book(request);
    },
  };
  return { carrier: counting, asked };
}

const address = (country: string): ShippingAddress => ({ line1: '1 Main St', city: 'Springfield', postalCode: '12345', country });
const shipmentOf = async (orderId: string) => {
  const row = await prisma.shipment.findUnique({ where: { orderId } });
  return row && { status: row.status, trackingNumber: row.trackingNumber, country: row.country, version: row.version };
};
const eventTypes = async (orderId: string) => (await eventsOf(prisma, orderId)).map((e) => e.type);

describe('bookShipment', () => {
  it('when an order is booked, then one shipment is recorded with its tracking number and the timeline says so', async () => {
    const { carrier } = countingCarrier();
    const shipment = createShipmentActivities({ prisma, carrier });
    const orderId = randomUUID();

    const { trackingNumber } = await shipment.bookShipment({ orderId, address: address('US') });

    expect(trackingNumber).toMatch(/^TRK[0-9A-F]{12}$/);
    expect(await shipmentOf(orderId)).toEqual({ status: 'BOOKED', trackingNumber, country: 'US', version: 0 });
    expect(await eventsOf(prisma, orderId)).toEqual([{ type: 'ShipmentBooked', context: 'shipment', data: { trackingNumber }, stepKey: null }]);
  });

  it('when the booking runs again (a retry after a lost result), then it returns the same tracking number without booking again', async () => {
    const { carrier, asked } = countingCarrier();
    const shipment = createShipmentActivities({ prisma, carrier });
    const orderId = randomUUID();

    const first = await shipment.bookShipment({ orderId, address: address('US') });
    const again = await shipment.bookShipment({ orderId, address: address('US') });

    expect(again).toEqual(first);
    expect(asked).toEqual([`${orderId}:shipment`]);
    expect(await prisma.shipment.count({ where: { orderId } })).toBe(1);
    expect(await eventTypes(orderId)).toEqual(['ShipmentBooked']);
  });

  it('when another order is booked, then it gets a booking and a tracking number of its own', async () => {
    const shipment = createShipmentActivities({ prisma, carrier: countingCarrier().carrier });
    const [first, second] = [randomUUID(), randomUUID()];

    const a = await shipment.bookShipment({ orderId: first, address: address('US') });
    const b = await shipment.bookShipment({ orderId: second, address: address('US') });

    expect(a.trackingNumber).not.toBe(b.trackingNumber);
    expect(await shipmentOf(second)).toMatchObject({ status: 'BOOKED', trackingNumber: b.trackingNumber });
  });

  it('when the carrier does not serve the country (AQ), then SHIPMENT_FAILED is final and the refusal is recorded', async () => {
    const shipment = createShipmentActivities({ prisma, carrier: countingCarrier().carrier });
    const orderId = randomUUID();

    const refused = await failureOf(shipment.bookShipment({ orderId, address: address('AQ') }));

    expect(refused).toEqual({ failure: 'ApplicationFailure', type: 'SHIPMENT_FAILED', nonRetryable: true, message: 'carrier does not serve AQ' });
    expect(await shipmentOf(orderId)).toEqual({ status: 'REFUSED', trackingNumber: null, country: 'AQ', version: 0 });
    expect(await eventsOf(prisma, orderId)).toEqual([{ type: 'ShipmentRefused', context: 'shipment', data: { reason: 'carrier does not serve AQ' }, stepKey: null }]);
  });

  it('when a refused booking is retried, then it is refused again without asking the carrier, and nothing more is recorded', async () => {
    const { carrier, asked } = countingCarrier();
    const shipment = createShipmentActivities({ prisma, carrier });
    const orderId = randomUUID();
    await failureOf(shipment.bookShipment({ orderId, address: address('AQ') }));

    expect(await failureOf(shipment.bookShipment({ orderId, address: address('AQ') }))).toMatchObject({ failure: 'ApplicationFailure', type: 'SHIPMENT_FAILED', nonRetryable: true });

    expect(asked).toEqual([`${orderId}:shipment`]);
    expect(await eventTypes(orderId)).toEqual(['ShipmentRefused']);
  });

  it('when the country is written in lower case (aq), then it is refused all the same', async () => {
    const shipment = createShipmentActivities({ prisma, carrier: countingCarrier().carrier });
    const orderId = randomUUID();

    expect(await failureOf(shipment.bookShipment({ orderId, address: address('aq') }))).toMatchObject({ type: 'SHIPMENT_FAILED', nonRetryable: true });
    expect(await shipmentOf(orderId)).toMatchObject({ status: 'REFUSED', trackingNumber: null });
  });

  it('when the carrier is down, then the attempt fails as a retryable outage that records nothing, and the next attempt books once', async () => {
    const { carrier, asked } = countingCarrier({ outages: 1 });
    const shipment = createShipmentActivities({ prisma, carrier });
    const orderId = randomUUID();

    expect(await failureOf(shipment.bookShipment({ orderId, address: address('US') }))).toEqual({ failure: 'Error', message: 'connect ECONNREFUSED carrier' });
    expect(await shipmentOf(orderId)).toBeNull();

    const { trackingNumber } = await shipment.bookShipment({ orderId, address: address('US') });
    expect(asked).toEqual([`${orderId}:shipment`, `${orderId}:shipment`]);
    expect(await shipmentOf(orderId)).toMatchObject({ status: 'BOOKED', trackingNumber });
    expect(await eventTypes(orderId)).toEqual(['ShipmentBooked']);
  });
});

describe('concurrent duplicates', () => {
  it('when the same booking is delivered twice at once, then one shipment is recorded and both get its tracking number', async () => {
    const shipment = createShipmentActivities({ prisma, carrier: countingCarrier().carrier });
    const orderId = randomUUID();

    const [a, b] = await Promise.all([1, 2].map(() => shipment.bookShipment({ orderId, address: address('US') })));

    expect(a).toEqual(b);
    expect(await prisma.shipment.count({ where: { orderId } })).toBe(1);
    expect(await eventTypes(orderId)).toEqual(['ShipmentBooked']);
  });

  it('when the same refused booking is delivered twice at once, then both are SHIPMENT_FAILED and one refusal is recorded', async () => {
    const shipment = createShipmentActivities({ prisma, carrier: countingCarrier().carrier });
    const orderId = randomUUID();

    const outcomes = await Promise.all([1, 2].map(() => failureOf(shipment.bookShipment({ orderId, address: address('AQ') }))));

    expect(outcomes.map((o) => [o.type, o.nonRetryable])).toEqual([['SHIPMENT_FAILED', true], ['SHIPMENT_FAILED', true]]);
    expect(await prisma.shipment.count({ where: { orderId } })).toBe(1);
    expect(await eventTypes(orderId)).toEqual(['ShipmentRefused']);
  });
});
