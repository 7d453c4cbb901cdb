// The order view PostgreSQL builds as JSON text (ORDER_VIEW_SQL) against the same order read back
// row by row through Prisma's models and assembled in JavaScript, on awkward data: text that needs
// escaping, totals beyond 32 bits, timestamps with and without milliseconds, no payment, no events.
import { randomUUID } from 'node:crypto';
import { createPrisma, type PrismaClient } from '../../platform/prisma';
import { testConfig } from '../../test/harness';
import { findOrderView, findOrderViewJson, NOTHING_CHARGED, ORDER_VIEW_SQL, ORDER_VIEWS_SQL, orderSummary, orderViewReader } from './order-view.query';

let prisma: PrismaClient;
beforeAll(() => { prisma = createPrisma(testConfig().DATABASE_URL!, 2); });
afterAll(async () => { await prisma.$disconnect(); });

/** What the representation must be, from the rows (API.md's key order). */
async function expectedView(orderId: string) {
  const row = await prisma.order.findUniqueOrThrow({ where: { id: orderId } });
  const payment = await prisma.payment.findUnique({ where: { orderId } });
  const events = await prisma.domainEvent.findMany({ where: { orderId }, orderBy: { id: 'asc' } });
  return {
    ...orderSummary(row, payment ? { chargedCents: Number(payment.chargedCents), refundedCents: Number(payment.refundedCents) } : NOTHING_CHARGED),
    timeline: events.map((e, i) => ({ sequence: i + 1, type: e.type, at: e.at.toISOString(), data: e.data })),
  };
}

async function anOrder(options: { reason?: string; totalCents?: bigint; createdAt?: Date; payment?: boolean; events?: { type: string; data: unknown; at: Date }[] } = {}) {
  const orderId = randomUUID();
  const customerId = randomUUID();
  const items = [{ productId: randomUUID(), sku: 'SKU-"quoted"\\', name: 'Mug ☕ «naïve» \n\t\u0001 end', quantity: 3, unitPriceCents: 3_000_000_000, lineTotalCents: 9_000_000_000 }];
  await prisma.order.create({
    data: {
      id: orderId, customerId, status: 'REJECTED', items, totalCents: options.totalCents ?? 9_000_000_000n,
      shippingAddress: { line1: '1 "Main" St', city: 'Zürich', postalCode: '8000', country: 'CH' },
      rejectionReason: options.reason ?? null, createdAt: options.createdAt ?? new Date('2026-01-02T03:04:05.000Z'), updatedAt: new Date('2026-01-02T03:04:05.120Z'), version: 7,
    },
  });
  if (options.payment) await prisma.payment.create({ data: { id: randomUUID(), orderId, chargedCents: 9_000_000_000n, refundedCents: 1n, status: 'CHARGED' } });
  for (const e of options.events ?? []) {
    await prisma.domainEvent.create({ data: { orderId, context: 'orders', aggregateId: orderId, type: e.type, data: e.data as object, at: e.at } });
  }
  return { orderId, customerId };
}

describe('orderViewReader: the reads of one turn as one statement', () => {
  /** A stand-in for Prisma that records each statement's ids and answers with what `answer` says. */
  function recordingPrisma(answer: (ids: string[]) => Promise<unknown[]> = async (ids) => ids.map((id) => ({ order_id: id, customer_id: 'c', body: `{"orderId":"${id}"}` }))) {
    const statements: string[][] = [];
    const fake = { $queryRawUnsafe: (_sql: string, ids: string | string[]) => {
      const list = Array.isArray(ids) ? ids : [ids];
      statements.push(list);
      return answer(list);
    } } as unknown as PrismaClient;
    return { fake, statements };
  }

  it('when reads arrive in the same turn, then they go as one statement; reads of a later turn go as another', async () => {
    const { fake, statements } = recordingPrisma();
    const read = orderViewReader(fake);
    const first = await Promise.all(['a', 'b', 'c'].map((id) => read(id)));
    const later = await read('d');
    expect(statements).toEqual([['a', 'b', 'c'], ['d']]);
    expect(first.map((v) => v?.body)).toEqual(['{"orderId":"a"}', '{"orderId":"b"}', '{"orderId":"c"}']);
    expect(later?.body).toBe('{"orderId":"d"}');
  });

  it('when more reads arrive in a turn than a batch holds, then they are split into full batches', async () => {
    const { fake, statements } = recordingPrisma();
    const read = orderViewReader(fake, 2);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => read(id)));
    expect(statements).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('when the statement fails, then every read in it fails with that error, and the next turn reads afresh', async () => {
    const outage = new Error('connection refused');
    let fail = true;
    const { fake } = recordingPrisma(async (ids) => {
      if (fail) throw outage;
      return ids.map((id) => ({ order_id: id, customer_id: 'c', body: '{}' }));
    });
    const read = orderViewReader(fake);
    const settled = await Promise.allSettled([read('a'), read('b')]);
    expect(settled).toEqual([{ status: 'rejected', reason: outage }, { status: 'rejected', reason: outage }]);
    fail = false;
    expect(await read('a')).toEqual({ customerId: 'c', body: '{}' });
  });
});

describe('the order view built by PostgreSQL', () => {
  it('when an order has a payment and events with awkward text and large numbers, then the JSON equals the view assembled from its rows, keys in order', async () => {
    const { orderId, customerId } = await anOrder({
      reason: 'PAYMENT_DECLINED: "card" \\ refused\u2028',
      payment: true,
      events: [
        { type: 'OrderPlaced', data: { customerId: 'c', totalCents: 9_000_000_000, nested: { list: [1, 2.5, null, true], text: 'tab\tand \u001f' } }, at: new Date('2026-01-02T03:04:05.007Z') },
        { type: 'OrderRejected', data: {}, at: new Date('2026-01-02T03:04:06.000Z') },
        { type: 'PaymentDeclined', data: { message: 'émoji 🎉 / ok' }, at: new Date('2026-01-02T03:04:06.990Z') },
      ],
    });
    const found = await findOrderViewJson(prisma, orderId);
    expect(found?.customerId).toBe(customerId);
    const view = JSON.parse(found!.body);
    const expected = await expectedView(orderId);
    expect(view).toEqual(expected);
    expect(Object.keys(view)).toEqual(Object.keys(expected));
    expect(Object.keys(view.timeline[0])).toEqual(['sequence', 'type', 'at', 'data']);
    expect(view.payment).toEqual({ chargedCents: 9_000_000_000, refundedCents: 1 });
  });

  it('when an order has no payment and no events, then the view shows nothing charged and an empty timeline', async () => {
    const { orderId } = await anOrder({ createdAt: new Date('1999-12-31T23:59:59.999Z') });
    const view = await findOrderView(prisma, orderId);
    expect(view).toEqual(await expectedView(orderId));
    expect(view).toMatchObject({ payment: { chargedCents: 0, refundedCents: 0 }, timeline: [], createdAt: '1999-12-31T23:59:59.999Z' });
  });

  it('when the session time zone is not UTC, then timestamps are still UTC with a Z', async () => {
    const { orderId } = await anOrder({ events: [{ type: 'OrderPlaced', data: {}, at: new Date('2026-06-30T22:30:00.050Z') }] });
    const [, rows] = await prisma.$transaction([
      prisma.$executeRawUnsafe("SET LOCAL TIME ZONE 'Pacific/Chatham'"),
      prisma.$queryRawUnsafe<{ body: string }[]>(ORDER_VIEW_SQL, orderId),
    ]);
    expect(JSON.parse(rows[0]!.body).timeline[0].at).toBe('2026-06-30T22:30:00.050Z');
  });

  it('when views are read one and several at a time, then the connection keeps both statements prepared, and other SQL is not prepared', async () => {
    const single = createPrisma(testConfig().DATABASE_URL!, 1);
    try {
      const [a, b] = [await anOrder(), await anOrder()];
      await findOrderViewJson(single, a.orderId);
      const read = orderViewReader(single);
      await Promise.all([read(a.orderId), read(b.orderId)]);
      await single.$queryRawUnsafe('SELECT $1::int AS n', 1);
      const prepared = await single.$queryRawUnsafe<{ name: string; statement: string }[]>('SELECT name, statement FROM pg_prepared_statements ORDER BY name');
      expect(prepared).toEqual([{ name: 'order_view', statement: ORDER_VIEW_SQL }, { name: 'order_views', statement: ORDER_VIEWS_SQL }]);
      expect(await findOrderView(single, a.orderId)).toEqual(await expectedView(a.orderId));
    } finally {
      await single.$disconnect();
    }
  });

  it('when several reads arrive in one turn (one missing, one id in upper case, one twice), then each gets its own order\'s view or null', async () => {
    const [a, b] = [await anOrder({ payment: true }), await anOrder()];
    const read = orderViewReader(prisma);
    const [ra, rb, missing, upper, again] = await Promise.all([read(a.orderId), read(b.orderId), read(randomUUID()), read(b.orderId.toUpperCase()), read(a.orderId)]);
    expect(ra).toEqual({ customerId: a.customerId, body: expect.any(String) });
    expect(JSON.parse(ra!.body)).toEqual(await expectedView(a.orderId));
    expect(JSON.parse(rb!.body)).toEqual(await expectedView(b.orderId));
    expect(missing).toBeNull();
    expect(upper).toEqual(rb);
    expect(again).toEqual(ra);
  });

  it('when there is no such order, then null', async () => {
    expect(await findOrderViewJson(prisma, randomUUID())).toBeNull();
    expect(await findOrderView(prisma, randomUUID())).toBeNull();
  });
});
