// API fuzzing with Schemathesis (PyPI), a real external fuzzer, against the running API's
// /openapi.json, authenticated as a customer. Bounded by examples per operation and by time.
// Checks: no 5xx (not_a_server_error) and every response matches the documented schema
// (response_schema_conformance). It is installed into .tools/fuzz-venv on first use.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CHAOS_DIR, ROOT } from './config';

export const SCHEMATHESIS_VERSION = '4.32.5';
const VENV = path.join(ROOT, '.tools', 'fuzz-venv');
const ST = path.join(VENV, 'bin', 'st');

export interface FuzzFailure { check: string; operation: string; detail: string }
export interface FuzzResult {
  version: string;
  command: string;
  /** POST /orders/{id}/revise was missing from /openapi.json and was added for the run. */
  addedRevise: boolean;
  completed: boolean;
  exitCode: number | null;
  seconds: number;
  operations: number;
  requests: number;
  statusClasses: Record<string, number>;
  serverErrors: number;
  schemaViolations: number;
  failures: FuzzFailure[];
  summary: string;
}

export function ensureSchemathesis(say: (line: string) => void): void {
  if (existsSync(ST)) return;
  say(`installing schemathesis==${SCHEMATHESIS_VERSION} into .tools/fuzz-venv …`);
  const python = ['python3', 'python'].find((p) => {
    try { execFileSync(p, ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
  });
  if (!python) throw new Error('python3 is needed for Schemathesis');
  execFileSync(python, ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(path.join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(ST)) throw new Error(`schemathesis installed but ${ST} is missing`);
}

export interface FuzzOptions {
  baseUrl: string;
  token: string;
  /** Real ids the fuzzer starts from, so it gets past 404/422 into the order logic. */
  examples: { productId: string; orderId: string };
  maxExamples: number;
  maxSeconds: number;
  seed: number;
  say: (line: string) => void;
}

/**
 * The API's own /openapi.json plus (a) example ids that exist, so generated requests reach real
 * orders and products instead of stopping at 404, and (b) POST /orders/{id}/revise, which API.md
 * lists but the document lacks (reported as a finding), so the fuzzer exercises it too.
 */
export async function fuzzSchema(options: Pick<FuzzOptions, 'baseUrl' | 'examples'>): Promise<{ doc: Record<string, unknown>; addedRevise: boolean }> {
  const doc = await (await fetch(`${options.baseUrl}/openapi.json`)).json() as { paths: Record<string, Record<string, Record<string, unknown>>> };
  const { productId, orderId } = options.examples;
  for (const [route, ops] of Object.entries(doc.paths)) {
    for (const op of Object.values(ops)) {
      const params = (op.parameters ?? []) as { name: string; in: string; example?: string }[];
      for (const p of params) if (p.in === 'path' && p.name === 'id') p.example = route.startsWith('/products') ? productId : orderId;
    }
  }
  const placeOrder = doc.paths['/orders']?.post as { requestBody?: { content?: Record<string, { example?: unknown }> } } | undefined;
  const media = placeOrder?.requestBody?.content?.['application/json'];
  if (media) media.example = { items: [{ productId, quantity: 1 }], shippingAddress: { line1: '1 Fuzz St', city: 'Fuzz', postalCode: '1', country: 'US' }, paymentMethod: { token: 'tok_visa' } };
  const addedRevise = !doc.paths['/orders/{id}/revise'];
  if (addedRevise) {
    const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
    doc.paths['/orders/{id}/revise'] = {
      post: {
        summary: 'Revise the items of a waiting order (added by chaos/fuzz.ts from API.md)',
        security: [{ bearer: [] }],
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: orderId }],
        requestBody: {
          required: true,
          content: { 'application/json': {
            schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'object', required: ['productId', 'quantity'], properties: { productId: { type: 'string', minLength: 1, maxLength: 100 }, quantity: { type: 'integer', minimum: 1, maximum: 1000 } } } } } },
            example: { items: [{ productId, quantity: 2 }] },
          } },
        },
        responses: {
          202: { description: 'revision accepted', content: { 'application/json': { schema: { type: 'object', required: ['orderId', 'status'], properties: { orderId: { type: 'string' }, status: { const: 'REVISION_PENDING' } } } } } },
          ...Object.fromEntries([400, 401, 403, 404, 409, 422, 503].map((s) => [s, { description: String(s), content: problem }])),
        },
      },
    };
  }
  return { doc, addedRevise };
}

export async function runFuzzer(options: FuzzOptions): Promise<FuzzResult> {
  ensureSchemathesis(options.say);
  const dir = path.join(CHAOS_DIR, 'schemathesis');
  mkdirSync(dir, { recursive: true });
  const ndjson = path.join(dir, 'events.ndjson');
  const schemaFile = path.join(dir, 'openapi.json');
  const { doc, addedRevise } = await fuzzSchema(options);
  writeFileSync(schemaFile, JSON.stringify(doc, null, 1));
  const args = [
    'run', schemaFile, '--url', options.baseUrl,
    '--checks', 'not_a_server_error,response_schema_conformance',
    '--header', `Authorization: Bearer ${options.token}`,
    '--max-examples', String(options.maxExamples),
    '--max-time', String(options.maxSeconds),
    '--seed', String(options.seed),
    '--workers', '2',
    '--request-timeout', '15',
    '--continue-on-failure',
    '--generation-database', 'none',
    '--report', 'ndjson', '--report-ndjson-path', ndjson,
    '--no-color',
    '--output-sanitize', 'true',
  ];
  const shown = ['st', ...args.map((a) => (a.startsWith('Authorization:') ? '"Authorization: Bearer <customer token>"' : a))].join(' ')
    .replace(options.baseUrl, 'http://127.0.0.1:<api port>').replace(schemaFile, '<GET /openapi.json + example ids>').replace(ndjson, 'events.ndjson');
  options.say(`fuzzing: ${shown}`);
  const started = Date.now();
  const output: string[] = [];
  const exitCode = await new Promise<number | null>((resolve) => {
    const child = spawn(ST, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false', NO_COLOR: '1', COLUMNS: '160' } });
    child.stdout.on('data', (d) => output.push(String(d)));
    child.stderr.on('data', (d) => output.push(String(d)));
    // A hard stop beyond --max-time, in case a request hangs.
    const timer = setTimeout(() => child.kill('SIGKILL'), (options.maxSeconds + 120) * 1000);
    child.once('exit', (code) => { clearTimeout(timer); resolve(code); });
  });
  const text = output.join('');
  const result = parseEvents(existsSync(ndjson) ? readFileSync(ndjson, 'utf8') : '');
  const summary = text.split('\n').filter((l) => /SUMMARY|passed|failed|error|Test cases|Operations|Seed|Checks|not_a_server_error|response_schema_conformance/i.test(l)).slice(-25).join('\n');
  options.say(`fuzzing done: ${result.requests} requests, ${result.serverErrors} × 5xx, ${result.schemaViolations} schema violation(s), exit ${exitCode}`);
  return {
    version: SCHEMATHESIS_VERSION, command: shown, addedRevise, completed: exitCode === 0 || exitCode === 1, exitCode, seconds: Math.round((Date.now() - started) / 1000), ...result, summary,
  };
}

/** Counts requests, status classes and failed checks from Schemathesis' NDJSON event stream. */
export function parseEvents(ndjson: string): Pick<FuzzResult, 'operations' | 'requests' | 'statusClasses' | 'serverErrors' | 'schemaViolations' | 'failures'> {
  interface Recorder {
    label?: string;
    cases?: Record<string, { value?: { method?: string; path?: string } }>;
    checks?: Record<string, { name: string; status: string; failure_info?: { failure?: { operation?: string; title?: string; message?: string } } }[]>;
    interactions?: Record<string, { response?: { status_code?: number } | null }>;
  }
  const statusClasses: Record<string, number> = {};
  const failures = new Map<string, FuzzFailure & { count: number }>();
  const operations = new Set<string>();
  let requests = 0;
  let serverErrors = 0;
  let selected = 0;
  for (const line of ndjson.split('\n')) {
    let event: { ScenarioFinished?: { recorder?: Recorder }; LoadingFinished?: { statistic?: { operations?: { selected?: number } } } };
    try { event = JSON.parse(line); } catch { continue; }
    selected = event.LoadingFinished?.statistic?.operations?.selected ?? selected;
    const recorder = event.ScenarioFinished?.recorder;
    if (!recorder) continue;
    const operationOf = (caseId: string) => {
      if (recorder.label && /^[A-Z]+ \//.test(recorder.label)) return recorder.label;
      const value = recorder.cases?.[caseId]?.value;
      return value?.method && value.path ? `${value.method} ${value.path}` : recorder.label ?? '?';
    };
    for (const [caseId, interaction] of Object.entries(recorder.interactions ?? {})) {
      requests++;
      operations.add(operationOf(caseId));
      const status = Number(interaction.response?.status_code ?? 0);
      const cls = status ? `${Math.floor(status / 100)}xx` : 'no response';
      statusClasses[cls] = (statusClasses[cls] ?? 0) + 1;
      if (status >= 500) serverErrors++;
    }
    for (const [caseId, checks] of Object.entries(recorder.checks ?? {})) {
      for (const check of checks) {
        if (check.status !== 'failure') continue;
        const failure = check.failure_info?.failure;
        const operation = failure?.operation ?? operationOf(caseId);
        const key = `${check.name}|${operation}|${failure?.title}`;
        const known = failures.get(key);
        if (known) known.count++;
        else failures.set(key, { check: check.name, operation, detail: `${failure?.title ?? ''}: ${(failure?.message ?? '').split('\n')[0]!.slice(0, 300)}`, count: 1 });
      }
    }
  }
  const list = [...failures.values()].map(({ count, ...f }) => ({ ...f, detail: `${f.detail} (${count} case(s))` }));
  return {
    operations: selected || operations.size, requests, statusClasses, serverErrors,
    schemaViolations: [...failures.values()].filter((f) => f.check === 'response_schema_conformance').reduce((n, f) => n + f.count, 0), failures: list,
  };
}
