// The order read model as API.md shows it: the order row plus its timeline (every domain event of
// the order across contexts, in commit order). Neither needs a worker or a workflow to answer.
import type { PrismaClient } from '../../platform/prisma';

export interface TimelineEntry { sequence: number; type: string; at: string; data: unknown }

type TimelineRow = { type: string; at: Date; data: unknown };
const timelineQuery = (prisma: PrismaClient, orderId: string) =>
  prisma.domainEvent.findMany({ where: { orderId }, orderBy: { id: 'asc' }, select: { type: true, at: true, data: true } });

export async function readTimeline(prisma: PrismaClient, orderId: string, afterSequence = 0): Promise<TimelineEntry[]> {
  return toTimeline(await timelineQuery(prisma, orderId), afterSequence);
}

function toTimeline(rows: TimelineRow[], afterSequence = 0): TimelineEntry[] {
  // The per-order sequence is the position in the timeline: stable because an order's events are
  // appended by one saga step at a time.
  return rows
    .map((row, i) => ({ sequence: i + 1, type: row.type, at: row.at.toISOString(), data: row.data }))
    .filter((entry) => entry.sequence > afterSequence);
}

type OrderRow = NonNullable<Awaited<ReturnType<PrismaClient['order']['findUnique']>>>;

export function orderSummary(row: OrderRow) {
  return {
    orderId: row.id,
    customerId: row.customerId,
    status: row.status,
    items: row.items,
    totalCents: row.totalCents,
    shippingAddress: row.shippingAddress,
    rejectionReason: row.rejectionReason,
    cancellationReason: row.cancellationReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}

export async function findOrderView(prisma: PrismaClient, orderId: string) {
  // One snapshot for both reads, so the status shown always has its event in the timeline.
  const [row, rows] = await prisma.$transaction(
    [prisma.order.findUnique({ where: { id: orderId } }), timelineQuery(prisma, orderId)],
    { isolationLevel: 'RepeatableRead' },
  );
  return row ? { ...orderSummary(row), timeline: toTimeline(rows) } : null;
}
export type OrderView = NonNullable<Awaited<ReturnType<typeof findOrderView>>>;
