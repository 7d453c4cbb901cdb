// The credit activities on real PostgreSQL, called as a worker would call them: one hold per order,
// revision deltas once per step key, compensations that give back exactly what is held, exact cents
// above 32 bits, and the optimistic lock on `credit_lines.version` under concurrent writers.
import { randomUUID } from 'node:crypto';
import { createCreditActivities, type CreditActivities } from './credit.activities';
import { aCustomer } from '../../test/harness';
import { activityPrisma, eventsOf, failureOf, uncommittedChange } from '../../test/activity-kit';
import type { PrismaClient } from '../../platform/prisma';

let prisma: PrismaClient;
let credit: CreditActivities;
beforeAll(() => {
  prisma = activityPrisma();
  credit = createCreditActivities({ prisma });
});
afterAll(async () => { await prisma?.$disconnect(); });

const lineOf = async (customerId: string) => {
  const row = await prisma.creditLine.findUniqueOrThrow({ where: { customerId } });
  return { limitCents: Number(row.limitCents), heldCents: Number(row.heldCents), consumedCents: Number(row.consumedCents), version: row.version };
};
const holdOf = async (orderId: string) => {
  const row = await prisma.creditReservation.findUnique({ where: { orderId } });
  return row && { amountCents: Number(row.amountCents), state: row.state };
};
const eventTypes = async (orderId: string) => (await eventsOf(prisma, orderId)).map((e) => e.type);
const customerWith = async (creditLimitCents: number) => (await aCustomer(prisma, { creditLimitCents })).customerId;

describe('reserveCredit', () => {
  it('when an order holds its total, then exactly that is held and the timeline says so once', async () => {
    const customerId = await customerWith(100_000);
    const orderId = randomUUID();

    await credit.reserveCredit({ orderId, customerId, amountCents: 12_345 });

    expect(await lineOf(customerId)).toEqual({ limitCents: 100_000, heldCents: 12_345, consumedCents: 0, version: 1 });
    expect(await holdOf(orderId)).toEqual({ amountCents: 12_345, state: 'RESERVED' });
    expect(await eventsOf(prisma, orderId)).toEqual([{ type: 'CreditReserved', context: 'credit', data: { amountCents: 12_345, orderId }, stepKey: null }]);
  });

  it('when the same hold runs again (a retry after a lost result), then it is applied once; another order holds again', async () => {
    const customerId = await customerWith(100_000);
    const orderId = randomUUID();

    await credit.reserveCredit({ orderId, customerId, amountCents: 30_000 });
    await credit.reserveCredit({ orderId, customerId, amountCents: 30_000 });
    expect(await lineOf(customerId)).toMatchObject({ heldCents: 30_000, version: 1 });
    expect(await eventTypes(orderId)).toEqual(['CreditReserved']);

    await credit.reserveCredit({ orderId: randomUUID(), customerId, amountCents: 30_000 });
    expect(await lineOf(customerId)).toMatchObject({ heldCents: 60_000, version: 2 });
  });

  it('when an order asks for exactly the credit left, then it is held; one cent more is CREDIT_LIMIT_EXCEEDED and changes nothing', async () => {
    const customerId = await customerWith(10_000);
    await credit.reserveCredit({ orderId: randomUUID(), customerId, amountCents: 4_000 });
    await credit.reserveCredit({ orderId: randomUUID(), customerId, amountCents: 6_000 });
    const orderId = randomUUID();

    const refused = await failureOf(credit.reserveCredit({ orderId, customerId, amountCents: 1 }));

    expect(refused).toMatchObject({ failure: 'ApplicationFailure', type: 'CREDIT_LIMIT_EXCEEDED', nonRetryable: true });
    expect(await lineOf(customerId)).toEqual({ limitCents: 10_000, heldCents: 10_000, consumedCents: 0, version: 2 });
    expect(await holdOf(orderId)).toBeNull();
    expect(await eventTypes(orderId)).toEqual([]);
  });

  it('when the limit was lowered below what is already used, then earlier holds stay and a new one is declined', async () => {
    const customerId = await customerWith(10_000);
    await credit.reserveCredit({ orderId: randomUUID(), customerId, amountCents: 8_000 });
    await prisma.creditLine.update({ where: { customerId }, data: { limitCents: 5_000, version: { increment: 1 } } });

    expect(await failureOf(credit.reserveCredit({ orderId: randomUUID(), customerId, amountCents: 1 }))).toMatchObject({ type: 'CREDIT_LIMIT_EXCEEDED', nonRetryable: true });
    expect(await lineOf(customerId)).toEqual({ limitCents: 5_000, heldCents: 8_000, consumedCents: 0, version: 2 });
  });

  it('when the customer has no credit line, then UNKNOWN_CUSTOMER is a final business failure', async () => {
    const orderId = randomUUID();

    expect(await failureOf(credit.reserveCredit({ orderId, customerId: randomUUID(), amountCents: 100 }))).toMatchObject({ failure: 'ApplicationFailure', type: 'UNKNOWN_CUSTOMER', nonRetryable: true });
    expect(await holdOf(orderId)).toBeNull();
  });

  it('when amounts exceed 32 bits, then every cent is held, released and consumed exactly', async () => {
    const customerId = await customerWith(1_000_000_000_000);
    const [shipped, cancelled] = [randomUUID(), randomUUID()];

    await credit.reserveCredit({ orderId: shipped, customerId, amountCents: 9_999_999_999 });
    await credit.reserveCredit({ orderId: cancelled, customerId, amountCents: 4_294_967_297 });
    await credit.consumeCredit({ orderId: shipped });
    await credit.releaseCredit({ orderId: cancelled });

    expect(await lineOf(customerId)).toEqual({ limitCents: 1_000_000_000_000, heldCents: 0, consumedCents: 9_999_999_999, version: 4 });
  });
});

describe('releaseCredit and consumeCredit', () => {
  it('when a hold is released, then the line is back to exactly what it was, once', async () => {
    const customerId = await customerWith(100_000);
    await credit.reserveCredit({ orderId: randomUUID(), customerId, amountCents: 1_111 }); // another order's hold stays
    const orderId = randomUUID();
    await credit.reserveCredit({ orderId, customerId, amountCents: 25_000 });

    await expect(credit.releaseCredit({ orderId })).resolves.toEqual({ released: true });
    await expect(credit.releaseCredit({ orderId })).resolves.toEqual({ released: false });

    expect(await lineOf(customerId)).toEqual({ limitCents: 100_000, heldCents: 1_111, consumedCents: 0, version: 3 });
    expect(await holdOf(orderId)).toEqual({ amountCents: 25_000, state: 'RELEASED' });
    expect(await eventTypes(orderId)).toEqual(['CreditReserved', 'CreditReleased']);
  });

  it('when nothing was ever held (the hold was declined), then the release is a no-op', async () => {
    const customerId = await customerWith(1_000);
    const orderId = randomUUID();
    await failureOf(credit.reserveCredit({ orderId, customerId, amountCents: 1_001 }));

    await expect(credit.releaseCredit({ orderId })).resolves.toEqual({ released: false });

    expect(await lineOf(customerId)).toEqual({ limitCents: 1_000, heldCents: 0, consumedCents: 0, version: 0 });
    expect(await eventTypes(orderId)).toEqual([]);
  });

  it('when a late retry of the hold arrives after its release, then nothing is held again', async () => {
    const customerId = await customerWith(100_000);
    const orderId = randomUUID();
    await credit.reserveCredit({ orderId, customerId, amountCents: 5_000 });
    await credit.releaseCredit({ orderId });

    await credit.reserveCredit({ orderId, customerId, amountCents: 5_000 });

    expect(await lineOf(customerId)).toMatchObject({ heldCents: 0, consumedCents: 0, version: 2 });
  });

  it('when the order ships, then its hold is consumed once and a later release gives nothing back', async () => {
    const customerId = await customerWith(100_000);
    const orderId = randomUUID();
    await credit.reserveCredit({ orderId, customerId, amountCents: 7_500 });

    await expect(credit.consumeCredit({ orderId })).resolves.toEqual({ consumed: true });
    await expect(credit.consumeCredit({ orderId })).resolves.toEqual({ consumed: false });
    await expect(credit.releaseCredit({ orderId })).resolves.toEqual({ released: false });

    expect(await lineOf(customerId)).toEqual({ limitCents: 100_000, heldCents: 0, consumedCents: 7_500, version: 2 });
    expect(await holdOf(orderId)).toEqual({ amountCents: 7_500, state: 'CONSUMED' });
    expect(await eventTypes(orderId)).toEqual(['CreditReserved', 'CreditConsumed']);
  });
});

describe('adjustCredit (a revision)', () => {
  it('when a revision holds more and the step is retried, then it applies once; a different step key applies again', async () => {
    const customerId = await customerWith(100_000);
    const orderId = randomUUID();
    await credit.reserveCredit({ orderId, customerId, amountCents: 10_000 });
    const revision1 = { orderId, stepKey: `${orderId}:revise-1:credit`, deltaCents: 2_500 };

    await credit.adjustCredit(revision1);
    await credit.adjustCredit(revision1);
    expect(await lineOf(customerId)).toMatchObject({ heldCents: 12_500, version: 2 });
    expect(await holdOf(orderId)).toEqual({ amountCents: 12_500, state: 'RESERVED' });

    await credit.adjustCredit({ ...revision1, stepKey: `${orderId}:revise-2:credit` });
    expect(await lineOf(customerId)).toMatchObject({ heldCents: 15_000, version: 3 });

    // The order's release gives back everything the order holds after its revisions.
    await credit.releaseCredit({ orderId });
    expect(await lineOf(customerId)).toMatchObject({ heldCents: 0, consumedCents: 0 });
  });

  it('when a revision is undone with the negated delta under its own key, then the line is exactly as before it, once', async () => {
    const customerId = await customerWith(100_000);
    const orderId = randomUUID();
    await credit.reserveCredit({ orderId, customerId, amountCents: 10_000 });
    await credit.adjustCredit({ orderId, stepKey: `${orderId}:revise-1:credit`, deltaCents: 4_000 });
    const undo = { orderId, stepKey: `${orderId}:revise-1:credit-undo`, deltaCents: -4_000 };

    await credit.adjustCredit(undo);
    await credit.adjustCredit(undo);

    expect(await lineOf(customerId)).toEqual({ limitCents: 100_000, heldCents: 10_000, consumedCents: 0, version: 3 });
    expect(await holdOf(orderId)).toEqual({ amountCents: 10_000, state: 'RESERVED' });
    expect(await eventTypes(orderId)).toEqual(['CreditReserved', 'CreditReserved', 'CreditReleased']);
  });

  it('when the extra credit is not there, then CREDIT_LIMIT_EXCEEDED declines the revision and nothing changes', async () => {
    const customerId = await customerWith(10_000);
    const orderId = randomUUID();
    await credit.reserveCredit({ orderId, customerId, amountCents: 9_000 });
    const stepKey = `${orderId}:revise-1:credit`;

    const refused = await failureOf(credit.adjustCredit({ orderId, stepKey, deltaCents: 1_001 }));

    expect(refused).toMatchObject({ failure: 'ApplicationFailure', type: 'CREDIT_LIMIT_EXCEEDED', nonRetryable: true });
    expect(await lineOf(customerId)).toEqual({ limitCents: 10_000, heldCents: 9_000, consumedCents: 0, version: 1 });
    expect(await holdOf(orderId)).toEqual({ amountCents: 9_000, state: 'RESERVED' });
    expect((await eventsOf(prisma, orderId)).filter((e) => e.stepKey?.startsWith(stepKey))).toEqual([]);
  });

  it('when the delta is zero, then nothing is written', async () => {
    const customerId = await customerWith(10_000);
    const orderId = randomUUID();
    await credit.reserveCredit({ orderId, customerId, amountCents: 1_000 });

    await credit.adjustCredit({ orderId, stepKey: `${orderId}:revise-1:credit`, deltaCents: 0 });

    expect(await lineOf(customerId)).toEqual({ limitCents: 10_000, heldCents: 1_000, consumedCents: 0, version: 1 });
    expect(await eventTypes(orderId)).toEqual(['CreditReserved']);
  });
});

describe('concurrent holds', () => {
  it('when two orders race for the last credit, then exactly one holds it and the line never goes over its limit', async () => {
    const customerId = await customerWith(10_000);

    const outcomes = await Promise.allSettled([randomUUID(), randomUUID()].map((orderId) => credit.reserveCredit({ orderId, customerId, amountCents: 6_000 })));

    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as { type?: string }).type] : []))).toEqual(['CREDIT_LIMIT_EXCEEDED']);
    expect(await lineOf(customerId)).toEqual({ limitCents: 10_000, heldCents: 6_000, consumedCents: 0, version: 1 });
  });

  it('when five orders of 3000 race for a limit of 10000, then exactly three hold and 9000 is held', async () => {
    const customerId = await customerWith(10_000);

    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => credit.reserveCredit({ orderId: randomUUID(), customerId, amountCents: 3_000 })));

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    expect(await lineOf(customerId)).toEqual({ limitCents: 10_000, heldCents: 9_000, consumedCents: 0, version: 3 });
    expect(await prisma.creditReservation.count({ where: { customerId } })).toBe(3);
  });

  it('when the same hold is delivered twice at once, then it is applied once', async () => {
    const customerId = await customerWith(100_000);
    const orderId = randomUUID();

    await Promise.all([1, 2].map(() => credit.reserveCredit({ orderId, customerId, amountCents: 5_000 })));

    expect(await lineOf(customerId)).toMatchObject({ heldCents: 5_000, version: 1 });
    expect(await eventTypes(orderId)).toEqual(['CreditReserved']);
  });

  it('when an admin limit change commits while a hold writes the line, then the hold retries on fresh data and neither change is lost', async () => {
    const customerId = await customerWith(10_000);
    const orderId = randomUUID();
    const admin = await uncommittedChange(prisma, 'UPDATE credit_lines SET limit_cents = 20000, version = version + 1 WHERE customer_id = $1::uuid', [customerId]);

    const holding = credit.reserveCredit({ orderId, customerId, amountCents: 6_000 });
    await admin.blocks(); // the hold read version 0 (limit 10000) and waits to write it
    await admin.commit(); // version 0 is gone: its write matches no row, the transaction helper runs it again

    await holding;
    // Without the version guard the hold would have written the old limit back over the admin's.
    expect(await lineOf(customerId)).toEqual({ limitCents: 20_000, heldCents: 6_000, consumedCents: 0, version: 2 });
    expect(await eventTypes(orderId)).toEqual(['CreditReserved']);
  });
});
