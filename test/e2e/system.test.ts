// End to end: the system exactly as `npm start` runs it (scripts/start.ts spawning the worker and
// API processes), on the run's Temporal dev server and PostgreSQL, driven over HTTP only.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from '../free-port';

const root = path.resolve(__dirname, '..', '..');

// Without JWT_SECRET, development keeps its generated secret in DATA_DIR: a temporary one per test,
// never the repository's .data.
const dataDirs: string[] = [];
function aDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'saga-orders-e2e-'));
  dataDirs.push(dir);
  return dir;
}
afterAll(() => { for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true }); });

const ADMIN_PASSWORD = 'e2e-admin-password';
let adminEmail = '';

async function startSystem(args: string[], dataDir = aDataDir()) {
  const port = await freePort();
  adminEmail = `admin-${randomBytes(4).toString('hex')}@example.com`;
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'start.ts'), ...args], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      JWT_SECRET: '',
      HOST: '',
      DATA_DIR: dataDir,
      PORT: String(port),
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
      TASK_QUEUE_PREFIX: `e2e${randomBytes(3).toString('hex')}-`,
      DISPATCH_DELAY: '0',
      LOG_LEVEL: 'warn',
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: ADMIN_PASSWORD,
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
  return { child, baseUrl, output, dataDir };
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

const post = (baseUrl: string, p: string, body: unknown, token?: string) => fetch(`${baseUrl}${p}`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});

async function aCustomerToken(baseUrl: string): Promise<string> {
  const email = `e2e-${randomBytes(4).toString('hex')}@example.com`;
  expect((await post(baseUrl, '/auth/register', { email, password: 'password123', name: 'E2E' })).status).toBe(201);
  const { body } = await json(await post(baseUrl, '/auth/token', { email, password: 'password123' }));
  return body.accessToken;
}

// The order is for a product of its own: the run's database is shared with the test files running
// beside this one, and ordering "the newest product with stock" once took a unit of another file's
// product (its stock check then read 7 where its own order left 8).
async function aProductOfItsOwn(baseUrl: string): Promise<{ productId: string }> {
  const { body: admin } = await json(await post(baseUrl, '/auth/token', { email: adminEmail, password: ADMIN_PASSWORD }));
  const created = await json(await post(baseUrl, '/products', { sku: `E2E-${randomBytes(4).toString('hex')}`, name: 'E2E Widget', priceCents: 500, stock: 5 }, admin.accessToken));
  expect(created.status).toBe(201);
  return created.body;
}

async function placeAndFollowOrder(baseUrl: string) {
  const token = { accessToken: await aCustomerToken(baseUrl) };
  const product = await aProductOfItsOwn(baseUrl);
  const placed = await json(await post(baseUrl, '/orders', {
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

  it('when started without JWT_SECRET, then it says it generated one in DATA_DIR (0600, never printed), and a restart on the same data keeps tokens valid', async () => {
    const first = await startSystem([]);
    let token: string;
    try {
      const file = path.join(first.dataDir, 'jwt-secret');
      expect(first.output.join('')).toContain(`JWT_SECRET not set: generated a random one in ${file} (kept for later starts)`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(first.output.join('')).not.toContain(readFileSync(file, 'utf8').trim());
      token = await aCustomerToken(first.baseUrl);
    } finally {
      expect(await stopSystem(first.child)).toBe(0);
    }
    const again = await startSystem([], first.dataDir);
    try {
      expect(again.output.join('')).not.toContain('JWT_SECRET not set');
      const me = await fetch(`${again.baseUrl}/customers/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
    } finally {
      expect(await stopSystem(again.child)).toBe(0);
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
