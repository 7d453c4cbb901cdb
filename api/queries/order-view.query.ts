// The order read model as API.md shows it: the order row plus its timeline (every domain event of
// the order across contexts, in commit order). Neither needs a worker or a workflow to answer.
import type { PrismaClient } from '../../platform/prisma';

export interface TimelineEntry { sequence: number; type: string; at: string; data: unknown }

type TimelineRow = { type: string; at: Date; data: unknown };

/**
 * The order's status and its timeline entries after `afterSequence`, in ONE statement (one
 * snapshot): when the status is final, its final entry is among the entries read with it.
 */
export async function readTimelineSince(prisma: PrismaClient, orderId: string, afterSequence: number): Promise<{ status: string | null; entries: TimelineEntry[] }> {
  const rows = await prisma.$queryRaw<{ status: string | null; timeline: { sequence: number; type: string; at: string; data: unknown }[] | null }[]>`
    SELECT (SELECT status FROM orders WHERE id = ${orderId}::uuid) AS status,
           (SELECT json_agg(json_build_object('sequence', e.sequence, 'type', e.type, 'at', e.at, 'data', e.data) ORDER BY e.sequence)
              FROM (SELECT row_number() OVER (ORDER BY id) AS sequence, type, at, data FROM domain_events WHERE order_id = ${orderId}::uuid) e
             WHERE e.sequence > ${afterSequence}) AS timeline`;
  const row = rows[0];
  const entries = (row?.timeline ?? []).map((e) => ({ sequence: Number(e.sequence), type: e.type, at: new Date(e.at).toISOString(), data: e.data }));
  return { status: row?.status ?? null, entries };
}

function toTimeline(rows: TimelineRow[]): TimelineEntry[] {
  // The per-order sequence is the position in the timeline: stable because an order's events are
  // appended by one saga step at a time (readTimelineSince numbers them the same way in SQL).
  return rows.map((row, i) => ({ sequence: i + 1, type: row.type, at: row.at.toISOString(), data: row.data }));
}

type OrderRow = NonNullable<Awaited<ReturnType<PrismaClient['order']['findUnique']>>>;

/** What the provider's ledger holds for the order: every charge (a revision's extra too) and every refund. */
export interface PaymentSummary { chargedCents: number; refundedCents: number }
export const NOTHING_CHARGED: PaymentSummary = { chargedCents: 0, refundedCents: 0 };

type SummaryRow = Omit<OrderRow, 'statusBeforeLock' | 'sagaRunId' | 'totalCents'> & { totalCents: bigint | number };

export function orderSummary(row: SummaryRow, payment: PaymentSummary = NOTHING_CHARGED) {
  return {
    orderId: row.id,
    customerId: row.customerId,
    status: row.status,
    items: row.items,
    totalCents: Number(row.totalCents),
    shippingAddress: row.shippingAddress,
    payment,
    rejectionReason: row.rejectionReason,
    cancellationReason: row.cancellationReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}

interface OrderViewRow {
  id: string; customer_id: string; status: string; items: unknown; total_cents: bigint; shipping_address: unknown;
  charged_cents: bigint | null; refunded_cents: bigint | null;
  rejection_reason: string | null; cancellation_reason: string | null; created_at: Date; updated_at: Date; version: number;
  timeline: { type: string; at: string; data: unknown }[];
}

/**
 * The order with its timeline in ONE statement: one round trip on the hottest read, and one
 * snapshot, so the status shown always has its event in the timeline.
 */
export async function findOrderView(prisma: PrismaClient, orderId: string) {
  const rows = await prisma.$queryRaw<OrderViewRow[]>`
    SELECT o.id, o.customer_id, o.status, o.items, o.total_cents, o.shipping_address, o.rejection_reason,
           o.cancellation_reason, o.created_at, o.updated_at, o.version, p.charged_cents, p.refunded_cents,
           COALESCE((SELECT json_agg(json_build_object('type', e.type, 'at', e.at, 'data', e.data) ORDER BY e.id)
                     FROM domain_events e WHERE e.order_id = o.id), '[]'::json) AS timeline
    FROM orders o LEFT JOIN payments p ON p.order_id = o.id WHERE o.id = ${orderId}::uuid`;
  const row = rows[0];
  if (!row) return null;
  return {
    ...orderSummary({
      id: row.id, customerId: row.customer_id, status: row.status, items: row.items as OrderRow['items'], totalCents: row.total_cents,
      shippingAddress: row.shipping_address as OrderRow['shippingAddress'], rejectionReason: row.rejection_reason,
      cancellationReason: row.cancellation_reason, createdAt: row.created_at, updatedAt: row.updated_at, version: row.version,
    }, { chargedCents: Number(row.charged_cents ?? 0), refundedCents: Number(row.refunded_cents ?? 0) }),
    timeline: toTimeline(row.timeline.map((e) => ({ ...e, at: new Date(e.at) }))),
  };
}
export type OrderView = NonNullable<Awaited<ReturnType<typeof findOrderView>>>;
