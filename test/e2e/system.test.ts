// End to end: the system exactly as `npm start` runs it (scripts/start.ts spawning the worker and
// API processes), on the run's Temporal dev server and PostgreSQL, driven over HTTP only.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from '../free-port';

const root = path.resolve(__dirname, '..', '..');

async function startSystem(args: string[]) {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'start.ts'), ...args], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
      TASK_QUEUE_PREFIX: `e2e${randomBytes(3).toString('hex')}-`,
      DISPATCH_DELAY: '0',
      LOG_LEVEL: 'warn',
      ADMIN_EMAIL: `admin-${randomBytes(4).toString('hex')}@example.com`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => output.push(String(d)));
  child.stderr!.on('data', (d) => output.push(String(d)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (!output.join('').includes('Saga Orders is running')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`system did not start:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, baseUrl, output };
}

function stopSystem(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

async function json(res: Response): Promise<{ status: number; body: any }> {
  const body = await res.json();
  return { status: res.status, body };
}

async function placeAndFollowOrder(baseUrl: string) {
  const email = `e2e-${randomBytes(4).toString('hex')}@example.com`;
  const post = (p: string, body: unknown, token?: string) => fetch(`${baseUrl}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  expect((await post('/auth/register', { email, password: 'password123', name: 'E2E' })).status).toBe(201);
  const { body: token } = await json(await post('/auth/token', { email, password: 'password123' }));
  const { body: catalog } = await json(await fetch(`${baseUrl}/products`));
  const product = catalog.items.find((p: { stockAvailable: number }) => p.stockAvailable > 0);
  const placed = await json(await post('/orders', {
    items: [{ productId: product.productId, quantity: 1 }],
    shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
    paymentMethod: { token: 'tok_visa' },
  }, token.accessToken));
  expect(placed.status).toBe(202);
  expect(placed.body.status).toBe('APPROVAL_PENDING');
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { body } = await json(await fetch(`${baseUrl}/orders/${placed.body.orderId}`, { headers: { authorization: `Bearer ${token.accessToken}` } }));
    if (body.status === 'SHIPPED') return body;
    if (Date.now() > deadline) throw new Error(`order not shipped: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the system as npm start runs it', () => {
  it('when started, then it is ready, serves the catalog and ships an order placed over HTTP, and stops cleanly on SIGINT', async () => {
    const { child, baseUrl } = await startSystem([]);
    try {
      expect((await fetch(`${baseUrl}/health/ready`)).status).toBe(200);
      const shipped = await placeAndFollowOrder(baseUrl);
      expect(shipped.timeline.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['OrderPlaced', 'OrderPaid', 'OrderShipped']));
    } finally {
      expect(await stopSystem(child)).toBe(0);
    }
  });

  it('when each context runs in its own worker process (five processes), then an order still ships end to end', async () => {
    const { child, baseUrl, output } = await startSystem(['--workers', 'orders=1,stock=1,credit=1,payment=1,shipment=1']);
    try {
      expect(output.join('')).toContain('orders ×1; stock ×1; credit ×1; payment ×1; shipment ×1');
      await placeAndFollowOrder(baseUrl);
    } finally {
      expect(await stopSystem(child)).toBe(0);
    }
  });
});
