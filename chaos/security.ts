// Attacks on the running API, each counted as tried / rejected: forged and tampered JWTs (and tokens
// signed with the secret v1 published), other customers' orders, mass assignment,
// SQL-injection-shaped ids, oversize and hostile bodies, floods and slow clients on the token
// endpoint, the load and abuse checks (stream caps, slow-loris, /metrics and auth floods, address
// rotation: stream-checks.ts, limit-checks.ts), and secrets in any process's log output.
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { sleep } from './config';
import { HttpClient, type Reply } from './http';
import type { Secrets } from './cluster';
import type { SeedProduct } from './seed';
import type { AbuseContext, ApiLimits, Measurement, StreamAccount } from './abuse';
import { checkAuthFloods, checkMetricsFlood } from './limit-checks';
import { checkStreamCaps, createStreamAccounts } from './stream-checks';
import { finishSlowLoris, startSlowLoris, type SlowLoris } from './slow-loris';

export interface Attack { category: string; name: string; rejected: boolean; detail: string }
export interface Category { name: string; tried: number; rejected: number }
export interface SecurityResult { attacks: Attack[]; categories: Category[]; orderIds: string[]; requests: number; serverErrors: number; measurements: Measurement[]; loadCategories: string[]; limits: ApiLimits }

/** v1's development default, published in its source: nothing may accept a token signed with it. */
const PUBLISHED_V1_SECRET = 'dev-only-secret-change-me-dev-only-secret';
/** Categories of the load and abuse checks (their rows are pass/fail like the attacks). */
export const LOAD_CATEGORIES = ['/metrics flood', 'register flood', 'address rotation', 'SSE stream caps', 'slow-loris on SSE'];

interface Input {
  baseUrl: string;
  databaseUrl: string;
  secrets: Secrets;
  customers: { customerId: string; token: string }[];
  adminToken: string;
  products: Map<string, SeedProduct>;
  logFiles: string[];
  secretsToFind: () => string[];
  /** Runs (the fuzzer) while the slow-client probes hold their sockets open. */
  whileSlowClientRuns: () => Promise<void>;
  /** Run the load and abuse checks (CHAOS_SKIP=load leaves them out). */
  load: boolean;
  limits: ApiLimits;
  /** Holds the sagas (their orders stay open) and lets them go again. */
  holdSagas: { pause: () => void; resume: () => Promise<void> };
  apiPid: () => number | undefined;
  say: (line: string) => void;
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const ADDRESS = { line1: '1 Attack St', city: 'Mallory', postalCode: '666', country: 'US' };

export async function runSecurityChecks(input: Input): Promise<SecurityResult> {
  const http = new HttpClient(input.baseUrl);
  const attacks: Attack[] = [];
  const orderIds: string[] = [];
  const record = (category: string, name: string, rejected: boolean, detail: string) => attacks.push({ category, name, rejected, detail });
  const expect = (category: string, name: string, reply: Reply, statuses: number[], code?: string) => {
    const ok = statuses.includes(reply.status) && (!code || reply.body?.code === code);
    record(category, name, ok, `${reply.status}${reply.body?.code ? ` ${reply.body.code}` : ''}${ok ? '' : ` (wanted ${statuses.join('/')}${code ? ` ${code}` : ''})`}`);
    return ok;
  };
  const [a, b] = input.customers as [{ customerId: string; token: string }, { customerId: string; token: string }];
  const mug = input.products.get('mug')!;
  const place = (token: string, body: Record<string, unknown>, key?: string) => http.call('POST', '/orders', { token, body, headers: key ? { 'Idempotency-Key': key } : {} });
  const validOrder = { items: [{ productId: mug.id, quantity: 1 }], shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } };

  // Slow clients first: they hold their sockets while everything else (and the fuzzer) runs.
  const slow = [slowHeaders(input.baseUrl), slowBody(input.baseUrl)];

  // ── JWT ───────────────────────────────────────────────────────────────
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: a.customerId, role: 'admin', iss: 'saga-orders', aud: 'saga-orders-api', iat: now, exp: now + 600 };
  const hs = (alg: 'HS256' | 'HS384' | 'HS512', payload: object, secret = input.secrets.jwtSecret) => jwt.sign(payload, secret, { algorithm: alg, noTimestamp: true });
  const [head, , sig] = a.token.split('.') as [string, string, string];
  const realClaims = JSON.parse(Buffer.from(a.token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  const forged: [string, string][] = [
    ['alg none (admin claims)', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`],
    ['alg "None" (case variant)', `${b64({ alg: 'None', typ: 'JWT' })}.${b64(claims)}.`],
    ['alg none with a signature', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.${sig}`],
    ['HS256 with a wrong secret', hs('HS256', claims, 'not-the-secret-not-the-secret-not-the-secret')],
    ['tampered role (customer → admin), original signature', `${head}.${b64({ ...realClaims, role: 'admin' })}.${sig}`],
    ['tampered sub (another customer), original signature', `${head}.${b64({ ...realClaims, sub: b.customerId })}.${sig}`],
    ['expired token', hs('HS256', { ...claims, role: 'customer', iat: now - 7200, exp: now - 3600 })],
    ['wrong audience', hs('HS256', { ...claims, role: 'customer', aud: 'some-other-api' })],
    ['wrong issuer', hs('HS256', { ...claims, role: 'customer', iss: 'evil-issuer' })],
    ['HS512 with the right secret (HS256 configured)', hs('HS512', { ...claims, role: 'customer' })],
    ['HS384 with the right secret (HS256 configured)', hs('HS384', { ...claims, role: 'customer' })],
    ['empty sub', hs('HS256', { ...claims, role: 'customer', sub: '' })],
    ['no exp claim', hs('HS256', { sub: a.customerId, role: 'customer', iss: 'saga-orders', aud: 'saga-orders-api' })],
    ['unknown role', hs('HS256', { ...claims, role: 'superuser' })],
    ['not yet valid (nbf in 1 h)', hs('HS256', { ...claims, role: 'customer', nbf: now + 3600 })],
    ['RS256 header, HMAC-signed with the secret (key confusion)', (() => {
      const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ ...claims, role: 'customer' })}`;
      return `${unsigned}.${createHmac('sha256', input.secrets.jwtSecret).update(unsigned).digest('base64url')}`;
    })()],
  ];
  for (const [name, token] of forged) {
    expect('JWT attacks', name, await http.call('GET', '/customers/me', { token }), [401], 'UNAUTHENTICATED');
  }
  expect('JWT attacks', 'alg none admin token → POST /products', await http.call('POST', '/products', { token: forged[0]![1], body: { sku: `EVIL-${randomUUID()}`, name: 'x', priceCents: 1, stock: 1 } }), [401]);
  expect('JWT attacks', 'token in a Basic scheme', await http.call('GET', '/customers/me', { headers: { authorization: `Basic ${a.token}` } }), [401]);
  expect('JWT attacks', 'token in the query string', await http.call('GET', `/customers/me?access_token=${a.token}`), [401]);

  // ── the secret v1 published: well-formed tokens of real accounts, signed with it ──
  const adminId = (jwt.decode(input.adminToken) as jwt.JwtPayload).sub!;
  const published = (sub: string, role: string) => hs('HS256', { sub, role, iss: 'saga-orders', aud: 'saga-orders-api', iat: now, exp: now + 600 }, PUBLISHED_V1_SECRET);
  for (const [who, token] of [['customer', published(a.customerId, 'customer')], ['admin', published(adminId, 'admin')]] as const) {
    for (const path of ['/customers/me', '/orders', '/metrics', `/customers/${a.customerId}`]) {
      expect('published v1 secret', `${who} token → GET ${path.replace(a.customerId, ':id')}`, await http.call('GET', path, { token }), [401], 'UNAUTHENTICATED');
    }
  }
  expect('published v1 secret', 'the secret itself as the /metrics bearer token', await http.call('GET', '/metrics', { token: PUBLISHED_V1_SECRET }), [401], 'UNAUTHENTICATED');

  // ── roles ─────────────────────────────────────────────────────────────
  expect('role checks', 'customer → POST /products', await http.call('POST', '/products', { token: a.token, body: { sku: `EVIL-${randomUUID()}`, name: 'x', priceCents: 1, stock: 1 } }), [403], 'FORBIDDEN');
  expect('role checks', 'customer → POST /products/:id/stock', await http.call('POST', `/products/${mug.id}/stock`, { token: a.token, body: { delta: 1000 } }), [403], 'FORBIDDEN');

  // ── cross-customer ────────────────────────────────────────────────────
  const keyOfA = `sec-${randomUUID()}`;
  const orderOfA = await place(a.token, validOrder, keyOfA);
  if (orderOfA.status === 202) {
    const id = orderOfA.body.orderId as string;
    orderIds.push(id);
    expect('cross-customer access', 'B reads A\'s order', await http.call('GET', `/orders/${id}`, { token: b.token }), [404], 'ORDER_NOT_FOUND');
    expect('cross-customer access', 'B cancels A\'s order', await http.call('POST', `/orders/${id}/cancel`, { token: b.token }), [404], 'ORDER_NOT_FOUND');
    expect('cross-customer access', 'B streams A\'s order events', await http.call('GET', `/orders/${id}/events`, { token: b.token }), [404], 'ORDER_NOT_FOUND');
    expect('cross-customer access', 'B revises A\'s order', await http.call('POST', `/orders/${id}/revise`, { token: b.token, body: { items: [{ productId: mug.id, quantity: 5 }] } }), [404], 'ORDER_NOT_FOUND');
    expect('role checks', 'customer dispatches its own order (admin only)', await http.call('POST', `/orders/${id}/dispatch`, { token: a.token }), [403], 'FORBIDDEN');
    const list = await http.call('GET', `/orders?customerId=${a.customerId}`, { token: b.token });
    const leaked = (list.body?.items ?? []).some((o: { customerId: string }) => o.customerId !== b.customerId);
    record('cross-customer access', 'B lists orders with ?customerId=A', list.status === 200 && !leaked, `${list.status}, ${list.body?.items?.length ?? 0} item(s)${leaked ? ' — LEAKED A\'s orders' : ', none of A\'s'}`);
    const sameKey = await place(b.token, validOrder, keyOfA);
    if (sameKey.body?.orderId) orderIds.push(sameKey.body.orderId);
    record('cross-customer access', 'B reuses A\'s Idempotency-Key', sameKey.status === 202 && sameKey.body?.orderId !== id && sameKey.body?.customerId === b.customerId, `${sameKey.status}, ${sameKey.body?.orderId === id ? 'got A\'s order' : 'a separate order of B'}`);
    const final = await waitFinal(http, a.token, id);
    record('cross-customer access', 'A\'s order untouched by B', final?.status === 'SHIPPED' && !final.timeline.some((e: { type: string }) => e.type === 'CancelRequested'), `A's order ended ${final?.status}`);
  } else {
    record('cross-customer access', 'place A\'s order', false, `POST /orders answered ${orderOfA.status}`);
  }

  // ── mass assignment ───────────────────────────────────────────────────
  const chosenId = randomUUID();
  const massBody = {
    ...validOrder, orderId: chosenId, id: chosenId, customerId: b.customerId, status: 'SHIPPED', totalCents: 1, version: 99, rejectionReason: null,
    createdAt: '2000-01-01T00:00:00Z', timeline: [{ type: 'OrderShipped' }],
    items: [{ productId: mug.id, quantity: 2, unitPriceCents: 1, lineTotalCents: 2, sku: 'FREE', name: 'free' }],
  };
  const mass = await place(a.token, massBody);
  if (mass.status === 202) {
    orderIds.push(mass.body.orderId);
    const o = mass.body;
    record('mass assignment', 'POST /orders sets orderId', o.orderId !== chosenId, `orderId ${o.orderId === chosenId ? 'TAKEN FROM BODY' : 'server-chosen'}`);
    record('mass assignment', 'POST /orders sets customerId', o.customerId === a.customerId, `customerId ${o.customerId === a.customerId ? 'from the token' : 'FROM BODY'}`);
    record('mass assignment', 'POST /orders sets status', o.status === 'APPROVAL_PENDING', `status ${o.status}`);
    record('mass assignment', 'POST /orders sets totalCents', o.totalCents === 2 * mug.priceCents, `totalCents ${o.totalCents} (catalog: ${2 * mug.priceCents})`);
    record('mass assignment', 'POST /orders sets items[].unitPriceCents / sku', o.items[0].unitPriceCents === mug.priceCents && o.items[0].sku === mug.sku, `unitPriceCents ${o.items[0].unitPriceCents}, sku ${o.items[0].sku}`);
    record('mass assignment', 'POST /orders sets version / createdAt / timeline', o.version === 0 && !o.createdAt.startsWith('2000') && o.timeline.length <= 1, `version ${o.version}, createdAt ${o.createdAt}`);
    const final = await waitFinal(http, a.token, o.orderId);
    record('mass assignment', 'the saga charged the catalog price', final?.status === 'SHIPPED' && final.totalCents === 2 * mug.priceCents, `ended ${final?.status} with total ${final?.totalCents}`);
  } else {
    record('mass assignment', 'POST /orders with extra fields', false, `answered ${mass.status} ${mass.body?.code ?? ''}`);
  }
  // Revise with prices in the items: only quantities may change.
  const revised = await reviseWithPrices(http, a.token, mug);
  if (revised.orderId) orderIds.push(revised.orderId);
  record('mass assignment', 'POST /orders/:id/revise sets unitPriceCents', revised.ok, revised.detail);
  const email = `chaos-mass-${randomUUID()}@example.com`;
  const chosenCustomer = randomUUID();
  const reg = await http.call('POST', '/auth/register', { body: { email, password: 'password-123', name: 'Mallory', role: 'admin', customerId: chosenCustomer, creditLimitCents: 500 } });
  const login = await http.call('POST', '/auth/token', { body: { email, password: 'password-123' } });
  const regClaims = login.body?.accessToken ? (jwt.decode(login.body.accessToken) as jwt.JwtPayload) : null;
  record('mass assignment', 'POST /auth/register sets role / customerId', reg.status === 201 && reg.body.customerId !== chosenCustomer && regClaims?.role === 'customer', `${reg.status}, role in token ${regClaims?.role}, customerId ${reg.body?.customerId === chosenCustomer ? 'FROM BODY' : 'server-chosen'}`);
  const sku = `SEC-${randomUUID().slice(0, 8)}`;
  const created = await http.call('POST', '/products', { token: input.adminToken, body: { sku, name: 'Security probe', priceCents: 100, stock: 5, reserved: 5, onHand: 999, productId: chosenId, stockAvailable: 1e6 } });
  record('mass assignment', 'POST /products sets reserved / onHand / id', created.status === 201 && created.body.stockAvailable === 5 && created.body.productId !== chosenId, `${created.status}, stockAvailable ${created.body?.stockAvailable}`);
  if (created.status === 201) {
    const adj = await http.call('POST', `/products/${created.body.productId}/stock`, { token: input.adminToken, body: { delta: 0, onHand: 1e6, reserved: -5, priceCents: 1 } });
    record('mass assignment', 'POST /products/:id/stock sets onHand / price', adj.status === 200 && adj.body.stockAvailable === 5 && adj.body.priceCents === 100, `${adj.status}, stockAvailable ${adj.body?.stockAvailable}, priceCents ${adj.body?.priceCents}`);
  }

  // ── SQL-injection-shaped input ────────────────────────────────────────
  const before = await tableCounts(input.databaseUrl);
  const evil = [`' OR '1'='1`, `1; DROP TABLE orders;--`, `${randomUUID()}' OR 1=1--`, `1' UNION SELECT password_hash FROM customers--`, `'; SELECT pg_sleep(5);--`, `%27%20OR%201%3D1`, `../../etc/passwd`, `{"$ne":null}`];
  for (const s of evil) {
    const e = encodeURIComponent(s);
    const probes: [string, () => Promise<Reply>, number[]][] = [
      [`GET /orders/${s}`, () => http.call('GET', `/orders/${e}`, { token: a.token }), [404]],
      [`POST /orders/${s}/cancel`, () => http.call('POST', `/orders/${e}/cancel`, { token: a.token }), [404]],
      [`GET /products/${s}`, () => http.call('GET', `/products/${e}`), [404]],
      [`GET /orders?status=${s}`, () => http.call('GET', `/orders?status=${e}`, { token: a.token }), [400]],
      [`GET /orders?customerId=${s} (admin)`, () => http.call('GET', `/orders?customerId=${e}`, { token: input.adminToken }), [200]],
      [`GET /products?cursor=${s}`, () => http.call('GET', `/products?cursor=${e}`), [400]],
      [`POST /orders productId=${s}`, () => place(a.token, { ...validOrder, items: [{ productId: s, quantity: 1 }] }), [422, 400]],
      [`POST /auth/token email=${s}`, () => http.call('POST', '/auth/token', { body: { email: s, password: s } }), [401, 400, 429]],
    ];
    for (const [name, probe, statuses] of probes) {
      const started = Date.now();
      const reply = await probe();
      const slowReply = Date.now() - started > 3000;
      const leaked = reply.status === 200 && (reply.body?.items?.length ?? 0) > 0;
      const ok = statuses.includes(reply.status) && !slowReply && !leaked;
      record('SQL-injection-shaped ids', name, ok, `${reply.status}${reply.body?.code ? ` ${reply.body.code}` : ''}${slowReply ? ' SLOW' : ''}${leaked ? ' RETURNED ROWS' : ''}`);
    }
  }
  const idem = await place(a.token, validOrder, `' OR 1=1; DROP TABLE idempotency_keys;--`);
  if (idem.body?.orderId) orderIds.push(idem.body.orderId);
  record('SQL-injection-shaped ids', 'Idempotency-Key with SQL', idem.status === 202 || idem.status === 400, `${idem.status}`);
  const after = await tableCounts(input.databaseUrl);
  record('SQL-injection-shaped ids', 'tables intact afterwards', after.products >= before.products && after.customers >= before.customers && after.idempotency >= before.idempotency, `products ${before.products}→${after.products}, customers ${before.customers}→${after.customers}`);

  // ── oversize and hostile bodies ───────────────────────────────────────
  const pad = 'x'.repeat(1_100_000);
  expect('oversize payloads', 'POST /orders 1.1 MB', await http.call('POST', '/orders', { token: a.token, rawBody: JSON.stringify({ ...validOrder, pad }) }), [413], 'PAYLOAD_TOO_LARGE');
  expect('oversize payloads', 'POST /auth/register 1.1 MB', await http.call('POST', '/auth/register', { rawBody: JSON.stringify({ email: 'x@example.com', password: 'password123', name: pad }) }), [413], 'PAYLOAD_TOO_LARGE');
  expect('oversize payloads', 'POST /auth/token 5 MB', await http.call('POST', '/auth/token', { rawBody: JSON.stringify({ email: 'x@example.com', password: 'x'.repeat(5_000_000) }) }), [413], 'PAYLOAD_TOO_LARGE');
  expect('oversize payloads', 'POST /orders 2 MB chunked (no Content-Length)', await chunkedPost(input.baseUrl, '/orders', a.token, JSON.stringify({ ...validOrder, pad: pad + pad })), [413]);
  expect('oversize payloads', '64 KB header', await http.call('GET', '/customers/me', { token: a.token, headers: { 'x-filler': 'y'.repeat(65_536) } }), [431]);
  expect('oversize payloads', 'deeply nested JSON (100k levels)', await http.call('POST', '/orders', { token: a.token, rawBody: `${'['.repeat(100_000)}${']'.repeat(100_000)}` }), [400]);
  expect('oversize payloads', '51 order lines', await place(a.token, { ...validOrder, items: Array.from({ length: 51 }, () => ({ productId: randomUUID(), quantity: 1 })) }), [400], 'VALIDATION_FAILED');
  expect('hostile input', 'quantity 1e309 (Infinity)', await http.call('POST', '/orders', { token: a.token, rawBody: JSON.stringify(validOrder).replace('"quantity":1', '"quantity":1e309') }), [400]);
  expect('hostile input', 'text/plain body', await http.call('POST', '/orders', { token: a.token, rawBody: JSON.stringify(validOrder), contentType: 'text/plain' }), [415]);
  expect('hostile input', 'UTF-16 charset', await http.call('POST', '/orders', { token: a.token, rawBody: JSON.stringify(validOrder), contentType: 'application/json; charset=utf-16' }), [400, 415]);
  expect('hostile input', 'invalid UTF-8 bytes', await http.call('POST', '/auth/register', { rawBody: Buffer.concat([Buffer.from('{"email":"a@b.co","password":"password123","name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]) }), [400, 201, 409]);
  expect('hostile input', 'JSON null body', await http.call('POST', '/orders', { token: a.token, rawBody: 'null' }), [400]);
  expect('hostile input', 'NUL in shipping address', await place(a.token, { ...validOrder, shippingAddress: { ...ADDRESS, line1: 'a\u0000b' } }), [400]);
  for (const [field, value] of [['line1', '\ud800 Attack St'], ['city', 'Mallory\udfff'], ['payment token', 'tok_\ud83d']] as const) {
    const body = field === 'payment token'
      ? JSON.stringify({ ...validOrder, paymentMethod: { token: value } })
      : JSON.stringify({ ...validOrder, shippingAddress: { ...ADDRESS, [field]: value } });
    // JSON.stringify escapes lone surrogates as \udXXX: exactly what a client library sends.
    const reply = await http.call('POST', '/orders', { token: a.token, rawBody: body });
    if (reply.body?.orderId) orderIds.push(reply.body.orderId);
    expect('hostile input', `lone UTF-16 surrogate in ${field}`, reply, [202, 400]);
  }

  // ── token endpoint: many requests ─────────────────────────────────────
  // From an address of its own (the API trusts the loopback proxy's X-Forwarded-For): the run's
  // other logins from this client must not have used up the window before the flood starts.
  const flooder = { 'X-Forwarded-For': '198.51.100.77' };
  const flood: number[] = [];
  for (let i = 0; i < 40 && !flood.includes(429); i++) {
    flood.push((await http.call('POST', '/auth/token', { headers: flooder, body: { email: `nobody-${i}@example.com`, password: 'guess-guess' } })).status);
  }
  const firstLimited = flood.indexOf(429);
  record('token endpoint floods', `${flood.length} wrong logins in a row`, firstLimited > 0, firstLimited > 0 ? `429 RATE_LIMITED from request ${firstLimited + 1} on` : `no 429 in ${flood.length} requests (${[...new Set(flood)].join(', ')})`);
  const afterLimit = await http.call('POST', '/auth/token', { headers: flooder, body: { email: input.secrets.adminEmail, password: input.secrets.adminPassword } });
  expect('token endpoint floods', 'right credentials while limited', afterLimit, [429], 'RATE_LIMITED');
  record('token endpoint floods', 'Retry-After on 429', Number(afterLimit.headers.get('retry-after')) > 0, `Retry-After: ${afterLimit.headers.get('retry-after')}`);

  // ── slow clients (while the fuzzer runs) and secrets in logs ──────────
  input.say('security: slow clients hold their sockets; fuzzing meanwhile …');
  await input.whileSlowClientRuns();
  const measurements: Measurement[] = [];
  const streamAccounts = !input.load ? [] : await loadChecks(input, {
    baseUrl: input.baseUrl, databaseUrl: input.databaseUrl, limits: input.limits, metricsToken: input.secrets.metricsToken, http, say: input.say,
    record, measure: (check, what, value) => void measurements.push({ check, what, value }),
  }, mug.id);
  orderIds.push(...streamAccounts.map((s) => s.orderId));
  for (const result of await Promise.all(slow)) record('token endpoint floods', result.name, result.closed, result.detail);

  const logs = input.logFiles.filter(existsSync).map((f) => ({ file: f.split('/').pop()!, text: readFileSync(f, 'utf8') }));
  const secrets = [...new Set(input.secretsToFind())].filter((s) => s && s.length >= 8);
  for (const [i, secret] of secrets.entries()) {
    const kind = i === 0 ? 'JWT secret' : secret === input.secrets.adminPassword ? 'admin password' : secret === input.secrets.metricsToken ? 'METRICS_TOKEN' : input.secrets.payloadKeys.endsWith(secret) ? 'payload key' : secret.startsWith('pw-') ? 'customer password' : 'access token';
    const parts = kind === 'access token' ? [secret, secret.split('.')[2]!] : [secret];
    const found = logs.filter((l) => parts.some((p) => l.text.includes(p))).map((l) => l.file);
    record('secrets in logs', `${kind} #${i}`, found.length === 0, found.length ? `FOUND in ${found.join(', ')}` : `absent from ${logs.length} log files`);
  }

  const names = [...new Set(attacks.map((x) => x.category))];
  const categories = names.map((name) => ({ name, tried: attacks.filter((x) => x.category === name).length, rejected: attacks.filter((x) => x.category === name && x.rejected).length }));
  for (const failed of attacks.filter((x) => !x.rejected)) input.say(`!! not rejected: [${failed.category}] ${failed.name}: ${failed.detail}`);
  return { attacks, categories, orderIds, requests: http.requests, serverErrors: http.serverErrors.length, measurements, loadCategories: LOAD_CATEGORIES.filter((c) => names.includes(c)), limits: input.limits };
}

/**
 * The stream checks, then the floods. The sagas are held from the stream accounts' orders to the end
 * of the slow-loris's measured window (a final order's stream closes at once), and let go whatever
 * happens; the slow-loris's trickling connections run on through the floods until the server cuts them.
 */
async function loadChecks(input: Input, ctx: AbuseContext, productId: string): Promise<StreamAccount[]> {
  const started = Date.now();
  input.say('security: 1 000 stream attempts from 50 accounts, then a slow-loris (sagas held meanwhile) …');
  input.holdSagas.pause();
  let accounts: StreamAccount[] = [];
  let loris: SlowLoris | null = null;
  try {
    accounts = await createStreamAccounts(ctx, productId);
    const quiet = await checkStreamCaps(ctx, accounts);
    loris = await startSlowLoris(ctx, accounts, quiet, input.apiPid);
  } finally {
    await input.holdSagas.resume();
  }
  input.say('security: /metrics flood, register flood, address rotation (the slow-loris trickles on) …');
  await checkMetricsFlood(ctx);
  await checkAuthFloods(ctx);
  await finishSlowLoris(ctx, loris, accounts);
  input.say(`security: load and abuse checks took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return accounts;
}

async function waitFinal(http: HttpClient, token: string, orderId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const reply = await http.call('GET', `/orders/${orderId}`, { token, retry: 'safe' });
    if (['SHIPPED', 'REJECTED', 'CANCELLED'].includes(reply.body?.status)) return reply.body;
    await sleep(300);
  }
  return null;
}

/** Places an order, revises it with a price in the items, and checks the catalog price stuck. */
async function reviseWithPrices(http: HttpClient, token: string, mug: SeedProduct): Promise<{ ok: boolean; detail: string; orderId?: string }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const placed = await http.call('POST', '/orders', { token, body: { items: [{ productId: mug.id, quantity: 1 }], shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } } });
    if (placed.status !== 202) return { ok: false, detail: `place answered ${placed.status}` };
    const id = placed.body.orderId as string;
    let reply: Reply | null = null;
    for (let i = 0; i < 60 && !reply; i++) {
      const status = (await http.call('GET', `/orders/${id}`, { token })).body?.status;
      if (status === 'APPROVED' || status === 'PAID') reply = await http.call('POST', `/orders/${id}/revise`, { token, body: { items: [{ productId: mug.id, quantity: 3, unitPriceCents: 1, lineTotalCents: 3 }], totalCents: 3 } });
      else if (['SHIPPED', 'REJECTED', 'CANCELLED'].includes(status)) break;
      else await sleep(80);
    }
    if (reply?.status !== 202) continue;
    const final = await waitFinal(http, token, id);
    const line = final?.items?.[0];
    const ok = final?.status === 'SHIPPED' && (line?.unitPriceCents === mug.priceCents || line?.quantity === 1) && final.totalCents === line.quantity * mug.priceCents;
    return { ok, orderId: id, detail: `revise 202; ended ${final?.status}, ${line?.quantity} × ${line?.unitPriceCents} = ${final?.totalCents}` };
  }
  return { ok: true, detail: 'the order was never revisable in time (not counted as a hole)' };
}

async function tableCounts(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const one = async (table: string) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    return { products: await one('products'), customers: await one('customers'), idempotency: await one('idempotency_keys') };
  } finally {
    await client.end();
  }
}

/** A body sent with Transfer-Encoding: chunked (no Content-Length to refuse it by). */
function chunkedPost(baseUrl: string, path: string, token: string, body: string): Promise<Reply> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let data = '';
    socket.on('data', (d) => { data += d.toString(); });
    const done = () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      const json = data.slice(data.indexOf('\r\n\r\n') + 4);
      let body: unknown;
      try { body = JSON.parse(json.replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, '')); } catch { body = undefined; }
      resolve({ status, headers: new Headers(), body, text: json, attempts: 1 });
    };
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.write(`POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`);
    for (let i = 0; i < body.length; i += 65_536) {
      const chunk = body.slice(i, i + 65_536);
      if (socket.writable) socket.write(`${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`);
    }
    if (socket.writable) socket.write('0\r\n\r\n');
    setTimeout(() => socket.destroy(), 15_000).unref();
  });
}

interface SlowResult { name: string; closed: boolean; detail: string }

/** Slowloris on the headers: one header line every 5 s. The server must drop it (headersTimeout). */
function slowHeaders(baseUrl: string, limitMs = 150_000): Promise<SlowResult> {
  return slowClient(baseUrl, 'slow headers to /auth/token (a line every 5 s)', limitMs, (socket, i) => {
    if (i === 0) socket.write('POST /auth/token HTTP/1.1\r\nHost: localhost\r\n');
    else socket.write(`X-Slow-${i}: ${'a'.repeat(10)}\r\n`);
  });
}

/** A body trickled one byte every 5 s: the server must not wait for it forever (requestTimeout). */
function slowBody(baseUrl: string, limitMs = 150_000): Promise<SlowResult> {
  return slowClient(baseUrl, 'slow body to /auth/token (a byte every 5 s)', limitMs, (socket, i) => {
    if (i === 0) socket.write('POST /auth/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{');
    else socket.write(' ');
  });
}

function slowClient(baseUrl: string, name: string, limitMs: number, step: (socket: net.Socket, i: number) => void): Promise<SlowResult> {
  const url = new URL(baseUrl);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let answer = '';
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      const held = ((Date.now() - started) / 1000).toFixed(0);
      resolve({ name, closed, detail: closed ? `dropped by the server after ${held} s${status ? ` (${status})` : ''}` : `still open after ${held} s` });
      socket.destroy();
    };
    socket.on('data', (d) => { answer += d.toString(); });
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    const tick = () => {
      if (Date.now() - started > limitMs) return finish(false);
      if (socket.writable) step(socket, i++);
      timer = setTimeout(tick, 5000);
    };
    socket.on('connect', tick);
  });
}
