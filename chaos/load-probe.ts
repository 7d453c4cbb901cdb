// Measuring tools of the load and abuse checks: a latency probe (a fixed number of requests at a
// fixed pace and concurrency over its own keep-alive connections, so two probes are comparable),
// percentiles, a bounded-concurrency runner and the resident memory of a process.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

export interface Latency { requests: number; ok: number; statuses: Record<string, number>; p50: number; p99: number; max: number; ms: number }
/** One probe request: when it was due (epoch ms), how long it took from then, its status. */
export interface Sample { due: number; ms: number; status: number }

export const percentile = (values: number[], p: number): number => {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/** Resolves at performance.now() === `at` (at once if that has passed). */
export const sleepUntil = (at: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));

export const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

/** Runs `task(i)` for i in 0..count-1, at most `concurrency` at once. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return results;
}

export interface PlainReply { status: number; headers: http.IncomingHttpHeaders; body: string; ms: number; error?: string }

/** One request over `agent` (or a fresh connection); status 0 = no HTTP answer. */
export function request(baseUrl: string, method: string, path: string, options: { headers?: Record<string, string>; body?: string; agent?: http.Agent; timeoutMs?: number } = {}): Promise<PlainReply> {
  const url = new URL(path, baseUrl);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(url, { method, headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers }, agent: options.agent ?? false, timeout: options.timeoutMs ?? 20_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: performance.now() - started }));
      res.on('error', (error) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: performance.now() - started, error: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ status: 0, headers: {}, body: '', ms: performance.now() - started, error: (error as NodeJS.ErrnoException).code ?? error.message }));
    req.end(options.body);
  });
}

/** `startAt` (epoch ms): begin then rather than at once, so a probe on another thread can be lined up with load. */
export interface ProbeSpec { requests: number; concurrency: number; perSecond: number; startAt?: number }

export const describeProbe = (p: ProbeSpec) => `${p.requests} requests, ${p.perSecond}/s, ≤ ${p.concurrency} in flight`;

/**
 * `requests` GETs of `targets` (round robin), request i sent at i / perSecond (open loop: a steady
 * load well under what the API can take, so the latency is the API's answer time, not a queue the
 * probe built itself), at most `concurrency` in flight, each lane on its own kept-alive connection.
 * Each latency runs from when the request was due, so a stalled API is not hidden by a stalled probe.
 */
export async function probeLatency(baseUrl: string, targets: { path: string; token: string }[], spec: ProbeSpec): Promise<Latency & { samples: Sample[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const started = spec.startAt === undefined ? performance.now() : spec.startAt - performance.timeOrigin;
  try {
    const replies = await pool(spec.requests, spec.concurrency, async (i): Promise<Sample> => {
      const target = targets[i % targets.length]!;
      const due = started + (i * 1000) / spec.perSecond;
      await sleepUntil(due);
      const reply = await request(baseUrl, 'GET', target.path, { headers: { authorization: `Bearer ${target.token}` }, agent });
      // Timed from when it was due: a request held back because every lane was busy waited too.
      return { due: performance.timeOrigin + due, ms: performance.now() - due, status: reply.status };
    });
    return { ...summarize(replies), ms: performance.now() - started, samples: replies };
  } finally {
    agent.destroy();
  }
}

/** Percentiles and statuses of a set of samples (a whole probe, or the part of it due in some window). */
export function summarize(samples: Sample[]): Omit<Latency, 'ms'> {
  const statuses: Record<string, number> = {};
  for (const s of samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  const times = samples.map((s) => s.ms);
  return { requests: samples.length, ok: samples.filter((s) => s.status === 200).length, statuses, p50: percentile(times, 50), p99: percentile(times, 99), max: times.length ? Math.max(...times) : 0 };
}

/** probeLatency() on a worker thread (probe.worker.ts), so the caller's own load does not skew it. */
export function probeLatencyIsolated(baseUrl: string, targets: { path: string; token: string }[], spec: ProbeSpec): Promise<Latency & { samples: Sample[] }> {
  return new Promise((resolve, reject) => {
    // A worker thread does not inherit `--import tsx`: it registers tsx itself, then loads the probe.
    const boot = `require('tsx/cjs/api').register(); require(${JSON.stringify(path.join(__dirname, 'probe.worker.ts'))});`;
    const worker = new Worker(boot, { eval: true, workerData: { baseUrl, targets, spec } });
    worker.once('message', (latency: Latency & { samples: Sample[] }) => {
      resolve(latency);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

export const statusList = (statuses: Record<string, number>) => Object.entries(statuses).map(([s, n]) => `${n}×${s === '0' ? 'no answer' : s}`).join(', ');

/**
 * The API's event-loop delay since the previous scrape (prom-client resets its histogram on every
 * collect): scrape once before a probe and once after, and the second answer covers the probe.
 */
export async function eventLoopDelay(baseUrl: string, metricsToken: string): Promise<{ p99: number; max: number } | null> {
  const reply = await request(baseUrl, 'GET', '/metrics', { headers: { authorization: `Bearer ${metricsToken}` } });
  const read = (name: string) => Number(new RegExp(`^\\w*nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(reply.body)?.[1]) * 1000;
  return reply.status === 200 && Number.isFinite(read('max')) ? { p99: read('p99'), max: read('max') } : null;
}

/** A probe (with `meanwhile` running alongside, if given) and the API's event-loop delay while it ran. */
export async function probeWithDelay(baseUrl: string, metricsToken: string, targets: { path: string; token: string }[], spec: ProbeSpec, meanwhile?: () => Promise<void>): Promise<Latency & { loopMax: number | null }> {
  await eventLoopDelay(baseUrl, metricsToken);
  const [latency] = await Promise.all([probeLatencyIsolated(baseUrl, targets, spec), meanwhile?.()]);
  return { ...latency, loopMax: (await eventLoopDelay(baseUrl, metricsToken))?.max ?? null };
}

/** Resident memory of a process in MB (Linux /proc), or null when it cannot be read. */
export function rssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

export const problemOf = (body: string): { code?: string } => {
  try {
    return JSON.parse(body) as { code?: string };
  } catch {
    return {};
  }
};
