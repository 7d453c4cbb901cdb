// Knobs of `npm run cluster`, each bounded, with defaults for a full run of ≲ 15 minutes on two cores.
// CLUSTER_QUICK=1 shortens every phase for iterating; CLUSTER_SKIP=faults,scaling,autoscale skips phases.
import { int } from '../chaos/config';

const quick = process.env.CLUSTER_QUICK === '1';

export interface ClusterConfig {
  quick: boolean;
  /** Pause between two launches of the steady mixed stream during the faults. */
  orderIntervalMs: number;
  maxInFlight: number;
  /** How long the partitions (payment host, API↔Postgres) and the loss/bandwidth fault last. */
  faultSeconds: number;
  /** The Temporal ↔ all workers partition (the issue asks for 30 s). */
  temporalPartitionSeconds: number;
  /** Quiet time between faults (and before the first, after the last). */
  gapSeconds: number;
  payment: { latencyMs: number; jitterMs: number; concurrency: number };
  /** Scaling steps: payment worker hosts per step, offered orders/s and seconds per step. */
  scalingSteps: number[];
  stepRate: number;
  stepSeconds: number;
  /** Autoscaler: burst size, bounds, target backlog per worker (KEDA's targetQueueSize). */
  burstOrders: number;
  burstRate: number;
  autoscaleMin: number;
  autoscaleMax: number;
  targetBacklog: number;
  /** Seconds the desired count must stay lower before one process is drained (KEDA's cooldownPeriod, 300 s by default). */
  cooldownSeconds: number;
  dispatchDelay: string;
  seed: number;
  maxRunSeconds: number;
  skip: Set<string>;
  writeReport: boolean;
}

export function loadClusterConfig(): ClusterConfig {
  return {
    quick,
    orderIntervalMs: int('CLUSTER_ORDER_INTERVAL_MS', 700, 100, 10_000),
    maxInFlight: int('CLUSTER_MAX_IN_FLIGHT', 32, 1, 200),
    faultSeconds: int('CLUSTER_FAULT_SECONDS', quick ? 12 : 20, 3, 300),
    temporalPartitionSeconds: int('CLUSTER_TEMPORAL_PARTITION_SECONDS', quick ? 15 : 30, 3, 300),
    gapSeconds: int('CLUSTER_GAP_SECONDS', quick ? 6 : 10, 2, 300),
    payment: {
      latencyMs: int('CLUSTER_PAYMENT_LATENCY_MS', 400, 0, 10_000),
      jitterMs: int('CLUSTER_PAYMENT_JITTER_MS', 100, 0, 10_000),
      concurrency: int('CLUSTER_PAYMENT_CONCURRENCY', 2, 1, 100),
    },
    scalingSteps: (process.env.CLUSTER_SCALING_STEPS ?? '1,2,4').split(',').map(Number).filter((n) => n >= 1 && n <= 4),
    stepRate: int('CLUSTER_STEP_RATE', 16, 1, 100),
    stepSeconds: int('CLUSTER_STEP_SECONDS', quick ? 12 : 20, 5, 600),
    burstOrders: int('CLUSTER_BURST_ORDERS', quick ? 120 : 200, 10, 2000),
    burstRate: int('CLUSTER_BURST_RATE', 20, 1, 200),
    autoscaleMin: int('CLUSTER_AUTOSCALE_MIN', 1, 1, 4),
    autoscaleMax: int('CLUSTER_AUTOSCALE_MAX', 4, 1, 4),
    targetBacklog: int('CLUSTER_TARGET_BACKLOG', 25, 1, 1000),
    cooldownSeconds: int('CLUSTER_AUTOSCALE_COOLDOWN_SECONDS', 3, 1, 600),
    dispatchDelay: process.env.CLUSTER_DISPATCH_DELAY ?? '6s',
    seed: int('CLUSTER_SEED', 7, 0, 2 ** 31 - 1),
    maxRunSeconds: int('CLUSTER_MAX_RUN_SECONDS', 1500, 120, 7200),
    skip: new Set((process.env.CLUSTER_SKIP ?? '').split(',').map((s) => s.trim()).filter(Boolean)),
    writeReport: process.env.CLUSTER_WRITE_REPORT !== '0',
  };
}

/** The command that reproduces a run with these settings (for SCALING.md). */
export function reproduceCommand(): string {
  const vars = Object.entries(process.env)
    .filter(([k]) => k.startsWith('CLUSTER_') && !['CLUSTER_WRITE_REPORT', 'CLUSTER_NS_PREFIX', 'CLUSTER_NS_SWITCH'].includes(k))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return [...vars, 'npm run cluster'].join(' ');
}
