// The small balancer in front of the API hosts (its own host in `npm run cluster`): HTTP round robin
// over the backends whose /health/ready answered 200 at the last check (every 500 ms). A backend
// that fails two checks in a row gets no new requests until it passes one; a request whose
// connection to a backend was refused (it never arrived) is sent to the next one. Anything else
// that goes wrong with a backend is answered 502, as nginx or an ALB would, and logged.
//   CLUSTER_LB_LISTEN=host:port   CLUSTER_LB_BACKENDS=host:port,host:port
import http from 'node:http';

const [listenHost, listenPort] = process.env.CLUSTER_LB_LISTEN!.split(':') as [string, string];
const backends = process.env.CLUSTER_LB_BACKENDS!.split(',').map((address) => ({ address, healthy: true, failures: 0 }));
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let next = 0;
const log = (msg: string) => console.log(JSON.stringify({ at: new Date().toISOString(), msg }));

async function check(backend: (typeof backends)[number]): Promise<void> {
  let ok = false;
  try {
    ok = (await fetch(`http://${backend.address}/health/ready`, { signal: AbortSignal.timeout(1500) })).ok;
  } catch {
    ok = false;
  }
  backend.failures = ok ? 0 : backend.failures + 1;
  const healthy = ok || (backend.healthy && backend.failures < 2);
  if (healthy !== backend.healthy) log(`backend ${backend.address} ${healthy ? 'back in' : 'taken out'}`);
  backend.healthy = healthy;
}
setInterval(() => void Promise.all(backends.map(check)), 500).unref();

/** Healthy backends in round-robin order; all of them when none is healthy (better a try than a certain 503). */
function order(): typeof backends {
  const healthy = backends.filter((b) => b.healthy);
  const pool = healthy.length ? healthy : backends;
  const start = next++ % pool.length;
  return [...pool.slice(start), ...pool.slice(0, start)];
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const candidates = order();
    const attempt = (i: number) => {
      const backend = candidates[i]!;
      const [host, port] = backend.address.split(':');
      const upstream = http.request({ host, port: Number(port), method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' }, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.setTimeout(30_000, () => upstream.destroy(new Error('upstream timeout')));
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' && i + 1 < candidates.length) return attempt(i + 1);
        if (res.headersSent) return void res.destroy();
        log(`${req.method} ${req.url} → ${backend.address}: ${error.code ?? error.message}`);
        res.writeHead(502, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, code: 'UPSTREAM_FAILED' }));
      });
      upstream.end(body);
    };
    attempt(0);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(listenPort), listenHost, () => log(`balancer listening on ${listenHost}:${listenPort} → ${backends.map((b) => b.address).join(', ')}`));
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
