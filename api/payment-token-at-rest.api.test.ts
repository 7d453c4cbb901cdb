// Payment card tokens are never in clear in our tables (issue 13): POST /orders exchanges the token at
// the provider's vault for a payment-method reference before recording anything, so the order, its
// outbox row, the saga's input and the provider's ledger hold `pm_…` — while every documented test
// token keeps its behaviour.
import { randomUUID } from 'node:crypto';
import { orderWorkflowId } from '../domain/orders/order.commands';
import { PAYMENT_METHOD_REF } from '../platform/simulated-payment-vault';
import { startTestStack, type TestStack } from '../test/harness';
import { getOrder, orderBody, placed, postOrder, shopper, untilStatus } from '../test/api-kit';
import { placeOrderInput, priceItems, recordOrder, vaultCard } from './orders/place-order.service';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ api: true }); });
afterAll(async () => { await stack?.stop(); });

/** Every table of ours whose rows, as text, contain `secret` (row count per table). */
async function tablesHolding(secret: string): Promise<Record<string, number>> {
  const tables = await stack.prisma.$queryRaw<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
  expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['orders', 'saga_starts', 'provider_charges', 'provider_payment_methods', 'idempotency_keys', 'domain_events']));
  const found: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await stack.prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${name.replace(/"/g, '""')}" AS r WHERE strpos(r::text, $1) > 0`, secret);
    if (row!.n > 0) found[name] = row!.n;
  }
  return found;
}

it('when an order is placed and runs to the end, then no table row holds the card token — the saga charged the vault\'s reference', async () => {
  const card = `tok_secret_${randomUUID()}`;
  const s = await shopper(stack);
  const orderId = await placed(stack, s.token, orderBody(s.productId, 1, card));
  // An idempotent one too: its key's row keeps a hash of the request, not the token.
  const again = await postOrder(stack, s.token, orderBody(s.productId, 1, card), `at-rest-${randomUUID()}`);
  expect(again.status).toBe(202);
  await untilStatus(stack, s.token, orderId, 'SHIPPED');
  await untilStatus(stack, s.token, again.body.orderId, 'SHIPPED');

  expect(await tablesHolding(card)).toEqual({});
  const charge = await stack.prisma.providerCharge.findUniqueOrThrow({ where: { idempotencyKey: `${orderId}:charge` } });
  expect(charge.token).toMatch(PAYMENT_METHOD_REF);
  // Not even Temporal's (encrypted) history holds it: the saga's input carries the reference.
  const history = await stack.temporal.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
  const [input] = await stack.temporal.options.loadedDataConverter.payloadCodecs[0]!.decode(history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads! as never);
  const decoded = JSON.parse(Buffer.from(input!.data!).toString());
  expect(decoded.paymentToken).toBe(charge.token);
  expect(JSON.stringify(decoded)).not.toContain(card);
});

it('when an order is recorded but its saga not started yet, then its outbox row holds the reference, not the card token', async () => {
  const card = `tok_secret_${randomUUID()}`;
  const s = await shopper(stack);
  const body = orderBody(s.productId, 1, card);
  const deps = { prisma: stack.prisma, temporal: stack.temporal, config: stack.config };
  const input = placeOrderInput(stack.config, s.customerId, body, await priceItems(deps, body.items), await vaultCard(deps, body));
  await recordOrder(stack.prisma, stack.config, input, body);
  try {
    const row = await stack.prisma.sagaStart.findUniqueOrThrow({ where: { orderId: input.orderId } });
    expect((row.input as { paymentToken: string }).paymentToken).toMatch(PAYMENT_METHOD_REF);
    expect(await tablesHolding(card)).toEqual({});
  } finally {
    // Nobody starts this order: leave no outbox row for another test's sweeper.
    await stack.prisma.$executeRaw`DELETE FROM saga_starts WHERE order_id = ${input.orderId}::uuid`;
  }
});

describe('the documented test tokens keep their behaviour through the vault', () => {
  it('when tok_decline is used, then the order is REJECTED with PAYMENT_DECLINED and nothing stays charged', async () => {
    const s = await shopper(stack);
    const orderId = await placed(stack, s.token, orderBody(s.productId, 1, 'tok_decline'));
    expect(await untilStatus(stack, s.token, orderId, 'REJECTED')).toMatchObject({ rejectionReason: 'PAYMENT_DECLINED', payment: { chargedCents: 0 } });
  });

  it('when tok_flaky is used, then the provider fails twice, succeeds on the third attempt and charges once', async () => {
    const s = await shopper(stack);
    const orderId = await placed(stack, s.token, orderBody(s.productId, 2, 'tok_flaky'));
    expect(await untilStatus(stack, s.token, orderId, 'SHIPPED')).toMatchObject({ payment: { chargedCents: 2000, refundedCents: 0 } });
    expect(await stack.prisma.providerCharge.findUniqueOrThrow({ where: { idempotencyKey: `${orderId}:charge` } })).toMatchObject({ attempts: 3, outcome: 'succeeded' });
  });

  it('when any other token is used, then the charge succeeds', async () => {
    const s = await shopper(stack);
    const orderId = await placed(stack, s.token, orderBody(s.productId, 1, 'tok_visa'));
    await untilStatus(stack, s.token, orderId, 'SHIPPED');
    expect((await getOrder(stack, s.token, orderId)).body.payment).toEqual({ chargedCents: 1000, refundedCents: 0 });
  });
  // tok_decline_more (a revision's extra charge declined) through the API: api/money.api.test.ts.
});
