// The latency probe on a thread of its own: the attack traffic the main thread drives (its sockets,
// parsing, garbage) cannot delay the probe's own timing, only the API can.
import { parentPort, workerData } from 'node:worker_threads';
import { probeLatency, type ProbeSpec } from './load-probe';

const { baseUrl, targets, spec } = workerData as { baseUrl: string; targets: { path: string; token: string }[]; spec: ProbeSpec };
probeLatency(baseUrl, targets, spec).then((latency) => parentPort!.postMessage(latency));
