// Personal and payment data never reach Temporal in clear (issue 13, item 2): the history a raw
// client or the CLI sees holds no address and no payment token; our own clients decode it; after a
// key rotation an old history still replays, and without its key it does not.
import { execFileSync } from 'node:child_process';
import { Worker } from '@temporalio/worker';
import { temporalBinary } from '../dev/temporal-dev-server';
import { dataConverterFor, newKeyRingEntry, parseKeyRing } from '../platform/payload-codec';
import { workflowSpanSinks } from '../workers/worker-tracing';
import { aCustomer, aProduct, startTestStack, type TestStack } from '../test/harness';
import { orderInput, startSaga } from '../test/saga-test-kit';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack(); });
afterAll(async () => { await stack?.stop(); });

async function shippedOrder() {
  const { productId } = await aProduct(stack.prisma, { stock: 10 });
  const { customerId } = await aCustomer(stack.prisma);
  const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }], token: 'tok_secret_card_4242' });
  input.shippingAddress = { line1: '742 Evergreen Terrace', city: 'Shelbyville', postalCode: '49007', country: 'US' };
  const handle = await startSaga(stack, input);
  await handle.result();
  return { input, handle };
}

it('when an order ran, then the CLI\'s raw history shows neither the address nor the payment token, while our client decodes the input', async () => {
  const { input, handle } = await shippedOrder();
  const raw = execFileSync(temporalBinary(), ['workflow', 'show', '--address', stack.config.TEMPORAL_ADDRESS, '-w', handle.workflowId, '--output', 'json'], { encoding: 'utf8' });
  expect(raw).toContain(Buffer.from('binary/encrypted').toString('base64')); // the CLI prints metadata base64-encoded
  // Every payload's data, decoded from the CLI's base64, is ciphertext: no secret in any of them.
  const datas: string[] = [];
  JSON.parse(raw, (key, value) => { if (key === 'data' && typeof value === 'string') datas.push(Buffer.from(value, 'base64').toString('latin1')); return value; });
  expect(datas.length).toBeGreaterThan(10);
  for (const secret of ['Evergreen', 'Shelbyville', 'tok_secret_card_4242']) {
    expect(raw).not.toContain(secret);
    expect(datas.filter((d) => d.includes(secret))).toEqual([]);
  }
  // Searchable facts stay searchable: ids and amounts are search attributes, not encrypted.
  expect(datas.some((d) => d.includes(input.customerId))).toBe(true);

  const history = await handle.fetchHistory();
  const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
  const decoded = await stack.temporal.options.loadedDataConverter.payloadCodecs[0]!.decode(started.input!.payloads! as never);
  expect(JSON.parse(Buffer.from(decoded[0]!.data!).toString())).toMatchObject({ orderId: input.orderId, shippingAddress: { city: 'Shelbyville' }, paymentToken: 'tok_secret_card_4242' });
});

it('when the key ring is rotated (a new active key, the old one kept), then an old history still replays; without the old key it cannot', async () => {
  const { handle } = await shippedOrder();
  const history = await handle.fetchHistory();
  const current = process.env.PAYLOAD_KEYS ?? stack.config.PAYLOAD_KEYS!;
  const replay = (ring: string) => Worker.runReplayHistory(
    { workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! }, dataConverter: dataConverterFor(parseKeyRing(ring)), sinks: workflowSpanSinks() },
    history, handle.workflowId,
  );
  await expect(replay(`${newKeyRingEntry('rotated')},${current}`)).resolves.toBeUndefined();
  await expect(replay(newKeyRingEntry('unrelated'))).rejects.toThrow();
});
