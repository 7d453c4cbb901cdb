// `Prefer: wait=<seconds>` on POST /orders (issue 14, item 4): the answer carries the saga's
// decision, served by the workflow itself through Update-with-Start.
import { aProduct, startTestStack, type TestStack } from '../test/harness';
import { call, getOrder, orderBody, shopper } from '../test/api-kit';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ api: true, env: { DISPATCH_DELAY: '1h' } }); });
afterAll(async () => { await stack?.stop(); });

const place = (token: string, body: unknown, prefer?: string) =>
  call(stack, 'POST', '/orders', { token, body, headers: prefer ? { Prefer: prefer } : {} });

describe('POST /orders with Prefer: wait', () => {
  it('when the saga approves within the wait, then 202 shows the decided status and Preference-Applied', async () => {
    const s = await shopper(stack);
    const reply = await place(s.token, orderBody(s.productId, 1), 'wait=10');
    expect(reply.status).toBe(202);
    expect(['APPROVED', 'PAID']).toContain(reply.body.status);
    expect(reply.headers.get('preference-applied')).toBe('wait=10');
    expect((await getOrder(stack, s.token, reply.body.orderId)).body.status).not.toBe('APPROVAL_PENDING');
  });

  it('when the saga rejects (out of stock), then the answer is REJECTED with the reason', async () => {
    const s = await shopper(stack, { stock: 1 });
    const reply = await place(s.token, orderBody(s.productId, 2), 'respond-async, wait=10');
    expect(reply.body).toMatchObject({ status: 'REJECTED', rejectionReason: 'OUT_OF_STOCK' });
  });

  it('when the saga cannot decide within the wait (stock worker down), then the answer comes after the wait with APPROVAL_PENDING', async () => {
    const s = await shopper(stack);
    await stack.stopWorker('stock');
    try {
      const started = Date.now();
      const reply = await place(s.token, orderBody(s.productId, 1), 'wait=1');
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(reply).toMatchObject({ status: 202, body: { status: 'APPROVAL_PENDING' } });
      expect(reply.headers.get('preference-applied')).toBe('wait=1');
    } finally {
      await stack.startWorker('stock');
    }
  });

  it('when no wait is preferred, then the answer comes at once with APPROVAL_PENDING and no Preference-Applied', async () => {
    const s = await shopper(stack);
    const reply = await place(s.token, orderBody(s.productId, 1));
    expect(reply.body.status).toBe('APPROVAL_PENDING');
    expect(reply.headers.get('preference-applied')).toBeNull();
  });

  it('when more than 30 s is preferred, then at most 30 s is applied', async () => {
    const s = await shopper(stack);
    const reply = await place(s.token, orderBody(s.productId, 1), 'wait=3600');
    expect(reply.headers.get('preference-applied')).toBe('wait=30');
  });

  it('when the body is invalid, then 400 at once whatever the wait', async () => {
    const { productId } = await aProduct(stack.prisma);
    const s = await shopper(stack);
    expect((await place(s.token, { items: [{ productId, quantity: 0 }] }, 'wait=10')).status).toBe(400);
  });
});
