// /products: the public catalog, admin-only creation and stock adjustment.
import { randomUUID } from 'node:crypto';
import { aCustomer, aProduct, startTestStack, tokenFor, type TestStack } from '../test/harness';
import { call as apiCall, expectProblem } from '../test/api-kit';

let stack: TestStack;
let admin: string;
let customer: string;
beforeAll(async () => {
  // The catalog needs no workers: no saga runs in this file.
  stack = await startTestStack({ api: true, contexts: [] });
  admin = tokenFor(stack.config, randomUUID(), 'admin');
  customer = tokenFor(stack.config, (await aCustomer(stack.prisma)).customerId);
});
afterAll(async () => { await stack?.stop(); });

const call = (method: string, path: string, options: { token?: string; body?: unknown } = {}) => apiCall(stack, method, path, options);

const freshSku = () => `SKU-${randomUUID()}`;
const createProduct = (body: Record<string, unknown>, token = admin) => call('POST', '/products', { token, body });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Three products created one after the other through the API, oldest first. */
async function threeProducts(): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const reply = await createProduct({ sku: freshSku(), name: `Listed ${i}`, priceCents: 100 + i, stock: i });
    expect(reply.status).toBe(201);
    ids.push(reply.body.productId);
    await sleep(5); // distinct createdAt, so "newest first" has one right answer
  }
  return ids;
}

/** Follows nextCursor from the first page until `stop` says enough or the catalog ends. */
async function walk(limit: number, stop: (seen: string[]) => boolean = () => false) {
  const seen: string[] = [];
  const pages: { items: any[]; nextCursor: string | null }[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const reply = await call('GET', `/products${query}`);
    expect(reply.status).toBe(200);
    pages.push(reply.body);
    seen.push(...reply.body.items.map((p: { productId: string }) => p.productId));
    cursor = reply.body.nextCursor;
  } while (cursor && !stop(seen) && pages.length < 10_000);
  return { seen, pages };
}

describe('GET /products', () => {
  it('when products are listed, then newest come first with the product shape', async () => {
    const [oldest, middle, newest] = await threeProducts();

    const { seen, pages } = await walk(100, (ids) => ids.includes(oldest!));

    const mine = seen.filter((id) => [oldest, middle, newest].includes(id));
    expect(mine).toEqual([newest, middle, oldest]);
    const item = pages.flatMap((p) => p.items).find((p) => p.productId === newest);
    expect(item).toEqual({ productId: newest, sku: expect.stringMatching(/^SKU-/), name: 'Listed 2', priceCents: 102, stockAvailable: 2 });
  });

  it('when a limit is given, then at most that many items come back with a cursor to the next page', async () => {
    await threeProducts();

    const reply = await call('GET', '/products?limit=2');

    expect(reply.status).toBe(200);
    expect(reply.body.items).toHaveLength(2);
    expect(reply.body.nextCursor).toEqual(expect.any(String));
  });

  it('when no limit is given, then at most 100 items come back', async () => {
    const reply = await call('GET', '/products');

    expect(reply.status).toBe(200);
    expect(reply.body.items.length).toBeLessThanOrEqual(100);
  });

  it('when pages are followed by cursor, then every product appears once, in order, until nextCursor is null', async () => {
    const ids = await threeProducts();

    const small = await walk(2, (seen) => ids.every((id) => seen.includes(id)));
    expect(new Set(small.seen).size).toBe(small.seen.length);
    expect(small.seen.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
    expect(small.pages.slice(0, -1).every((p) => p.items.length === 2)).toBe(true);

    const whole = await walk(100);
    expect(new Set(whole.seen).size).toBe(whole.seen.length);
    expect(whole.pages.at(-1)!.nextCursor).toBeNull();
    expect(whole.seen).toEqual(expect.arrayContaining(ids));
  });

  it('when the catalog is walked to its end, then the last page holds at most limit items and nextCursor null', async () => {
    const { pages } = await walk(100);
    const last = pages.at(-1)!;

    expect(last.nextCursor).toBeNull();
    expect(last.items.length).toBeLessThanOrEqual(100);
  });

  it.each(['0', '101', '-1', 'abc', '1.5'])('when limit=%s, then 400 VALIDATION_FAILED', async (limit) => {
    const reply = await call('GET', `/products?limit=${limit}`);

    expectProblem(reply, 400, 'VALIDATION_FAILED');
    expect(reply.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'limit' })]));
  });

  it('when the cursor is not one the API issued, then 400 VALIDATION_FAILED', async () => {
    const reply = await call('GET', '/products?cursor=not-a-cursor');

    expectProblem(reply, 400, 'VALIDATION_FAILED');
    expect(reply.body.errors).toEqual([expect.objectContaining({ path: 'cursor' })]);
  });
});

describe('GET /products/:id', () => {
  it('when the product exists, then 200 returns it', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 7, priceCents: 1234 });

    const reply = await call('GET', `/products/${productId}`);

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ productId, sku: `SKU-${productId.slice(0, 8)}`, name: 'Test Product', priceCents: 1234, stockAvailable: 7 });
  });

  it('when part of the stock is reserved by orders in flight, then stockAvailable is on hand minus reserved', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 10 });
    await stack.prisma.product.update({ where: { id: productId }, data: { reserved: 4 } });

    expect((await call('GET', `/products/${productId}`)).body.stockAvailable).toBe(6);
  });

  it.each([
    ['an unknown uuid', () => randomUUID()],
    ['a non-uuid id', () => 'not-a-uuid'],
    ['a numeric id', () => '12345'],
    ['an upper-case unknown uuid', () => randomUUID().toUpperCase()],
  ])('when the id is %s, then 404 PRODUCT_NOT_FOUND', async (_label, id) => {
    expectProblem(await call('GET', `/products/${encodeURIComponent(id())}`), 404, 'PRODUCT_NOT_FOUND');
  });
});

describe('POST /products', () => {
  it('when an admin creates a product, then 201 returns it with a Location and it can be read back', async () => {
    const sku = freshSku();

    const reply = await createProduct({ sku, name: 'Widget', priceCents: 1999, stock: 5 });

    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({ productId: expect.any(String), sku, name: 'Widget', priceCents: 1999, stockAvailable: 5 });
    expect(reply.headers.get('location')).toBe(`/products/${reply.body.productId}`);
    expect((await call('GET', `/products/${reply.body.productId}`)).body).toEqual(reply.body);
  });

  it('when the sku is taken, then 409 SKU_TAKEN and the first product is unchanged', async () => {
    const sku = freshSku();
    const first = await createProduct({ sku, name: 'First', priceCents: 100, stock: 1 });

    const second = await createProduct({ sku, name: 'Second', priceCents: 200, stock: 2 });

    expectProblem(second, 409, 'SKU_TAKEN');
    expect(await stack.prisma.product.count({ where: { sku } })).toBe(1);
    expect((await call('GET', `/products/${first.body.productId}`)).body).toMatchObject({ name: 'First', priceCents: 100 });
  });

  it('when a customer creates a product, then 403 FORBIDDEN and nothing is stored', async () => {
    const sku = freshSku();

    expectProblem(await createProduct({ sku, name: 'Nope', priceCents: 1, stock: 1 }, customer), 403, 'FORBIDDEN');
    expect(await stack.prisma.product.count({ where: { sku } })).toBe(0);
  });

  it('when nobody is signed in, then 401 UNAUTHENTICATED', async () => {
    expectProblem(await call('POST', '/products', { body: { sku: freshSku(), name: 'Nope', priceCents: 1, stock: 1 } }), 401, 'UNAUTHENTICATED');
  });

  it.each([
    { why: 'the price is negative', patch: { priceCents: -1 }, path: 'priceCents' },
    { why: 'the price is fractional', patch: { priceCents: 9.99 }, path: 'priceCents' },
    { why: 'the price is a string', patch: { priceCents: '100' }, path: 'priceCents' },
    { why: 'the stock is negative', patch: { stock: -1 }, path: 'stock' },
    { why: 'the sku is missing', patch: { sku: undefined }, path: 'sku' },
    { why: 'the name is blank', patch: { name: ' ' }, path: 'name' },
  ])('when $why, then 400 VALIDATION_FAILED names $path and nothing is stored', async ({ patch, path }) => {
    const sku = freshSku();
    const reply = await createProduct({ sku, name: 'Widget', priceCents: 100, stock: 1, ...patch });

    expectProblem(reply, 400, 'VALIDATION_FAILED');
    expect(reply.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(await stack.prisma.product.count({ where: { sku } })).toBe(0);
  });
});

describe('POST /products/:id/stock', () => {
  const adjust = (productId: string, body: unknown, token = admin) => call('POST', `/products/${productId}/stock`, { token, body });

  it('when an admin adds stock, then 200 returns the product with the new stock', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 3 });

    const reply = await adjust(productId, { delta: 7 });

    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ productId, stockAvailable: 10 });
    expect((await call('GET', `/products/${productId}`)).body.stockAvailable).toBe(10);
  });

  it('when the delta is negative and stock suffices, then 200 and the stock goes down', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 10 });

    const reply = await adjust(productId, { delta: -10 });

    expect(reply.status).toBe(200);
    expect(reply.body.stockAvailable).toBe(0);
  });

  it('when the delta would take stock below zero, then 409 INSUFFICIENT_STOCK and nothing changes', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 3 });
    const before = await stack.prisma.product.findUniqueOrThrow({ where: { id: productId } });

    expectProblem(await adjust(productId, { delta: -4 }), 409, 'INSUFFICIENT_STOCK');

    expect(await stack.prisma.product.findUniqueOrThrow({ where: { id: productId } })).toEqual(before);
    expect(await stack.prisma.domainEvent.count({ where: { aggregateId: productId } })).toBe(0);
  });

  it('when the delta would take away units reserved by orders in flight, then 409 INSUFFICIENT_STOCK and nothing changes', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 10 });
    await stack.prisma.product.update({ where: { id: productId }, data: { reserved: 4 } });

    expectProblem(await adjust(productId, { delta: -7 }), 409, 'INSUFFICIENT_STOCK');

    expect(await stack.prisma.product.findUniqueOrThrow({ where: { id: productId } })).toMatchObject({ onHand: 10, reserved: 4 });
  });

  it('when a customer adjusts stock, then 403 FORBIDDEN and nothing changes', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 3 });

    expectProblem(await adjust(productId, { delta: 100 }, customer), 403, 'FORBIDDEN');
    expect((await stack.prisma.product.findUniqueOrThrow({ where: { id: productId } })).onHand).toBe(3);
  });

  it('when the product does not exist, then 404 PRODUCT_NOT_FOUND', async () => {
    expectProblem(await adjust(randomUUID(), { delta: 1 }), 404, 'PRODUCT_NOT_FOUND');
    expectProblem(await adjust('not-a-uuid', { delta: 1 }), 404, 'PRODUCT_NOT_FOUND');
  });

  it.each([{ delta: 1.5 }, { delta: '5' }, {}, { delta: null }])('when the body is %j, then 400 VALIDATION_FAILED and nothing changes', async (body) => {
    const { productId } = await aProduct(stack.prisma, { stock: 3 });

    const reply = await adjust(productId, body);

    expectProblem(reply, 400, 'VALIDATION_FAILED');
    expect(reply.body.errors).toEqual([expect.objectContaining({ path: 'delta' })]);
    expect((await stack.prisma.product.findUniqueOrThrow({ where: { id: productId } })).onHand).toBe(3);
  });
});
