// The steady stream of orders of every kind, over HTTP only, as customers and a warehouse admin
// would send them. Each order follows its own script (place; maybe cancel, dispatch or revise, in
// turn) and is watched until it is final, so the run knows what every order should have become.
// After an accepted revise the script waits for its outcome entry before the next action: a client
// cannot do more while the order is locked, and the run learns what became of every 202.
import { randomUUID } from 'node:crypto';
import { prng, sleep, type ChaosConfig } from './config';
import type { HttpClient, Reply } from './http';
import type { Seed, SeedCustomer } from './seed';

export const ORDER_KINDS = {
  'visa': 10, 'flaky': 8, 'decline': 8, 'unserved-country': 8, 'over-stock': 6, 'credit-short': 6, 'contended-stock': 6,
  'multi-line': 6, 'duplicate-post': 4, 'cancel-early': 5, 'cancel-waiting': 9, 'admin-dispatch': 8, 'revise-up': 8, 'revise-down': 8,
  // Revise-heavy traffic: up, down, up on one order; an extra charge declined (tok_decline_more) and
  // then a revise down; a cancel after a revision; a revise sent while the order is still APPROVED.
  'revise-chain': 8, 'revise-declined': 6, 'revise-then-cancel': 6, 'revise-approved': 5,
} as const;
export type OrderKind = keyof typeof ORDER_KINDS;
export const REVISE_KINDS: readonly OrderKind[] = ['revise-up', 'revise-down', 'revise-chain', 'revise-declined', 'revise-then-cancel', 'revise-approved'];

export interface Line { productId: string; quantity: number }
export type Direction = 'up' | 'down';
export interface RevisionOutcome { type: 'OrderRevised' | 'RevisionRejected'; reason: string | null }
export interface Action {
  name: 'cancel' | 'dispatch' | 'revise';
  status: number;
  code: string | null;
  /**
   * Revise only: what was sent, the status the client saw when it sent it, what became of it (null =
   * not seen), and whether it repeats a request just refused with 409.
   */
  revise?: { direction: Direction; lines: Line[]; sentWhile: string; outcome: RevisionOutcome | null; afterRefusal: boolean };
}

export interface DrivenOrder {
  index: number;
  kind: OrderKind;
  customerId: string;
  idempotencyKey: string;
  lines: Line[];
  token: string;
  country: string;
  /** HTTP status of the (last attempt of the) POST; 0 = never answered. */
  postStatus: number;
  postAttempts: number;
  orderId: string | null;
  /** Order ids returned to duplicate POSTs of the same key (duplicate-post). */
  duplicateIds: string[];
  actions: Action[];
  placedAt: number;
  finalAt: number | null;
  finalStatus: string | null;
}

export interface StockAdjustment { productId: string; delta: number; status: number }

export interface DriveResult { orders: DrivenOrder[]; adjustments: StockAdjustment[]; tokens: Map<string, string>; adminToken: string; startedAt: number; endedAt: number }

interface OrderView { status: string; items: Line[]; timeline: { type: string; data: { reason?: string } | null }[] }

const FINAL = new Set(['SHIPPED', 'REJECTED', 'CANCELLED']);
const REVISABLE = new Set(['APPROVED', 'PAID']);
const OUTCOMES = new Set(['OrderRevised', 'RevisionRejected']);
const outcomesOf = (view: OrderView) => view.timeline.filter((e) => OUTCOMES.has(e.type));
const ADDRESS = { line1: '1 Chaos Way', city: 'Entropy', postalCode: '12345' };

export async function login(http: HttpClient, email: string, password: string): Promise<string> {
  const reply = await http.call('POST', '/auth/token', { body: { email, password }, retry: 'safe' });
  if (reply.status !== 200) throw new Error(`login of ${email} failed: ${reply.status} ${reply.text.slice(0, 200)}`);
  return reply.body.accessToken as string;
}

/** A weighted, seeded sequence of kinds: every kind appears, in a mixed but repeatable order. */
function kindSequence(count: number, random: () => number): OrderKind[] {
  const kinds = Object.entries(ORDER_KINDS) as [OrderKind, number][];
  const total = kinds.reduce((s, [, w]) => s + w, 0);
  const sequence: OrderKind[] = [];
  for (let i = 0; i < count; i++) {
    if (i < kinds.length && count >= kinds.length) { sequence.push(kinds[i]![0]); continue; }
    let r = random() * total;
    const pick = kinds.find(([, w]) => (r -= w) < 0) ?? kinds[0]!;
    sequence.push(pick[0]);
  }
  for (let i = sequence.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [sequence[i], sequence[j]] = [sequence[j]!, sequence[i]!];
  }
  return sequence;
}

export class Driver {
  private readonly random: () => number;
  private inFlight = 0;
  private readonly orders: DrivenOrder[] = [];
  private readonly adjustments: StockAdjustment[] = [];
  private tokens = new Map<string, string>();
  private adminToken = '';
  stopLaunching = false;

  constructor(private readonly http: HttpClient, private readonly seed: Seed, private readonly config: ChaosConfig, private readonly adminLogin: { email: string; password: string }, private readonly say: (line: string) => void) {
    this.random = prng(config.seed);
  }

  get launched(): number { return this.orders.length; }
  get tokenMap(): Map<string, string> { return this.tokens; }

  async login(): Promise<void> {
    for (const c of this.seed.customers) this.tokens.set(c.id, await login(this.http, c.email, c.password));
    this.adminToken = await login(this.http, this.adminLogin.email, this.adminLogin.password);
  }

  private pick<T>(items: readonly T[]): T { return items[Math.floor(this.random() * items.length)]!; }
  private product(key: string): string { return this.seed.products.get(key)!.id; }
  private basicLines(count: number): Line[] {
    const keys = ['mug', 'tee', 'sticker', 'book'].sort(() => this.random() - 0.5).slice(0, count);
    return keys.map((k) => ({ productId: this.product(k), quantity: 1 + Math.floor(this.random() * 3) }));
  }

  private plan(index: number, kind: OrderKind): DrivenOrder {
    const rich = this.seed.customers.filter((c) => c.role === 'rich');
    const poor = this.seed.customers.filter((c) => c.role === 'poor');
    let customer: SeedCustomer = this.pick(rich);
    let lines = this.basicLines(1 + Math.floor(this.random() * 2));
    let token = 'tok_visa';
    let country = this.pick(['US', 'DE', 'FR', 'JP', 'BR']);
    switch (kind) {
      case 'flaky': token = 'tok_flaky'; break;
      case 'decline': token = 'tok_decline'; break;
      case 'unserved-country': country = 'AQ'; break;
      case 'over-stock': lines = [{ productId: this.product('rare'), quantity: 25 + Math.floor(this.random() * 975) }]; break;
      case 'credit-short':
        customer = this.pick(poor);
        // Over the limit outright, or a small order that fits only while the line has room.
        lines = [{ productId: this.product(this.random() < 0.7 ? 'book' : 'mug'), quantity: 1 }];
        break;
      case 'contended-stock': lines = [{ productId: this.product('lamp'), quantity: 1 + Math.floor(this.random() * 3) }]; break;
      case 'multi-line': lines = this.basicLines(3 + Math.floor(this.random() * 2)); break;
      case 'revise-down': case 'revise-then-cancel': lines = this.basicLines(2).map((l) => ({ ...l, quantity: 3 })); break;
      // The first charge succeeds, the revision's extra charge is declined; the revise down after
      // it refunds part of the first charge.
      case 'revise-declined': token = 'tok_decline_more'; lines = this.basicLines(2).map((l) => ({ ...l, quantity: 3 })); break;
      // tok_flaky keeps the order APPROVED for its two failed charge attempts: time to revise then.
      case 'revise-approved': token = 'tok_flaky'; break;
      default: break;
    }
    return {
      index, kind, customerId: customer.id, idempotencyKey: `chaos-${index}-${randomUUID()}`, lines, token, country,
      postStatus: 0, postAttempts: 0, orderId: null, duplicateIds: [], actions: [],
      placedAt: 0, finalAt: null, finalStatus: null,
    };
  }

  async run(): Promise<DriveResult> {
    const startedAt = Date.now();
    const kinds = kindSequence(this.config.orders, this.random);
    const scripts: Promise<void>[] = [];
    const deadline = startedAt + this.config.maxDriveSeconds * 1000;
    for (let i = 0; i < kinds.length && !this.stopLaunching; i++) {
      if (Date.now() > deadline) {
        this.say(`drive: time cap reached after ${i} orders`);
        break;
      }
      while (this.inFlight >= this.config.maxInFlight) await sleep(100);
      const order = this.plan(i, kinds[i]!);
      this.orders.push(order);
      this.inFlight++;
      scripts.push(this.script(order).catch((error) => this.say(`order #${i} script error: ${(error as Error).message}`)).finally(() => { this.inFlight--; }));
      if (i > 0 && i % 25 === 0) scripts.push(this.adjustStock());
      if ((i + 1) % 50 === 0) this.say(`drive: ${i + 1}/${kinds.length} orders placed, ${this.inFlight} followed`);
      await sleep(this.config.orderIntervalMs);
    }
    await Promise.all(scripts);
    return { orders: this.orders, adjustments: this.adjustments, tokens: this.tokens, adminToken: this.adminToken, startedAt, endedAt: Date.now() };
  }

  /** The warehouse restocks the contended product (and corrects another) now and then. */
  private async adjustStock(): Promise<void> {
    for (const [key, delta] of [['lamp', 8], ['mug', -3]] as const) {
      const productId = this.product(key);
      const reply = await this.http.call('POST', `/products/${productId}/stock`, { token: this.adminToken, body: { delta }, retry: 'unsent' });
      this.adjustments.push({ productId, delta, status: reply.status });
    }
  }

  private customerToken(order: DrivenOrder): string { return this.tokens.get(order.customerId)!; }

  private placeBody(order: DrivenOrder) {
    return { items: order.lines, shippingAddress: { ...ADDRESS, country: order.country }, paymentMethod: { token: order.token } };
  }

  private async post(order: DrivenOrder): Promise<Reply> {
    return this.http.call('POST', '/orders', {
      token: this.customerToken(order), body: this.placeBody(order), headers: { 'Idempotency-Key': order.idempotencyKey }, retry: 'safe', budgetMs: 180_000,
    });
  }

  private async script(order: DrivenOrder): Promise<void> {
    order.placedAt = Date.now();
    let reply: Reply;
    if (order.kind === 'duplicate-post') {
      // A client that double-submits (two tabs, a retry racing the first answer): one order.
      const [a, b] = await Promise.all([this.post(order), this.post(order)]);
      reply = a.status === 202 || a.status === 200 ? a : b;
      for (const r of [a, b]) if (r.body?.orderId) order.duplicateIds.push(r.body.orderId);
      const again = await this.post(order);
      if (again.body?.orderId) order.duplicateIds.push(again.body.orderId);
    } else {
      reply = await this.post(order);
    }
    order.postStatus = reply.status;
    order.postAttempts = reply.attempts;
    if (reply.status !== 202 && reply.status !== 200) return;
    order.orderId = reply.body.orderId;

    switch (order.kind) {
      case 'cancel-early':
        await this.act(order, 'cancel', `/orders/${order.orderId}/cancel`, this.customerToken(order), 'safe');
        break;
      case 'cancel-waiting':
        if (await this.waitFor(order, ['PAID'])) await this.act(order, 'cancel', `/orders/${order.orderId}/cancel`, this.customerToken(order), 'safe');
        break;
      case 'admin-dispatch':
        if (await this.waitFor(order, ['PAID'])) await this.act(order, 'dispatch', `/orders/${order.orderId}/dispatch`, this.adminToken, 'safe');
        break;
      case 'revise-up': case 'revise-down': case 'revise-approved': {
        // Revise while APPROVED needs close polling: the window is the two failed charge attempts.
        const view = await this.waitFor(order, [...REVISABLE], 60_000, order.kind === 'revise-approved' ? 40 : 120);
        if (view) await this.revise(order, view, order.kind === 'revise-down' ? 'down' : 'up');
        break;
      }
      case 'revise-chain':
        await this.reviseInTurn(order, ['up', 'down', 'up']);
        break;
      case 'revise-declined':
        await this.reviseInTurn(order, ['up', 'down']);
        break;
      case 'revise-then-cancel': {
        const view = await this.reviseInTurn(order, [order.index % 2 === 0 ? 'up' : 'down']);
        if (view && !FINAL.has(view.status)) await this.act(order, 'cancel', `/orders/${order.orderId}/cancel`, this.customerToken(order), 'safe');
        break;
      }
      default:
        break;
    }
    await this.poll(order, () => false, 150_000, 700);
  }

  private async act(order: DrivenOrder, name: Action['name'], path: string, token: string, retry: 'safe' | 'unsent', body?: unknown): Promise<Action> {
    const reply = await this.http.call('POST', path, { token, body, retry });
    const action: Action = { name, status: reply.status, code: reply.body?.code ?? null };
    order.actions.push(action);
    return action;
  }

  /**
   * Sends the revisions one after the other once the order is APPROVED or PAID, each after the
   * outcome of the one before; stops at the first that is not accepted or whose outcome never came.
   * Returns the last view of the order (null when it never got there).
   */
  private async reviseInTurn(order: DrivenOrder, directions: Direction[]): Promise<OrderView | null> {
    let view = await this.waitFor(order, [...REVISABLE]);
    for (const direction of directions) {
      if (!view || FINAL.has(view.status)) break;
      const { action, after } = await this.revise(order, view, direction);
      if (action.status !== 202 || !action.revise!.outcome) return after;
      view = after;
    }
    return view;
  }

  /**
   * One revise from the order as last seen; after a 202, waits for its outcome entry. A 409 while
   * the order showed APPROVED/PAID with every earlier revision answered is asked once more half a
   * second later, as a patient client would: if that one is accepted, the 409 was wrong (no one
   * else acts on these orders), which `revise.refused-only-when-not-revisable` reports.
   */
  private async revise(order: DrivenOrder, view: OrderView, direction: Direction): Promise<{ action: Action; after: OrderView | null }> {
    const current = view.items.map(({ productId, quantity }) => ({ productId, quantity }));
    const sticker = this.product('sticker');
    const lines = direction === 'up'
      ? [...current.map((l, i) => (i === 0 ? { ...l, quantity: l.quantity + 1 } : l)), ...(current.some((l) => l.productId === sticker) ? [] : [{ productId: sticker, quantity: 2 }])]
      : [{ ...current[0]!, quantity: 1 }];
    const seen = outcomesOf(view).length;
    const send = async (sentWhile: string, afterRefusal: boolean) => {
      const action = await this.act(order, 'revise', `/orders/${order.orderId}/revise`, this.customerToken(order), 'unsent', { items: lines });
      action.revise = { direction, lines, sentWhile, outcome: null, afterRefusal };
      return action;
    };
    let action = await send(view.status, false);
    if (action.status === 409) {
      await sleep(500);
      const again = await this.poll(order, () => true, 10_000, 120);
      if (again && REVISABLE.has(again.status) && outcomesOf(again).length === seen) action = await send(again.status, true);
    }
    if (action.status !== 202) return { action, after: view };
    const after = await this.poll(order, (v) => outcomesOf(v).length > seen, 60_000, 120);
    const entry = after ? outcomesOf(after)[seen] : undefined;
    if (entry) action.revise!.outcome = { type: entry.type as RevisionOutcome['type'], reason: entry.data?.reason ?? null };
    return { action, after };
  }

  /** Polls the order until its status is one of `statuses` (its view) or it is final or the time is up (null). */
  private async waitFor(order: DrivenOrder, statuses: string[], timeoutMs = 60_000, intervalMs = 120): Promise<OrderView | null> {
    const view = await this.poll(order, (v) => statuses.includes(v.status), timeoutMs, intervalMs);
    return view && statuses.includes(view.status) ? view : null;
  }

  /**
   * Polls the order until `done(view)` or it is final (its view), or the time is up (null). Close
   * polling while waiting to act; slower while just following.
   */
  private async poll(order: DrivenOrder, done: (view: OrderView) => boolean, timeoutMs: number, intervalMs: number): Promise<OrderView | null> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const reply = await this.http.call('GET', `/orders/${order.orderId}`, { token: this.customerToken(order), retry: 'safe', budgetMs: 60_000 });
      const view = reply.status === 200 ? (reply.body as OrderView) : null;
      if (view && FINAL.has(view.status)) {
        order.finalStatus = view.status;
        order.finalAt ??= Date.now();
        return view;
      }
      if (view && done(view)) return view;
      await sleep(intervalMs);
    }
    return null;
  }
}
