// Password guessing and account spam are slowed: POST /auth/token and POST /auth/register answer
// 429 RATE_LIMITED past their per-minute limits, per client address (IPv6: per /64). The API trusts
// X-Forwarded-For from loopback, so these tests speak for other client addresses through it.
import { randomBytes, randomUUID } from 'node:crypto';
import { startTestStack, type TestStack } from '../test/harness';
import { call, expectProblem } from '../test/api-kit';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ api: true, contexts: [], env: { TOKEN_RATE_LIMIT: '5', REGISTER_RATE_LIMIT: '3' } }); });
afterAll(async () => { await stack?.stop(); });

it('when more than TOKEN_RATE_LIMIT token requests arrive within a minute, then the rest get 429 RATE_LIMITED with Retry-After', async () => {
  const attempt = () => fetch(`${stack.baseUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong-password' }) });
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await attempt()).status);
  expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
  const limited = await attempt();
  expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(await limited.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
});

/** A fresh IPv6 /64 (documentation range) per call, so tests do not share counts. */
const fresh64 = () => `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;
const fromAddress = (ip: string) => ({ 'X-Forwarded-For': ip });
const login = (ip: string) => call(stack, 'POST', '/auth/token', { body: { email: 'nobody@example.com', password: 'wrong-password' }, headers: fromAddress(ip) });
const register = (ip: string, email: string) => call(stack, 'POST', '/auth/register', { body: { email, password: 'password123', name: 'Rate Limited' }, headers: fromAddress(ip) });

it('when more than REGISTER_RATE_LIMIT registrations arrive from one address within a minute, then the next gets 429 RATE_LIMITED with Retry-After and creates nothing', async () => {
  const ip = `${fresh64()}::1`;
  for (let i = 0; i < 3; i++) expect((await register(ip, `rl-${randomUUID()}@example.com`)).status).toBe(201);
  const email = `rl-${randomUUID()}@example.com`;

  const limited = await register(ip, email);

  expectProblem(limited, 429, 'RATE_LIMITED');
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  expect(await stack.prisma.customer.count({ where: { email } })).toBe(0);
  // Another address registers as usual: the limit is per address, not global.
  expect((await register(`${fresh64()}::1`, `rl-${randomUUID()}@example.com`)).status).toBe(201);
});

it('when the token limit is spent across many addresses of one IPv6 /64, then the whole /64 is limited and another /64 is not', async () => {
  const subnet = fresh64();
  const statuses: number[] = [];
  for (let i = 1; i <= 6; i++) statuses.push((await login(`${subnet}:${i.toString(16)}:${i}:${i}:${i}`)).status);

  expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  expectProblem(await login(`${subnet}:ffff:ffff:ffff:ffff`), 429, 'RATE_LIMITED');
  expect((await login(`${fresh64()}::1`)).status).toBe(401);
});

it('when the register and token limits count the same address, then each keeps its own count', async () => {
  const ip = `${fresh64()}::7`;
  for (let i = 0; i < 5; i++) expect((await login(ip)).status).toBe(401);
  expectProblem(await login(ip), 429, 'RATE_LIMITED');

  expect((await register(ip, `rl-${randomUUID()}@example.com`)).status).toBe(201);
});
