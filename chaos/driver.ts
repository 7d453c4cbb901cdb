// The steady stream of orders of every kind, over HTTP only, as customers and a warehouse admin
// would send them. Each order follows its own script (place; maybe cancel, dispatch or revise) and is
// watched until it is final, so the run knows what every order should have become.
import { randomUUID } from 'node:crypto';
import { prng, sleep, type ChaosConfig } from './config';
import type { HttpClient, Reply } from './http';
import type { Seed, SeedCustomer } from './seed';

export const ORDER_KINDS = {
  'visa': 10, 'flaky': 8, 'decline': 8, 'unserved-country': 8, 'over-stock': 6, 'credit-short': 6, 'contended-stock': 6,
  'multi-line': 6, 'duplicate-post': 4, 'cancel-early': 5, 'cancel-waiting': 9, 'admin-dispatch': 8, 'revise-up': 8, 'revise-down': 8,
} as const;
export type OrderKind = keyof typeof ORDER_KINDS;

export interface Line { productId: string; quantity: number }
export interface Action { name: 'cancel' | 'dispatch' | 'revise'; status: number; code: string | null }

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
  revisedLines: Line[] | null;
  placedAt: number;
  finalAt: number | null;
  finalStatus: string | null;
}

export interface StockAdjustment { productId: string; delta: number; status: number }

export interface DriveResult { orders: DrivenOrder[]; adjustments: StockAdjustment[]; tokens: Map<string, string>; adminToken: string; startedAt: number; endedAt: number }

const FINAL = new Set(['SHIPPED', 'REJECTED', 'CANCELLED']);
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
      case 'revise-down': lines = this.basicLines(2).map((l) => ({ ...l, quantity: 3 })); break;
      default: break;
    }
    return {
      index, kind, customerId: customer.id, idempotencyKey: `chaos-${index}-${randomUUID()}`, lines, token, country,
      postStatus: 0, postAttempts: 0, orderId: null, duplicateIds: [], actions: [], revisedLines: null,
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
      case 'revise-up':
      case 'revise-down': {
        if (!(await this.waitFor(order, ['APPROVED', 'PAID']))) break;
        const lines = order.kind === 'revise-up'
          ? [...order.lines.map((l, i) => (i === 0 ? { ...l, quantity: l.quantity + 1 } : l)), ...(order.lines.some((l) => l.productId === this.product('sticker')) ? [] : [{ productId: this.product('sticker'), quantity: 2 }])]
          : [{ ...order.lines[0]!, quantity: 1 }];
        const action = await this.act(order, 'revise', `/orders/${order.orderId}/revise`, this.customerToken(order), 'unsent', { items: lines });
        if (action.status === 202) order.revisedLines = lines;
        break;
      }
      default:
        break;
    }
    await this.waitFor(order, [], 150_000);
  }

  private async act(order: DrivenOrder, name: Action['name'], path: string, token: string, retry: 'safe' | 'unsent', body?: unknown): Promise<Action> {
    const reply = await this.http.call('POST', path, { token, body, retry });
    const action: Action = { name, status: reply.status, code: reply.body?.code ?? null };
    order.actions.push(action);
    return action;
  }

  /**
   * Polls the order until its status is one of `statuses` (true) or it is final (false unless a
   * final status was asked for). Close polling while waiting to act; slower while just following.
   */
  private async waitFor(order: DrivenOrder, statuses: string[], timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const interval = statuses.length > 0 ? 120 : 700;
    while (Date.now() < deadline) {
      const reply = await this.http.call('GET', `/orders/${order.orderId}`, { token: this.customerToken(order), retry: 'safe', budgetMs: 60_000 });
      const status: string | undefined = reply.body?.status;
      if (status && FINAL.has(status)) {
        order.finalStatus = status;
        order.finalAt ??= Date.now();
        return statuses.includes(status);
      }
      if (status && statuses.includes(status)) return true;
      await sleep(interval);
    }
    return false;
  }
}
