// Configuration is validated at boot: bad values name the variable, production refuses the
// published development secrets.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, parseDurationMs } from './config';

const secret = 'x'.repeat(40);

// Development without JWT_SECRET writes <DATA_DIR>/jwt-secret: every such call gets a temporary
// DATA_DIR, never the repository's .data.
const dataDirs: string[] = [];
function aDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'saga-orders-config-'));
  dataDirs.push(dir);
  return dir;
}
afterAll(() => { for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true }); });

describe('loadConfig', () => {
  it('when nothing is set, then development defaults apply (15s dispatch delay, HS256, 1 h tokens, loopback only)', () => {
    const config = loadConfig({ DATA_DIR: aDataDir() });
    expect(config).toMatchObject({ NODE_ENV: 'development', PORT: 3000, HOST: '127.0.0.1', DISPATCH_DELAY: 15_000, JWT_ALGORITHM: 'HS256', JWT_TTL: 3_600_000, JWT_ISSUER: 'saga-orders', JWT_AUDIENCE: 'saga-orders-api', ADMIN_EMAIL: 'admin@example.com', ORDER_MINIMUM_CENTS: 0, CARRIER_UNSERVED_COUNTRIES: ['AQ'] });
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
    // The server spells a version `<deployment>:<build id>`; a name with a dot or colon is ambiguous.
    [{ WORKER_DEPLOYMENT_NAME: 'saga.orders' }, 'WORKER_DEPLOYMENT_NAME'],
    [{ WORKER_BUILD_ID: 'v1:hotfix' }, 'WORKER_BUILD_ID'],
  ])('when %p, then it fails naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(variable);
  });

  it('when a variable is empty, then it counts as unset', () => {
    expect(loadConfig({ JWT_SECRET: '', DISPATCH_DELAY: '', DATA_DIR: aDataDir() }).DISPATCH_DELAY).toBe(15_000);
  });

  it.each([['0', 0], ['500ms', 500], ['15s', 15_000], ['2m', 120_000], ['1h', 3_600_000], ['250', 250]])('parses the duration %s as %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
});

describe('the JWT secret when JWT_SECRET is not set', () => {
  const PUBLISHED_V1_SECRET = 'dev-only-secret-change-me-dev-only-secret';

  it('when development starts for the first time, then it generates <DATA_DIR>/jwt-secret (mode 0600, 32 random bytes) and says so', () => {
    const dataDir = path.join(aDataDir(), 'nested', 'data');
    const generated: string[] = [];
    const config = loadConfig({ DATA_DIR: dataDir }, { onSecretGenerated: (file) => generated.push(file) });
    const file = path.join(dataDir, 'jwt-secret');
    expect(generated).toEqual([file]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(config.JWT_SECRET);
    expect(config.JWT_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(config.JWT_SECRET, 'hex')).toHaveLength(32);
  });

  it('when development starts again on the same DATA_DIR, then it reuses the kept secret (tokens survive a restart)', () => {
    const dataDir = aDataDir();
    const first = loadConfig({ DATA_DIR: dataDir }).JWT_SECRET;
    const generated: string[] = [];
    expect(loadConfig({ DATA_DIR: dataDir }, { onSecretGenerated: (file) => generated.push(file) }).JWT_SECRET).toBe(first);
    expect(generated).toEqual([]);
    expect(loadConfig({ DATA_DIR: aDataDir() }).JWT_SECRET).not.toBe(first);
  });

  it('when development runs with a relative DATA_DIR, then the secret is kept relative to the working directory', () => {
    const cwd = process.cwd();
    const dir = aDataDir();
    process.chdir(dir);
    try {
      const config = loadConfig({ DATA_DIR: 'local-data' });
      expect(readFileSync(path.join(dir, 'local-data', 'jwt-secret'), 'utf8').trim()).toBe(config.JWT_SECRET);
    } finally {
      process.chdir(cwd);
    }
  });

  it('when the kept file holds the published secret or too little, then development refuses to start naming the file', () => {
    for (const content of [PUBLISHED_V1_SECRET, 'short', '']) {
      const dataDir = aDataDir();
      writeFileSync(path.join(dataDir, 'jwt-secret'), content, { mode: 0o600 });
      expect(() => loadConfig({ DATA_DIR: dataDir })).toThrow(path.join(dataDir, 'jwt-secret'));
    }
  });

  it('when tests run (NODE_ENV=test), then each load gets its own random secret and nothing is written', () => {
    const dataDir = aDataDir();
    const a = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir }).JWT_SECRET;
    const b = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir }).JWT_SECRET;
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).not.toBe(a);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('when a process that never handles tokens (a worker) starts in development, then nothing is written', () => {
    const dataDir = aDataDir();
    expect(loadConfig({ DATA_DIR: dataDir }, { secrets: false }).JWT_SECRET).not.toBe(PUBLISHED_V1_SECRET);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('when JWT_SECRET is set, then development uses it and writes nothing', () => {
    const dataDir = aDataDir();
    expect(loadConfig({ DATA_DIR: dataDir, JWT_SECRET: secret }).JWT_SECRET).toBe(secret);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it.each([
    ['development', {}, {}],
    ['test', {}, {}],
    ['production', { ADMIN_PASSWORD: 'a-strong-password' }, {}],
    ['production (a worker)', {}, { secrets: false }],
  ])('when JWT_SECRET is the secret v1 published, then %s refuses to start naming JWT_SECRET', (mode, env, options) => {
    const NODE_ENV = mode.split(' ')[0];
    for (const value of [PUBLISHED_V1_SECRET, `${PUBLISHED_V1_SECRET}\0\0`]) {
      expect(() => loadConfig({ NODE_ENV, DATA_DIR: aDataDir(), JWT_SECRET: value, ...env }, options)).toThrow(/JWT_SECRET: the development secret published in v1 is never accepted/);
    }
  });
});

describe('worker health endpoints', () => {
  const base = { NODE_ENV: 'test', JWT_SECRET: secret };

  it('when nothing is set, then worker processes serve no health endpoint and npm start assigns health ports from 9564 (100 above metrics)', () => {
    const config = loadConfig(base);
    expect(config.WORKER_HEALTH_ADDRESS).toBeUndefined();
    expect(config.WORKER_HEALTH_PORT).toBe(9564);
  });

  it('when WORKER_METRICS_PORT moves, then the health ports move with it unless WORKER_HEALTH_PORT is set', () => {
    expect(loadConfig({ ...base, WORKER_METRICS_PORT: '20000' }).WORKER_HEALTH_PORT).toBe(20100);
    expect(loadConfig({ ...base, WORKER_METRICS_PORT: '20000', WORKER_HEALTH_PORT: '8081' }).WORKER_HEALTH_PORT).toBe(8081);
  });

  it.each([
    [{ WORKER_HEALTH_ADDRESS: '8081' }, 'WORKER_HEALTH_ADDRESS: host:port'],
    [{ WORKER_HEALTH_PORT: '70000' }, 'WORKER_HEALTH_PORT'],
  ])('when %p, then it refuses to start naming it', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});
