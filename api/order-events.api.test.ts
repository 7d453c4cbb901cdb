// Live timelines by push (issue 12, item 2): entries reach open streams within 250 ms of their
// commit, idle streams cost the database nothing, streams are capped per customer (429
// TOO_MANY_STREAMS), send heartbeats, close when their token expires, and resume with
// Last-Event-ID on another API process.
import { randomUUID } from 'node:crypto';
import { createLogger } from '../platform/logger';
import { createPrisma } from '../platform/prisma';
import { createApp } from './app';
import { appendEvents } from '../persistence/transaction';
import { listen, startTestStack, tokenFor, type TestStack } from '../test/harness';
import { expectProblem, orderBody, placed, shopper, untilStatus } from '../test/api-kit';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ api: true, env: { DISPATCH_DELAY: '1h', SSE_MAX_STREAMS_PER_CUSTOMER: '3', SSE_HEARTBEAT: '300ms' } });
});
afterAll(async () => { await stack?.stop(); });

interface OpenStream { received: { id: number; event: string; at: number }[]; text: () => string; closed: Promise<void>; abort: () => void; status: number }

/** Opens a stream and keeps reading it in the background. */
async function open(baseUrl: string, token: string, orderId: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}/orders/${orderId}/events`, { headers: { Authorization: `Bearer ${token}`, ...headers }, signal: controller.signal });
  const received: OpenStream['received'] = [];
  let raw = '';
  const closed = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        raw += decoder.decode(chunk as Uint8Array, { stream: true });
        // Complete messages only (a block ends with a blank line); new ones get their arrival time.
        const messages = raw.split('\n\n').slice(0, -1).filter((block) => !block.startsWith(':'));
        for (const block of messages.slice(received.length)) {
          received.push({ id: Number(/^id: (\d+)$/m.exec(block)?.[1]), event: /^event: (\w+)$/m.exec(block)?.[1] ?? '', at: Date.now() });
        }
      }
    } catch {
      // aborted by the test
    }
  })();
  return { received, text: () => raw, closed, abort: () => controller.abort(), status: res.status };
}

async function waitFor(check: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function paidOrder() {
  const s = await shopper(stack);
  const orderId = await placed(stack, s.token, orderBody(s.productId, 1));
  await untilStatus(stack, s.token, orderId, 'PAID');
  return { ...s, orderId };
}

/** Commits one timeline entry for the order and returns when it committed. */
async function commitEntry(orderId: string): Promise<number> {
  await stack.prisma.$transaction((tx) => appendEvents(tx, { orderId, context: 'orders', aggregateId: orderId }, [{ type: 'DispatchRequested', data: { test: true } }]));
  return Date.now();
}

it('when a stream replays, then each message is id: <sequence>, event: <type>, data: <the timeline entry as GET /orders/:id shows it>', async () => {
  const { token, orderId } = await paidOrder();
  const stream = await open(stack.baseUrl, token, orderId);
  await waitFor(() => stream.received.some((m) => m.event === 'OrderPaid'));
  stream.abort();
  const view = (await (await fetch(`${stack.baseUrl}/orders/${orderId}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { timeline: { sequence: number; type: string }[] };
  const messages = stream.text().split('\n\n').filter((block) => block.startsWith('id: '));
  expect(messages.length).toBeGreaterThanOrEqual(3);
  messages.forEach((block, i) => {
    const [id, event, data, ...rest] = block.split('\n');
    const entry = view.timeline[i]!;
    expect({ id, event, data: JSON.parse(data!.replace(/^data: /, '')), rest }).toEqual({ id: `id: ${entry.sequence}`, event: `event: ${entry.type}`, data: entry, rest: [] });
  });
});

it('when an entry commits, then every open stream of the order receives it within 250 ms', async () => {
  const { token, orderId } = await paidOrder();
  const streams = await Promise.all([open(stack.baseUrl, token, orderId), open(stack.baseUrl, token, orderId)]);
  await waitFor(() => streams.every((s) => s.received.some((m) => m.event === 'OrderPaid')));
  const before = streams[0]!.received.length;
  for (let i = 0; i < 5; i++) {
    const committedAt = await commitEntry(orderId);
    await waitFor(() => streams.every((s) => s.received.length >= before + i + 1));
    for (const s of streams) expect(s.received[before + i]!.at - committedAt).toBeLessThan(250);
  }
  expect(streams[0]!.received.map((m) => m.id)).toEqual(streams[0]!.received.map((_, i) => i + 1));
  for (const s of streams) s.abort();
});

it('when streams stay open with nothing happening, then they cost the database no query, and heartbeats keep them alive', async () => {
  const { token, orderId } = await paidOrder();
  // A separate API process on a Prisma client that counts its queries.
  let queries = 0;
  const counted = createPrisma(stack.config.DATABASE_URL!, 4).$extends({ query: { $allOperations: ({ args, query }) => { queries++; return query(args); } } }) as unknown as typeof stack.prisma;
  const app = createApp({ prisma: counted, temporal: stack.temporal, config: stack.config, logger: createLogger({ level: 'silent' }) });
  const served = await listen(app);
  try {
    const streams = await Promise.all([1, 2, 3].map(() => open(served.baseUrl, token, orderId)));
    await waitFor(() => streams.every((s) => s.received.some((m) => m.event === 'OrderPaid')));
    await new Promise((r) => setTimeout(r, 300));
    const idleFrom = queries;
    expect(idleFrom).toBeGreaterThan(0); // the counter sees the streams' reads
    await new Promise((r) => setTimeout(r, 1500));
    expect(queries - idleFrom).toBe(0);
    for (const s of streams) expect(s.text()).toContain(': keep-alive');
    for (const s of streams) s.abort();
  } finally {
    await served.close();
    await app.close();
    await counted.$disconnect();
  }
});

it('when a customer opens one stream more than SSE_MAX_STREAMS_PER_CUSTOMER, then 429 TOO_MANY_STREAMS, other customers are unaffected, and closing one frees a slot', async () => {
  const { token, orderId } = await paidOrder();
  const streams = await Promise.all([1, 2, 3].map(() => open(stack.baseUrl, token, orderId)));
  expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
  const res = await fetch(`${stack.baseUrl}/orders/${orderId}/events`, { headers: { Authorization: `Bearer ${token}` } });
  expectProblem({ status: res.status, headers: res.headers, body: await res.json() }, 429, 'TOO_MANY_STREAMS');
  const other = await paidOrder();
  const theirs = await open(stack.baseUrl, other.token, other.orderId);
  expect(theirs.status).toBe(200);
  streams[0]!.abort();
  await new Promise((r) => setTimeout(r, 200));
  const again = await open(stack.baseUrl, token, orderId);
  expect(again.status).toBe(200);
  for (const s of [...streams, theirs, again]) s.abort();
});

it('when the token that opened a stream expires, then the stream closes', async () => {
  const { customerId, orderId } = await paidOrder();
  const config = { ...stack.config, JWT_TTL: 2000 };
  const app = createApp({ prisma: stack.prisma, temporal: stack.temporal, config, logger: createLogger({ level: 'silent' }) });
  const served = await listen(app);
  try {
    const started = Date.now();
    const s = await open(served.baseUrl, tokenFor(config, customerId), orderId);
    expect(s.status).toBe(200);
    await s.closed;
    // jwt's exp has one-second resolution: the stream lives 1–2 s.
    expect(Date.now() - started).toBeGreaterThan(900);
    expect(Date.now() - started).toBeLessThan(3000);
  } finally {
    await served.close();
    await app.close();
  }
});

it('when a stream drops, then it resumes on another API process with Last-Event-ID and misses nothing', async () => {
  const { token, orderId } = await paidOrder();
  const first = await open(stack.baseUrl, token, orderId);
  await waitFor(() => first.received.some((m) => m.event === 'OrderPaid'));
  const last = first.received.at(-1)!.id;
  first.abort();
  await commitEntry(orderId);
  const otherApp = createApp({ prisma: stack.prisma, temporal: stack.temporal, config: stack.config, logger: createLogger({ level: 'silent' }) });
  const served = await listen(otherApp);
  try {
    const resumed = await open(served.baseUrl, token, orderId, { 'Last-Event-ID': String(last) });
    await waitFor(() => resumed.received.length >= 1);
    await commitEntry(orderId);
    await waitFor(() => resumed.received.length >= 2);
    expect(resumed.received.map((m) => m.id)).toEqual([last + 1, last + 2]);
    resumed.abort();
  } finally {
    await served.close();
    await otherApp.close();
  }
});

it('when the order does not exist, then 404 and no slot is held', async () => {
  const { token, orderId } = await paidOrder();
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${stack.baseUrl}/orders/${randomUUID()}/events`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(404);
  }
  const streams = await Promise.all([1, 2, 3].map(() => open(stack.baseUrl, token, orderId)));
  expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
  for (const s of streams) s.abort();
});
