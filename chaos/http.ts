// The driving client. It retries only what a real client may retry:
//   'safe'   — reads, POST /orders carrying an Idempotency-Key, cancel and dispatch (a repeat is
//              answered 200 with the same order, or 409 once the first took effect): retried on
//              connection errors, 5xx and 429 with backoff;
//   'unsent' — everything else (revise, stock adjustments): retried only when the connection was
//              refused, i.e. the request provably never reached the API;
//   'none'   — attacks and probes: one shot.
// Every 5xx is recorded with the fault window (if any) it fell into.
import { sleep } from './config';

export type RetryPolicy = 'safe' | 'unsent' | 'none';

export interface Reply {
  status: number; // 0 = no HTTP answer (connection error or timeout)
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of any shape, checked by callers
  text: string;
  error?: string;
  attempts: number;
}

export interface ServerErrorSeen { at: number; method: string; path: string; status: number; code: string | null; fault: string | null }

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  retry?: RetryPolicy;
  timeoutMs?: number;
  /** Total time budget for retries. */
  budgetMs?: number;
}

export class HttpClient {
  requests = 0;
  retries = 0;
  connectionErrors = 0;
  readonly byStatus = new Map<number, number>();
  readonly serverErrors: ServerErrorSeen[] = [];

  constructor(readonly baseUrl: string, private readonly faultAt: (from: number, to: number) => string | null = () => null) {}

  async call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    const policy = options.retry ?? 'none';
    const deadline = Date.now() + (options.budgetMs ?? 120_000);
    for (let attempt = 1; ; attempt++) {
      const reply = await this.once(method, path, options, attempt);
      const refused = reply.status === 0 && /ECONNREFUSED/.test(reply.error ?? '');
      const retryable = policy === 'safe'
        ? reply.status === 0 || reply.status >= 500 || reply.status === 429
        : policy === 'unsent' ? refused : false;
      if (!retryable || Date.now() > deadline) return reply;
      this.retries++;
      const retryAfter = Number(reply.headers.get('retry-after') ?? 0);
      await sleep(retryAfter > 0 ? Math.min(retryAfter * 1000, 5000) : Math.min(2000, 150 * 2 ** Math.min(attempt, 4)));
    }
  }

  private async once(method: string, path: string, options: CallOptions, attempts: number): Promise<Reply> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | Buffer | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const started = Date.now();
    this.requests++;
    try {
      const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 20_000) });
      const text = await res.text();
      let parsed: unknown = undefined;
      try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
      this.byStatus.set(res.status, (this.byStatus.get(res.status) ?? 0) + 1);
      if (res.status >= 500) {
        const code = (parsed as { code?: string } | undefined)?.code ?? null;
        this.serverErrors.push({ at: started, method, path: path.replace(/[0-9a-f-]{36}/g, ':id'), status: res.status, code, fault: this.faultAt(started, Date.now()) });
      }
      return { status: res.status, headers: res.headers, body: parsed, text, attempts };
    } catch (error) {
      this.connectionErrors++;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { status: 0, headers: new Headers(), body: undefined, text: '', error: `${(error as Error).name}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, attempts };
    }
  }
}
