// Backlog-driven autoscaling of the payment workers, with the semantics of KEDA's Temporal scaler:
// every interval read the queue's approximate backlog (DescribeTaskQueue, report_stats), desired =
// ceil(backlog ÷ targetQueueSize) clamped to [min, max]; scale up at once, scale down only after the
// desired count stayed lower for the cooldown, one process at a time. A process is removed by
// draining it (SIGTERM: it stops polling and finishes the charges it holds), as Kubernetes does with
// a pod's terminationGracePeriod. Hosts pay1…pay4 are the pool.
import { sleep } from '../chaos/config';
import type { QueueStats } from './queues';
import type { Stack } from './stack';
import { PAYMENT_HOSTS, type PaymentHost } from './topology';

export interface TraceRow { at: number; backlog: number; running: number; desired: number; action: string }
export interface Drained { host: PaymentHost; pid: number; signalledAt: number; exitedAt: number }

export class Autoscaler {
  readonly trace: TraceRow[] = [];
  readonly drained: Drained[] = [];
  private stopped = false;
  private readonly starting = new Set<PaymentHost>();
  private readonly draining = new Set<PaymentHost>();
  private lowerSince = 0;
  private loop: Promise<void> | undefined;

  constructor(private readonly stack: Stack, private readonly stats: QueueStats, private readonly options: {
    min: number; max: number; targetBacklog: number; intervalMs: number; cooldownMs: number; say: (line: string) => void;
  }) {}

  /** Serving or about to: running and not draining, plus those starting. */
  private active(): PaymentHost[] {
    return PAYMENT_HOSTS.filter((h) => (this.stack.procs.get(h)?.running && !this.draining.has(h)) || this.starting.has(h));
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.tick().catch((error) => this.options.say(`autoscaler: ${(error as Error).message}`));
        await sleep(this.options.intervalMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    while (this.starting.size || this.draining.size) await sleep(200);
  }

  private async tick(): Promise<void> {
    const backlog = await this.stats.backlog('payment');
    const { min, max, targetBacklog } = this.options;
    const desired = Math.min(max, Math.max(min, Math.ceil(backlog / targetBacklog)));
    const active = this.active();
    let action = '';
    if (desired > active.length) {
      this.lowerSince = 0;
      const idle = PAYMENT_HOSTS.filter((h) => !active.includes(h) && !this.draining.has(h)).slice(0, desired - active.length);
      for (const host of idle) {
        this.starting.add(host);
        void this.stack.startPayment(host).then(
          () => this.options.say(`autoscaler: ${host} polling`),
          (error) => this.options.say(`autoscaler: ${host} failed to start: ${(error as Error).message.split('\n')[0]}`),
        ).finally(() => this.starting.delete(host));
      }
      action = idle.length ? `start ${idle.join(', ')}` : '';
    } else if (desired < active.length) {
      this.lowerSince ||= Date.now();
      if (Date.now() - this.lowerSince >= this.options.cooldownMs) {
        // The newest serving process goes first; one per cooldown, as KEDA's HPA scales down step by step.
        const host = [...active].reverse().find((h) => !this.starting.has(h));
        if (host) {
          this.lowerSince = Date.now();
          this.draining.add(host);
          const pid = this.stack.procs.get(host)!.child!.pid!;
          const signalledAt = Date.now();
          action = `drain ${host} (SIGTERM)`;
          void this.stack.drain(host).then(() => {
            this.drained.push({ host, pid, signalledAt, exitedAt: Date.now() });
            this.options.say(`autoscaler: ${host} drained in ${((Date.now() - signalledAt) / 1000).toFixed(1)} s`);
          }).finally(() => this.draining.delete(host));
        }
      }
    } else {
      this.lowerSince = 0;
    }
    this.trace.push({ at: Date.now(), backlog, running: this.stack.runningPaymentHosts().length, desired, action });
    if (action) this.options.say(`autoscaler: backlog ${backlog} → desired ${desired}: ${action}`);
  }
}
