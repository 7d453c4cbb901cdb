// The backlog of a task queue as Temporal reports it: DescribeTaskQueue with report_stats gives
// `stats.approximate_backlog_count` (tasks added and not yet dispatched to a worker) — the number
// KEDA's Temporal scaler reads. Workflow tasks for the orders queue, activity tasks for the others.
import { Connection } from '@temporalio/client';

export const QUEUE_CONTEXTS = ['orders', 'stock', 'credit', 'payment', 'shipment'] as const;

export class QueueStats {
  private constructor(private readonly connection: Connection, private readonly prefix: string) {}

  static async connect(address: string, prefix: string): Promise<QueueStats> {
    return new QueueStats(await Connection.connect({ address, connectTimeout: 3000 }), prefix);
  }

  async backlog(context: (typeof QUEUE_CONTEXTS)[number]): Promise<number> {
    const reply = await this.connection.workflowService.describeTaskQueue({
      namespace: 'default', taskQueue: { name: `${this.prefix}${context}`, kind: 1 },
      taskQueueType: context === 'orders' ? 1 : 2, reportStats: true,
    });
    return Number(reply.stats?.approximateBacklogCount ?? 0);
  }

  /** Every context's backlog at once (an unreadable one is -1). */
  async all(): Promise<Record<string, number>> {
    const values = await Promise.all(QUEUE_CONTEXTS.map((c) => this.backlog(c).catch(() => -1)));
    return Object.fromEntries(QUEUE_CONTEXTS.map((c, i) => [c, values[i]!]));
  }

  close(): Promise<void> { return this.connection.close(); }
}
