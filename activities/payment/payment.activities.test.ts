// The payment activities on real PostgreSQL with the simulated provider (its own ledger in the same
// database, outside our transactions), called as a worker would call them: one charge per step key,
// declines recorded and replayed, the documented test tokens, refunds that name their charges.
import { randomUUID } from 'node:crypto';
import { createPaymentActivities, type PaymentActivities } from './payment.activities';
import { createSimulatedPaymentProvider } from './simulated-payment-provider';
import { createSimulatedPaymentVault, PAYMENT_METHOD_REF } from '../../platform/simulated-payment-vault';
import { activityPrisma, eventsOf, failureOf, uncommittedChange } from '../../test/activity-kit';
import { providerLedger } from '../../test/provider-ledger';
import { isTransient } from '../../platform/errors';
import type { PaymentProvider } from '../../domain/payment/payment';
import type { PrismaClient } from '../../platform/prisma';

let prisma: PrismaClient;
let provider: PaymentProvider;
let payment: PaymentActivities;
beforeAll(() => {
  prisma = activityPrisma();
  provider = createSimulatedPaymentProvider(prisma);
  payment = createPaymentActivities({ prisma, provider });
});
afterAll(async () => { await prisma?.$disconnect(); });

/** Our side: the order's payment row and its charges, oldest first. */
const paymentOf = async (orderId: string) => {
  const row = await prisma.payment.findUnique({ where: { orderId } });
  if (!row) return null;
  const charges = await prisma.paymentCharge.findMany({ where: { paymentId: row.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return {
    chargedCents: Number(row.chargedCents), refundedCents: Number(row.refundedCents), status: row.status, version: row.version,
    charges: charges.map((c) => ({ stepKey: c.stepKey, amountCents: Number(c.amountCents), refundedCents: Number(c.refundedCents), outcome: c.outcome })),
  };
};
/** How many times the provider was asked for the charge with this key. */
const providerAttempts = async (idempotencyKey: string) => (await prisma.providerCharge.findUnique({ where: { idempotencyKey } }))?.attempts ?? 0;
const eventTypes = async (orderId: string) => (await eventsOf(prisma, orderId)).map((e) => e.type);

describe('chargePayment', () => {
  it('when an order is charged, then the provider holds one charge of exactly the total and our ledger records it', async () => {
    const orderId = randomUUID();

    const { chargeId } = await payment.chargePayment({ orderId, amountCents: 4_250, token: 'tok_visa' });

    expect(chargeId).toMatch(/^ch_/);
    expect(await providerLedger(prisma, orderId)).toMatchObject({ charges: [{ chargeId, amountCents: 4_250, refundedCents: 0 }], chargedCents: 4_250, refundedCents: 0, declinedCharges: 0 });
    expect(await paymentOf(orderId)).toEqual({
      chargedCents: 4_250, refundedCents: 0, status: 'CHARGED', version: 0,
      charges: [{ stepKey: `${orderId}:charge`, amountCents: 4_250, refundedCents: 0, outcome: 'SUCCEEDED' }],
    });
    expect(await eventsOf(prisma, orderId)).toEqual([{ type: 'PaymentCharged', context: 'payment', data: { amountCents: 4_250 }, stepKey: null }]);
  });

  it('when the charge runs again (a retry after a lost result), then it returns the same charge and charges once', async () => {
    const orderId = randomUUID();
    const request = { orderId, amountCents: 4_250, token: 'tok_visa' };

    const first = await payment.chargePayment(request);
    const again = await payment.chargePayment(request);

    expect(again).toEqual(first);
    expect(await providerLedger(prisma, orderId)).toMatchObject({ chargedCents: 4_250, refundedCents: 0 });
    expect((await paymentOf(orderId))!.charges).toHaveLength(1);
    expect(await eventTypes(orderId)).toEqual(['PaymentCharged']);
  });

  it('when the worker died after the provider charged but before our ledger recorded it, then the retry records that charge instead of charging again', async () => {
    const orderId = randomUUID();
    const lost = await provider.charge({ idempotencyKey: `${orderId}:charge`, amountCents: 4_250, token: 'tok_visa', reference: orderId });

    expect(lost).toMatchObject({ outcome: 'succeeded' });

    await expect(payment.chargePayment({ orderId, amountCents: 4_250, token: 'tok_visa' })).resolves.toEqual({ chargeId: lost.outcome === 'succeeded' && lost.chargeId });

    expect(await providerAttempts(`${orderId}:charge`)).toBe(2);
    expect(await providerLedger(prisma, orderId)).toMatchObject({ chargedCents: 4_250 });
    expect(await paymentOf(orderId)).toMatchObject({ chargedCents: 4_250, status: 'CHARGED', charges: [{ outcome: 'SUCCEEDED' }] });
  });

  it('when the worker died after the provider declined but before our ledger recorded it, then the retry gets the same decline', async () => {
    const orderId = randomUUID();
    await provider.charge({ idempotencyKey: `${orderId}:charge`, amountCents: 4_250, token: 'tok_decline', reference: orderId });

    expect(await failureOf(payment.chargePayment({ orderId, amountCents: 4_250, token: 'tok_decline' }))).toMatchObject({ type: 'PAYMENT_DECLINED', nonRetryable: true });

    expect(await providerLedger(prisma, orderId)).toMatchObject({ chargedCents: 0, declinedCharges: 1 });
    expect(await paymentOf(orderId)).toMatchObject({ chargedCents: 0, status: 'DECLINED' });
  });

  it('when the card is tok_decline, then PAYMENT_DECLINED is final, the decline is recorded, and a retry replays it without asking the provider again', async () => {
    const orderId = randomUUID();
    const request = { orderId, amountCents: 4_250, token: 'tok_decline' };

    expect(await failureOf(payment.chargePayment(request))).toMatchObject({ failure: 'ApplicationFailure', type: 'PAYMENT_DECLINED', nonRetryable: true });
    expect(await failureOf(payment.chargePayment(request))).toMatchObject({ failure: 'ApplicationFailure', type: 'PAYMENT_DECLINED', nonRetryable: true });

    expect(await providerAttempts(`${orderId}:charge`)).toBe(1);
    expect(await providerLedger(prisma, orderId)).toMatchObject({ chargedCents: 0, refundedCents: 0, declinedCharges: 1 });
    expect(await paymentOf(orderId)).toEqual({
      chargedCents: 0, refundedCents: 0, status: 'DECLINED', version: 0,
      charges: [{ stepKey: `${orderId}:charge`, amountCents: 4_250, refundedCents: 0, outcome: 'DECLINED' }],
    });
    expect(await eventTypes(orderId)).toEqual(['PaymentDeclined']);
  });

  it('when the card is tok_flaky, then two attempts fail as retryable outages that record nothing and the third charges once', async () => {
    const orderId = randomUUID();
    const request = { orderId, amountCents: 3_000, token: 'tok_flaky' };

    for (const attempt of [1, 2]) {
      const outage = await failureOf(payment.chargePayment(request));
      expect(outage).toEqual({ failure: 'ProviderUnavailable', message: `payment provider unavailable (attempt ${attempt})` });
      expect(await paymentOf(orderId)).toBeNull();
    }
    const { chargeId } = await payment.chargePayment(request);
    await expect(payment.chargePayment(request)).resolves.toEqual({ chargeId });

    expect(await providerAttempts(`${orderId}:charge`)).toBe(3); // the 4th call replayed our ledger
    expect(await providerLedger(prisma, orderId)).toMatchObject({ charges: [{ chargeId, amountCents: 3_000 }], chargedCents: 3_000 });
    expect(await paymentOf(orderId)).toMatchObject({ chargedCents: 3_000, status: 'CHARGED', charges: [{ outcome: 'SUCCEEDED' }] });
  });

  it('when the provider is unavailable, then the error is one the workers classify as transient (retried, not a decline)', async () => {
    const orderId = randomUUID();
    let error: unknown;
    await payment.chargePayment({ orderId, amountCents: 3_000, token: 'tok_flaky' }).catch((e: unknown) => { error = e; });

    expect(isTransient(error)).toBe(true);
  });

  it('when the card is tok_decline_more, then the first charge succeeds and a revision charge is declined, on every retry too', async () => {
    const orderId = randomUUID();
    await payment.chargePayment({ orderId, amountCents: 5_000, token: 'tok_decline_more' });
    const extra = { orderId, stepKey: `${orderId}:revise-1:payment`, deltaCents: 2_000, token: 'tok_decline_more' };

    expect(await failureOf(payment.adjustPayment(extra))).toMatchObject({ failure: 'ApplicationFailure', type: 'PAYMENT_DECLINED', nonRetryable: true });
    expect(await failureOf(payment.adjustPayment(extra))).toMatchObject({ type: 'PAYMENT_DECLINED', nonRetryable: true });

    expect(await providerAttempts(extra.stepKey)).toBe(1);
    expect(await providerLedger(prisma, orderId)).toMatchObject({ chargedCents: 5_000, declinedCharges: 1 });
    expect(await paymentOf(orderId)).toMatchObject({ chargedCents: 5_000, refundedCents: 0, status: 'CHARGED' });
    expect(await eventTypes(orderId)).toEqual(['PaymentCharged', 'PaymentDeclined']);
  });

  it('when the total exceeds 32 bits, then it is charged and refunded to the cent', async () => {
    const orderId = randomUUID();

    await payment.chargePayment({ orderId, amountCents: 9_999_999_999, token: 'tok_visa' });
    await expect(payment.refundPayment({ orderId })).resolves.toEqual({ refundedCents: 9_999_999_999 });

    expect(await providerLedger(prisma, orderId)).toMatchObject({ chargedCents: 9_999_999_999, refundedCents: 9_999_999_999 });
    expect(await paymentOf(orderId)).toMatchObject({ chargedCents: 9_999_999_999, refundedCents: 9_999_999_999, status: 'REFUNDED' });
  });
});

describe('payment methods from the vault (the API keeps no card token)', () => {
  const vaulted = async (token: string) => (await createSimulatedPaymentVault(prisma).createPaymentMethod({ token })).paymentMethodId;

  it.each([['tok_visa', 'succeed'], ['tok_decline', 'decline'], ['tok_flaky', 'flaky'], ['tok_decline_more', 'decline_more'], ['constructor', 'succeed']])(
    'when %s is vaulted, then the vault keeps a new reference with behaviour %s, and no token',
    async (token, behaviour) => {
      const id = await vaulted(token);
      expect(id).toMatch(PAYMENT_METHOD_REF);
      expect(await vaulted(token)).not.toBe(id);
      const row = await prisma.providerPaymentMethod.findUniqueOrThrow({ where: { id } });
      expect(row).toEqual({ id, behaviour, createdAt: expect.any(Date) });
    });

  it('when a saga charges a reference, then the provider behaves as the card it was made from and its ledger holds the reference', async () => {
    const [declined, flaky] = [randomUUID(), randomUUID()];
    const declining = await vaulted('tok_decline');
    expect(await failureOf(payment.chargePayment({ orderId: declined, amountCents: 1_000, token: declining }))).toMatchObject({ type: 'PAYMENT_DECLINED', nonRetryable: true });
    const flaking = await vaulted('tok_flaky');
    const request = { orderId: flaky, amountCents: 1_000, token: flaking };
    for (const attempt of [1, 2]) expect(await failureOf(payment.chargePayment(request))).toMatchObject({ failure: 'ProviderUnavailable', message: `payment provider unavailable (attempt ${attempt})` });
    await payment.chargePayment(request);
    expect(await providerLedger(prisma, flaky)).toMatchObject({ chargedCents: 1_000 });
    const rows = await prisma.providerCharge.findMany({ where: { reference: { in: [declined, flaky] } }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((r) => [r.outcome, r.token])).toEqual([['declined', declining], ['succeeded', flaking]]);
  });

  it('when a reference the vault never gave is charged, then it is declined', async () => {
    const orderId = randomUUID();
    const unknown = `pm_${'0'.repeat(32)}`;
    expect(await failureOf(payment.chargePayment({ orderId, amountCents: 1_000, token: unknown }))).toMatchObject({ type: 'PAYMENT_DECLINED' });
  });

  it('when a saga started before vaulting charges the card token itself, then the provider vaults it first: its ledger keeps a reference', async () => {
    const orderId = randomUUID();
    const card = `tok_old_${randomUUID()}`;
    await payment.chargePayment({ orderId, amountCents: 1_000, token: card });
    const row = await prisma.providerCharge.findUniqueOrThrow({ where: { idempotencyKey: `${orderId}:charge` } });
    expect(row).toMatchObject({ outcome: 'succeeded', token: expect.stringMatching(PAYMENT_METHOD_REF) });
    expect(JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))).not.toContain(card);
  });
});

describe('adjustPayment (a revision)', () => {
  it('when a revision charges more and the step is retried, then it charges once; a different step key charges again', async () => {
    const orderId = randomUUID();
    await payment.chargePayment({ orderId, amountCents: 5_000, token: 'tok_visa' });
    const revision1 = { orderId, stepKey: `${orderId}:revise-1:payment`, deltaCents: 1_500, token: 'tok_visa' };

    await payment.adjustPayment(revision1);
    await payment.adjustPayment(revision1);
    expect(await providerLedger(prisma, orderId)).toMatchObject({ chargedCents: 6_500 });

    await payment.adjustPayment({ ...revision1, stepKey: `${orderId}:revise-2:payment` });
    expect(await providerLedger(prisma, orderId)).toMatchObject({ chargedCents: 8_000 });
    expect(await paymentOf(orderId)).toMatchObject({ chargedCents: 8_000, refundedCents: 0, status: 'CHARGED' });
    expect((await eventsOf(prisma, orderId)).map((e) => [e.type, e.data])).toEqual([
      ['PaymentCharged', { amountCents: 5_000 }],
      ['PaymentCharged', { amountCents: 1_500, additional: true }],
      ['PaymentCharged', { amountCents: 1_500, additional: true }],
    ]);
  });

  it('when a revision lowers the total, then the newest charge is refunded first, once per step key', async () => {
    const orderId = randomUUID();
    await payment.chargePayment({ orderId, amountCents: 5_000, token: 'tok_visa' });
    await payment.adjustPayment({ orderId, stepKey: `${orderId}:revise-1:payment`, deltaCents: 2_000, token: 'tok_visa' });
    const lower = { orderId, stepKey: `${orderId}:revise-2:payment`, deltaCents: -2_500, token: 'tok_visa' };

    await payment.adjustPayment(lower);
    await payment.adjustPayment(lower);

    expect((await paymentOf(orderId))!.charges.map((c) => [c.amountCents, c.refundedCents])).toEqual([[5_000, 500], [2_000, 2_000]]);
    expect(await paymentOf(orderId)).toMatchObject({ chargedCents: 7_000, refundedCents: 2_500, status: 'PARTIALLY_REFUNDED' });
    const ledger = await providerLedger(prisma, orderId);
    expect(ledger.charges.map((c) => [c.amountCents, c.refundedCents])).toEqual([[5_000, 500], [2_000, 2_000]]);
    expect(ledger.refundsWithoutCharge).toEqual([]);
  });
});

describe('refundPayment', () => {
  it('when a charged order is refunded, then exactly the charge comes back, once', async () => {
    const orderId = randomUUID();
    await payment.chargePayment({ orderId, amountCents: 4_250, token: 'tok_visa' });

    await expect(payment.refundPayment({ orderId })).resolves.toEqual({ refundedCents: 4_250 });
    await expect(payment.refundPayment({ orderId })).resolves.toEqual({ refundedCents: 0 });

    expect(await providerLedger(prisma, orderId)).toMatchObject({ chargedCents: 4_250, refundedCents: 4_250, refundsWithoutCharge: [] });
    expect(await paymentOf(orderId)).toMatchObject({ chargedCents: 4_250, refundedCents: 4_250, status: 'REFUNDED', version: 1 });
    expect(await eventTypes(orderId)).toEqual(['PaymentCharged', 'PaymentRefunded']);
  });

  it('when the worker died after the provider refunded but before our ledger recorded it, then the retry records that refund instead of refunding again', async () => {
    const orderId = randomUUID();
    const { chargeId: providerChargeId } = await payment.chargePayment({ orderId, amountCents: 4_250, token: 'tok_visa' });
    const [charge] = await prisma.paymentCharge.findMany({ where: { stepKey: `${orderId}:charge` } });
    // The key the refund compensation sends for this charge, nothing of it refunded before.
    await provider.refund({ idempotencyKey: `${orderId}:refund:${charge!.id}:0`, chargeId: providerChargeId, amountCents: 4_250 });

    await expect(payment.refundPayment({ orderId })).resolves.toEqual({ refundedCents: 4_250 });

    expect(await providerLedger(prisma, orderId)).toMatchObject({ chargedCents: 4_250, refundedCents: 4_250, refundsWithoutCharge: [] });
    expect(await paymentOf(orderId)).toMatchObject({ refundedCents: 4_250, status: 'REFUNDED' });
    expect(await eventTypes(orderId)).toEqual(['PaymentCharged', 'PaymentRefunded']);
  });

  it('when an order was revised up and down, then the refund gives back what is left of each charge and no more', async () => {
    const orderId = randomUUID();
    await payment.chargePayment({ orderId, amountCents: 5_000, token: 'tok_visa' });
    await payment.adjustPayment({ orderId, stepKey: `${orderId}:revise-1:payment`, deltaCents: 2_000, token: 'tok_visa' });
    await payment.adjustPayment({ orderId, stepKey: `${orderId}:revise-2:payment`, deltaCents: -1_000, token: 'tok_visa' });

    await expect(payment.refundPayment({ orderId })).resolves.toEqual({ refundedCents: 6_000 });

    const ledger = await providerLedger(prisma, orderId);
    expect(ledger.charges.map((c) => [c.amountCents, c.refundedCents])).toEqual([[5_000, 5_000], [2_000, 2_000]]);
    expect(ledger).toMatchObject({ chargedCents: 7_000, refundedCents: 7_000, refundsWithoutCharge: [] });
    expect(await paymentOf(orderId)).toMatchObject({ chargedCents: 7_000, refundedCents: 7_000, status: 'REFUNDED' });
  });

  it('when nothing was ever charged, then the refund is a no-op', async () => {
    const orderId = randomUUID();

    await expect(payment.refundPayment({ orderId })).resolves.toEqual({ refundedCents: 0 });

    expect(await paymentOf(orderId)).toBeNull();
    expect(await providerLedger(prisma, orderId)).toMatchObject({ chargedCents: 0, refundedCents: 0 });
  });

  it('when the charge was declined, then the refund is a no-op', async () => {
    const orderId = randomUUID();
    await failureOf(payment.chargePayment({ orderId, amountCents: 4_250, token: 'tok_decline' }));

    await expect(payment.refundPayment({ orderId })).resolves.toEqual({ refundedCents: 0 });

    expect(await paymentOf(orderId)).toMatchObject({ chargedCents: 0, refundedCents: 0, status: 'DECLINED', version: 0 });
    expect(await eventTypes(orderId)).toEqual(['PaymentDeclined']);
  });
});

describe('concurrent duplicates', () => {
  it('when the same charge is delivered twice at once, then the provider charges once and both get the same charge', async () => {
    const orderId = randomUUID();
    const request = { orderId, amountCents: 2_000, token: 'tok_visa' };

    const [a, b] = await Promise.all([payment.chargePayment(request), payment.chargePayment(request)]);

    expect(a).toEqual(b);
    expect(await providerLedger(prisma, orderId)).toMatchObject({ chargedCents: 2_000 });
    expect(await paymentOf(orderId)).toMatchObject({ chargedCents: 2_000, charges: [{ outcome: 'SUCCEEDED' }] });
    expect(await eventTypes(orderId)).toEqual(['PaymentCharged']);
  });

  /** Both refunds of the order's charge reach the provider before either has been recorded there. */
  async function twoRefundsAtOnce(orderId: string) {
    const { chargeId } = await payment.chargePayment({ orderId, amountCents: 2_000, token: 'tok_visa' });
    // The provider locks the charge to check each refund against it: hold that lock until both wait.
    const provider = await uncommittedChange(prisma, "UPDATE provider_charges SET attempts = attempts WHERE charge_id = $1 AND kind = 'charge'", [chargeId]);
    const refunds = Promise.allSettled([payment.refundPayment({ orderId }), payment.refundPayment({ orderId })]);
    await provider.blocks(2);
    await provider.commit();
    return refunds;
  }

  it('when the same refund is delivered twice at once, then the money comes back once', async () => {
    const orderId = randomUUID();

    const outcomes = await twoRefundsAtOnce(orderId);

    expect(outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value)).toContainEqual({ refundedCents: 2_000 });
    expect(await providerLedger(prisma, orderId)).toMatchObject({ chargedCents: 2_000, refundedCents: 2_000, refundsWithoutCharge: [] });
    expect(await paymentOf(orderId)).toMatchObject({ refundedCents: 2_000, status: 'REFUNDED' });
    expect(await eventTypes(orderId)).toEqual(['PaymentCharged', 'PaymentRefunded']);
    // What a later attempt of the loser finds: nothing left to refund.
    await expect(payment.refundPayment({ orderId })).resolves.toEqual({ refundedCents: 0 });
  });

  // Found by this test against the provider that looked up a refund's idempotency key before it
  // locked the charge: the duplicate was not replayed but checked against the charge again and
  // refused (RefundRefused: "2000 cents exceeds the 0 cents left"), an error that says retrying
  // cannot help. A provider dedupes by key whatever the timing.
  it('when the same refund is delivered twice at once, then the provider replays the first answer to the second (both succeed)', async () => {
    const orderId = randomUUID();

    const outcomes = await twoRefundsAtOnce(orderId);

    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : String(o.reason)))).toEqual([{ refundedCents: 2_000 }, { refundedCents: 2_000 }]);
  });
});
