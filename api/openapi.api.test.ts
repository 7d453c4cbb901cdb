// The OpenAPI document describes every endpoint of shared/API.md and the docs page renders it.
import { startTestStack, type TestStack } from '../test/harness';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ api: true, contexts: [] }); });
afterAll(async () => { await stack?.stop(); });

const CONTRACT = [
  'get /health/live', 'get /health/ready', 'post /auth/register', 'post /auth/token', 'get /customers/me',
  'get /products', 'get /products/{id}', 'post /products', 'post /products/{id}/stock',
  'post /orders', 'get /orders/{id}', 'get /orders', 'post /orders/{id}/cancel', 'post /orders/{id}/dispatch', 'post /orders/{id}/revise', 'get /orders/{id}/events',
  'get /customers/{id}', 'put /customers/{id}/credit-limit', 'get /admin/stuck-orders', 'get /metrics',
  'post /codec/decode', 'post /codec/encode', 'get /codec/login', 'post /codec/login',
];

describe('GET /openapi.json', () => {
  it('when fetched, then it is OpenAPI 3.1 listing every endpoint of the contract with its error codes', async () => {
    const res = await fetch(`${stack.baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await res.json() as any;
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m} ${path}`));
    expect(operations).toEqual(expect.arrayContaining(CONTRACT));
    expect(doc.paths['/orders'].post.responses['422'].description).toContain('UNKNOWN_PRODUCT');
    const body = doc.paths['/orders'].post.requestBody.content['application/json'].schema;
    expect(body.properties.items).toMatchObject({ minItems: 1, maxItems: 50 });
    expect(body.properties.items.items.properties.quantity).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    expect(body.properties.shippingAddress.properties.country.enum).toContain('US');
    // Codes every client can meet, documented where they happen.
    expect(Object.keys(doc.paths['/orders'].post.responses)).toEqual(expect.arrayContaining(['413', '415', '422']));
    expect(doc.paths['/customers/me'].get.responses['404'].description).toContain('CUSTOMER_NOT_FOUND');
    expect(doc.paths['/orders/{id}/dispatch'].post.responses['202'].content['application/json'].schema.properties).toHaveProperty('status');
  });

  it('when /docs is opened, then a self-contained HTML page lists the endpoints', async () => {
    const res = await fetch(`${stack.baseUrl}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('/orders/{id}/events');
    expect(html).not.toMatch(/<script/);
    // Request bodies are shown, backticks render as code, and no emoji a font may lack.
    expect(html).toMatch(/<code>paymentMethod<\/code>/);
    expect(html).not.toContain('`');
    expect(html).not.toContain('🔒');
  });
});
