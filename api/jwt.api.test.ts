// Bearer JWT handling: every kind of bad token is 401 UNAUTHENTICATED, a wrong role is 403 FORBIDDEN.
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { aCustomer, startTestStack, tokenFor, type TestStack } from '../test/harness';
import { call as apiCall, expectProblem } from '../test/api-kit';

let stack: TestStack;
let customerId: string;
beforeAll(async () => {
  stack = await startTestStack({ api: true });
  ({ customerId } = await aCustomer(stack.prisma));
});
afterAll(async () => { await stack?.stop(); });

const call = (method: string, path: string, authorization?: string, body?: unknown) =>
  apiCall(stack, method, path, { body, headers: authorization === undefined ? {} : { Authorization: authorization } });

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A token signed like the API's own, with any claim overridden (undefined drops the claim). */
function sign(claims: Record<string, unknown> = {}, algorithm: jwt.Algorithm = 'HS256', secret = stack.config.JWT_SECRET): string {
  const all: Record<string, unknown> = { sub: customerId, role: 'customer', iss: 'saga-orders', aud: 'saga-orders-api', iat: now(), exp: now() + 3600, ...claims };
  const payload = Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
  return jwt.sign(payload, secret, { algorithm, noTimestamp: true });
}

/** A valid customer token whose payload was edited to claim the admin role, signature kept. */
function tamperedToAdmin(): string {
  const [header, payload, signature] = tokenFor(stack.config, customerId).split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
  return `${header}.${b64url({ ...claims, role: 'admin' })}.${signature}`;
}

function unsigned(): string {
  const claims = { sub: customerId, role: 'admin', iss: 'saga-orders', aud: 'saga-orders-api', iat: now(), exp: now() + 3600 };
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}

describe('a request to a protected endpoint', () => {
  it('when the configured token is sent, then it is accepted (the baseline for the cases below)', async () => {
    expect((await call('GET', '/customers/me', `Bearer ${sign()}`)).status).toBe(200);
  });

  it.each(['bearer', 'BEARER', 'BeArEr'])('when the scheme is written %s (schemes are case-insensitive, RFC 9110), then the token is accepted', async (scheme) => {
    expect((await call('GET', '/customers/me', `${scheme} ${sign()}`)).status).toBe(200);
  });

  it('when a Bearer token is garbage, then 401 says the token is invalid (not that the header is no Bearer token)', async () => {
    const reply = await call('GET', '/customers/me', 'Bearer garbage');
    expectProblem(reply, 401, 'UNAUTHENTICATED');
    expect(reply.body.detail).toBe('the access token is invalid');
    expect(reply.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  it('when the Authorization header is missing, then 401 UNAUTHENTICATED with WWW-Authenticate: Bearer', async () => {
    const reply = await call('GET', '/customers/me');

    expectProblem(reply, 401, 'UNAUTHENTICATED');
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it.each([
    { why: 'the header is not a Bearer header', header: () => `Basic ${Buffer.from('a:b').toString('base64')}` },
    { why: 'the bearer value is not a JWT', header: () => 'Bearer not-a-jwt' },
    { why: 'the bearer value is empty', header: () => 'Bearer ' },
    { why: 'the JWT segments are not base64url JSON', header: () => 'Bearer aaaa.bbbb.cccc' },
    { why: 'the scheme is repeated', header: () => `Bearer Bearer ${sign()}` },
    { why: 'the token is alg none (unsigned) and claims admin', header: () => `Bearer ${unsigned()}` },
    { why: 'the token is signed with another secret', header: () => `Bearer ${sign({}, 'HS256', 'some-other-secret-that-is-long-enough-1234')}` },
    { why: 'the claims were edited and the signature kept', header: () => `Bearer ${tamperedToAdmin()}` },
    { why: 'the token has expired', header: () => `Bearer ${sign({ iat: now() - 3660, exp: now() - 60 })}` },
    { why: 'the token is not valid yet', header: () => `Bearer ${sign({ nbf: now() + 3600 })}` },
    { why: 'the audience is another API', header: () => `Bearer ${sign({ aud: 'another-api' })}` },
    { why: 'the issuer is someone else', header: () => `Bearer ${sign({ iss: 'evil-issuer' })}` },
    { why: 'the role is unknown', header: () => `Bearer ${sign({ role: 'superuser' })}` },
    { why: 'the subject is empty', header: () => `Bearer ${sign({ sub: '' })}` },
    { why: 'the subject is a number', header: () => `Bearer ${sign({ sub: 42 })}` },
    { why: 'the audience is a list without this API', header: () => `Bearer ${sign({ aud: ['another-api'] })}` },
    { why: 'the role is missing', header: () => `Bearer ${sign({ role: undefined })}` },
    { why: 'the subject is missing', header: () => `Bearer ${sign({ sub: undefined })}` },
    { why: 'there is no expiry', header: () => `Bearer ${sign({ exp: undefined })}` },
    { why: 'it is HS512 while HS256 is configured', header: () => `Bearer ${sign({}, 'HS512')}` },
    { why: 'it is HS384 while HS256 is configured', header: () => `Bearer ${sign({}, 'HS384')}` },
  ])('when $why, then 401 UNAUTHENTICATED', async ({ header }) => {
    const reply = await call('GET', '/customers/me', header());

    expectProblem(reply, 401, 'UNAUTHENTICATED');
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('when a tampered admin token is used on an admin endpoint, then 401 and no product is created', async () => {
    const sku = `JWT-${randomUUID()}`;
    const reply = await call('POST', '/products', `Bearer ${tamperedToAdmin()}`, { sku, name: 'Forged', priceCents: 1, stock: 1 });

    expectProblem(reply, 401, 'UNAUTHENTICATED');
    expect(await stack.prisma.product.count({ where: { sku } })).toBe(0);
  });

  it('when an unsigned admin token is used on an admin endpoint, then 401 and no product is created', async () => {
    const sku = `JWT-${randomUUID()}`;
    const reply = await call('POST', '/products', `Bearer ${unsigned()}`, { sku, name: 'Forged', priceCents: 1, stock: 1 });

    expectProblem(reply, 401, 'UNAUTHENTICATED');
    expect(await stack.prisma.product.count({ where: { sku } })).toBe(0);
  });

  it('when a customer calls an admin endpoint, then 403 FORBIDDEN and nothing is created', async () => {
    const sku = `JWT-${randomUUID()}`;
    const reply = await call('POST', '/products', `Bearer ${tokenFor(stack.config, customerId)}`, { sku, name: 'Nope', priceCents: 1, stock: 1 });

    expectProblem(reply, 403, 'FORBIDDEN');
    expect(await stack.prisma.product.count({ where: { sku } })).toBe(0);
  });

  it('when an admin calls a customer-only endpoint (POST /orders), then 403 FORBIDDEN', async () => {
    const reply = await call('POST', '/orders', `Bearer ${tokenFor(stack.config, randomUUID(), 'admin')}`, { items: [] });

    expectProblem(reply, 403, 'FORBIDDEN');
  });
});

describe('a stack configured for HS512 with its own issuer and audience', () => {
  let hs512: TestStack;
  beforeAll(async () => {
    hs512 = await startTestStack({ api: true, contexts: [], env: { JWT_ALGORITHM: 'HS512', JWT_ISSUER: 'custom-iss', JWT_AUDIENCE: 'custom-aud' } });
  });
  afterAll(async () => { await hs512?.stop(); });

  const me = (token: string) => fetch(`${hs512.baseUrl}/customers/me`, { headers: { Authorization: `Bearer ${token}` } });

  it('when a token of the configured algorithm, issuer and audience is sent, then it is accepted', async () => {
    expect((await me(tokenFor(hs512.config, customerId))).status).toBe(200);
  });

  it('when an HS256 token with the same secret is sent, then 401 UNAUTHENTICATED', async () => {
    const token = jwt.sign({ role: 'customer' }, hs512.config.JWT_SECRET, { algorithm: 'HS256', subject: customerId, issuer: 'custom-iss', audience: 'custom-aud', expiresIn: 60 });
    const res = await me(token);

    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
  });

  it('when a token with the default issuer and audience is sent, then 401 UNAUTHENTICATED', async () => {
    const token = jwt.sign({ role: 'customer' }, hs512.config.JWT_SECRET, { algorithm: 'HS512', subject: customerId, issuer: 'saga-orders', audience: 'saga-orders-api', expiresIn: 60 });

    expect((await me(token)).status).toBe(401);
  });
});
