// Live-event streams under load. 50 accounts of their own, each with one order that stays open (the
// caller holds the sagas: a final order's stream replays and closes at once, so nothing would stay
// open to count against the caps). 1 000 stream attempts, 20 per account, every opened stream held:
// the per-customer cap, then the per-process cap must refuse the rest (429 TOO_MANY_STREAMS), while
// GET /orders/:id keeps its p99 within 1.5× of without (attempt slices interleaved with quiet ones). The slow-loris on these
// accounts' streams is in slow-loris.ts.
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { sleep } from './config';
import { fiveXx, type AbuseContext, type StreamAccount } from './abuse';
import { describeProbe, eventLoopDelay, ms, pool, probeLatency, probeLatencyIsolated, probeWithDelay, problemOf, request, sleepUntil, summarize, type Latency, type ProbeSpec, type Sample } from './load-probe';

const ACCOUNTS = 50;
const ATTEMPTS_PER_ACCOUNT = 20;
/** Accounts of the first wave: their caps fill while the process still has room (30 × 5 < 200). */
const FIRST_WAVE = 30;
/** GET /orders/:id before and during: a steady load the API takes easily on two cores. */
export const PROBE: ProbeSpec = { requests: 1200, concurrency: 8, perSecond: 200 };
const WARM_UP: ProbeSpec = { requests: 200, concurrency: 8, perSecond: 400 };
const PROBE_SPAN_MS = (PROBE.requests / PROBE.perSecond) * 1000;
/** The attempts' on slices, each followed by an off slice of the same length (and one off slice first). */
const SLICE_MS = 2000;
const ON_SLICES = 5;
const GUARD_MS = 250;
export const STREAM_SLICES = { ms: SLICE_MS, on: ON_SLICES, guardMs: GUARD_MS };
export const STREAM_PROBE: ProbeSpec = { requests: ((2 * ON_SLICES + 1) * SLICE_MS * PROBE.perSecond) / 1000, concurrency: PROBE.concurrency, perSecond: PROBE.perSecond };
const INTERLEAVED = STREAM_PROBE;
export const LATENCY_FACTOR = 1.5;
const ADDRESS = { line1: '1 Stream St', city: 'Flood', postalCode: '1', country: 'US' };

/** Registers and logs in the accounts (one client address each) and places one order apiece. */
export async function createStreamAccounts(ctx: AbuseContext, productId: string): Promise<StreamAccount[]> {
  const made = await pool(ACCOUNTS, 10, async (i): Promise<StreamAccount | string> => {
    const headers = { 'X-Forwarded-For': `192.0.2.${i + 1}` };
    const email = `chaos-stream-${i}-${randomUUID().slice(0, 8)}@example.com`;
    const password = `pw-${randomBytes(10).toString('hex')}`;
    const reg = await ctx.http.call('POST', '/auth/register', { headers, body: { email, password, name: `Stream ${i}` } });
    if (reg.status !== 201) return `register ${reg.status}`;
    const login = await ctx.http.call('POST', '/auth/token', { headers, body: { email, password } });
    if (login.status !== 200) return `token ${login.status}`;
    const token = login.body.accessToken as string;
    const placed = await ctx.http.call('POST', '/orders', {
      token, retry: 'safe', headers: { 'Idempotency-Key': `stream-${i}` },
      body: { items: [{ productId, quantity: 1 }], shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } },
    });
    if (placed.status !== 202 && placed.status !== 200) return `POST /orders ${placed.status}`;
    return { customerId: reg.body.customerId, email, password, token, orderId: placed.body.orderId };
  });
  const accounts = made.filter((m): m is StreamAccount => typeof m !== 'string');
  const failed = made.filter((m): m is string => typeof m === 'string');
  ctx.record('SSE stream caps', `${ACCOUNTS} accounts, one open order each`, failed.length === 0, failed.length ? `${failed.length} failed: ${[...new Set(failed)].join(', ')}` : `${accounts.length} registered, logged in, ordered`);
  return accounts;
}

interface Attempt { account: number; status: number; code?: string; retryAfter?: string; contentType?: string; error?: string }

/** The streams this check opened and holds, counted per account as the client sees them. */
class StreamBook {
  readonly open: number[] = new Array(ACCOUNTS).fill(0);
  readonly maxOpen: number[] = new Array(ACCOUNTS).fill(0);
  readonly opened: number[] = new Array(ACCOUNTS).fill(0);
  total = 0;
  maxTotal = 0;
  closedByServer = 0;
  replayed = 0;
  private readonly held = new Set<http.ClientRequest>();
  private closing = false;

  constructor(private readonly baseUrl: string) {}

  /** One attempt; a 200 stays open (and read) until closeAll(). */
  attempt(account: number, a: StreamAccount): Promise<Attempt> {
    return new Promise((resolve) => {
      const req = http.get(new URL(`/orders/${a.orderId}/events`, this.baseUrl), { agent: false, headers: { authorization: `Bearer ${a.token}`, accept: 'text/event-stream' }, timeout: 15_000 }, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => { body += c; });
          res.on('end', () => resolve({ account, status, code: problemOf(body).code, retryAfter: String(res.headers['retry-after'] ?? ''), contentType: res.headers['content-type'] }));
          return;
        }
        req.setTimeout(0);
        this.held.add(req);
        this.opened[account]!++;
        this.open[account]!++;
        this.maxOpen[account] = Math.max(this.maxOpen[account]!, this.open[account]!);
        this.maxTotal = Math.max(this.maxTotal, ++this.total);
        let first = true;
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (first && c.includes('event: OrderPlaced')) this.replayed++;
          first = false;
        });
        res.on('close', () => {
          this.held.delete(req);
          this.open[account]!--;
          this.total--;
          if (!this.closing) this.closedByServer++;
        });
        resolve({ account, status });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) => resolve({ account, status: 0, error: (error as NodeJS.ErrnoException).code ?? error.message }));
    });
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    for (const req of this.held) req.destroy();
    for (let i = 0; i < 50 && this.total > 0; i++) await sleep(20);
  }
}

/** Opens one stream of `a`, reads its first bytes and closes it: the API still streams. */
export async function oneStream(baseUrl: string, a: StreamAccount): Promise<number> {
  const book = new StreamBook(baseUrl);
  const result = await book.attempt(0, a);
  await book.closeAll();
  return result.status;
}

export async function checkStreamCaps(ctx: AbuseContext, accounts: StreamAccount[]): Promise<Latency | null> {
  const category = 'SSE stream caps';
  const { streamsPerCustomer: perCustomer, streamsPerProcess: perProcess } = ctx.limits;
  if (accounts.length < ACCOUNTS) return null;
  const targets = accounts.map((a) => ({ path: `/orders/${a.orderId}`, token: a.token }));
  // Warm both paths first (a stream per account: the first one also opens the API's LISTEN connection).
  await probeLatency(ctx.baseUrl, targets, WARM_UP);
  await pool(accounts.length, 10, (i) => oneStream(ctx.baseUrl, accounts[i]!));
  const before = await probeWithDelay(ctx.baseUrl, ctx.metricsToken, targets, PROBE);

  // Round robin over a wave's accounts: first 30 accounts (their caps fill while the process has
  // room), then the other 20.
  const book = new StreamBook(ctx.baseUrl);
  // The attempts arrive in "on" slices that alternate with "off" slices of the same length, under one
  // steady probe: the probe's requests due in on slices are "during", those due in off slices
  // "without". Interleaved, a drift of the shared machine (or a stall of another process on its two
  // cores) falls on both sides alike instead of on one window. The first GUARD_MS of every slice count
  // for neither side, so what one slice leaves behind is not charged to the next.
  const startAt = Date.now() + 500;
  const perSlice = (ACCOUNTS * ATTEMPTS_PER_ACCOUNT) / ON_SLICES;
  const dueOf = (k: number) => startAt + (2 * Math.floor(k / perSlice) + 1) * SLICE_MS + (k % perSlice) * (SLICE_MS / perSlice);
  const wave = async (from: number, to: number, offset: number) => {
    const pending: Promise<Attempt>[] = [];
    for (let k = 0; k < ATTEMPTS_PER_ACCOUNT; k++) {
      for (let i = from; i < to; i++) {
        await sleepUntil(dueOf(offset + pending.length) - performance.timeOrigin);
        pending.push(book.attempt(i, accounts[i]!));
      }
    }
    return Promise.all(pending);
  };
  await eventLoopDelay(ctx.baseUrl, ctx.metricsToken);
  const probe = probeLatencyIsolated(ctx.baseUrl, targets, { ...INTERLEAVED, startAt });
  const first = await wave(0, FIRST_WAVE, 0);
  const afterFirst = book.total;
  const second = await wave(FIRST_WAVE, ACCOUNTS, first.length);
  const attemptsMs = Date.now() - startAt - SLICE_MS;
  const { samples } = await probe;
  const loopMax = (await eventLoopDelay(ctx.baseUrl, ctx.metricsToken))?.max ?? null;
  const attempts = [...first, ...second];
  const held = book.total;
  await book.closeAll();
  const sliceOf = (sample: Sample) => {
    const into = sample.due - startAt;
    return into % SLICE_MS < GUARD_MS ? null : Math.floor(into / SLICE_MS) % 2 === 1 ? 'on' : 'off';
  };
  const during = summarize(samples.filter((x) => sliceOf(x) === 'on'));
  const without = summarize(samples.filter((x) => sliceOf(x) === 'off'));
  const whole = summarize(samples);

  const refused = attempts.filter((a) => a.status !== 200);
  const badRefusals = refused.filter((a) => a.status !== 429 || a.code !== 'TOO_MANY_STREAMS' || !(Number(a.retryAfter) > 0) || !/problem\+json/.test(a.contentType ?? ''));
  const firstWaveExact = accounts.slice(0, FIRST_WAVE).every((_, i) => book.opened[i] === perCustomer);
  const secondOpened = book.opened.slice(FIRST_WAVE).reduce((s, n) => s + n, 0);
  const wantSecond = Math.min((ACCOUNTS - FIRST_WAVE) * perCustomer, perProcess - FIRST_WAVE * perCustomer);
  const statuses = attempts.map((a) => a.status);
  const tally = (list: Attempt[]) => `${list.filter((a) => a.status === 200).length} opened, ${list.filter((a) => a.status === 429).length} × 429`;

  ctx.record(category, `${attempts.length} attempts (${ACCOUNTS} accounts × ${ATTEMPTS_PER_ACCOUNT}): no 5xx, every one answered`, statuses.every((s) => s > 0 && s < 500), `${tally(attempts)}, ${fiveXx(statuses)}, ${statuses.filter((s) => s === 0).length} unanswered`);
  ctx.record(category, `per-customer cap: never more than ${perCustomer} open per account`, Math.max(...book.maxOpen) <= perCustomer, `most open at once for one account: ${Math.max(...book.maxOpen)}`);
  ctx.record(category, `per-customer cap with room in the process: first ${FIRST_WAVE} accounts get exactly ${perCustomer} each`, firstWaveExact && afterFirst === FIRST_WAVE * perCustomer, `first wave: ${tally(first)}; ${afterFirst} open after it`);
  ctx.record(category, `process cap (${perProcess}): never more open, and it is what refuses the second wave`, book.maxTotal <= perProcess && secondOpened === wantSecond, `most open at once: ${book.maxTotal}; second wave: ${tally(second)} (room for ${wantSecond})`);
  ctx.record(category, 'every refusal is 429 problem+json TOO_MANY_STREAMS with Retry-After', refused.length > 0 && badRefusals.length === 0, badRefusals.length ? `${badRefusals.length} other: ${[...new Set(badRefusals.map((a) => `${a.status} ${a.code ?? a.error ?? ''}`))].join(', ')}` : `${refused.length} refusals as specified`);
  ctx.record(category, 'held streams stay open and replay the timeline', book.closedByServer === 0 && book.replayed === held, `${held} held until closed by the client, ${book.closedByServer} closed early by the server, ${book.replayed} replayed OrderPlaced`);
  const ratio = during.p99 / without.p99;
  const answered = whole.ok === whole.requests && before.ok === before.requests;
  ctx.record(category, `GET /orders/:id p99 while attempts arrive ≤ ${LATENCY_FACTOR}× without (interleaved ${SLICE_MS / 1000} s slices)`, ratio <= LATENCY_FACTOR && answered,
    `p99 ${ms(without.p99)} without, ${ms(during.p99)} during (${ratio.toFixed(2)}×); ${whole.ok}/${whole.requests} answered 200`);
  const loop = (value: number | null) => (value === null ? '' : `; API event-loop delay max ${ms(value)}`);
  ctx.measure(category, `GET /orders/:id just before, no stream open (${describeProbe(PROBE)})`, `p50 ${ms(before.p50)}, p99 ${ms(before.p99)}, max ${ms(before.max)}${loop(before.loopMax)}`);
  ctx.measure(category, `${describeProbe(INTERLEAVED)}: due in the ${ON_SLICES} slices while ${attempts.length} stream attempts arrived (${ms(attemptsMs)} in all)`, `${during.requests} requests: p50 ${ms(during.p50)}, p99 ${ms(during.p99)}, max ${ms(during.max)} (p99 ${ratio.toFixed(2)}× without; bound ${LATENCY_FACTOR}×)`);
  ctx.measure(category, `the same probe: due in the ${ON_SLICES + 1} slices between (streams held open, none arriving)`, `${without.requests} requests: p50 ${ms(without.p50)}, p99 ${ms(without.p99)}, max ${ms(without.max)}${loop(loopMax)} (p99 ${(without.p99 / before.p99).toFixed(2)}× the probe before any stream)`);
  // Where the tail is: each slice's p99 in order (off, on, off, …; opens happen in the 1st and 4th on slices).
  const sliceP99 = Array.from({ length: 2 * ON_SLICES + 1 }, (_, k) => summarize(samples.filter((x) => sliceOf(x) !== null && Math.floor((x.due - startAt) / SLICE_MS) === k)).p99);
  ctx.measure(category, 'p99 of each slice in order (off, on, off, …)', sliceP99.map((p, k) => `${k % 2 ? 'on' : 'off'} ${ms(p)}`).join(', '));
  ctx.measure(category, 'streams opened / refused', `${attempts.length - refused.length} / ${refused.length} (caps ${perCustomer} per customer, ${perProcess} per process)`);

  // Closed by the client: the slots come back and the API serves as before.
  const again = await streamOpensAgain(ctx.baseUrl, accounts[0]!);
  const read = await request(ctx.baseUrl, 'GET', `/orders/${accounts[0]!.orderId}`, { headers: { authorization: `Bearer ${accounts[0]!.token}` } });
  const ready = await request(ctx.baseUrl, 'GET', '/health/ready');
  ctx.record(category, 'after closing every stream: a new stream opens, reads and /health/ready answer', again === 200 && read.status === 200 && ready.status === 200, `stream ${again}, GET /orders/:id ${read.status}, /health/ready ${ready.status}`);

  // For scale, not judged: the same number of plain GET /orders/:id (a new connection each, as the
  // stream attempts) at the same pace. It tells what any such load does to the p99 on this machine,
  // so a miss of the bound can be read as the streams' cost or as load as such.
  const gap = SLICE_MS / perSlice;
  const controls = Math.floor(PROBE_SPAN_MS / gap);
  const control = await probeWithDelay(ctx.baseUrl, ctx.metricsToken, targets, PROBE, async () => {
    const started = performance.now();
    await pool(controls, controls, async (k) => {
      await sleepUntil(started + k * gap);
      const a = accounts[k % accounts.length]!;
      return request(ctx.baseUrl, 'GET', `/orders/${a.orderId}`, { headers: { authorization: `Bearer ${a.token}` } });
    });
  });
  ctx.measure(category, `control: the probe before, while ${controls} plain GET /orders/:id arrived at the attempts' pace`, `p50 ${ms(control.p50)}, p99 ${ms(control.p99)}, max ${ms(control.max)}${loop(control.loopMax)} (p99 ${(control.p99 / before.p99).toFixed(2)}× before)`);
  return before;
}

/** A new stream of `a` opens (its slots were released), within 5 s. */
export async function streamOpensAgain(baseUrl: string, a: StreamAccount): Promise<number> {
  let status = 0;
  for (let i = 0; i < 25 && status !== 200; i++) {
    status = await oneStream(baseUrl, a);
    if (status !== 200) await sleep(200);
  }
  return status;
}
