// The stock activities on real PostgreSQL, called as a worker would call them: all-or-nothing
// reservations, once per order or step key, compensations that give back exactly what is held, and
// the optimistic lock on `products.version` under concurrent writers.
import { randomUUID } from 'node:crypto';
import { createStockActivities, type StockActivities } from './stock.activities';
import { aProduct } from '../../test/harness';
import { activityPrisma, eventsOf, failureOf, uncommittedChange } from '../../test/activity-kit';
import type { PrismaClient } from '../../platform/prisma';

let prisma: PrismaClient;
let stock: StockActivities;
beforeAll(() => {
  prisma = activityPrisma();
  stock = createStockActivities({ prisma });
});
afterAll(async () => { await prisma?.$disconnect(); });

const productRow = async (productId: string) => {
  const { onHand, reserved, version } = await prisma.product.findUniqueOrThrow({ where: { id: productId } });
  return { onHand, reserved, version };
};
const heldBy = async (orderId: string) =>
  (await prisma.stockReservation.findMany({ where: { orderId }, orderBy: { productId: 'asc' } })).map(({ productId, quantity, state }) => ({ productId, quantity, state }));
const eventTypes = async (orderId: string) => (await eventsOf(prisma, orderId)).map((e) => e.type);
const sorted = <T extends { productId: string }>(rows: T[]) => [...rows].sort((x, y) => x.productId.localeCompare(y.productId));

describe('reserveStock', () => {
  it('when an order reserves two lines, then each product holds its quantity and says so once per line', async () => {
    const { productId: a } = await aProduct(prisma, { stock: 10 });
    const { productId: b } = await aProduct(prisma, { stock: 5 });
    const orderId = randomUUID();

    await stock.reserveStock({ orderId, lines: [{ productId: a, quantity: 3 }, { productId: b, quantity: 5 }] });

    expect(await productRow(a)).toEqual({ onHand: 10, reserved: 3, version: 1 });
    expect(await productRow(b)).toEqual({ onHand: 5, reserved: 5, version: 1 });
    expect(await heldBy(orderId)).toEqual(sorted([{ productId: a, quantity: 3, state: 'RESERVED' }, { productId: b, quantity: 5, state: 'RESERVED' }]));
    expect(await eventTypes(orderId)).toEqual(['StockReserved', 'StockReserved']);
  });

  it('when the same reservation runs again (a retry after a lost result), then it is applied once', async () => {
    const { productId } = await aProduct(prisma, { stock: 10 });
    const orderId = randomUUID();
    const request = { orderId, lines: [{ productId, quantity: 4 }] };

    await expect(stock.reserveStock(request)).resolves.toBeUndefined();
    await expect(stock.reserveStock(request)).resolves.toBeUndefined();

    expect(await productRow(productId)).toEqual({ onHand: 10, reserved: 4, version: 1 });
    expect(await eventTypes(orderId)).toEqual(['StockReserved']);
  });

  it('when another order reserves the same product, then that reservation is applied too', async () => {
    const { productId } = await aProduct(prisma, { stock: 10 });

    await stock.reserveStock({ orderId: randomUUID(), lines: [{ productId, quantity: 4 }] });
    await stock.reserveStock({ orderId: randomUUID(), lines: [{ productId, quantity: 4 }] });

    expect(await productRow(productId)).toEqual({ onHand: 10, reserved: 8, version: 2 });
  });

  it('when an order asks for exactly what is available, then it gets it; one unit more is OUT_OF_STOCK', async () => {
    const { productId } = await aProduct(prisma, { stock: 7 });
    await stock.reserveStock({ orderId: randomUUID(), lines: [{ productId, quantity: 2 }] });

    await stock.reserveStock({ orderId: randomUUID(), lines: [{ productId, quantity: 5 }] });
    const refused = await failureOf(stock.reserveStock({ orderId: randomUUID(), lines: [{ productId, quantity: 1 }] }));

    expect(refused).toMatchObject({ failure: 'ApplicationFailure', type: 'OUT_OF_STOCK', nonRetryable: true });
    expect(await productRow(productId)).toEqual({ onHand: 7, reserved: 7, version: 2 });
  });

  it('when one line is short, then OUT_OF_STOCK is a final business failure and no line of the order is held', async () => {
    const { productId: plenty } = await aProduct(prisma, { stock: 10 });
    const { productId: scarce } = await aProduct(prisma, { stock: 2 });
    const orderId = randomUUID();

    const refused = await failureOf(stock.reserveStock({ orderId, lines: [{ productId: plenty, quantity: 3 }, { productId: scarce, quantity: 3 }] }));

    expect(refused).toMatchObject({ failure: 'ApplicationFailure', type: 'OUT_OF_STOCK', nonRetryable: true });
    expect(await productRow(plenty)).toEqual({ onHand: 10, reserved: 0, version: 0 });
    expect(await productRow(scarce)).toEqual({ onHand: 2, reserved: 0, version: 0 });
    expect(await heldBy(orderId)).toEqual([]);
    expect(await eventTypes(orderId)).toEqual([]);
  });

  it('when a product does not exist, then UNKNOWN_PRODUCT is a final business failure and nothing is held', async () => {
    const { productId } = await aProduct(prisma, { stock: 10 });
    const orderId = randomUUID();

    const refused = await failureOf(stock.reserveStock({ orderId, lines: [{ productId, quantity: 1 }, { productId: randomUUID(), quantity: 1 }] }));

    expect(refused).toMatchObject({ failure: 'ApplicationFailure', type: 'UNKNOWN_PRODUCT', nonRetryable: true });
    expect(await productRow(productId)).toEqual({ onHand: 10, reserved: 0, version: 0 });
    expect(await heldBy(orderId)).toEqual([]);
  });
});

describe('releaseStock and commitStock', () => {
  it('when a reservation is released, then every product is back to exactly what it was', async () => {
    const { productId: a } = await aProduct(prisma, { stock: 10 });
    const { productId: b } = await aProduct(prisma, { stock: 10 });
    await stock.reserveStock({ orderId: randomUUID(), lines: [{ productId: a, quantity: 1 }] }); // another order's hold stays
    const orderId = randomUUID();
    await stock.reserveStock({ orderId, lines: [{ productId: a, quantity: 3 }, { productId: b, quantity: 2 }] });

    await expect(stock.releaseStock({ orderId })).resolves.toEqual({ releasedLines: 2 });

    expect(await productRow(a)).toEqual({ onHand: 10, reserved: 1, version: 3 });
    expect(await productRow(b)).toEqual({ onHand: 10, reserved: 0, version: 2 });
    expect((await heldBy(orderId)).map((l) => l.state)).toEqual(['RELEASED', 'RELEASED']);
    expect(await eventTypes(orderId)).toEqual(['StockReserved', 'StockReserved', 'StockReleased', 'StockReleased']);
  });

  it('when the release runs twice, then it gives back once', async () => {
    const { productId } = await aProduct(prisma, { stock: 10 });
    const orderId = randomUUID();
    await stock.reserveStock({ orderId, lines: [{ productId, quantity: 3 }] });

    await expect(stock.releaseStock({ orderId })).resolves.toEqual({ releasedLines: 1 });
    await expect(stock.releaseStock({ orderId })).resolves.toEqual({ releasedLines: 0 });

    expect(await productRow(productId)).toEqual({ onHand: 10, reserved: 0, version: 2 });
    expect(await eventTypes(orderId)).toEqual(['StockReserved', 'StockReleased']);
  });

  it('when nothing was ever reserved (the reservation was declined), then the release is a no-op', async () => {
    const { productId } = await aProduct(prisma, { stock: 1 });
    const orderId = randomUUID();
    await failureOf(stock.reserveStock({ orderId, lines: [{ productId, quantity: 2 }] }));

    await expect(stock.releaseStock({ orderId })).resolves.toEqual({ releasedLines: 0 });

    expect(await productRow(productId)).toEqual({ onHand: 1, reserved: 0, version: 0 });
    expect(await eventTypes(orderId)).toEqual([]);
  });

  it('when a late retry of the reservation arrives after its release, then it holds nothing again', async () => {
    const { productId } = await aProduct(prisma, { stock: 10 });
    const orderId = randomUUID();
    const request = { orderId, lines: [{ productId, quantity: 3 }] };
    await stock.reserveStock(request);
    await stock.releaseStock({ orderId });

    await stock.reserveStock(request);

    expect(await productRow(productId)).toEqual({ onHand: 10, reserved: 0, version: 2 });
    expect(await heldBy(orderId)).toEqual([{ productId, quantity: 3, state: 'RELEASED' }]);
  });

  it('when the order ships, then its units leave on hand and reserved once, and a later release gives nothing back', async () => {
    const { productId } = await aProduct(prisma, { stock: 10 });
    const orderId = randomUUID();
    await stock.reserveStock({ orderId, lines: [{ productId, quantity: 4 }] });

    await expect(stock.commitStock({ orderId })).resolves.toEqual({ shippedLines: 1 });
    await expect(stock.commitStock({ orderId })).resolves.toEqual({ shippedLines: 0 });
    await expect(stock.releaseStock({ orderId })).resolves.toEqual({ releasedLines: 0 });

    expect(await productRow(productId)).toEqual({ onHand: 6, reserved: 0, version: 2 });
    expect(await heldBy(orderId)).toEqual([{ productId, quantity: 4, state: 'SHIPPED' }]);
    expect(await eventTypes(orderId)).toEqual(['StockReserved', 'StockShipped']);
  });
});

describe('adjustReservation (a revision)', () => {
  it('when a revision reserves more and the step is retried, then it applies once; a different step key applies again', async () => {
    const { productId: a } = await aProduct(prisma, { stock: 10 });
    const { productId: b } = await aProduct(prisma, { stock: 10 });
    const orderId = randomUUID();
    await stock.reserveStock({ orderId, lines: [{ productId: a, quantity: 2 }] });
    const revision1 = { orderId, stepKey: `${orderId}:revise-1:stock`, deltas: [{ productId: a, quantityDelta: 1 }, { productId: b, quantityDelta: 2 }] };

    await stock.adjustReservation(revision1);
    await stock.adjustReservation(revision1);
    expect(await productRow(a)).toEqual({ onHand: 10, reserved: 3, version: 2 });
    expect(await productRow(b)).toEqual({ onHand: 10, reserved: 2, version: 1 });

    await stock.adjustReservation({ ...revision1, stepKey: `${orderId}:revise-2:stock` });
    expect(await productRow(a)).toEqual({ onHand: 10, reserved: 4, version: 3 });
    expect(await productRow(b)).toEqual({ onHand: 10, reserved: 4, version: 2 });
    expect(await heldBy(orderId)).toEqual(sorted([{ productId: a, quantity: 4, state: 'RESERVED' }, { productId: b, quantity: 4, state: 'RESERVED' }]));
  });

  it('when the revision is undone with negated deltas under its own key, then the stock is exactly as before it, once', async () => {
    const { productId: a } = await aProduct(prisma, { stock: 10 });
    const { productId: b } = await aProduct(prisma, { stock: 10 });
    const orderId = randomUUID();
    await stock.reserveStock({ orderId, lines: [{ productId: a, quantity: 2 }] });
    await stock.adjustReservation({ orderId, stepKey: `${orderId}:revise-1:stock`, deltas: [{ productId: a, quantityDelta: 3 }, { productId: b, quantityDelta: 1 }] });
    const undo = { orderId, stepKey: `${orderId}:revise-1:stock-undo`, deltas: [{ productId: a, quantityDelta: -3 }, { productId: b, quantityDelta: -1 }] };

    await stock.adjustReservation(undo);
    await stock.adjustReservation(undo);

    expect(await productRow(a)).toMatchObject({ onHand: 10, reserved: 2 });
    expect(await productRow(b)).toMatchObject({ onHand: 10, reserved: 0 });
    expect(await heldBy(orderId)).toEqual(sorted([{ productId: a, quantity: 2, state: 'RESERVED' }, { productId: b, quantity: 0, state: 'RELEASED' }]));
    // The order's own release afterwards gives back what it still holds, and only that.
    await expect(stock.releaseStock({ orderId })).resolves.toEqual({ releasedLines: 1 });
    expect(await productRow(a)).toMatchObject({ onHand: 10, reserved: 0 });
  });

  it('when a revision gives back more of a line than the order holds, then only what it holds is given back', async () => {
    const { productId } = await aProduct(prisma, { stock: 10 });
    await stock.reserveStock({ orderId: randomUUID(), lines: [{ productId, quantity: 5 }] }); // another order's units
    const orderId = randomUUID();
    await stock.reserveStock({ orderId, lines: [{ productId, quantity: 2 }] });

    await stock.adjustReservation({ orderId, stepKey: `${orderId}:revise-1:stock-release`, deltas: [{ productId, quantityDelta: -9 }] });

    expect(await productRow(productId)).toMatchObject({ onHand: 10, reserved: 5 });
    expect(await heldBy(orderId)).toEqual([{ productId, quantity: 0, state: 'RELEASED' }]);
  });

  it('when one of the extra lines is short, then OUT_OF_STOCK declines the whole revision and nothing of it applies', async () => {
    const { productId: a } = await aProduct(prisma, { stock: 10 });
    const { productId: scarce } = await aProduct(prisma, { stock: 1 });
    const orderId = randomUUID();
    await stock.reserveStock({ orderId, lines: [{ productId: a, quantity: 2 }] });
    const stepKey = `${orderId}:revise-1:stock`;

    const refused = await failureOf(stock.adjustReservation({ orderId, stepKey, deltas: [{ productId: a, quantityDelta: 5 }, { productId: scarce, quantityDelta: 2 }] }));

    expect(refused).toMatchObject({ failure: 'ApplicationFailure', type: 'OUT_OF_STOCK', nonRetryable: true });
    expect(await productRow(a)).toEqual({ onHand: 10, reserved: 2, version: 1 });
    expect(await productRow(scarce)).toEqual({ onHand: 1, reserved: 0, version: 0 });
    expect(await heldBy(orderId)).toEqual([{ productId: a, quantity: 2, state: 'RESERVED' }]);
    expect((await eventsOf(prisma, orderId)).filter((e) => e.stepKey?.startsWith(stepKey))).toEqual([]);
  });
});

describe('concurrent reservations', () => {
  it('when five orders race for the last 3 units, then exactly 3 win, 2 are OUT_OF_STOCK and reserved never exceeds on hand', async () => {
    const { productId } = await aProduct(prisma, { stock: 3 });

    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => stock.reserveStock({ orderId: randomUUID(), lines: [{ productId, quantity: 1 }] })));

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as { type?: string; nonRetryable?: boolean }] : []));
    expect(refused.map((r) => [r.type, r.nonRetryable])).toEqual([['OUT_OF_STOCK', true], ['OUT_OF_STOCK', true]]);
    expect(await productRow(productId)).toEqual({ onHand: 3, reserved: 3, version: 3 });
    expect(await prisma.stockReservation.aggregate({ where: { productId, state: 'RESERVED' }, _sum: { quantity: true } })).toEqual({ _sum: { quantity: 3 } });
  });

  it('when two orders race for the last unit, then exactly one holds it', async () => {
    const { productId } = await aProduct(prisma, { stock: 1 });
    const [first, second] = [randomUUID(), randomUUID()];

    const outcomes = await Promise.allSettled([first, second].map((orderId) => stock.reserveStock({ orderId, lines: [{ productId, quantity: 1 }] })));

    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await productRow(productId)).toEqual({ onHand: 1, reserved: 1, version: 1 });
    expect(await prisma.stockReservation.count({ where: { productId } })).toBe(1);
  });

  it('when two orders take the same two products in opposite line order at once, then both are reserved (no deadlock)', async () => {
    const { productId: a } = await aProduct(prisma, { stock: 10 });
    const { productId: b } = await aProduct(prisma, { stock: 10 });

    await Promise.all([
      stock.reserveStock({ orderId: randomUUID(), lines: [{ productId: a, quantity: 1 }, { productId: b, quantity: 2 }] }),
      stock.reserveStock({ orderId: randomUUID(), lines: [{ productId: b, quantity: 3 }, { productId: a, quantity: 4 }] }),
    ]);

    expect(await productRow(a)).toEqual({ onHand: 10, reserved: 5, version: 2 });
    expect(await productRow(b)).toEqual({ onHand: 10, reserved: 5, version: 2 });
  });

  it('when the same reservation is delivered twice at once, then it is applied once', async () => {
    const { productId } = await aProduct(prisma, { stock: 10 });
    const orderId = randomUUID();
    const request = { orderId, lines: [{ productId, quantity: 3 }] };

    await Promise.all([stock.reserveStock(request), stock.reserveStock(request)]);

    expect(await productRow(productId)).toEqual({ onHand: 10, reserved: 3, version: 1 });
    expect(await eventTypes(orderId)).toEqual(['StockReserved']);
  });

  it('when an admin stock adjustment commits while a reservation writes the product, then the reservation retries on fresh data and neither change is lost', async () => {
    const { productId } = await aProduct(prisma, { stock: 10 });
    const orderId = randomUUID();
    const admin = await uncommittedChange(prisma, 'UPDATE products SET on_hand = on_hand + 5, version = version + 1 WHERE id = $1', [productId]);

    const reserving = stock.reserveStock({ orderId, lines: [{ productId, quantity: 4 }] });
    await admin.blocks(); // the reservation read version 0 and waits to write it
    await admin.commit(); // version 0 is gone: its write matches no row, the transaction helper runs it again

    await reserving;
    expect(await productRow(productId)).toEqual({ onHand: 15, reserved: 4, version: 2 });
    expect(await eventTypes(orderId)).toEqual(['StockReserved']);
  });
});
