// Configuration is validated at boot: bad values name the variable, production refuses the
// published development secrets.
import { loadConfig, parseDurationMs } from './config';

const secret = 'x'.repeat(40);

describe('loadConfig', () => {
  it('when nothing is set, then development defaults apply (15s dispatch delay, HS256, 1 h tokens)', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ NODE_ENV: 'development', PORT: 3000, DISPATCH_DELAY: 15_000, JWT_ALGORITHM: 'HS256', JWT_TTL: 3_600_000, JWT_ISSUER: 'saga-orders', JWT_AUDIENCE: 'saga-orders-api', ADMIN_EMAIL: 'admin@example.com', ORDER_MINIMUM_CENTS: 0, CARRIER_UNSERVED_COUNTRIES: ['AQ'] });
  });

  it.each([
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production', JWT_SECRET: secret }, 'ADMIN_PASSWORD'],
    [{ NODE_ENV: 'production', ADMIN_PASSWORD: 'a-strong-password' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production', JWT_SECRET: 'dev-only-secret-change-me-dev-only-secret', ADMIN_PASSWORD: 'a-strong-password' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production', JWT_SECRET: secret, ADMIN_PASSWORD: 'admin-password' }, 'ADMIN_PASSWORD'],
  ])('when production runs with %p, then it refuses to start naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(variable);
  });

  it('when a worker (no token handling) starts in production without secrets, then it starts', () => {
    expect(loadConfig({ NODE_ENV: 'production' }, { secrets: false }).NODE_ENV).toBe('production');
  });

  it('when production has its own secrets, then it starts', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret, ADMIN_PASSWORD: 'a-strong-password' }).NODE_ENV).toBe('production');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DISPATCH_DELAY: 'soon' }, 'DISPATCH_DELAY'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ JWT_ALGORITHM: 'none' }, 'JWT_ALGORITHM'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
  ])('when %p, then it fails naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(variable);
  });

  it('when a variable is empty, then it counts as unset', () => {
    expect(loadConfig({ JWT_SECRET: '', DISPATCH_DELAY: '' }).DISPATCH_DELAY).toBe(15_000);
  });

  it.each([['0', 0], ['500ms', 500], ['15s', 15_000], ['2m', 120_000], ['1h', 3_600_000], ['250', 250]])('parses the duration %s as %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
});
