// /auth/register, /auth/token and /customers/me over HTTP, on real Postgres and Temporal.
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { startTestStack, type TestStack } from '../test/harness';
import { call as apiCall, expectProblem } from '../test/api-kit';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ api: true }); });
afterAll(async () => { await stack?.stop(); });

const call = (method: string, path: string, options: { token?: string; body?: unknown } = {}) => apiCall(stack, method, path, options);

const freshEmail = () => `user-${randomUUID()}@example.com`;
const register = (body: Record<string, unknown>) => call('POST', '/auth/register', { body });
const login = (email: string, password: string) => call('POST', '/auth/token', { body: { email, password } });

describe('POST /auth/register', () => {
  it('when a new customer registers, then 201 returns the customer with the default credit limit of 100000', async () => {
    const email = freshEmail();
    const reply = await register({ email, password: 'correct-horse', name: 'Ada Lovelace' });

    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({ customerId: expect.any(String), email, name: 'Ada Lovelace', creditLimitCents: 100_000 });
    const row = await stack.prisma.customer.findUniqueOrThrow({ where: { email } });
    expect(row).toMatchObject({ id: reply.body.customerId, role: 'customer' });
    expect(row.passwordHash).not.toContain('correct-horse');
    expect(await stack.prisma.creditLine.findUnique({ where: { customerId: row.id } })).toMatchObject({ limitCents: 100_000n, heldCents: 0n, consumedCents: 0n });
  });

  it('when the body tries to set a credit limit, then it is ignored and the customer gets DEFAULT_CREDIT_LIMIT_CENTS', async () => {
    const reply = await register({ email: freshEmail(), password: 'correct-horse', name: 'Grace', creditLimitCents: 1_000_000_000 });

    expect(reply.status).toBe(201);
    expect(reply.body.creditLimitCents).toBe(100_000);
    const line = await stack.prisma.creditLine.findUniqueOrThrow({ where: { customerId: reply.body.customerId } });
    expect(Number(line.limitCents)).toBe(100_000);
  });

  it('when the body tries to set a role, then it is ignored and the account is a customer', async () => {
    const email = freshEmail();
    const reply = await register({ email, password: 'correct-horse', name: 'Mallory', role: 'admin' });

    expect(reply.status).toBe(201);
    expect((await stack.prisma.customer.findUniqueOrThrow({ where: { email } })).role).toBe('customer');
    const token = await login(email, 'correct-horse');
    expect((jwt.decode(token.body.accessToken) as jwt.JwtPayload).role).toBe('customer');
  });

  it('when the email is already registered, then 409 EMAIL_TAKEN and no second account exists', async () => {
    const email = freshEmail();
    expect((await register({ email, password: 'correct-horse', name: 'First' })).status).toBe(201);

    const again = await register({ email, password: 'another-password', name: 'Second' });

    expectProblem(again, 409, 'EMAIL_TAKEN');
    expect(await stack.prisma.customer.count({ where: { email } })).toBe(1);
  });

  it('when the same email is registered in other letter case, then 409 EMAIL_TAKEN', async () => {
    const email = freshEmail();
    expect((await register({ email, password: 'correct-horse', name: 'First' })).status).toBe(201);

    expectProblem(await register({ email: email.toUpperCase(), password: 'correct-horse', name: 'Second' }), 409, 'EMAIL_TAKEN');
  });

  it.each([
    { why: 'the password has 7 characters', patch: { password: '1234567' }, path: 'password' },
    { why: 'the email is not an email', patch: { email: 'not-an-email' }, path: 'email' },
    { why: 'the name is missing', patch: { name: undefined }, path: 'name' },
    { why: 'the name is blank', patch: { name: '   ' }, path: 'name' },
    { why: 'the password is a number', patch: { password: 12345678 }, path: 'password' },
  ])('when $why, then 400 VALIDATION_FAILED names $path and nothing is stored', async ({ patch, path }) => {
    const email = freshEmail();
    const reply = await register({ email, password: 'correct-horse', name: 'Valid Name', ...patch });

    expectProblem(reply, 400, 'VALIDATION_FAILED');
    expect(reply.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path, message: expect.any(String) })]));
    expect(await stack.prisma.customer.count({ where: { email } })).toBe(0);
  });
});

describe('POST /auth/token', () => {
  it('when the credentials are right, then 200 returns a Bearer token for the customer', async () => {
    const email = freshEmail();
    const { body: customer } = await register({ email, password: 'correct-horse', name: 'Ada' });

    const reply = await login(email, 'correct-horse');

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 3600 });
    expect(reply.headers.get('cache-control')).toBe('no-store');
    const claims = jwt.verify(reply.body.accessToken, stack.config.JWT_SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: customer.customerId, role: 'customer', iss: 'saga-orders', aud: 'saga-orders-api' });
    expect(claims.exp! - claims.iat!).toBe(3600);
  });

  it('when the email is typed in other letter case, then the token is issued', async () => {
    const email = freshEmail();
    await register({ email, password: 'correct-horse', name: 'Ada' });

    expect((await login(email.toUpperCase(), 'correct-horse')).status).toBe(200);
  });

  it('when the password is wrong, then 401 INVALID_CREDENTIALS', async () => {
    const email = freshEmail();
    await register({ email, password: 'correct-horse', name: 'Ada' });

    expectProblem(await login(email, 'wrong-horse'), 401, 'INVALID_CREDENTIALS');
  });

  it('when the email is unknown, then 401 INVALID_CREDENTIALS (the same answer as a wrong password)', async () => {
    const reply = await login(freshEmail(), 'correct-horse');

    expectProblem(reply, 401, 'INVALID_CREDENTIALS');
    expect(reply.body.detail).toBe((await login(freshEmail(), 'x')).body.detail);
  });

  it('when the body lacks the password, then 400 VALIDATION_FAILED', async () => {
    const reply = await call('POST', '/auth/token', { body: { email: freshEmail() } });

    expectProblem(reply, 400, 'VALIDATION_FAILED');
    expect(reply.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'password' })]));
  });
});

describe('GET /customers/me', () => {
  it('when a customer asks with its token, then 200 returns its profile with the credit available', async () => {
    const email = freshEmail();
    const { body: customer } = await register({ email, password: 'correct-horse', name: 'Ada' });
    const { body: token } = await login(email, 'correct-horse');

    const reply = await call('GET', '/customers/me', { token: token.accessToken });

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ customerId: customer.customerId, email, name: 'Ada', creditLimitCents: 100_000, creditAvailableCents: 100_000 });
  });

  it('when part of the credit is held and consumed, then creditAvailableCents is the limit minus both', async () => {
    const email = freshEmail();
    const { body: customer } = await register({ email, password: 'correct-horse', name: 'Ada' });
    await stack.prisma.creditLine.update({ where: { customerId: customer.customerId }, data: { heldCents: 1500, consumedCents: 2500 } });
    const { body: token } = await login(email, 'correct-horse');

    const reply = await call('GET', '/customers/me', { token: token.accessToken });

    expect(reply.body).toMatchObject({ creditLimitCents: 100_000, creditAvailableCents: 96_000 });
  });

  it('when no token is sent, then 401 UNAUTHENTICATED', async () => {
    expectProblem(await call('GET', '/customers/me'), 401, 'UNAUTHENTICATED');
  });
});

describe('the bootstrapped admin', () => {
  it('when the admin logs in with ADMIN_EMAIL / ADMIN_PASSWORD, then the token carries the admin role and may create products', async () => {
    expect(stack.config.ADMIN_PASSWORD).toBe('admin-password');

    const reply = await login(stack.config.ADMIN_EMAIL, 'admin-password');

    expect(reply.status).toBe(200);
    expect(reply.body.tokenType).toBe('Bearer');
    expect((jwt.decode(reply.body.accessToken) as jwt.JwtPayload).role).toBe('admin');
    const sku = `ADM-${randomUUID()}`;
    const created = await call('POST', '/products', { token: reply.body.accessToken, body: { sku, name: 'Admin Widget', priceCents: 100, stock: 1 } });
    expect(created.status).toBe(201);
    const me = await call('GET', '/customers/me', { token: reply.body.accessToken });
    expect(me.body).toMatchObject({ email: stack.config.ADMIN_EMAIL, creditLimitCents: 0, creditAvailableCents: 0 });
  });

  it('when the admin password is wrong, then 401 INVALID_CREDENTIALS', async () => {
    expectProblem(await login(stack.config.ADMIN_EMAIL, 'not-the-admin-password'), 401, 'INVALID_CREDENTIALS');
  });
});
