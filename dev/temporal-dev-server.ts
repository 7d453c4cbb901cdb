// Runs the Temporal CLI's dev server (SQLite file, Web UI) for `npm start` and the test suite.
// The binary is `temporal` on PATH, else the one `scripts/provision.mjs` installed under .tools/.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';

// The three of shared/API.md, plus CompensationFailing: set while a compensation keeps failing.
export const SEARCH_ATTRIBUTES = { CustomerId: 'Keyword', OrderStatus: 'Keyword', OrderTotalCents: 'Int', CompensationFailing: 'Bool' } as const;
const PROJECT_ROOT = path.resolve(__dirname, '..');

export function temporalBinary(): string {
  const local = path.join(PROJECT_ROOT, '.tools', 'venv', 'bin', 'temporal');
  if (existsSync(local)) return local;
  const onPath = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  throw new Error('Temporal CLI not found: run `npm run provision` (installs it under .tools/) or put `temporal` on PATH');
}

export interface DevServer { address: string; uiPort: number; process: ChildProcess; stop(): Promise<void> }

export async function startTemporalDevServer(options: {
  dbFile: string; port: number; uiPort: number; headless?: boolean; log?: (line: string) => void;
  /** The address it listens on (default 127.0.0.1); a host of its own in `npm run cluster`. */
  ip?: string;
  /** More `--dynamic-config-value key=value` settings. */
  dynamicConfig?: string[];
  /** The codec server the Web UI decodes payloads with (the browser calls it: a URL the operator's browser reaches). */
  uiCodecEndpoint?: string;
}): Promise<DevServer> {
  mkdirSync(path.dirname(path.resolve(options.dbFile)), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--db-filename', path.resolve(options.dbFile),
    '--ip', options.ip ?? '127.0.0.1',
    '--port', String(options.port),
    '--ui-port', String(options.uiPort),
    '--log-level', 'warn',
    // These are the settings Temporal's own SDK CI uses for a fast local server.
    '--sqlite-pragma', 'journal_mode=WAL',
    '--sqlite-pragma', 'synchronous=OFF',
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    // A worker deployment version counts as drained once no open pinned workflow uses it; a cluster
    // re-checks every 3 minutes after a 3-minute visibility grace period. One process with SQLite
    // visibility needs no such margin, so `npm run rollout` reports drainage within seconds here.
    '--dynamic-config-value', 'matching.wv.VersionDrainageStatusRefreshInterval="2s"',
    '--dynamic-config-value', 'matching.wv.VersionDrainageStatusVisibilityGracePeriod="2s"',
    ...(options.dynamicConfig ?? []).flatMap((setting) => ['--dynamic-config-value', setting]),
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  if (options.headless) args.push('--headless');
  else if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  const child = spawn(temporalBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output.push(text);
    if (output.length > 50) output.shift();
    options.log?.(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const address = `${options.ip ?? '127.0.0.1'}:${options.port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`temporal dev server exited (${code}): ${output.join('').slice(-2000)}`))),
  );
  await Promise.race([waitForTemporal(address, 60_000), exited]);
  child.removeAllListeners('exit');
  await ensureSearchAttributes(address);
  return {
    address,
    uiPort: options.uiPort,
    process: child,
    stop: () => stopChild(child),
  };
}

export async function waitForTemporal(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`Temporal at ${address} did not become ready: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A DB file created by an older version may lack newer attributes: add what is missing. */
export async function ensureSearchAttributes(address: string, namespace = 'default'): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !(name in (existing.customAttributes ?? {})));
    if (missing.length === 0) return;
    const types = { Keyword: 2, Int: 3, Bool: 5 } as const; // temporal.api.enums.v1.IndexedValueType
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, types[type]])),
    });
  } finally {
    await connection.close();
  }
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
