// Machine facts and per-process CPU time, read from /proc (Linux).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { temporalBinary } from '../dev/temporal-dev-server';
import { ROOT } from './stack';

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * User + system CPU seconds a process has used so far (0 once it is gone); with `reapedChildren`,
 * plus what its exited and reaped children used (a postmaster's closed backends).
 */
export function cpuSeconds(pid: number, reapedChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]); // utime, stime
    const children = reapedChildren ? Number(fields[13]) + Number(fields[14]) : 0; // cutime, cstime
    return (own + children) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

export function rssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds of an embedded server: the postmaster, its live backends and the ones that have exited. */
export function postgresCpuSeconds(dataDir: string): number {
  const [postmaster, ...backends] = postgresPids(dataDir);
  if (postmaster === undefined) return 0;
  return cpuSeconds(postmaster, true) + backends.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** The postmaster and its backends, for an embedded server whose data dir we know. */
export function postgresPids(dataDir: string): number[] {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return [];
  const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export interface Machine {
  cpus: number; cpuModel: string; memoryGiB: number; os: string; node: string; temporalCli: string;
  postgres: string; sdk: string; prisma: string; autocannon: string; loadAverage: number[]; otherHeavyProcesses: string[];
  /** The code measured: commit, plus uncommitted changes to the system's own folders. */
  code: string;
}

const versionOf = (pkg: string) => (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

export async function machine(databaseUrl: string): Promise<Machine> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ version: string }>('SELECT version()');
  await client.end();
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    temporalCli: spawnSync(temporalBinary(), ['--version'], { encoding: 'utf8' }).stdout.trim(),
    postgres: rows[0]!.version.split(' on ')[0]!,
    sdk: versionOf('@temporalio/worker'),
    prisma: versionOf('@prisma/client'),
    autocannon: versionOf('autocannon'),
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
    otherHeavyProcesses: otherHeavyProcesses(),
    code: codeRevision(),
  };
}

function codeRevision(): string {
  // Not trimmed: a porcelain line starts with a space when only the worktree changed.
  const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout;
  const commit = git('log', '-1', '--format=%h %ci %s').trim().slice(0, 100);
  const dirty = git('status', '--porcelain', '--', 'api', 'workflows', 'activities', 'platform', 'workers', 'domain', 'prisma')
    .split('\n').filter(Boolean).map((line) => line.slice(3));
  return dirty.length ? `${commit} + uncommitted changes in ${dirty.join(', ')}` : commit;
}

/** Test runs of other engineers on this machine would skew every figure. */
export function otherHeavyProcesses(): string[] {
  const out = spawnSync('pgrep', ['-fa', 'jest|chaos'], { encoding: 'utf8' }).stdout.trim();
  return out ? out.split('\n').filter((line) => !line.includes('pgrep')).map((line) => line.slice(0, 120)) : [];
}
