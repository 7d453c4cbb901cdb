// The one place configuration is read. Everything is validated at boot so a bad value fails fast
// with a message naming the variable, instead of misbehaving later.
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

// v1 shipped this as the development default: anyone can mint tokens with it, so it is refused as a
// configured value in every mode, and nothing falls back to a secret written in the repository.
const PUBLISHED_JWT_SECRET = 'dev-only-secret-change-me-dev-only-secret';
const DEV_ADMIN_PASSWORD = 'admin-password';

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h)?$/, 'a duration such as 0, 500ms, 15s, 2m')
  .transform(parseDurationMs);

export function parseDurationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${text}`);
  const value = Number(match[1]);
  const unit = match[2] ?? 'ms';
  return value * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!;
}

const intFromEnv = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const hostPort = z.string().regex(/^[\w.-]+:\d+$/, 'host:port');
const otlpUrl = z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'an http(s) URL such as http://localhost:4318');

/**
 * A PEM file for the Temporal connection, checked at boot so a wrong path fails here naming its
 * variable, not later as a TLS handshake error. The value stays the path; platform/temporal-connection.ts
 * reads the file.
 */
const pemFile = z.string().superRefine((file, ctx) => {
  const problem = pemFileProblem(file);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

function pemFileProblem(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    return `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  try {
    if (!fstatSync(fd).isFile()) return `${file} is not a file`;
    // The first bytes are enough: a PEM certificate, key or CA bundle starts with its BEGIN line.
    const head = Buffer.alloc(4096);
    const text = head.subarray(0, readSync(fd, head, 0, head.length, 0)).toString('utf8');
    if (!text.includes('-----BEGIN ')) return `${file} is not PEM (no "-----BEGIN …" line)`;
    return undefined;
  } catch (error) {
    return `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  } finally {
    closeSync(fd);
  }
}

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** The API's listen address: loopback unless set (compose and containers set 0.0.0.0). */
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  /** Local data of `npm start`: embedded Postgres, the Temporal dev server's file, the development jwt-secret. */
  DATA_DIR: z.string().default('.data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().default(54329),
  /** Set: use that Temporal server (`npm start` runs none). Unset: the dev server `npm start` runs, 127.0.0.1:TEMPORAL_DEV_PORT. */
  TEMPORAL_ADDRESS: z.string().optional(),
  /** The port of the dev server `npm start` runs when TEMPORAL_ADDRESS is not set. */
  TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_NAMESPACE: z.string().regex(/^\S+$/, 'a namespace name (Temporal Cloud: <namespace>.<account>)').default('default'),
  /**
   * A real cluster over TLS (platform/temporal-connection.ts). TLS is on as soon as any of the files,
   * the server name or an API key is set; TEMPORAL_TLS=true turns it on without them (a server whose
   * certificate the system trusts, no client certificate).
   */
  TEMPORAL_TLS: z.enum(['true', 'false'], 'true or false').transform((v) => v === 'true').optional(),
  /** mTLS: the client certificate and its private key (PEM files), both or neither. */
  TEMPORAL_TLS_CERT: pemFile.optional(),
  TEMPORAL_TLS_KEY: pemFile.optional(),
  /** The CA that signed the server's certificate (PEM); unset: the system's trusted CAs. */
  TEMPORAL_TLS_CA: pemFile.optional(),
  /** The name the server's certificate is checked against, when it differs from TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** Temporal Cloud API key, sent as `Authorization: Bearer …`; implies TLS. */
  TEMPORAL_API_KEY: z.string().regex(/^\S+$/, 'an API key has no spaces or line breaks').optional(),
  TEMPORAL_UI_PORT: z.coerce.number().int().default(8233),
  /** Base of the Web UI links (e.g. /admin/stuck-orders); unset: http://localhost:TEMPORAL_UI_PORT. */
  TEMPORAL_UI_URL: z.string().optional(),
  /** Unset: development keeps a random one in <DATA_DIR>/jwt-secret, tests a random one in memory, production refuses to start. */
  JWT_SECRET: z
    .string()
    .min(32, 'JWT_SECRET must be at least 32 characters')
    // HMAC pads a key with zero bytes, so trailing NULs would sign exactly like the published secret.
    .refine((s) => s.replace(/\0+$/, '') !== PUBLISHED_JWT_SECRET, 'the development secret published in v1 is never accepted; unset it or use a new one (openssl rand -hex 32)')
    .optional(),
  JWT_ALGORITHM: z.enum(['HS256', 'HS384', 'HS512']).default('HS256'),
  JWT_ISSUER: z.string().default('saga-orders'),
  JWT_AUDIENCE: z.string().default('saga-orders-api'),
  JWT_TTL: duration.default(parseDurationMs('1h')),
  ADMIN_EMAIL: z.string().email().default('admin@example.com'),
  ADMIN_PASSWORD: z.string().min(8).default(DEV_ADMIN_PASSWORD),
  DISPATCH_DELAY: duration.default(parseDurationMs('15s')),
  ORDER_MINIMUM_CENTS: intFromEnv(0),
  /** Orders and revisions above this total are refused (422 ORDER_TOTAL_TOO_LARGE); exact to 2^53. */
  ORDER_MAX_TOTAL_CENTS: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(10_000_000_000),
  /** Revision requests an order accepts in its life (each runs a revision saga in its history). */
  MAX_REVISIONS: z.coerce.number().int().min(0).max(100).default(5),
  CARRIER_UNSERVED_COUNTRIES: z
    .string()
    .default('AQ')
    .transform((s) => s.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean)),
  CORS_ORIGINS: z.string().default('').transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean)),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  BCRYPT_ROUNDS: z.coerce.number().int().min(4).max(15).default(10),
  TOKEN_RATE_LIMIT: z.coerce.number().int().min(1).default(20),
  /** POST /auth/register per client address (IPv6: per /64) per minute. */
  REGISTER_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  /** A new customer's credit limit; only an admin changes it afterwards. */
  DEFAULT_CREDIT_LIMIT_CENTS: z.coerce.number().int().min(0).max(1_000_000_000_000).default(100_000),
  /** Open SSE streams per customer (one more → 429 TOO_MANY_STREAMS) and per API process. */
  SSE_MAX_STREAMS_PER_CUSTOMER: z.coerce.number().int().min(1).default(5),
  SSE_MAX_STREAMS_PER_PROCESS: z.coerce.number().int().min(1).default(1000),
  /** A comment line on idle SSE streams this often, so proxies and clients see the stream alive. */
  SSE_HEARTBEAT: duration.default(parseDurationMs('15s')),
  /** Bearer token a Prometheus scraper may use for GET /metrics instead of an admin JWT (unset: admin only). */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  /**
   * Key ring of the payload codec: `id:base64key[,…]`, 32-byte AES keys, the first active (see
   * platform/payload-codec.ts). Unset: development keeps one in <DATA_DIR>/payload-keys, tests one in
   * memory, production refuses to start.
   */
  PAYLOAD_KEYS: z.string().optional(),
  /** How long an Idempotency-Key of POST /orders is remembered. */
  IDEMPOTENCY_TTL: duration.default(parseDurationMs('24h')),
  WORKER_ACTIVITY_CONCURRENCY: z.coerce.number().int().min(1).default(100),
  /** Concurrent activities of a process's payment worker (unset: WORKER_ACTIVITY_CONCURRENCY): the slow context is scaled by adding processes, each with this limit. */
  PAYMENT_WORKER_CONCURRENCY: z.coerce.number().int().min(1).optional(),
  /** The simulated payment provider's answer time per call, as a remote provider's would be (0: at once, as tests want). */
  PAYMENT_PROVIDER_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** ± uniform jitter around PAYMENT_PROVIDER_LATENCY_MS. */
  PAYMENT_PROVIDER_JITTER_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  WORKER_WORKFLOW_CONCURRENCY: z.coerce.number().int().min(1).default(100),
  WORKER_CACHE_SIZE: z.coerce.number().int().min(0).default(1000),
  /** host:port for the Temporal SDK's Prometheus exporter of this worker process (unset: off). */
  WORKER_METRICS_ADDRESS: hostPort.optional(),
  /** `npm start` gives its worker processes metrics ports from here up (a busy one is skipped). */
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).default(9464),
  /** host:port of this worker process's /health/live and /health/ready (workers/health-server.ts; unset: off). */
  WORKER_HEALTH_ADDRESS: hostPort.optional(),
  /** `npm start` gives its worker processes health ports from here up; unset: WORKER_METRICS_PORT + 100. */
  WORKER_HEALTH_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /**
   * Worker Deployment Versioning (platform/worker-deployment.ts): set, every worker of this process
   * joins the deployment of that name as version WORKER_BUILD_ID, and order sagas are pinned to the
   * version they started on. Unset: unversioned workers (tests, chaos, bench). `npm start` and
   * docker-compose.yml set `saga-orders`.
   */
  WORKER_DEPLOYMENT_NAME: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'letters, digits, _ and - (e.g. saga-orders)').optional(),
  /** The build this worker runs; unset: derived from the workflow code (platform/worker-deployment.ts `derivedBuildId`). */
  WORKER_BUILD_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,200}$/, 'letters, digits, _, . and - (e.g. 1.4.0-3f2a9c1e07)').optional(),
  DB_POOL_SIZE: z.coerce.number().int().min(1).default(10),
  TASK_QUEUE_PREFIX: z.string().default(''),
  /**
   * OpenTelemetry's standard variables (platform/tracing.ts): set, spans are sent there over OTLP/HTTP
   * (the exporter adds /v1/traces to the first; the second is the full traces URL); unset, none are
   * recorded and only the trace context travels (trace ids in the logs). Checked here so a typo fails
   * at boot instead of every export failing silently.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl.optional(),
  /** Overrides the service name of the process's spans (saga-orders-api, saga-orders-worker). */
  OTEL_SERVICE_NAME: z.string().optional(),
}).superRefine(checkTemporalTls).transform((c) => ({
  ...c,
  // Derived defaults, so changing a port is one setting: the address follows the dev server's port,
  // the Web UI links follow the UI's port, worker health ports sit 100 above the metrics ports.
  TEMPORAL_ADDRESS: c.TEMPORAL_ADDRESS ?? `127.0.0.1:${c.TEMPORAL_DEV_PORT}`,
  TEMPORAL_UI_URL: c.TEMPORAL_UI_URL ?? `http://localhost:${c.TEMPORAL_UI_PORT}`,
  WORKER_HEALTH_PORT: c.WORKER_HEALTH_PORT ?? Math.min(c.WORKER_METRICS_PORT + 100, 65535),
}));

type TemporalTlsSettings = {
  TEMPORAL_ADDRESS?: string; TEMPORAL_TLS?: boolean; TEMPORAL_TLS_CERT?: string; TEMPORAL_TLS_KEY?: string;
  TEMPORAL_TLS_CA?: string; TEMPORAL_TLS_SERVER_NAME?: string; TEMPORAL_API_KEY?: string;
};

/**
 * The combinations a real cluster's connection can be given. An API key together with a client
 * certificate is accepted: Temporal Cloud authenticates a namespace by either, and a self-hosted
 * server with mTLS and a JWT authorizer checks both (the key is the bearer token).
 */
function checkTemporalTls(c: TemporalTlsSettings, ctx: z.RefinementCtx): void {
  const issue = (variable: keyof TemporalTlsSettings, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });
  if (c.TEMPORAL_TLS_CERT && !c.TEMPORAL_TLS_KEY) issue('TEMPORAL_TLS_KEY', 'required with TEMPORAL_TLS_CERT (mTLS needs the client certificate and its private key)');
  if (c.TEMPORAL_TLS_KEY && !c.TEMPORAL_TLS_CERT) issue('TEMPORAL_TLS_CERT', 'required with TEMPORAL_TLS_KEY (mTLS needs the client certificate and its private key)');
  const tlsSettings = (['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY'] as const).filter((v) => c[v]);
  // An API key over plain text would hand the bearer token to anyone on the path.
  if (c.TEMPORAL_TLS === false && tlsSettings.length) issue('TEMPORAL_TLS', `false, but ${tlsSettings.join(', ')} only work over TLS`);
  // Without TEMPORAL_ADDRESS everything talks to the local dev server, which speaks no TLS.
  if (!c.TEMPORAL_ADDRESS && (tlsSettings.length || c.TEMPORAL_TLS)) {
    issue('TEMPORAL_ADDRESS', `required with ${[...(c.TEMPORAL_TLS ? ['TEMPORAL_TLS'] : []), ...tlsSettings].join(', ')} (unset means the local dev server, which has no TLS)`);
  }
}

export type Config = Omit<z.infer<typeof schema>, 'JWT_SECRET'> & { JWT_SECRET: string };

export interface LoadOptions {
  /** false for processes that never sign or check tokens (workers, migrations): no secret is required or stored. */
  secrets?: boolean;
  /** Called when development generated <DATA_DIR>/jwt-secret (first start); the argument is the file. */
  onSecretGenerated?: (file: string) => void;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Config {
  if (source === process.env) loadDotEnv();
  // An empty variable (e.g. `JWT_SECRET=` copied from .env.example) means "not set".
  const env = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const { JWT_SECRET, ...config } = parsed.data;
  if (config.NODE_ENV === 'production' && options.secrets !== false) {
    // Running production on development secrets would let anyone mint admin tokens.
    if (!JWT_SECRET) throw new Error('Invalid configuration:\n  JWT_SECRET: required in production');
    if (!env.ADMIN_PASSWORD || config.ADMIN_PASSWORD === DEV_ADMIN_PASSWORD) {
      throw new Error('Invalid configuration:\n  ADMIN_PASSWORD: required in production');
    }
  }
  return { ...config, JWT_SECRET: JWT_SECRET ?? defaultJwtSecret(config, options) };
}

/**
 * Without JWT_SECRET: development generates one once and keeps it with the local data, so tokens
 * survive a restart and every process of `npm start` (same DATA_DIR) agrees. Tests and processes that
 * never handle tokens get a fresh random one in memory: nothing is written, and it verifies nothing
 * anywhere else.
 */
function defaultJwtSecret(config: Pick<Config, 'NODE_ENV' | 'DATA_DIR'>, options: LoadOptions): string {
  if (config.NODE_ENV !== 'development' || options.secrets === false) return randomSecret();
  const file = path.resolve(config.DATA_DIR, 'jwt-secret');
  const kept = readSecretFile(file);
  if (kept !== undefined) return kept;
  mkdirSync(path.dirname(file), { recursive: true });
  let generated = false;
  try {
    // 'wx': never replaces a file another process wrote meanwhile (then that one is read below).
    writeFileSync(file, `${randomSecret()}\n`, { mode: 0o600, flag: 'wx' });
    generated = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = readSecretFile(file)!;
  if (generated) options.onSecretGenerated?.(file);
  return secret;
}

const randomSecret = () => randomBytes(32).toString('hex');

function readSecretFile(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const secret = text.trim();
  if (secret.length < 32 || secret.replace(/\0+$/, '') === PUBLISHED_JWT_SECRET) {
    throw new Error(`Invalid configuration:\n  JWT_SECRET: ${file} does not hold a usable secret; delete it to generate a new one`);
  }
  return secret;
}

/** Reads ./.env when present; real environment variables win. */
function loadDotEnv(): void {
  try {
    process.loadEnvFile('.env');
  } catch {
    // no .env: defaults and the real environment apply
  }
}

/**
 * Task queue names; a prefix lets tests run isolated workers on one dev server. The saga derives the
 * same names from its own queue (workflows/activity-proxies.ts `queue`): change both together.
 */
export function taskQueues(config: Pick<Config, 'TASK_QUEUE_PREFIX'>) {
  const p = config.TASK_QUEUE_PREFIX;
  return { orders: `${p}orders`, stock: `${p}stock`, credit: `${p}credit`, payment: `${p}payment`, shipment: `${p}shipment` } as const;
}
export type TaskQueues = ReturnType<typeof taskQueues>;
