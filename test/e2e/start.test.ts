// `npm start` beside another one on the same machine: two stacks, each with its own DATA_DIR and
// ports (embedded PostgreSQL and Temporal dev server of their own), run side by side; a start on
// settings already in use says what is in use and what to set; Ctrl-C in a terminal (SIGINT to the
// whole process group) stops a stack in under 3 s with its final line and exit code 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../free-port';

const root = path.resolve(__dirname, '..', '..');

interface Settings { DATA_DIR: string; PORT: string; EMBEDDED_PG_PORT: string; TEMPORAL_DEV_PORT: string; TEMPORAL_UI_PORT: string; WORKER_METRICS_PORT: string }
interface Stack { settings: Settings; child: ChildProcess; output: string[] }

async function someSettings(): Promise<Settings> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'saga-orders-start-'));
  const [api, pg, temporal, ui, metrics] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  return { DATA_DIR: dataDir, PORT: `${api}`, EMBEDDED_PG_PORT: `${pg}`, TEMPORAL_DEV_PORT: `${temporal}`, TEMPORAL_UI_PORT: `${ui}`, WORKER_METRICS_PORT: `${metrics}` };
}

/** `npm start` as a user runs it: nothing of the test run's Postgres or Temporal, its own process group. */
function start(settings: Settings): Stack {
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'start.ts')], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'development', JWT_SECRET: '', HOST: '', DATABASE_URL: '', TEMPORAL_ADDRESS: '', TEMPORAL_UI_URL: '',
      TASK_QUEUE_PREFIX: '', WORKER_METRICS_ADDRESS: '', LOG_LEVEL: 'info',
      ...settings,
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => output.push(String(d)));
  child.stderr!.on('data', (d) => output.push(String(d)));
  return { settings, child, output };
}

/** The banner printed and the workers polling (the banner only waits for the API). */
async function ready(stack: Stack): Promise<void> {
  const deadline = Date.now() + 100_000;
  for (;;) {
    const text = stack.output.join('');
    if (text.includes('Saga Orders is running') && text.includes('"msg":"workers running"')) return;
    if (stack.child.exitCode !== null || Date.now() > deadline) throw new Error(`did not start:\n${stack.output.join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => {
  if (child.exitCode !== null) resolve(child.exitCode);
  else child.once('exit', (code) => resolve(code));
});

let a: Stack;
let b: Stack;
let squatter: Server; // holds b's WORKER_METRICS_PORT, as another program would

beforeAll(async () => {
  const [sa, sb] = [await someSettings(), await someSettings()];
  squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(Number(sb.WORKER_METRICS_PORT), '127.0.0.1', resolve));
  [a, b] = [start(sa), start(sb)];
  await Promise.all([ready(a), ready(b)]);
}, 120_000);

afterAll(() => {
  squatter?.close();
  for (const stack of [a, b]) {
    if (stack && stack.child.exitCode === null) process.kill(-stack.child.pid!, 'SIGKILL');
    if (stack) rmSync(stack.settings.DATA_DIR, { recursive: true, force: true });
  }
});

describe('npm start beside another one', () => {
  it('when two start with their own DATA_DIR and ports, then both are ready and each answers on its own ports', async () => {
    for (const { settings, output } of [a, b]) {
      const text = output.join('');
      expect((await fetch(`http://127.0.0.1:${settings.PORT}/health/ready`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${settings.TEMPORAL_UI_PORT}/`)).status).toBe(200);
      expect(text).toContain(`PostgreSQL: starting embedded server on port ${settings.EMBEDDED_PG_PORT} (${path.join(settings.DATA_DIR, 'postgres')})`);
      expect(text).toContain(`Temporal: starting dev server on port ${settings.TEMPORAL_DEV_PORT}, Web UI port ${settings.TEMPORAL_UI_PORT}`);
      // The Web UI links (banner, /admin/stuck-orders) follow TEMPORAL_UI_PORT when TEMPORAL_UI_URL is unset.
      expect(text).toContain(`Temporal UI  http://localhost:${settings.TEMPORAL_UI_PORT}\n`);
      // Its Web UI decodes payloads with the API's codec server (browser-side URL, as the banner shows it).
      const ui = await (await fetch(`http://127.0.0.1:${settings.TEMPORAL_UI_PORT}/api/v1/settings`)).json() as { Codec: { Endpoint: string } };
      expect(ui.Codec.Endpoint).toBe(`http://localhost:${settings.PORT}/codec`);
      expect(text).toContain(`Codec        http://localhost:${settings.PORT}/codec `);
    }
    expect((await fetch(`http://127.0.0.1:${a.settings.WORKER_METRICS_PORT}/metrics`)).status).toBe(200);
    // b's base port is taken: it says so and uses the next free one.
    const base = Number(b.settings.WORKER_METRICS_PORT);
    const moved = new RegExp(`worker metrics: port ${base} is in use, using (\\d+)`).exec(b.output.join(''));
    expect(moved).not.toBeNull();
    expect(b.output.join('')).toContain(`(workers: http://127.0.0.1:${moved![1]}/metrics)`);
    expect((await fetch(`http://127.0.0.1:${moved![1]}/metrics`)).status).toBe(200);
  });

  it('when a third starts on settings in use, then it exits 1 at once naming each busy port, the locked data folder and the settings to change', async () => {
    const third = start(a.settings);
    expect(await exited(third.child)).toBe(1);
    const text = third.output.join('');
    const s = a.settings;
    expect(text).toContain(`API port ${s.PORT} (PORT) is in use`);
    expect(text).toContain(`embedded PostgreSQL port ${s.EMBEDDED_PG_PORT} (EMBEDDED_PG_PORT) is in use`);
    expect(text).toContain(`Temporal dev server port ${s.TEMPORAL_DEV_PORT} (TEMPORAL_DEV_PORT) is in use`);
    expect(text).toContain(`Temporal Web UI port ${s.TEMPORAL_UI_PORT} (TEMPORAL_UI_PORT) is in use`);
    expect(text).toContain(`the data folder ${path.join(s.DATA_DIR, 'postgres')} is in use by another PostgreSQL`);
    expect(text).toMatch(/DATA_DIR=\S+ PORT=\d+ EMBEDDED_PG_PORT=\d+ TEMPORAL_DEV_PORT=\d+ TEMPORAL_UI_PORT=\d+ npm start/);
    expect(text).not.toContain('TypeError');
    // It touched nothing of the running one.
    expect((await fetch(`http://127.0.0.1:${s.PORT}/health/ready`)).status).toBe(200);
  });

  it('when Ctrl-C reaches both stacks (SIGINT to each process group), then each stops in under 3 s, prints its final line and exits 0', async () => {
    const t0 = Date.now();
    const stopped = await Promise.all([a, b].map(async ({ child }) => {
      process.kill(-child.pid!, 'SIGINT');
      return { code: await exited(child), ms: Date.now() - t0 };
    }));
    for (const [i, stack] of [a, b].entries()) {
      expect(stopped[i]!.code).toBe(0);
      expect(stopped[i]!.ms).toBeLessThan(3000);
      expect(stack.output.join('')).toContain(`[start] stopped; data kept in ${stack.settings.DATA_DIR}\n`);
    }
  });
});
