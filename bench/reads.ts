// GET /orders/:id under load with autocannon: the API (JWT, Express, Prisma) against the raw floor
// (node:http + pg, same queries). Requests rotate over many orders, each with its owner's token.
// Percentiles come from every response's own hrtime duration (autocannon's histogram is whole ms).
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { percentile } from './load';
import { cpuSeconds } from './sys';

export interface ReadTarget { orderId: string; token: string }
export interface ReadStats { connections: number; rps: number; p50: number; p99: number; requests: number; non2xx: number; errors: number; serverCpuMsPerRequest: number }

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** `serverPid`: the process answering, whose CPU time per request is reported. */
export async function readLoad(baseUrl: string, serverPid: number, targets: ReadTarget[], connections: number, seconds: number): Promise<ReadStats> {
  let next = 0;
  const cpuBefore = cpuSeconds(serverPid);
  const durations: number[] = [];
  // Without a callback autocannon returns its tracker: an EventEmitter that is also a promise of the result.
  const instance = autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    requests: [{
      method: 'GET',
      setupRequest: (req) => {
        const target = targets[next++ % targets.length]!;
        return { ...req, path: `/orders/${target.orderId}`, headers: { ...req.headers, authorization: `Bearer ${target.token}` } };
      },
    }],
  }) as unknown as EventEmitter & PromiseLike<autocannon.Result>;
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => { durations.push(ms); });
  const result = await instance;
  const cpuMs = (cpuSeconds(serverPid) - cpuBefore) * 1000;
  durations.sort((a, b) => a - b);
  return {
    connections,
    rps: Math.round(result.requests.total / (result.duration || seconds)),
    p50: round(percentile(durations, 50)),
    p99: round(percentile(durations, 99)),
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    serverCpuMsPerRequest: round(cpuMs / Math.max(1, result.requests.total), 3),
  };
}
