// GET /orders/:id/events as Server-Sent Events: replay the timeline after Last-Event-ID, then follow
// it live by push (TimelineFeed) and close after the entry that makes the order final — or when the
// token that opened the stream expires. Capped per customer and per process (429 TOO_MANY_STREAMS).
// While nothing happens a stream costs no query; a heartbeat comment keeps proxies from closing it.
import type { Request, Response } from 'express';
import type { PrismaClient } from '../../platform/prisma';
import { isFinal, type OrderStatus } from '../../domain/orders/order';
import { HttpError } from '../problem';
import { readTimelineFrames, type TimelineFrames } from '../queries/order-view.query';
import type { StreamLimits, TimelineFeed } from './timeline-feed';

export interface StreamDeps { prisma: PrismaClient; feed: TimelineFeed; limits: StreamLimits; heartbeatMs: number }

/**
 * At most this many streams read the timeline at once in a process, so a burst of streams opening
 * (each replays its timeline) takes at most these pooled connections and cannot starve the API's
 * requests of the rest (DB_POOL_SIZE, default 10). A read takes ~2 ms: two at a time still serve
 * ~1 000 stream reads a second, well inside the 250 ms an entry may take to reach its stream.
 */
export const STREAM_READS_AT_ONCE = 2;

/** A counting gate: run() waits for one of `size` slots. */
class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes on as it is
      else this.running--;
    }
  }
}
const streamReads = new Gate(STREAM_READS_AT_ONCE);

/**
 * Takes a stream slot for the caller or refuses with 429 — before anything else, so a refused
 * attempt costs no database work. The caller releases it if the stream does not open.
 */
export function acquireStreamSlot(limits: StreamLimits, req: Request, res: Response): () => void {
  const release = limits.acquire(req.principal!.customerId);
  if (!release) {
    res.setHeader('Retry-After', '30');
    throw new HttpError(429, 'TOO_MANY_STREAMS', 'too many open event streams; close one first');
  }
  return release;
}

/**
 * Serves the stream in the slot `release` gives back when it closes. Its first timeline read also
 * answers who owns the order: `visible` refuses (throws) before anything is sent, so opening a
 * stream costs one gated read and no other query.
 */
export async function streamOrderEvents(deps: StreamDeps, orderId: string, req: Request, res: Response, release: () => void, visible: (order: { customerId: string } | null) => unknown): Promise<void> {
  const principal = req.principal!;
  const lastEventId = Number.parseInt(String(req.get('Last-Event-ID') ?? req.query.lastEventId ?? '0'), 10);
  let sent = Number.isSafeInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0;
  let opened = false;
  let closed = false;
  let reading: Promise<void> | null = null;
  let again = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = () => {};
  const close = () => {
    if (closed) return;
    closed = true;
    for (const timer of timers) clearTimeout(timer);
    unsubscribe();
    release();
    if (opened) res.end();
  };
  req.on('close', close);

  const send = ({ status, lastSequence, frames }: TimelineFrames) => {
    if (frames) {
      res.write(frames);
      sent = lastSequence;
    }
    if (status && isFinal(status as OrderStatus)) close();
  };
  /** Sends what committed after `sent`; one read at a time, and one more if woken meanwhile. */
  const catchUp = (): void => {
    if (closed) return;
    if (reading || !opened) return void (again = true);
    reading = (async () => {
      do {
        again = false;
        const read = await streamReads.run(() => readTimelineFrames(deps.prisma, orderId, sent));
        if (closed) return;
        send(read);
      } while (again && !closed);
    })().catch(() => close()).finally(() => { reading = null; });
  };

  let first;
  try {
    // Subscribe before the first read: an entry committing in between wakes the stream, never slips by.
    unsubscribe = await deps.feed.subscribe(orderId, catchUp, close);
    first = await streamReads.run(() => readTimelineFrames(deps.prisma, orderId, sent));
    visible(first.customerId === null ? null : { customerId: first.customerId });
  } catch (error) {
    closed = true;
    unsubscribe();
    release();
    throw error;
  }
  if (closed) return void unsubscribe(); // the client left meanwhile (close() may have run before subscribe returned)
  opened = true;
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  const heartbeat = () => {
    if (closed) return;
    res.write(': keep-alive\n\n');
    timers[0] = setTimeout(heartbeat, deps.heartbeatMs);
  };
  timers[0] = setTimeout(heartbeat, deps.heartbeatMs);
  if (principal.expiresAt !== undefined) timers.push(setTimeout(close, Math.max(0, principal.expiresAt - Date.now())));
  send(first);
  if (again) catchUp();
}
