// The API process (startWebServer) as each mode starts it without HOST: it listens on loopback only,
// and a token signed with the JWT secret v1 published in its source is refused — with no JWT_SECRET
// (development: generated under DATA_DIR; tests: random in memory) or with the operator's own.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import type { Config } from '../platform/config';
import { testConfig } from '../test/harness';
import { startWebServer, type RunningApi } from './server';

const PUBLISHED_V1_SECRET = 'dev-only-secret-change-me-dev-only-secret';
const dataDir = mkdtempSync(path.join(tmpdir(), 'saga-orders-api-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Every server gets the run's Postgres and Temporal (TEST_DATABASE_URL / TEST_TEMPORAL_ADDRESS) and port 0. */
const modes: Array<[string, Record<string, string>]> = [
  ['development without JWT_SECRET', { NODE_ENV: 'development', DATA_DIR: dataDir }],
  ['test without JWT_SECRET', { NODE_ENV: 'test' }],
  ['production with its own secrets', { NODE_ENV: 'production', JWT_SECRET: randomBytes(32).toString('hex'), ADMIN_PASSWORD: `adm-${randomBytes(8).toString('hex')}` }],
];

describe.each(modes)('the API started in %s', (mode, env) => {
  let config: Config;
  let api: RunningApi;
  let baseUrl: string;
  beforeAll(async () => {
    config = testConfig({ PORT: '0', ...env });
    api = await startWebServer(config);
    baseUrl = `http://127.0.0.1:${api.port}`;
  });
  afterAll(async () => { await api?.stop(); });

  const get = (p: string, token: string) => fetch(`${baseUrl}${p}`, { headers: { authorization: `Bearer ${token}` } });
  async function register(): Promise<{ customerId: string; accessToken: string }> {
    const email = `server-${randomUUID()}@example.com`;
    const post = (p: string, body: unknown) => fetch(`${baseUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const registered = await post('/auth/register', { email, password: 'password123', name: 'Server Test' });
    expect(registered.status).toBe(201);
    const { customerId } = (await registered.json()) as { customerId: string };
    const { accessToken } = (await (await post('/auth/token', { email, password: 'password123' })).json()) as { accessToken: string };
    return { customerId, accessToken };
  }

  it('when HOST is not set, then it listens on 127.0.0.1 only', () => {
    expect((api.server.address() as AddressInfo).address).toBe('127.0.0.1');
  });

  it('when a token is signed with the secret v1 published, then it is 401 UNAUTHENTICATED, for a customer and for an admin', async () => {
    const { customerId } = await register();
    const forge = (sub: string, role: string) => jwt.sign({ role }, PUBLISHED_V1_SECRET, { algorithm: 'HS256', subject: sub, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, expiresIn: 600 });
    for (const [p, token] of [['/customers/me', forge(customerId, 'customer')], [`/customers/${customerId}`, forge(randomUUID(), 'admin')]] as const) {
      const res = await get(p, token);
      expect({ status: res.status, code: ((await res.json()) as { code?: string }).code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    }
  });

  it('when a customer uses the token the API issued, then it is accepted', async () => {
    const { customerId, accessToken } = await register();
    const res = await get('/customers/me', accessToken);
    expect({ status: res.status, customerId: ((await res.json()) as { customerId?: string }).customerId }).toEqual({ status: 200, customerId });
    if (mode.startsWith('development')) {
      // Signed with the secret kept in DATA_DIR, which a restarted API reads again.
      expect(() => jwt.verify(accessToken, readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8').trim(), { algorithms: ['HS256'] })).not.toThrow();
    }
  });
});
