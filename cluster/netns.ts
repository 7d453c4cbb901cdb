// Hosts made of Linux network namespaces: one "switch" namespace holds a bridge, and every host
// namespace has `eth0` (a veth pair whose other end is a port of that bridge) with its own address,
// plus `lo`. Nothing is created in, or changed on, the root namespace's interfaces or firewall: the
// veth pairs are created directly inside the namespaces. Names carry the owning process's pid
// (`sgc-<pid>-<host>`), so a later run can tell a crashed run's leftovers (pid gone) and remove them.
import { execFileSync, spawnSync } from 'node:child_process';

export const NS_BASE = 'sgc';
export const SUBNET = '10.77.0';

export interface Host { name: string; ip: string }

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `ip netns` works here (root, iproute2 present): the cluster and its test need it. */
export function netnsAvailable(): { ok: boolean; why?: string } {
  if (process.platform !== 'linux') return { ok: false, why: 'not Linux' };
  if (process.getuid?.() !== 0) return { ok: false, why: 'not root (network namespaces need CAP_SYS_ADMIN)' };
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { ok: false, why: `ip netns unavailable: ${probe.error?.message ?? probe.stderr.trim()}` };
  return { ok: true };
}

export function listNamespaces(): string[] {
  return ip('netns', 'list').split('\n').map((line) => line.split(' ')[0]!).filter(Boolean);
}

/** Pids of every process whose network namespace is `ns`. */
export function pidsIn(ns: string): number[] {
  const out = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.split('\n').map(Number).filter((n) => n > 0) : [];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs every process left in the namespaces, then deletes them (their veths go with them). */
export function removeNamespaces(names: string[]): void {
  for (const ns of names) for (const pid of pidsIn(ns)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  for (const ns of names) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}

/** Namespaces of earlier runs whose owner is gone (a run killed with SIGKILL, a crashed machine). */
export function reapLeftovers(): string[] {
  const stale = listNamespaces().filter((ns) => {
    const match = new RegExp(`^${NS_BASE}-(\\d+)-`).exec(ns);
    return match && !alive(Number(match[1]));
  });
  removeNamespaces(stale);
  return stale;
}

export class Network {
  readonly prefix: string;
  readonly switchNs: string;
  private readonly created: string[] = [];

  /** `prefix`: the network another process made (the experiment runs on a host of run.ts's network). */
  constructor(prefix = `${NS_BASE}-${process.pid}-`) {
    this.prefix = prefix;
    this.switchNs = `${this.prefix}switch`;
  }

  ns(host: string): string { return `${this.prefix}${host}`; }
  get namespaces(): string[] { return [...this.created]; }

  /** The switch and one namespace per host, each reachable from every other on SUBNET.0/24. */
  create(hosts: Host[]): void {
    this.add(this.switchNs);
    ip('-n', this.switchNs, 'link', 'set', 'lo', 'up');
    ip('-n', this.switchNs, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', this.switchNs, 'link', 'set', 'br0', 'up');
    hosts.forEach((host, i) => {
      const ns = this.ns(host.name);
      this.add(ns);
      // Both ends are born in their namespaces: the root namespace never sees them.
      const port = `p${i}-${host.name}`.slice(0, 15);
      ip('link', 'add', port, 'netns', this.switchNs, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('-n', this.switchNs, 'link', 'set', port, 'master', 'br0');
      ip('-n', this.switchNs, 'link', 'set', port, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
    });
  }

  /** The bridge port (in the switch namespace) that leads to `host`. */
  switchPort(host: string): string {
    const line = ip('-n', this.switchNs, '-o', 'link', 'show', 'master', 'br0').split('\n').find((l) => new RegExp(`: p\\d+-${host}[@:]`).test(l));
    if (!line) throw new Error(`no switch port for ${host}`);
    return line.split(': ')[1]!.split('@')[0]!;
  }

  private add(ns: string): void {
    ip('netns', 'add', ns);
    this.created.push(ns);
  }

  /** Runs a command on a host (iptables, tc, ip …); throws with its stderr on failure. */
  exec(host: string, command: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.ns(host), ...command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Like exec, in the switch namespace. */
  execSwitch(command: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.switchNs, ...command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** The command prefix that starts a process on `host`. */
  on(host: string): string[] { return ['ip', 'netns', 'exec', this.ns(host)]; }

  /** Every namespace whose name starts with this run's prefix (also ones a crash left half-made). */
  ownNamespaces(): string[] { return listNamespaces().filter((ns) => ns.startsWith(this.prefix)); }

  destroy(): void { removeNamespaces(this.ownNamespaces()); }
}
