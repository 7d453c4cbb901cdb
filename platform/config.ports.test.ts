// The settings `npm start` binds, and the defaults derived from them so that moving one port is one
// setting: the Temporal address follows TEMPORAL_DEV_PORT, the Web UI links follow TEMPORAL_UI_PORT.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { loadConfig } from './config';

// A secret given: nothing is written to a DATA_DIR.
const base = { JWT_SECRET: 'x'.repeat(40), NODE_ENV: 'test' };

describe('loadConfig: ports of npm start', () => {
  it('when nothing is set, then the dev server is 127.0.0.1:7233, the Web UI http://localhost:8233 and worker metrics start at 9464', () => {
    expect(loadConfig(base)).toMatchObject({ TEMPORAL_DEV_PORT: 7233, TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_UI_PORT: 8233, TEMPORAL_UI_URL: 'http://localhost:8233', WORKER_METRICS_PORT: 9464 });
  });

  it('when TEMPORAL_DEV_PORT and TEMPORAL_UI_PORT are set, then the address and the Web UI links follow them', () => {
    expect(loadConfig({ ...base, TEMPORAL_DEV_PORT: '7300', TEMPORAL_UI_PORT: '8300' })).toMatchObject({ TEMPORAL_ADDRESS: '127.0.0.1:7300', TEMPORAL_UI_URL: 'http://localhost:8300' });
  });

  it('when TEMPORAL_ADDRESS and TEMPORAL_UI_URL are set, then they win over the ports (a server of its own, a UI behind a proxy)', () => {
    const config = loadConfig({ ...base, TEMPORAL_DEV_PORT: '7300', TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_UI_PORT: '8300', TEMPORAL_UI_URL: 'https://temporal.example.com' });
    expect(config).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_UI_URL: 'https://temporal.example.com' });
  });

  it('when they are empty (copied from .env.example), then they count as unset', () => {
    expect(loadConfig({ ...base, TEMPORAL_ADDRESS: '', TEMPORAL_UI_URL: '', TEMPORAL_UI_PORT: '8300' })).toMatchObject({ TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_UI_URL: 'http://localhost:8300' });
  });

  it('when .env.example is copied as it is, then it loads with the same ports and derived defaults', () => {
    const example = parseEnv(readFileSync(path.join(__dirname, '..', '.env.example'), 'utf8'));
    expect(loadConfig({ ...example, ...base })).toMatchObject({ HOST: '127.0.0.1', TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_UI_URL: 'http://localhost:8233', WORKER_METRICS_PORT: 9464 });
  });

  it.each(['TEMPORAL_DEV_PORT', 'WORKER_METRICS_PORT'])('when %s is not a port, then it refuses to start naming it', (name) => {
    expect(() => loadConfig({ ...base, [name]: '70000' })).toThrow(name);
  });
});
