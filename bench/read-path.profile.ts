// Where one GET /orders/:id spends the API's CPU, in µs per request. Each sample of a V8 CPU profile
// (bench/read-path.compare.ts with BENCH_CPU_PROFILE=1) is charged to the nearest frame, from the leaf
// up, that belongs to a known part (a package or one of our files); Node internals and native code go
// to whoever called them, except socket writes, which get their own buckets by who wrote. Middlewares
// call next() synchronously, so "nearest" matters: the route's work is not the middleware's. Module
// loading at start-up is left out; the request count is the request log's line count.
//   node --import tsx bench/read-path.profile.ts .data/read-path/cpu/api/<main thread>.cpuprofile .data/read-path/logs/api.log
// (or the number of requests instead of the log)
import { readFileSync } from 'node:fs';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string }; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

type Frame = { fn: string; url: string };
const isWrite = (f: Frame) => !f.url && /^(writev|writeBuffer|writeUtf8String|writeLatin1String|writeString|writeSync)$/.test(f.fn);
const pkg = (f: Frame) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f.url)?.[1];

const PACKAGES: Record<string, string> = {
  '@prisma/client': 'Prisma client', '@prisma/adapter-pg': 'Prisma client', '@prisma/driver-adapter-utils': 'Prisma client', '@prisma/client-runtime-utils': 'Prisma client',
  pg: 'pg (protocol, rows, pool)', 'pg-protocol': 'pg (protocol, rows, pool)', 'pg-pool': 'pg (protocol, rows, pool)', 'pg-types': 'pg (protocol, rows, pool)', 'postgres-date': 'pg (protocol, rows, pool)', 'postgres-array': 'pg (protocol, rows, pool)',
  pino: 'request log (pino)', 'sonic-boom': 'request log (pino)', '@pinojs/redact': 'request log (pino)', 'fast-redact': 'request log (pino)', 'thread-stream': 'request log (pino)', 'quick-format-unescaped': 'request log (pino)', 'atomic-sleep': 'request log (pino)',
  'prom-client': 'metrics (prom-client, route hook)', tdigest: 'metrics (prom-client, route hook)', bintrees: 'metrics (prom-client, route hook)',
  jsonwebtoken: 'JWT verification', jws: 'JWT verification', jwa: 'JWT verification', 'safe-buffer': 'JWT verification', semver: 'JWT verification', 'buffer-equal-constant-time': 'JWT verification', 'ecdsa-sig-formatter': 'JWT verification', ms: 'JWT verification', 'lodash.includes': 'JWT verification', 'lodash.isstring': 'JWT verification', 'lodash.isplainobject': 'JWT verification', 'lodash.once': 'JWT verification',
  etag: 'Express response (res.set/json/send, etag)', 'content-type': 'Express response (res.set/json/send, etag)', mime: 'Express response (res.set/json/send, etag)', 'mime-types': 'Express response (res.set/json/send, etag)', fresh: 'Express response (res.set/json/send, etag)', 'on-finished': 'Express response (res.set/json/send, etag)', vary: 'Express response (res.set/json/send, etag)',
  'body-parser': 'body parser (on a GET: type check only)', 'type-is': 'body parser (on a GET: type check only)', 'raw-body': 'body parser (on a GET: type check only)', 'media-typer': 'body parser (on a GET: type check only)',
  '@opentelemetry/api': 'tracing (OpenTelemetry, Prisma instrumentation)', '@opentelemetry/core': 'tracing (OpenTelemetry, Prisma instrumentation)', '@opentelemetry/sdk-trace-base': 'tracing (OpenTelemetry, Prisma instrumentation)', '@opentelemetry/sdk-trace-node': 'tracing (OpenTelemetry, Prisma instrumentation)', '@opentelemetry/context-async-hooks': 'tracing (OpenTelemetry, Prisma instrumentation)', '@opentelemetry/instrumentation': 'tracing (OpenTelemetry, Prisma instrumentation)', '@opentelemetry/resources': 'tracing (OpenTelemetry, Prisma instrumentation)', '@prisma/instrumentation': 'tracing (OpenTelemetry, Prisma instrumentation)',
  express: 'Express + router (matching, next, req)', router: 'Express + router (matching, next, req)', 'path-to-regexp': 'Express + router (matching, next, req)', parseurl: 'Express + router (matching, next, req)', finalhandler: 'Express + router (matching, next, req)', 'proxy-addr': 'Express + router (matching, next, req)', qs: 'Express + router (matching, next, req)', 'depd': 'Express + router (matching, next, req)',
};

function owner(f: Frame): string | undefined {
  const name = pkg(f);
  if (name) {
    if (name === 'express' && f.url.endsWith('express/lib/response.js')) return 'Express response (res.set/json/send, etag)';
    return PACKAGES[name] ?? `package ${name}`;
  }
  const app = /\/work\/[^/]+\/(?:[^/]+\/)*?((?:api|platform|domain|bench)\/[\w/.-]+\.ts)$/.exec(f.url)?.[1] ?? (/\/(api|platform|domain|bench)\/[\w/.-]+\.ts$/.exec(f.url)?.[0]?.slice(1));
  if (app) {
    if (app.endsWith('api/metrics.ts')) return 'metrics (prom-client, route hook)';
    if (app.endsWith('api/auth.ts')) return 'JWT verification';
    if (app.endsWith('api/app.ts')) return 'our middlewares (api/app.ts: request log, headers, cors, 415)';
    if (app.includes('platform/logger')) return 'request log (pino)';
    if (app.includes('platform/tracing') || app.endsWith('api/trace-requests.ts')) return 'tracing (OpenTelemetry, Prisma instrumentation)';
    return `our code (${app})`;
  }
  return undefined;
}

/** `stack[0]` is the leaf. */
function bucket(stack: Frame[]): string | null {
  const leaf = stack[0]!.fn;
  if (leaf === '(idle)' || leaf === '(program)' || leaf === '(root)') return null;
  if (stack.some((f) => f.fn === 'Module._compile' || f.url.includes('node_modules/tsx/') || f.url.startsWith('node:internal/modules/'))) return 'start-up (module loading)';
  if (leaf === '(garbage collector)') return 'garbage collector';
  if (stack.slice(0, 3).some(isWrite)) {
    for (const f of stack) {
      if (f.url === 'node:_http_outgoing') return 'socket write: HTTP response';
      const o = owner(f);
      if (o?.startsWith('pg')) return 'socket write: SQL to PostgreSQL';
      if (o?.startsWith('request log')) return 'request log write (stdout)';
    }
    return 'socket write: other';
  }
  for (const f of stack) {
    const o = owner(f);
    if (o) return o;
  }
  return stack.some((f) => f.url.startsWith('node:_http') || f.fn === 'parserOnHeadersComplete') ? 'Node HTTP server (parse, headers, finish)' : 'other Node internals';
}

export function attribute(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const bucketOf = new Map<number, string | null>();
  const ms = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    let b = bucketOf.get(id);
    if (b === undefined) {
      const stack: Frame[] = [];
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const { functionName, url } = byId.get(cur)!.callFrame;
        stack.push({ fn: functionName, url });
      }
      b = bucket(stack);
      bucketOf.set(id, b);
    }
    if (b) ms.set(b, (ms.get(b) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return ms;
}

if (require.main === module) {
  const [profileFile, logFileOrCount] = process.argv.slice(2);
  const requests = /^\d+$/.test(logFileOrCount!) ? Number(logFileOrCount) : readFileSync(logFileOrCount!, 'utf8').split('\n').filter((l) => l.includes('"msg":"request"')).length;
  const ms = attribute(JSON.parse(readFileSync(profileFile!, 'utf8')) as CpuProfile);
  const rows = [...ms.entries()].filter(([k]) => !k.startsWith('start-up')).sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((s, [, v]) => s + v, 0);
  console.log(`${requests} requests, ${(total * 1000 / requests).toFixed(0)} µs CPU per request (profiled, start-up excluded)`);
  for (const [k, v] of rows) console.log(`  ${(v * 1000 / requests).toFixed(1).padStart(6)} µs  ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
}
