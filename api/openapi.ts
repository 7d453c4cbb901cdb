// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests, plus a
// small self-contained HTML reference at /docs (no CDN: it must work offline).
import { z } from 'zod';
import * as s from './schemas';
import { ISO_COUNTRIES } from './iso-countries';
import { creditLimitBody } from './routes/customers.routes';
import { stuckQuery } from './routes/admin.routes';
import { payloadsBody } from './routes/codec.routes';

const toSchema = (schema: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const problem = z.object({
  type: z.string(), title: z.string(), status: z.number().int(), detail: z.string(), code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
const product = z.object({ productId: z.string(), sku: z.string(), name: z.string(), priceCents: z.number().int(), stockAvailable: z.number().int() });
const timelineEntry = z.object({ sequence: z.number().int(), type: z.string(), at: z.string(), data: z.record(z.string(), z.unknown()) });
const orderLine = z.object({ productId: z.string(), sku: z.string(), name: z.string(), quantity: z.number().int(), unitPriceCents: z.number().int(), lineTotalCents: z.number().int() });
const orderSummary = z.object({
  orderId: z.string(), customerId: z.string(), status: z.enum(s.ORDER_STATUS_VALUES), items: z.array(orderLine), totalCents: z.number().int(),
  shippingAddress: s.shippingAddress,
  payment: z.object({ chargedCents: z.number().int(), refundedCents: z.number().int() }).describe('what the payment provider holds for this order: every charge (a revision\'s extra too) and every refund'),
  rejectionReason: z.string().nullable(), cancellationReason: z.string().nullable(),
  createdAt: z.string(), updatedAt: z.string(), version: z.number().int(),
});
const order = orderSummary.extend({ timeline: z.array(timelineEntry) });
const stuckOrders = z.object({
  olderThan: z.string(),
  items: z.array(z.object({
    orderId: z.string(), customerId: z.string(), status: z.string(), updatedAt: z.string(), stuckForSeconds: z.number().int(),
    compensationFailures: z.array(z.record(z.string(), z.unknown())), workflowId: z.string(), webUiUrl: z.string(),
  })),
});
const customer = z.object({ customerId: z.string(), email: z.string(), name: z.string(), creditLimitCents: z.number().int() });
const customerView = customer.extend({ creditAvailableCents: z.number().int() });

// One Server-Sent Event as clients parse it; `data` is a timeline entry serialised as JSON.
const sseEvent = { type: 'object', properties: { id: { type: 'string' }, event: { type: 'string' }, data: { type: 'string', contentMediaType: 'application/json' } }, required: ['data'] };
const json = (schema: z.ZodType) => ({ 'application/json': { schema: toSchema(schema) } });
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
const ok = (status: number, description: string, schema?: z.ZodType) => ({ [status]: { description, ...(schema ? { content: json(schema) } : {}) } });
const errors = (...codes: [number, string][]) => Object.fromEntries(codes.map(([status, what]) => [status, problemResponse(what)]));
const secured = [{ bearer: [] }];
const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const queryParams = (schema: z.ZodObject) => Object.entries(schema.shape).map(([name, field]) => ({ name, in: 'query', required: false, schema: toSchema(field as z.ZodType) }));
const auth = errors([401, 'UNAUTHENTICATED'], [403, 'FORBIDDEN']);
/** Every request with a body: over 1 MB → 413, not JSON → 415. */
const bodyErrors = errors([413, 'PAYLOAD_TOO_LARGE (body over 1 MB)'], [415, 'UNSUPPORTED_MEDIA_TYPE (body not application/json)']);

export function buildOpenApiDocument(version: string) {
  const placeOrder = toSchema(s.placeOrderBody) as { properties: { shippingAddress: { properties: Record<string, unknown> } } };
  placeOrder.properties.shippingAddress.properties.country = { type: 'string', enum: [...ISO_COUNTRIES].sort() };
  const doc = {
    openapi: '3.1.0',
    info: { title: 'Saga Orders API', version, description: 'Orders placed here run as a durable Temporal saga: stock → credit → payment → shipment, with compensations. Errors are RFC 9457 problem+json with a stable `code`.' },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: toSchema(problem), Order: toSchema(order), Product: toSchema(product) },
    },
    paths: {
      '/health/live': { get: { summary: 'Liveness', responses: ok(200, 'the process runs') } },
      '/health/ready': { get: { summary: 'Readiness (Postgres and Temporal)', responses: { ...ok(200, 'ready'), 503: { description: 'a dependency is down' } } } },
      '/auth/register': { post: { summary: 'Register a customer', requestBody: { required: true, content: json(s.registerBody) }, responses: { ...ok(201, 'registered', customer), ...errors([400, 'VALIDATION_FAILED'], [409, 'EMAIL_TAKEN'], [413, 'PAYLOAD_TOO_LARGE']) } } },
      '/auth/token': { post: { summary: 'Issue an access token', requestBody: { required: true, content: json(s.tokenBody) }, responses: { ...ok(200, 'token', z.object({ accessToken: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.number().int() })), ...errors([400, 'VALIDATION_FAILED'], [401, 'INVALID_CREDENTIALS'], [429, 'RATE_LIMITED']) } } },
      '/customers/me': { get: { summary: 'The caller', security: secured, responses: { ...ok(200, 'the customer', customerView), ...errors([401, 'UNAUTHENTICATED'], [404, 'CUSTOMER_NOT_FOUND']) } } },
      '/customers/{id}': { get: { summary: 'A customer with its credit (admin)', security: secured, parameters: [idParam('id')], responses: { ...ok(200, 'the customer', customerView), ...auth, ...errors([404, 'CUSTOMER_NOT_FOUND']) } } },
      '/customers/{id}/credit-limit': { put: { summary: 'Set a customer\'s credit limit (admin); holds already made stay', security: secured, parameters: [idParam('id')], requestBody: { required: true, content: json(creditLimitBody) }, responses: { ...ok(200, 'the customer', customerView), ...auth, ...errors([400, 'VALIDATION_FAILED'], [404, 'CUSTOMER_NOT_FOUND']) } } },
      '/products': {
        get: { summary: 'Catalog, newest first', parameters: queryParams(s.pageQuery), responses: { ...ok(200, 'a page', z.object({ items: z.array(product), nextCursor: z.string().nullable() })), ...errors([400, 'VALIDATION_FAILED']) } },
        post: { summary: 'Add a product (admin)', security: secured, requestBody: { required: true, content: json(s.createProductBody) }, responses: { ...ok(201, 'created', product), ...auth, ...errors([400, 'VALIDATION_FAILED'], [409, 'SKU_TAKEN']) } },
      },
      '/products/{id}': { get: { summary: 'One product', parameters: [idParam('id')], responses: { ...ok(200, 'the product', product), ...errors([404, 'PRODUCT_NOT_FOUND']) } } },
      '/products/{id}/stock': { post: { summary: 'Adjust stock on hand (admin)', security: secured, parameters: [idParam('id')], requestBody: { required: true, content: json(s.stockAdjustmentBody) }, responses: { ...ok(200, 'adjusted', product), ...auth, ...errors([400, 'VALIDATION_FAILED'], [404, 'PRODUCT_NOT_FOUND'], [409, 'INSUFFICIENT_STOCK']) } } },
      '/orders': {
        post: {
          summary: 'Place an order (starts the saga)', security: secured,
          parameters: [
            { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 } },
            { name: 'Prefer', in: 'header', required: false, description: 'wait=<seconds> (at most 30): answer once the saga has decided (APPROVED, PAID or REJECTED) or the wait is over; Preference-Applied echoes it', schema: { type: 'string', examples: ['wait=10'] } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: placeOrder } } },
          responses: { ...ok(202, 'accepted; the saga runs', order), ...ok(200, 'a repeat of an Idempotency-Key: the first answer', order), ...auth, ...errors([400, 'VALIDATION_FAILED'], [422, 'UNKNOWN_PRODUCT, IDEMPOTENCY_KEY_REUSED or ORDER_TOTAL_TOO_LARGE'], [503, 'SERVICE_UNAVAILABLE with Retry-After: Temporal or the database unreachable (nothing recorded), or the first request with this Idempotency-Key is still starting its saga']) },
        },
        get: { summary: 'List orders (own; admin: all or ?customerId=)', security: secured, parameters: queryParams(s.orderListQuery), responses: { ...ok(200, 'a page', z.object({ items: z.array(orderSummary), nextCursor: z.string().nullable() })), ...auth, ...errors([400, 'VALIDATION_FAILED']) } },
      },
      '/orders/{id}': { get: { summary: 'One order with its timeline', security: secured, parameters: [idParam('id')], responses: { ...ok(200, 'the order', order), ...auth, ...errors([404, 'ORDER_NOT_FOUND']) } } },
      '/orders/{id}/cancel': { post: { summary: 'Cancel (saga compensates)', security: secured, parameters: [idParam('id')], responses: { ...ok(202, 'cancel accepted', z.object({ orderId: z.string(), status: z.literal('CANCEL_PENDING') })), ...auth, ...errors([404, 'ORDER_NOT_FOUND'], [409, 'ORDER_NOT_CANCELLABLE']) } } },
      '/orders/{id}/revise': { post: { summary: 'Revise the items (owner; the revise saga decides)', security: secured, parameters: [idParam('id')], requestBody: { required: true, content: json(s.reviseOrderBody) }, responses: { ...ok(202, 'revision accepted', z.object({ orderId: z.string(), status: z.literal('REVISION_PENDING') })), ...auth, ...errors([400, 'VALIDATION_FAILED'], [404, 'ORDER_NOT_FOUND'], [409, 'ORDER_NOT_REVISABLE (also after MAX_REVISIONS revisions)'], [422, 'ORDER_MINIMUM_NOT_MET, ORDER_TOTAL_TOO_LARGE or UNKNOWN_PRODUCT']) } } },
      '/orders/{id}/dispatch': { post: { summary: 'Ship a waiting order now (admin)', security: secured, parameters: [idParam('id')], responses: { ...ok(202, 'dispatch accepted; the order ships now', z.object({ orderId: z.string(), status: z.literal('PAID') })), ...auth, ...errors([404, 'ORDER_NOT_FOUND'], [409, 'ORDER_NOT_DISPATCHABLE']) } } },
      '/admin/stuck-orders': { get: { summary: 'Orders not final after a threshold, with recorded compensation failures and Web UI links (admin)', security: secured, parameters: queryParams(stuckQuery), responses: { ...ok(200, 'stuck orders', stuckOrders), ...auth, ...errors([400, 'VALIDATION_FAILED']) } } },
      '/': { get: { summary: 'The web console (HTML; its own Content-Security-Policy, assets under /console/assets)', responses: { 200: { description: 'the console page', content: { 'text/html': { schema: { type: 'string' } } } }, ...errors([503, 'CONSOLE_NOT_BUILT']) } } },
      '/console/config': { get: { summary: 'What the web console needs of the configuration (admin): the Temporal Web UI address and namespace', security: secured, responses: { ...ok(200, 'console configuration', z.object({ temporalUiUrl: z.string(), temporalNamespace: z.string() })), ...auth } } },
      '/metrics': { get: { summary: 'Prometheus metrics (admin token, or Bearer METRICS_TOKEN)', security: secured, responses: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } }, ...auth } } },
      '/orders/{id}/events': { get: { summary: 'Live timeline (Server-Sent Events; resumes with Last-Event-ID)', security: secured, parameters: [idParam('id'), { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' } }], responses: { 200: { description: 'text/event-stream of timeline entries (id: sequence, event: entry type, data: the entry as JSON); closes when the order is final or the token expires; a `: keep-alive` comment every SSE_HEARTBEAT', content: { 'text/event-stream': { schema: sseEvent } } }, ...auth, ...errors([404, 'ORDER_NOT_FOUND'], [429, 'TOO_MANY_STREAMS (SSE_MAX_STREAMS_PER_CUSTOMER open streams)']) } } },
    },
  };
  for (const operations of Object.values(doc.paths)) {
    for (const operation of Object.values(operations as Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>)) {
      if (operation.requestBody) Object.assign(operation.responses, bodyErrors);
    }
  }
  return { ...doc, paths: { ...doc.paths, ...codecPaths() } };
}

/** The Temporal codec server (api/routes/codec.routes.ts): its bodies may be up to 8 MB. */
function codecPaths() {
  const namespace = { name: 'X-Namespace', in: 'header', required: false, schema: { type: 'string' }, description: 'must be TEMPORAL_NAMESPACE when sent' };
  const codec = (what: string) => ({
    post: {
      summary: `Temporal codec server: ${what} payloads (admin: Authorization Bearer, or the Web UI with the cookie of /codec/login; CORS for TEMPORAL_UI_URL only)`,
      security: secured, parameters: [namespace],
      requestBody: { required: true, content: json(payloadsBody) },
      responses: {
        ...ok(200, `the payloads ${what}d (protobuf JSON, base64)`, payloadsBody), ...auth,
        ...errors([400, 'VALIDATION_FAILED (not Payloads JSON, or another namespace)'], [413, 'PAYLOAD_TOO_LARGE (body over 8 MB)'], [415, 'UNSUPPORTED_MEDIA_TYPE'], [422, 'PAYLOAD_UNDECODABLE (encrypted with a key not in PAYLOAD_KEYS, or altered)']),
      },
    },
  });
  return {
    '/codec/decode': codec('decode'),
    '/codec/encode': codec('encode'),
    '/codec/login': {
      get: { summary: 'Sign-in page of Web UI decoding (HTML)', responses: ok(200, 'the page') },
      post: {
        summary: 'Sign in as an admin (HTML form): sets an HttpOnly, SameSite=Strict cookie for /codec, good for the codec only, for JWT_TTL',
        requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { email: { type: 'string' }, password: { type: 'string' } }, required: ['email', 'password'] } } } },
        responses: { ...ok(200, 'signed in (HTML)'), 401: { description: 'wrong credentials or not an admin (HTML)' }, ...errors([429, 'RATE_LIMITED']) },
      },
    },
    '/codec/logout': { post: { summary: 'Sign out of Web UI decoding (clears the cookie)', responses: ok(200, 'signed out (HTML)') } },
  };
}

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
/** Escaped text where `backticks` become <code>. */
const prose = (text: string) => escape(text).replace(/`([^`]+)`/g, '<code>$1</code>');

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema; enum?: unknown[]; minimum?: number; maximum?: number; minLength?: number; maxLength?: number; anyOf?: JsonSchema[] };

/** A request body's fields, one per line: name, type, bounds; nested objects indented. */
function describeBody(schema: JsonSchema, indent = ''): string {
  return Object.entries(schema.properties ?? {}).map(([name, field]) => {
    const type = field.enum ? (field.enum.length > 8 ? 'code' : field.enum.map(String).join(' | ')) : Array.isArray(field.type) ? field.type.join(' | ') : (field.type ?? 'value');
    const bounds = [field.minimum !== undefined ? `≥ ${field.minimum}` : '', field.maximum !== undefined ? `≤ ${field.maximum}` : '', field.minLength ? `${field.minLength}..${field.maxLength ?? ''} chars` : ''].filter(Boolean).join(', ');
    const line = `${indent}<code>${escape(name)}</code>${schema.required?.includes(name) ? '' : '?'}: ${escape(type === 'array' ? `array of ${field.items?.type ?? 'value'}` : type)}${bounds ? ` (${escape(bounds)})` : ''}`;
    const nested = field.type === 'object' ? describeBody(field, `${indent}&nbsp;&nbsp;`) : field.type === 'array' && field.items?.type === 'object' ? describeBody(field.items, `${indent}&nbsp;&nbsp;`) : '';
    return `<div>${line}</div>${nested}`;
  }).join('');
}

type Operation = { summary: string; security?: unknown; requestBody?: { content: Record<string, { schema: JsonSchema }> }; responses: Record<string, { description: string }> };

export function renderDocsPage(doc: ReturnType<typeof buildOpenApiDocument>): string {
  const rows = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops as Record<string, Operation>).map(([method, op]) => {
    const body = op.requestBody?.content['application/json']?.schema;
    return `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escape(path)}</code></td><td>${prose(op.summary)}${op.security ? ' <span class="auth" title="needs Authorization: Bearer">token</span>' : ''}${body ? `<div class="body"><b>body</b>${describeBody(body)}</div>` : ''}</td><td>${Object.entries(op.responses).map(([code, r]) => `<div><b>${code}</b> ${prose(r.description)}</div>`).join('')}</td></tr>`;
  }));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem}table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:.4rem;vertical-align:top}code{background:#f4f4f4;padding:0 .2rem}.auth{font-size:.75rem;border:1px solid #888;border-radius:.3rem;padding:0 .3rem}.body{margin-top:.3rem;font-size:.9rem}</style>
</head><body><h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1><p>${prose(doc.info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). <span class="auth">token</span> = <code>Authorization: Bearer &lt;JWT&gt;</code> from <code>POST /auth/token</code>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>What</th><th>Responses</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></body></html>`;
}
