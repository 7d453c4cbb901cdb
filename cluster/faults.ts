// Network faults between the hosts, with the kernel's own mechanisms only: iptables rules in a host's
// namespace (DROP for partitions, `-m statistic --mode random` for loss), `tc` qdiscs (htb + tbf for
// a bandwidth cap on one peer's traffic, netem where the kernel has it), links set down, and SIGKILL
// of every process of a host. Each fault breaks, holds, restores, then waits until the system is seen
// whole again (pollers back, API ready); its window runs from the break to that moment.
import { spawnSync } from 'node:child_process';
import { sleep } from '../chaos/config';
import type { Network } from './netns';
import { pidsIn } from './netns';
import type { Stack } from './stack';
import { addr, WORKER_IPS } from './topology';

export interface FaultRecord {
  kind: string;
  how: string;
  startedAt: number;
  /** Restored (rules removed, host back) at. */
  restoredAt: number;
  /** The system was seen whole again at (pollers, readiness). */
  recoveredAt: number;
  ok: boolean;
  error?: string;
}

export class Faults {
  readonly records: FaultRecord[] = [];

  constructor(private readonly net: Network, private readonly stack: Stack, private readonly say: (line: string) => void) {}

  /** The fault (if any) whose window, plus 5 s for clients to catch up, overlaps [from, to]. */
  at = (from: number, to: number): string | null => {
    const hit = [...this.records].reverse().find((f) => from <= (f.recoveredAt || Infinity) + 5000 && to >= f.startedAt);
    return hit ? hit.kind : null;
  };

  private iptables(host: string, ...rule: string[]): void {
    this.net.exec(host, ['iptables', '-w', ...rule]);
  }

  private async run(kind: string, how: string, breakIt: () => Promise<void> | void, holdMs: number, restore: () => Promise<void> | void, recovered: () => Promise<void>): Promise<FaultRecord> {
    const record: FaultRecord = { kind, how, startedAt: Date.now(), restoredAt: 0, recoveredAt: 0, ok: false };
    this.records.push(record);
    this.say(`fault: ${kind} (${how}) for ${(holdMs / 1000).toFixed(0)} s`);
    try {
      await breakIt();
      await sleep(holdMs);
    } catch (error) {
      record.error = (error as Error).message.split('\n')[0];
    }
    try {
      await restore();
      record.restoredAt = Date.now();
      await recovered();
      record.ok = !record.error;
    } catch (error) {
      record.error ??= (error as Error).message.split('\n')[0];
    }
    record.recoveredAt = Date.now();
    this.say(`fault: ${kind} → ${record.ok ? `restored, system whole again ${((record.recoveredAt - record.restoredAt) / 1000).toFixed(1)} s later` : `FAILED: ${record.error}`}`);
    return record;
  }

  /** Whole again: each worker's /health/ready is 200 (RUNNING, Postgres and Temporal answer) and it polls with its current process. */
  private workersUp = (hosts: string[]) => async () => {
    await this.stack.waitForHealthy(120_000, hosts);
    await this.stack.waitForPollers(60_000, hosts);
  };
  private runningWorkerHosts(): string[] {
    return ['orders', 'stock', 'credit', 'shipment', ...this.stack.runningPaymentHosts()];
  }

  /** Cuts a host off from every other host (lo keeps working): DROP in and out on eth0. */
  partitionHost(host: string, holdMs: number, why: string): Promise<FaultRecord> {
    const rules = [['INPUT', '-i', 'eth0', '-j', 'DROP'], ['OUTPUT', '-o', 'eth0', '-j', 'DROP']];
    return this.run(`partition ${host} host ${why}`, `iptables -I INPUT/OUTPUT -i/-o eth0 -j DROP on ${host}`,
      () => rules.forEach((r) => this.iptables(host, '-I', ...r)), holdMs,
      () => rules.forEach((r) => this.iptables(host, '-D', ...r)), this.workersUp([host]));
  }

  /**
   * Random loss and a bandwidth cap on the traffic between every worker host and Temporal, both ways:
   * on each worker host, iptables statistic DROP to/from Temporal and a tbf on eth0 for packets to
   * Temporal; on the switch port leading to the host, a tbf for packets from Temporal.
   */
  lossAndBandwidth(holdMs: number, lossPercent: number, rate: string): Promise<FaultRecord> {
    const temporal = addr('temporal');
    const hosts = this.runningWorkerHosts();
    const p = (lossPercent / 100).toFixed(2);
    const lossRules = [
      ['INPUT', '-s', temporal, '-m', 'statistic', '--mode', 'random', '--probability', p, '-j', 'DROP'],
      ['OUTPUT', '-d', temporal, '-m', 'statistic', '--mode', 'random', '--probability', p, '-j', 'DROP'],
    ];
    // This kernel has no prio qdisc: htb only sorts packets into a class (everything else into the
    // unlimited default class), and the tbf under the Temporal class is the cap.
    const shape = (exec: (cmd: string[]) => string, dev: string, match: string[]) => {
      exec(['tc', 'qdisc', 'add', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '10']);
      exec(['tc', 'class', 'add', 'dev', dev, 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit']);
      exec(['tc', 'class', 'add', 'dev', dev, 'parent', '1:', 'classid', '1:30', 'htb', 'rate', '10gbit']);
      exec(['tc', 'qdisc', 'add', 'dev', dev, 'parent', '1:30', 'handle', '30:', 'tbf', 'rate', rate, 'burst', '16kb', 'latency', '300ms']);
      exec(['tc', 'filter', 'add', 'dev', dev, 'parent', '1:', 'protocol', 'ip', 'u32', ...match, 'flowid', '1:30']);
    };
    const unshape = (exec: (cmd: string[]) => string, dev: string) => exec(['tc', 'qdisc', 'del', 'dev', dev, 'root']);
    return this.run(`${lossPercent} % loss + ${rate} cap, workers ↔ Temporal`,
      `iptables -m statistic --mode random --probability ${p} -j DROP both ways; tc htb class + tbf rate ${rate} on each worker's eth0 (to Temporal) and on its switch port (from Temporal); ${hosts.length} worker hosts`,
      () => {
        for (const h of hosts) {
          lossRules.forEach((r) => this.iptables(h, '-I', ...r));
          shape((cmd) => this.net.exec(h, cmd), 'eth0', ['match', 'ip', 'dst', `${temporal}/32`]);
          shape((cmd) => this.net.execSwitch(cmd), this.net.switchPort(h), ['match', 'ip', 'src', `${temporal}/32`]);
        }
      }, holdMs,
      () => {
        for (const h of hosts) {
          lossRules.forEach((r) => this.iptables(h, '-D', ...r));
          unshape((cmd) => this.net.exec(h, cmd), 'eth0');
          unshape((cmd) => this.net.execSwitch(cmd), this.net.switchPort(h));
        }
      }, this.workersUp(hosts));
  }

  /** An API host loses Postgres (DROP both ways on the API host); the balancer should route around it. */
  cutApiFromPostgres(api: string, holdMs: number): Promise<FaultRecord> {
    const pg = addr('postgres');
    const rules = [['INPUT', '-s', pg, '-j', 'DROP'], ['OUTPUT', '-d', pg, '-j', 'DROP']];
    return this.run(`cut ${api} off from Postgres`, `iptables -I INPUT -s ${pg} / OUTPUT -d ${pg} -j DROP on ${api}`,
      () => rules.forEach((r) => this.iptables(api, '-I', ...r)), holdMs,
      () => rules.forEach((r) => this.iptables(api, '-D', ...r)),
      async () => {
        const deadline = Date.now() + 120_000;
        for (;;) {
          const ok = await fetch(`${this.stack.apiUrl(api)}/health/ready`, { signal: AbortSignal.timeout(3000) }).then((r) => r.ok, () => false);
          if (ok) return;
          if (Date.now() > deadline) throw new Error(`${api} not ready 120 s after the cut ended`);
          await sleep(500);
        }
      });
  }

  /** Temporal cannot reach any worker host nor they it (DROP per worker address on the Temporal host). */
  partitionTemporalFromWorkers(holdMs: number): Promise<FaultRecord> {
    const rules = WORKER_IPS.flatMap((ip) => [['INPUT', '-s', ip, '-j', 'DROP'], ['OUTPUT', '-d', ip, '-j', 'DROP']]);
    return this.run('partition Temporal from all workers', `iptables -I INPUT -s <worker> / OUTPUT -d <worker> -j DROP on temporal, ${WORKER_IPS.length} worker addresses`,
      () => rules.forEach((r) => this.iptables('temporal', '-I', ...r)), holdMs,
      () => rules.forEach((r) => this.iptables('temporal', '-D', ...r)), this.workersUp(this.runningWorkerHosts()));
  }

  /** Power loss: every process of the host SIGKILLed and its link down; then the link up and the host's service started again. */
  killHost(host: string, holdMs: number): Promise<FaultRecord> {
    const proc = this.stack.procs.get(host)!;
    return this.run(`kill the ${host} host`, `SIGKILL every process in its namespace, ip link set eth0 down; after the hold: link up, service restarted`,
      async () => {
        this.stack.quiet.add(host);
        const exited = proc.kill('SIGKILL');
        for (const pid of pidsIn(this.net.ns(host))) {
          try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        }
        await exited;
        this.net.exec(host, ['ip', 'link', 'set', 'eth0', 'down']);
      }, holdMs,
      async () => {
        this.net.exec(host, ['ip', 'link', 'set', 'eth0', 'up']);
        this.stack.quiet.delete(host);
        await proc.start(240_000);
      }, this.workersUp([host]));
  }

  /** Fixed latency and jitter with netem, when the kernel has it; null (not run) otherwise. */
  async latency(holdMs: number, delayMs: number, jitterMs: number): Promise<FaultRecord | null> {
    const probe = spawnSync('ip', ['netns', 'exec', this.net.ns('client'), 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      this.say(`netem: not available in this kernel (${probe.stderr.trim()}); the latency fault does not run`);
      return null;
    }
    spawnSync('ip', ['netns', 'exec', this.net.ns('client'), 'tc', 'qdisc', 'del', 'dev', 'lo', 'root']);
    const hosts = this.runningWorkerHosts();
    return this.run(`${delayMs} ± ${jitterMs} ms latency on every worker host`, 'tc qdisc add dev eth0 root netem delay', () => {
      for (const h of hosts) this.net.exec(h, ['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', `${delayMs}ms`, `${jitterMs}ms`]);
    }, holdMs, () => {
      for (const h of hosts) this.net.exec(h, ['tc', 'qdisc', 'del', 'dev', 'eth0', 'root']);
    }, this.workersUp(hosts));
  }
}
