// The request log names the whole path the client called (issue 18, defect 6): routers mounted on a
// prefix (/orders, /products) used to log "/" and "/<uuid>".
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp } from './app';
import { listen, startTestStack, type TestStack } from '../test/harness';
import { orderBody, shopper } from '../test/api-kit';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ api: true }); });
afterAll(async () => { await stack?.stop(); });

it('when POST /orders and GET /orders/:id are served, then their log lines carry the full paths and the order id', async () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  const app = createApp({ prisma: stack.prisma, temporal: stack.temporal, config: stack.config, logger: pino({ level: 'info' }, sink) });
  const served = await listen(app);
  try {
    const s = await shopper(stack);
    const headers = { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' };
    const placed = (await (await fetch(`${served.baseUrl}/orders?x=1`, { method: 'POST', headers, body: JSON.stringify(orderBody(s.productId)) })).json()) as { orderId: string };
    await fetch(`${served.baseUrl}/orders/${placed.orderId}`, { headers });
    await fetch(`${served.baseUrl}/products/${s.productId}`);
    const requests = lines.filter((l) => l.msg === 'request').map((l) => ({ method: l.method, path: l.path, orderId: l.orderId }));
    expect(requests).toEqual([
      { method: 'POST', path: '/orders', orderId: placed.orderId },
      { method: 'GET', path: `/orders/${placed.orderId}`, orderId: placed.orderId },
      { method: 'GET', path: `/products/${s.productId}`, orderId: undefined },
    ]);
  } finally {
    await served.close();
    await app.close();
  }
});
