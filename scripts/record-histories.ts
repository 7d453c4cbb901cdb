// Records one Temporal history per saga path as a committed fixture (workflows/histories/*.json),
// replayed by workflows/replay.test.ts in `npm test`: a non-deterministic workflow change fails CI.
// Run after an intentional, patched() workflow change:  npm run record-histories
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { temporalBinary } from '../dev/temporal-dev-server';
import globalSetup from '../test/global-setup';
import { FIXTURE_PAYLOAD_KEYS } from '../test/fixture-payload-keys';
import globalTeardown from '../test/global-teardown';
import { aCustomer, aProduct, eventually, startTestStack, type TestStack } from '../test/harness';
import { orderInput, startSaga, timelineTypes, type OrderSpec } from '../test/saga-test-kit';
import { cancelUpdate, dispatchUpdate, reviseUpdate, statusQuery } from '../workflows/definitions';

const OUT = path.resolve(__dirname, '..', 'workflows', 'histories');
type Handle = Awaited<ReturnType<typeof startSaga>>;

async function record(stack: TestStack, name: string, spec: (ids: { productId: string; customerId: string }) => OrderSpec, drive?: (handle: Handle, ids: { productId: string; orderId: string }) => Promise<void>, setup: { stock?: number; credit?: number } = {}) {
  const { productId } = await aProduct(stack.prisma, { stock: setup.stock ?? 10, priceCents: 1000 });
  const { customerId } = await aCustomer(stack.prisma, { creditLimitCents: setup.credit ?? 100_000 });
  const input = orderInput(spec({ productId, customerId }));
  const handle = await startSaga(stack, input);
  if (drive) await drive(handle, { productId, orderId: input.orderId });
  const result = await handle.result();
  // The CLI's JSON is the format Temporal's tools (and Worker.runReplayHistory) exchange.
  const json = execFileSync(temporalBinary(), ['workflow', 'show', '--address', stack.config.TEMPORAL_ADDRESS, '-w', handle.workflowId, '--output', 'json'], { encoding: 'utf8' });
  writeFileSync(path.join(OUT, `${name}.json`), json);
  console.log(`recorded ${name}: ${result.status} ${result.reason ?? ''}`);
}

const waitPaid = (handle: Handle) => eventually(() => handle.query(statusQuery), (s) => s.status === 'PAID').then(() => undefined);
const HOUR = 3_600_000;

async function main() {
  // Recorded encrypted like every saga, with the published fixtures key (the replay test has it).
  process.env.PAYLOAD_KEYS = FIXTURE_PAYLOAD_KEYS;
  await globalSetup();
  const stack = await startTestStack();
  mkdirSync(OUT, { recursive: true });
  try {
    await record(stack, 'shipped', (ids) => ({ ...ids, lines: [{ productId: ids.productId, quantity: 2 }] }));
    await record(stack, 'out-of-stock', (ids) => ({ ...ids, lines: [{ productId: ids.productId, quantity: 2 }] }), undefined, { stock: 1 });
    await record(stack, 'credit-limit-exceeded', (ids) => ({ ...ids, lines: [{ productId: ids.productId, quantity: 2 }] }), undefined, { credit: 1000 });
    await record(stack, 'payment-declined', (ids) => ({ ...ids, lines: [{ productId: ids.productId, quantity: 2 }], token: 'tok_decline' }));
    await record(stack, 'payment-flaky', (ids) => ({ ...ids, lines: [{ productId: ids.productId, quantity: 1 }], token: 'tok_flaky' }));
    await record(stack, 'shipment-failed', (ids) => ({ ...ids, lines: [{ productId: ids.productId, quantity: 2 }], country: 'AQ' }));
    await record(stack, 'cancelled-waiting', (ids) => ({ ...ids, lines: [{ productId: ids.productId, quantity: 2 }], dispatchDelayMs: HOUR }), async (h) => {
      await waitPaid(h);
      await h.executeUpdate(cancelUpdate);
    });
    await record(stack, 'dispatched-by-admin', (ids) => ({ ...ids, lines: [{ productId: ids.productId, quantity: 1 }], dispatchDelayMs: HOUR }), async (h) => {
      await waitPaid(h);
      await h.executeUpdate(dispatchUpdate);
    });
    const reviseTo = (productId: string, quantity: number) => ({ lines: [{ productId, sku: `SKU-${productId.slice(0, 8)}`, name: 'Test Product', quantity, unitPriceCents: 1000 }], totalCents: quantity * 1000, orderMinimumCents: 0 });
    await record(stack, 'revised-then-dispatched', (ids) => ({ ...ids, lines: [{ productId: ids.productId, quantity: 2 }], dispatchDelayMs: HOUR }), async (h, ids) => {
      await waitPaid(h);
      await h.executeUpdate(reviseUpdate, { args: [reviseTo(ids.productId, 3)] });
      await eventually(() => timelineTypes(stack.prisma, ids.orderId), (t) => t.includes('OrderRevised'));
      await eventually(() => h.query(statusQuery), (s) => s.status === 'PAID');
      await h.executeUpdate(dispatchUpdate);
    });
    await record(stack, 'revision-rejected-then-cancelled', (ids) => ({ ...ids, lines: [{ productId: ids.productId, quantity: 2 }], dispatchDelayMs: HOUR }), async (h, ids) => {
      await waitPaid(h);
      await h.executeUpdate(reviseUpdate, { args: [reviseTo(ids.productId, 50)] });
      await eventually(() => timelineTypes(stack.prisma, ids.orderId), (t) => t.includes('RevisionRejected'));
      await eventually(() => h.query(statusQuery), (s) => s.status === 'PAID');
      await h.executeUpdate(cancelUpdate);
    });
    const revised = async (h: Handle, orderId: string, count: number) => {
      await eventually(() => timelineTypes(stack.prisma, orderId), (t) => t.filter((x) => x === 'OrderRevised' || x === 'RevisionRejected').length >= count);
      await eventually(() => h.query(statusQuery), (s) => s.status === 'PAID');
    };
    // Up (an extra charge of its own), down (a partial refund of that charge), then a cancel that
    // refunds each charge.
    await record(stack, 'revised-up-down-then-cancelled', (ids) => ({ ...ids, lines: [{ productId: ids.productId, quantity: 1 }], dispatchDelayMs: HOUR }), async (h, ids) => {
      await waitPaid(h);
      await h.executeUpdate(reviseUpdate, { args: [reviseTo(ids.productId, 4)] });
      await revised(h, ids.orderId, 1);
      await h.executeUpdate(reviseUpdate, { args: [reviseTo(ids.productId, 2)] });
      await revised(h, ids.orderId, 2);
      await h.executeUpdate(cancelUpdate);
    });
    await record(stack, 'revision-extra-charge-declined', (ids) => ({ ...ids, lines: [{ productId: ids.productId, quantity: 1 }], token: 'tok_decline_more', dispatchDelayMs: HOUR }), async (h, ids) => {
      await waitPaid(h);
      await h.executeUpdate(reviseUpdate, { args: [reviseTo(ids.productId, 3)] });
      await revised(h, ids.orderId, 1);
      await h.executeUpdate(dispatchUpdate);
    });
    // A revision accepted while APPROVED, overtaken by the declined charge.
    await stack.stopWorker('payment');
    await record(stack, 'revision-overtaken-by-rejection', (ids) => ({ ...ids, lines: [{ productId: ids.productId, quantity: 1 }], token: 'tok_decline', dispatchDelayMs: HOUR }), async (h, ids) => {
      await eventually(() => h.query(statusQuery), (s) => s.status === 'APPROVED');
      await h.executeUpdate(reviseUpdate, { args: [reviseTo(ids.productId, 2)] });
      await stack.startWorker('payment');
    });
  } finally {
    await stack.stop();
    await globalTeardown();
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
