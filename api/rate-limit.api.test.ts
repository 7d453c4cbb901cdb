// Password guessing is slowed: POST /auth/token answers 429 RATE_LIMITED past the per-minute limit.
import { startTestStack, type TestStack } from '../test/harness';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ api: true, contexts: [], env: { TOKEN_RATE_LIMIT: '5' } }); });
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
