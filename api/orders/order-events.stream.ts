// GET /orders/:id/events as Server-Sent Events: replay the timeline after Last-Event-ID, then follow
// it live (polling the projection), and close after the entry that makes the order final.
import type { Request, Response } from 'express';
import type { PrismaClient } from '../../platform/prisma';
import { isFinal, type OrderStatus } from '../../domain/orders/order';
import { readTimeline } from '../queries/order-view.query';

const POLL_MS = 250;
const HEARTBEAT_MS = 15_000;

export async function streamOrderEvents(prisma: PrismaClient, orderId: string, req: Request, res: Response): Promise<void> {
  const lastEventId = Number.parseInt(String(req.get('Last-Event-ID') ?? req.query.lastEventId ?? '0'), 10);
  let sent = Number.isSafeInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0;
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  let closed = false;
  req.on('close', () => { closed = true; });
  let lastWrite = Date.now();

  while (!closed) {
    // Status first, timeline second: if the order was already final, this timeline read contains
    // its final entry, so the stream never closes before sending it.
    const order = await prisma.order.findUnique({ where: { id: orderId }, select: { status: true } });
    const entries = await readTimeline(prisma, orderId, sent);
    for (const entry of entries) {
      res.write(`id: ${entry.sequence}\nevent: ${entry.type}\ndata: ${JSON.stringify(entry)}\n\n`);
      sent = entry.sequence;
      lastWrite = Date.now();
    }
    if (order && isFinal(order.status as OrderStatus)) break;
    if (Date.now() - lastWrite > HEARTBEAT_MS) {
      res.write(': keep-alive\n\n');
      lastWrite = Date.now();
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  res.end();
}
