// /health/live and /health/ready of a worker process, beside its Prometheus metrics.
//   live:  the process is up and its event loop answers → 200 until it exits.
//   ready: every context worker is RUNNING (polling its task queues) and PostgreSQL and Temporal answer
//          within CHECK_TIMEOUT_MS → 200; otherwise 503 with the reasons. From the shutdown signal on
//          it is 503 at once (draining), while the workers finish in-flight activities.
import { createServer, type Server } from 'node:http';

/** A probe answers within this; a dependency slower than that counts as down for the moment. */
export const CHECK_TIMEOUT_MS = 2_000;

export interface HealthSources {
  /** The state of each context's worker (Worker.getState()), or STARTING before it exists. */
  contexts(): Record<string, string>;
  /** Trivial round trips to the dependencies, e.g. SELECT 1. */
  checks: Record<string, () => Promise<unknown>>;
  /** The signal that started the shutdown, once one did. */
  draining(): string | undefined;
}

export interface HealthServer { url: string; close(): Promise<void> }

export interface Readiness {
  ready: boolean;
  body: { status: 'ok' | 'unavailable' | 'draining'; contexts: Record<string, string>; checks?: Record<string, string>; reasons?: string[] };
}

export async function readiness(sources: HealthSources): Promise<Readiness> {
  const contexts = sources.contexts();
  const signal = sources.draining();
  // Draining answers without touching the dependencies: nothing new should be routed here anyway.
  if (signal) return { ready: false, body: { status: 'draining', contexts, reasons: [`shutting down (${signal}): finishing in-flight work`] } };
  const names = Object.keys(sources.checks);
  const results = await Promise.all(names.map((name) => check(sources.checks[name]!)));
  const checks = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
  const reasons = [
    ...Object.entries(contexts).filter(([, state]) => state !== 'RUNNING').map(([context, state]) => `${context} worker is ${state}`),
    ...Object.entries(checks).filter(([, result]) => result !== 'ok').map(([name, result]) => `${name} ${result}`),
  ];
  return reasons.length
    ? { ready: false, body: { status: 'unavailable', contexts, checks, reasons } }
    : { ready: true, body: { status: 'ok', contexts, checks } };
}

async function check(work: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS); }),
    ]);
    return 'ok';
  } catch (error) {
    // Prisma puts the cause on the last line ("Invalid `prisma.$queryRaw()` invocation:" first).
    const lines = (error instanceof Error ? error.message : String(error)).split('\n').map((l) => l.trim()).filter(Boolean);
    return `failing: ${lines.at(-1) ?? 'unknown error'}`;
  } finally {
    clearTimeout(timer);
  }
}

/** Listens on `host:port` (port 0: any free one; `url` says which). */
export async function startHealthServer(address: string, sources: HealthSources): Promise<HealthServer> {
  const [host, port] = splitAddress(address);
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
    };
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { status: 'method not allowed' });
    if (path === '/health/live') return send(200, { status: 'ok' });
    if (path === '/health/ready') {
      readiness(sources).then(
        ({ ready, body }) => send(ready ? 200 : 503, body),
        (error: unknown) => send(503, { status: 'unavailable', reasons: [String(error)] }),
      );
      return;
    }
    send(404, { status: 'not found', endpoints: ['/health/live', '/health/ready'] });
  });
  // A probe that keeps its connection open must not hold the process at exit.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const bound = server.address();
  return {
    url: `http://${host}:${typeof bound === 'object' && bound ? bound.port : port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
