// Hostile and malformed input: never a 5xx, always problem+json with a code, and nothing applied that
// the contract does not allow a body to set.
import { randomUUID } from 'node:crypto';
import { aCustomer, aProduct, startTestStack, tokenFor, type TestStack } from '../test/harness';

let stack: TestStack;
let admin: string;
beforeAll(async () => {
  stack = await startTestStack({ api: true });
  admin = tokenFor(stack.config, randomUUID(), 'admin');
});
afterAll(async () => { await stack?.stop(); });

interface Reply { status: number; headers: Headers; body: any; text: string }

/**
 * Sends raw bytes (the body is passed as-is, so it can be anything) and checks what every answer
 * must satisfy: no 5xx, and an error is problem+json with a stable UPPER_SNAKE code.
 */
async function send(method: string, path: string, options: { token?: string; body?: string | Uint8Array | ReadableStream; contentType?: string | null; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.contentType !== null && options.body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
  const init: RequestInit & { duplex?: 'half' } = { method, headers, body: options.body };
  if (options.body instanceof ReadableStream) init.duplex = 'half';
  const res = await fetch(`${stack.baseUrl}${path}`, init);
  const text = await res.text();
  const reply: Reply = { status: res.status, headers: res.headers, text, body: undefined };
  expect(`${method} ${path} -> ${reply.status}`).not.toMatch(/-> 5\d\d$/);
  if (res.headers.get('content-type')?.includes('json')) reply.body = JSON.parse(text);
  if (reply.status >= 400) {
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reply.body).toMatchObject({ status: reply.status, code: expect.stringMatching(/^[A-Z][A-Z0-9_]*$/), title: expect.any(String), detail: expect.any(String), type: expect.any(String) });
  }
  return reply;
}

const json = (value: unknown) => JSON.stringify(value);

async function shopper() {
  const { customerId } = await aCustomer(stack.prisma);
  const { productId } = await aProduct(stack.prisma, { stock: 100, priceCents: 1000 });
  return { customerId, productId, token: tokenFor(stack.config, customerId) };
}

const validOrder = (productId: string) => ({
  items: [{ productId, quantity: 1 }],
  shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
  paymentMethod: { token: 'tok_visa' },
});

const ordersOf = (customerId: string) => stack.prisma.order.count({ where: { customerId } });

describe('bodies that are not a JSON object', () => {
  it.each([
    ['malformed JSON', '{"items": ['],
    ['a trailing comma', '{"items": [],}'],
    ['single-quoted JSON', "{'items': []}"],
    ['a JSON array', '[]'],
    ['an array of orders', '[{"items": []}]'],
    ['a JSON string', '"order"'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['an empty body', ''],
    ['only whitespace', '   '],
  ])('when POST /orders gets %s, then 400 VALIDATION_FAILED with errors and no order', async (_label, body) => {
    const { customerId, token } = await shopper();

    const reply = await send('POST', '/orders', { token, body });

    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('VALIDATION_FAILED');
    expect(reply.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.any(String), message: expect.any(String) })]));
    expect(await ordersOf(customerId)).toBe(0);
  });

  it.each([
    ['malformed JSON', '{"email": '],
    ['a JSON array', '[{"email":"a@example.com","password":"password123","name":"A"}]'],
  ])('when POST /auth/register gets %s, then 400 VALIDATION_FAILED', async (_label, body) => {
    const reply = await send('POST', '/auth/register', { body });

    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('VALIDATION_FAILED');
  });

  it('when JSON is nested 50 000 levels deep, then 400, not a crash', async () => {
    const { customerId, token } = await shopper();
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;

    const reply = await send('POST', '/orders', { token, body: `{"items": ${deep}}` });

    expect(reply.status).toBe(400);
    expect(await ordersOf(customerId)).toBe(0);
  });
});

describe('content types and encodings', () => {
  it.each([
    ['text/plain', 'text/plain'],
    ['form-urlencoded', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['xml', 'application/xml'],
  ])('when a valid order is sent as %s, then 415 UNSUPPORTED_MEDIA_TYPE and no order', async (_label, contentType) => {
    const { customerId, productId, token } = await shopper();

    const reply = await send('POST', '/orders', { token, body: json(validOrder(productId)), contentType });

    expect(reply.status).toBe(415);
    expect(reply.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await ordersOf(customerId)).toBe(0);
  });

  it('when a body comes without any content type, then it is refused and no order exists', async () => {
    const { customerId, productId, token } = await shopper();

    const reply = await send('POST', '/orders', { token, body: new TextEncoder().encode(json(validOrder(productId))), contentType: null });

    expect(reply.status).toBe(415);
    expect(await ordersOf(customerId)).toBe(0);
  });

  it('when the JSON declares an unsupported charset, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const { productId, token } = await shopper();

    const reply = await send('POST', '/orders', { token, body: json(validOrder(productId)), contentType: 'application/json; charset=latin1' });

    expect(reply.status).toBe(415);
  });

  it('when Content-Encoding is unknown, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const { productId, token } = await shopper();

    const reply = await send('POST', '/orders', { token, body: json(validOrder(productId)), headers: { 'Content-Encoding': 'compress' } });

    expect(reply.status).toBe(415);
  });

  it('when Content-Encoding says gzip but the bytes are not gzip, then a 4xx and no order', async () => {
    const { customerId, productId, token } = await shopper();

    const reply = await send('POST', '/orders', { token, body: json(validOrder(productId)), headers: { 'Content-Encoding': 'gzip' } });

    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(await ordersOf(customerId)).toBe(0);
  });
});

describe('bodies over 1 MB', () => {
  const big = () => json({ ...validOrder(randomUUID()), padding: 'x'.repeat(1_100_000) });

  it('when POST /orders carries more than 1 MB of JSON, then 413 PAYLOAD_TOO_LARGE and no order', async () => {
    const { customerId, token } = await shopper();

    const reply = await send('POST', '/orders', { token, body: big() });

    expect(reply.status).toBe(413);
    expect(reply.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await ordersOf(customerId)).toBe(0);
  });

  it('when POST /auth/register carries more than 1 MB of JSON, then 413 PAYLOAD_TOO_LARGE', async () => {
    const reply = await send('POST', '/auth/register', { body: json({ email: `${randomUUID()}@example.com`, password: 'password123', name: 'x'.repeat(1_100_000) }) });

    expect(reply.status).toBe(413);
    expect(reply.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('when more than 1 MB is streamed without a Content-Length, then 413 PAYLOAD_TOO_LARGE', async () => {
    const { token } = await shopper();
    const bytes = new TextEncoder().encode(big());
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });

    const reply = await send('POST', '/orders', { token, body });

    expect(reply.status).toBe(413);
    expect(reply.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('when more than 1 MB of text/plain is sent, then it is refused (413 or 415) without a 5xx', async () => {
    const { customerId, token } = await shopper();

    const reply = await send('POST', '/orders', { token, body: 'x'.repeat(2_000_000), contentType: 'text/plain' });

    expect([413, 415]).toContain(reply.status);
    expect(await ordersOf(customerId)).toBe(0);
  });

  it('when a body just under 1 MB is sent, then it is read (and judged on its content)', async () => {
    const { token, productId } = await shopper();
    const body = json({ ...validOrder(productId), padding: 'x'.repeat(900_000) });

    const reply = await send('POST', '/orders', { token, body });

    expect(reply.status).toBe(202);
  });
});

describe('fields a body may not set', () => {
  it('when POST /orders carries status, customerId, prices and totals, then they are ignored: the order is priced from the catalog for the token\'s customer', async () => {
    const { customerId, productId, token } = await shopper();
    const victim = await aCustomer(stack.prisma);
    const body = {
      ...validOrder(productId),
      orderId: randomUUID(), status: 'SHIPPED', customerId: victim.customerId, totalCents: 1, version: 99,
      rejectionReason: 'OUT_OF_STOCK', createdAt: '2000-01-01T00:00:00.000Z', timeline: [{ type: 'OrderShipped' }],
      items: [{ productId, quantity: 2, priceCents: 1, unitPriceCents: 1, lineTotalCents: 2, sku: 'FAKE', name: 'Fake' }],
    };

    const reply = await send('POST', '/orders', { token, body: json(body) });

    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({
      customerId, status: 'APPROVAL_PENDING', totalCents: 2000, version: 0, rejectionReason: null,
      items: [{ productId, sku: `SKU-${productId.slice(0, 8)}`, name: 'Test Product', quantity: 2, unitPriceCents: 1000, lineTotalCents: 2000 }],
    });
    expect(reply.body.orderId).not.toBe(body.orderId);
    expect(reply.body.createdAt).not.toBe(body.createdAt);
    expect(reply.body.timeline.map((e: { type: string }) => e.type)).toEqual(['OrderPlaced']);
    const row = await stack.prisma.order.findUniqueOrThrow({ where: { id: reply.body.orderId } });
    expect({ customerId: row.customerId, totalCents: Number(row.totalCents) }).toEqual({ customerId, totalCents: 2000 });
    expect(await ordersOf(victim.customerId)).toBe(0);
  });

  it('when the body smuggles __proto__ and constructor keys, then they change nothing', async () => {
    const { customerId, productId, token } = await shopper();
    const body = `{"__proto__": {"status": "SHIPPED", "totalCents": 1}, "constructor": {"prototype": {"admin": true}}, ${json(validOrder(productId)).slice(1)}`;

    const reply = await send('POST', '/orders', { token, body });

    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ customerId, status: 'APPROVAL_PENDING', totalCents: 1000 });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('when POST /products carries stockAvailable, reserved and productId, then only sku, name, price and stock are applied', async () => {
    const sku = `NEG-${randomUUID()}`;
    const productId = randomUUID();

    const reply = await send('POST', '/products', { token: admin, body: json({ sku, name: 'Widget', priceCents: 500, stock: 3, stockAvailable: 999, reserved: 2, productId }) });

    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ sku, stockAvailable: 3 });
    expect(reply.body.productId).not.toBe(productId);
    expect(await stack.prisma.product.findUniqueOrThrow({ where: { sku } })).toMatchObject({ onHand: 3, reserved: 0 });
  });
});

describe('injection-shaped and odd identifiers', () => {
  const injection = "' OR 1=1--";

  it('when order and product paths carry SQL-injection-shaped ids, then 404 with the resource code', async () => {
    const { token } = await shopper();
    const id = encodeURIComponent(injection);

    expect((await send('GET', `/orders/${id}`, { token })).body.code).toBe('ORDER_NOT_FOUND');
    expect((await send('GET', `/orders/${id}/events`, { token })).body.code).toBe('ORDER_NOT_FOUND');
    expect((await send('POST', `/orders/${id}/cancel`, { token })).body.code).toBe('ORDER_NOT_FOUND');
    expect((await send('POST', `/orders/${id}/dispatch`, { token: admin })).body.code).toBe('ORDER_NOT_FOUND');
    expect((await send('GET', `/products/${id}`)).body.code).toBe('PRODUCT_NOT_FOUND');
    expect((await send('POST', `/products/${id}/stock`, { token: admin, body: json({ delta: 1 }) })).body.code).toBe('PRODUCT_NOT_FOUND');
  });

  it('when query parameters carry SQL-injection-shaped values, then 400 or an empty/own result, never more', async () => {
    const { productId, token } = await shopper();
    const mine = (await send('POST', '/orders', { token, body: json(validOrder(productId)) })).body.orderId;
    const q = encodeURIComponent(injection);

    expect((await send('GET', `/orders?status=${q}`, { token })).status).toBe(400);
    expect((await send('GET', `/orders?cursor=${q}`, { token })).status).toBe(400);
    expect((await send('GET', `/orders?limit=${q}`, { token })).status).toBe(400);
    expect((await send('GET', `/products?cursor=${q}`)).status).toBe(400);
    const asCustomer = await send('GET', `/orders?customerId=${q}`, { token });
    expect(asCustomer.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([mine]);
    const asAdmin = await send('GET', `/orders?customerId=${q}`, { token: admin });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body).toEqual({ items: [], nextCursor: null });
  });

  it('when an order line names an injection-shaped productId, then 422 UNKNOWN_PRODUCT and no order', async () => {
    const { customerId, token } = await shopper();

    const reply = await send('POST', '/orders', { token, body: json(validOrder(injection)) });

    expect(reply.body.code).toBe('UNKNOWN_PRODUCT');
    expect(await ordersOf(customerId)).toBe(0);
  });

  it('when a registration name is SQL-shaped, then it is stored verbatim and the customers table is intact', async () => {
    const name = "Robert'); DROP TABLE customers;--";
    const email = `bobby-${randomUUID()}@example.com`;

    const reply = await send('POST', '/auth/register', { body: json({ email, password: 'password123', name }) });

    expect(reply.status).toBe(201);
    expect((await stack.prisma.customer.findUniqueOrThrow({ where: { email } })).name).toBe(name);
  });

  it.each([
    ['a NUL byte', '/orders/%00'],
    ['an encoded slash traversal', '/orders/..%2f'],
    ['an encoded traversal to another resource', '/orders/..%2f..%2fproducts'],
    ['a lone percent sign', '/orders/%'],
    ['a broken escape', '/orders/%zz'],
    ['a 4000-character id', `/orders/${'a'.repeat(4000)}`],
    ['a uuid with trailing garbage', `/orders/${randomUUID()}x`],
    ['unicode', `/orders/${encodeURIComponent('ünïcødé-😀')}`],
    ['a uuid in braces', `/orders/${encodeURIComponent(`{${randomUUID()}}`)}`],
  ])('when GET /orders/:id gets %s, then a 4xx problem (404 ORDER_NOT_FOUND or 400)', async (_label, path) => {
    const { token } = await shopper();

    const reply = await send('GET', path, { token });

    expect([400, 404]).toContain(reply.status);
    if (reply.status === 404) expect(reply.body.code).toBe('ORDER_NOT_FOUND');
  });

  it('when a path is unknown, then 404 NOT_FOUND as problem+json', async () => {
    const reply = await send('GET', '/nope/../../etc/passwd');

    expect(reply.status).toBe(404);
  });

  it('when the Idempotency-Key is longer than 255 characters, then 400 VALIDATION_FAILED and no order', async () => {
    const { customerId, productId, token } = await shopper();

    const reply = await send('POST', '/orders', { token, body: json(validOrder(productId)), headers: { 'Idempotency-Key': 'k'.repeat(256) } });

    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([expect.objectContaining({ path: 'Idempotency-Key' })]);
    expect(await ordersOf(customerId)).toBe(0);
  });
});

describe('text that Postgres cannot store', () => {
  it('when an order\'s address contains a NUL character, then 400 and no order or saga', async () => {
    const { customerId, productId, token } = await shopper();
    const body = validOrder(productId);
    body.shippingAddress.line1 = '1 Main\u0000St';

    const reply = await send('POST', '/orders', { token, body: json(body) });

    expect(reply.status).toBe(400);
    expect(await ordersOf(customerId)).toBe(0);
    const workflows = [];
    for await (const wf of stack.temporal.workflow.list({ query: `CustomerId = "${customerId}"` })) workflows.push(wf.workflowId);
    expect(workflows).toEqual([]);
  });

  it('when the payment token contains a NUL character, then 400 and no order (not an order stuck holding stock and credit)', async () => {
    const { customerId, productId, token } = await shopper();
    const body = validOrder(productId);
    body.paymentMethod.token = 'tok\u0000visa';

    const reply = await send('POST', '/orders', { token, body: json(body) });

    expect(reply.status).toBe(400);
    expect(await ordersOf(customerId)).toBe(0);
  });

  it('when a registration name contains a NUL character, then 400 and no account', async () => {
    const email = `nul-${randomUUID()}@example.com`;

    const reply = await send('POST', '/auth/register', { body: json({ email, password: 'password123', name: 'Nul\u0000Name' }) });

    expect(reply.status).toBe(400);
    expect(await stack.prisma.customer.count({ where: { email } })).toBe(0);
  });

  it('when a product sku contains a NUL character, then 400 and no product', async () => {
    const reply = await send('POST', '/products', { token: admin, body: json({ sku: `NUL\u0000${randomUUID()}`, name: 'Widget', priceCents: 1, stock: 1 }) });

    expect(reply.status).toBe(400);
  });
});

describe('bad paging parameters', () => {
  const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it.each([
    ['limit=0'], ['limit=101'], ['limit=-5'], ['limit=abc'], ['limit=1.5'], ['limit=1e3'], ['limit='], ['limit=1&limit=2'],
    ['cursor=garbage'], ['cursor=' + 'A'.repeat(600)], [`cursor=${cursorOf(null)}`], [`cursor=${cursorOf({})}`],
    [`cursor=${cursorOf(['2024-01-01T00:00:00.000Z', 'not-a-uuid'])}`], [`cursor=${cursorOf(['not-a-date', randomUUID()])}`],
  ])('when GET /products?%s, then 400 VALIDATION_FAILED', async (query) => {
    const reply = await send('GET', `/products?${query}`);

    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('VALIDATION_FAILED');
  });

  it.each([
    ['limit=0'], ['limit=101'], ['limit=x'], ['status=shipped'], ['status=SHIPPED&status=REJECTED'], ['cursor=%E2%9C%93'],
    [`cursor=${cursorOf(['2024-01-01', 42])}`],
  ])('when GET /orders?%s, then 400 VALIDATION_FAILED', async (query) => {
    const { token } = await shopper();

    const reply = await send('GET', `/orders?${query}`, { token });

    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('VALIDATION_FAILED');
  });

  it.each([
    ['a date far in the past', '-000100-01-01T00:00:00.000Z'],
    ['a date far in the future', '+200000-01-01T00:00:00.000Z'],
    ['the epoch', '1970-01-01T00:00:00.000Z'],
  ])('when a well-formed cursor carries %s, then 200 or 400, never a 5xx', async (_label, at) => {
    const reply = await send('GET', `/products?cursor=${cursorOf([at, randomUUID()])}`);

    expect([200, 400]).toContain(reply.status);
  });
});
