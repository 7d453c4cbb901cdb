// The order read model as API.md shows it: the order row plus its timeline (every domain event of
// the order across contexts, in commit order). Neither needs a worker or a workflow to answer.
import { preparedStatement, type PrismaClient } from '../../platform/prisma';

export interface TimelineEntry { sequence: number; type: string; at: string; data: unknown }

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

/** GET /orders/:id's representation (API.md): the order as `orderSummary` shows it, plus its timeline. */
export type OrderView = ReturnType<typeof orderSummary> & { timeline: TimelineEntry[] };

// ISO 8601 in UTC with milliseconds, exactly as Date#toISOString writes it (the columns are timestamptz(3)).
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * For a live stream: the order's status, its customer (for the ownership check) and its timeline
 * entries after `afterSequence` as Server-Sent Events frames, ready to write, in ONE prepared
 * statement (one snapshot): when the status is final, its final entry is among the frames read with
 * it. PostgreSQL builds the frames as it builds the order view, so a stream opening costs the API no
 * JSON parse or stringify. No order: status and customer are null; no new entry: frames is ''.
 */
export const TIMELINE_FRAMES_SQL = preparedStatement('timeline_frames', `
  SELECT o.status, o.customer_id::text AS customer_id, COALESCE(f.last_sequence, 0)::int AS last_sequence, COALESCE(f.frames, '') AS frames
    FROM (SELECT 1) one
    LEFT JOIN orders o ON o.id = $1::uuid
    LEFT JOIN LATERAL (
      SELECT max(e.sequence) AS last_sequence,
             string_agg(format(E'id: %s\nevent: %s\ndata: %s\n\n', e.sequence, e.type,
               json_build_object('sequence', e.sequence, 'type', e.type, 'at', ${iso('e.at')}, 'data', e.data)), '' ORDER BY e.sequence) AS frames
        FROM (SELECT row_number() OVER (ORDER BY id) AS sequence, type, at, data FROM domain_events WHERE order_id = $1::uuid) e
       WHERE e.sequence > $2::int
    ) f ON true`);

export interface TimelineFrames { status: string | null; customerId: string | null; lastSequence: number; frames: string }

export async function readTimelineFrames(prisma: PrismaClient, orderId: string, afterSequence: number): Promise<TimelineFrames> {
  const [row] = await prisma.$queryRawUnsafe<{ status: string | null; customer_id: string | null; last_sequence: number; frames: string }[]>(TIMELINE_FRAMES_SQL, orderId, afterSequence);
  return { status: row?.status ?? null, customerId: row?.customer_id ?? null, lastSequence: Number(row?.last_sequence ?? 0), frames: row?.frames ?? '' };
}

/**
 * Order views, built by PostgreSQL as the JSON text the API sends, ONE statement for one order or
 * several: one round trip, and each view from one snapshot, so the status shown always has its event
 * in the timeline. `body` is `OrderView` with the keys in API.md's order; `customer_id` is beside it
 * for the ownership check. Building it here spares the API a JSON parse of the json columns and a
 * JSON.stringify of the whole (measured: bench/read-path.micro.ts). The per-order `sequence` is the
 * position in the timeline, stable because an order's events are appended by one saga step at a
 * time (readTimelineFrames numbers them the same way).
 */
const VIEWS = `
  SELECT o.id::text AS order_id, o.customer_id::text AS customer_id, json_build_object(
           'orderId', o.id, 'customerId', o.customer_id, 'status', o.status, 'items', o.items,
           'totalCents', o.total_cents, 'shippingAddress', o.shipping_address,
           'payment', json_build_object('chargedCents', COALESCE(p.charged_cents, 0), 'refundedCents', COALESCE(p.refunded_cents, 0)),
           'rejectionReason', o.rejection_reason, 'cancellationReason', o.cancellation_reason,
           'createdAt', ${iso('o.created_at')}, 'updatedAt', ${iso('o.updated_at')}, 'version', o.version,
           'timeline', COALESCE((SELECT json_agg(json_build_object('sequence', e.sequence, 'type', e.type, 'at', ${iso('e.at')}, 'data', e.data) ORDER BY e.sequence)
                                 FROM (SELECT row_number() OVER (ORDER BY id) AS sequence, type, at, data FROM domain_events WHERE order_id = o.id) e), '[]'::json)
         )::text AS body
  FROM orders o LEFT JOIN payments p ON p.order_id = o.id`;

/** One order: planned once per connection (~105 µs of database CPU, ~300 if parsed and planned each time). */
export const ORDER_VIEW_SQL = preparedStatement('order_view', `${VIEWS} WHERE o.id = $1::uuid`);
/**
 * Several orders: PostgreSQL plans this one on each execution, for the array it gets (~150 µs), which
 * a batch shares and one order alone would not repay; so it is used for two or more.
 */
export const ORDER_VIEWS_SQL = preparedStatement('order_views', `${VIEWS} WHERE o.id = ANY($1::uuid[])`);

interface ViewRow { order_id: string; customer_id: string; body: string }
export type OrderViewJson = { customerId: string; body: string };

/** The views of these orders (ids as UUID text) by lower-case id; a missing order has none. */
async function readViews(prisma: PrismaClient, orderIds: string[]): Promise<Map<string, OrderViewJson>> {
  // $queryRawUnsafe with a bound parameter (never interpolated): Prisma's cheapest path for text
  // columns, which it hands back as they are; prepared on each connection (platform/prisma.ts).
  const rows = orderIds.length === 1
    ? await prisma.$queryRawUnsafe<ViewRow[]>(ORDER_VIEW_SQL, orderIds[0])
    : await prisma.$queryRawUnsafe<ViewRow[]>(ORDER_VIEWS_SQL, orderIds);
  return new Map(rows.map((row) => [row.order_id, { customerId: row.customer_id, body: row.body }]));
}

/** The order view as JSON text, with its owner; null when there is no such order. */
export async function findOrderViewJson(prisma: PrismaClient, orderId: string): Promise<OrderViewJson | null> {
  return (await readViews(prisma, [orderId])).get(orderId.toLowerCase()) ?? null;
}

/** The order view as an object (POST /orders answers with it and keeps it for Idempotency-Key repeats). */
export async function findOrderView(prisma: PrismaClient, orderId: string): Promise<OrderView | null> {
  const found = await findOrderViewJson(prisma, orderId);
  return found ? (JSON.parse(found.body) as OrderView) : null;
}

export const VIEW_BATCH_MAX = 64;

/**
 * findOrderViewJson for GET /orders/:id, with the reads that arrive in one turn of the event loop
 * (a busy server parses several requests per turn) sent to PostgreSQL as ONE statement: Prisma's fixed
 * cost per query (~85 µs of CPU), the round trip and the database's per-statement work are shared
 * (at 32 connections: ~0.41 → ~0.21 ms of API CPU and ~0.16 → ~0.06 ms of database CPU per read).
 * Every read still sees everything committed before it arrived, because its statement is sent after
 * it arrived; nothing is kept once the statement has answered. A failed statement fails each read in
 * it, as its own query would have. Alone in its turn, a read is one statement for one order.
 */
export function orderViewReader(prisma: PrismaClient, maxBatch = VIEW_BATCH_MAX): (orderId: string) => Promise<OrderViewJson | null> {
  type Waiter = { resolve: (view: OrderViewJson | null) => void; reject: (error: unknown) => void };
  let waiting = new Map<string, Waiter[]>();
  let scheduled = false;

  function send(batch: Map<string, Waiter[]>) {
    readViews(prisma, [...batch.keys()]).then((views) => {
      for (const [id, waiters] of batch) for (const w of waiters) w.resolve(views.get(id) ?? null);
    }, (error: unknown) => {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
    });
  }
  function flush() {
    scheduled = false;
    const batch = waiting;
    waiting = new Map();
    if (batch.size > 0) send(batch);
  }

  return (orderId) => new Promise((resolve, reject) => {
    const id = orderId.toLowerCase();
    let waiters = waiting.get(id);
    if (!waiters) waiting.set(id, (waiters = []));
    waiters.push({ resolve, reject });
    if (waiting.size >= maxBatch) flush();
    else if (!scheduled) {
      scheduled = true;
      // After the I/O callbacks of this turn: every request parsed in it has asked by then.
      setImmediate(flush);
    }
  });
}
