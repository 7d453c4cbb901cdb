// One read of everything the invariants look at, taken after quiescence with `pg` (never through
// the API). `pg` returns BIGINT (int8) columns as strings, so every cents column is converted to a
// number here, once, and checked to be exact (every amount the API accepts is far below 2^53).
import pg from 'pg';

export interface Check { name: string; what: string; passed: boolean; checked: number; failures: string[] }

export class Checks {
  readonly list: Check[] = [];
  add(name: string, what: string, checked: number, failures: string[]): void {
    this.list.push({ name, what, passed: failures.length === 0, checked, failures });
  }
}

export interface ItemRow { productId: string; quantity: number; unitPriceCents: number; lineTotalCents: number }
export interface OrderRow {
  id: string; customer_id: string; status: string; total_cents: number; items: ItemRow[];
  rejection_reason: string | null; cancellation_reason: string | null; status_before_lock: string | null;
}
export interface EventRow { order_id: string; type: string; data: Record<string, unknown>; step_key: string | null }
export interface PaymentRow { id: string; order_id: string; charged_cents: number; refunded_cents: number; status: string }
export interface PaymentChargeRow { payment_id: string; step_key: string; amount_cents: number; refunded_cents: number; outcome: string; provider_charge_id: string | null }
export interface ProviderRow {
  idempotency_key: string; kind: string; token: string; reference: string | null; refund_of: string | null;
  amount_cents: number; attempts: number; outcome: string | null; charge_id: string | null;
}

export interface Snapshot {
  orders: OrderRow[];
  products: { id: string; on_hand: number; reserved: number; price_cents: number }[];
  stockRes: { order_id: string; product_id: string; quantity: number; state: string }[];
  creditLines: { customer_id: string; limit_cents: number; held_cents: number; consumed_cents: number }[];
  creditRes: { order_id: string; amount_cents: number; state: string }[];
  payments: PaymentRow[];
  charges: PaymentChargeRow[];
  provider: ProviderRow[];
  /** Timeline entries of every order, in commit order. */
  events: EventRow[];
  adjustEvents: { aggregate_id: string; data: { delta: number } }[];
  keys: { customer_id: string; key: string; order_id: string }[];
}

type Bigints<R, K extends keyof R> = Omit<R, K> & Record<K, string | number>;

export async function readSnapshot(databaseUrl: string): Promise<Snapshot> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const q = async <T extends pg.QueryResultRow>(sql: string) => (await db.query<T>(sql)).rows;
  // Each query names its BIGINT columns; they come back as strings and become exact numbers.
  const money = async <R extends pg.QueryResultRow, K extends keyof R & string>(sql: string, ...columns: K[]): Promise<R[]> =>
    (await q<Bigints<R, K>>(sql)).map((row) => {
      const out: Record<string, unknown> = { ...row };
      for (const c of columns) out[c] = exactCents(row[c], c);
      return out as R;
    });
  try {
    return {
      orders: (await money<OrderRow, 'total_cents'>('SELECT id, customer_id, status, total_cents, items, rejection_reason, cancellation_reason, status_before_lock FROM orders', 'total_cents'))
        .map((o) => ({ ...o, items: o.items.map((i) => ({ ...i, unitPriceCents: exactCents(i.unitPriceCents, 'unitPriceCents'), lineTotalCents: exactCents(i.lineTotalCents, 'lineTotalCents') })) })),
      products: await money<Snapshot['products'][number], 'price_cents'>('SELECT id, on_hand, reserved, price_cents FROM products', 'price_cents'),
      stockRes: await q('SELECT order_id, product_id, quantity, state FROM stock_reservations'),
      creditLines: await money<Snapshot['creditLines'][number], 'limit_cents' | 'held_cents' | 'consumed_cents'>('SELECT customer_id, limit_cents, held_cents, consumed_cents FROM credit_lines', 'limit_cents', 'held_cents', 'consumed_cents'),
      creditRes: await money<Snapshot['creditRes'][number], 'amount_cents'>('SELECT order_id, amount_cents, state FROM credit_reservations', 'amount_cents'),
      payments: await money<PaymentRow, 'charged_cents' | 'refunded_cents'>('SELECT id, order_id, charged_cents, refunded_cents, status FROM payments', 'charged_cents', 'refunded_cents'),
      charges: await money<PaymentChargeRow, 'amount_cents' | 'refunded_cents'>('SELECT payment_id, step_key, amount_cents, refunded_cents, outcome, provider_charge_id FROM payment_charges ORDER BY created_at, id', 'amount_cents', 'refunded_cents'),
      provider: await money<ProviderRow, 'amount_cents'>('SELECT idempotency_key, kind, token, reference, refund_of, amount_cents, attempts, outcome, charge_id FROM provider_charges ORDER BY created_at', 'amount_cents'),
      events: await q('SELECT order_id, type, data, step_key FROM domain_events WHERE order_id IS NOT NULL ORDER BY id'),
      adjustEvents: await q(`SELECT aggregate_id, data FROM domain_events WHERE type = 'StockAdjusted'`),
      keys: await q('SELECT customer_id, key, order_id FROM idempotency_keys'),
    };
  } finally {
    await db.end();
  }
}

function exactCents(value: unknown, column: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`${column} = ${String(value)} is not an exact integer`);
  return n;
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
export const group = <T>(rows: T[], key: (r: T) => string) => {
  const map = new Map<string, T[]>();
  for (const r of rows) map.set(key(r), [...(map.get(key(r)) ?? []), r]);
  return map;
};
export const sameLines = (a: readonly { productId: string; quantity: number }[], b: readonly { productId: string; quantity: number }[]) =>
  a.length === b.length && a.every((l) => b.some((m) => m.productId === l.productId && m.quantity === l.quantity));
/** Every provider idempotency key of an order starts with `<orderId>:`. */
export const orderOfKey = (key: string) => key.split(':')[0]!;
