// Faults in turn while the orders flow: kill -9 each worker type (and restart it), restart the API,
// restart the Temporal dev server (on its file and port), restart PostgreSQL (on its data dir).
// A cycle injects each kind once; the second cycle uses the harsher variant where there is one
// (SIGKILL for Temporal, immediate shutdown with crash recovery for PostgreSQL).
import { sleep } from './config';
import { WORKER_CONTEXTS, type Cluster, type FaultRecord } from './cluster';

type Step = (cycle: number) => Promise<FaultRecord>;

export function faultSteps(cluster: Cluster): Step[] {
  return [
    ...WORKER_CONTEXTS.map((context): Step => () => cluster.killWorker(context)),
    () => cluster.restartApi(),
    (cycle) => cluster.restartTemporal(cycle % 2 === 0 ? 'SIGTERM' : 'SIGKILL'),
    (cycle) => cluster.restartPostgres(cycle % 2 === 0 ? 'fast' : 'immediate'),
  ];
}

/**
 * Injects faults with `gapMs` between them until `keepGoing()` turns false, and at least
 * `minCycles` full cycles. Returns when the last fault has recovered.
 */
export async function injectFaults(cluster: Cluster, options: { gapMs: number; minCycles: number; keepGoing: () => boolean; say: (line: string) => void }): Promise<void> {
  const steps = faultSteps(cluster);
  for (let n = 0; ; n++) {
    const cycle = Math.floor(n / steps.length);
    if (cycle >= options.minCycles && !options.keepGoing()) return;
    await sleep(options.gapMs);
    const record = await steps[n % steps.length]!(cycle);
    const seconds = ((record.recoveredAt - record.startedAt) / 1000).toFixed(1);
    options.say(`fault ${n + 1}: ${record.kind} (${record.how}) → ${record.ok ? `recovered in ${seconds} s` : `NOT RECOVERED: ${record.error}`}`);
  }
}
