// Push for live timelines: ONE Postgres LISTEN connection per API process (channel `order_events`,
// notified by a trigger in the transaction that writes each timeline entry) fans out to the open
// streams of that order in this process. An idle stream costs no query at all; a notification costs
// one read per stream of that order. If the listening connection drops, it reconnects with back-off
// and wakes every stream once, so nothing committed meanwhile is missed.
import pg from 'pg';
import type { Logger } from '../../platform/logger';

export const ORDER_EVENTS_CHANNEL = 'order_events';
const RECONNECT_MAX_MS = 5_000;

type Wake = () => void;
interface Subscriber { wake: Wake; end: () => void }

export class TimelineFeed {
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private readonly streams = new Map<string, Set<Subscriber>>();
  private closed = false;
  private reconnectDelay = 100;

  constructor(private readonly databaseUrl: string, private readonly logger: Logger) {}

  /**
   * Calls `wake` whenever a timeline entry of `orderId` commits, and `end` when the process shuts
   * down (the client resumes elsewhere with Last-Event-ID); returns the unsubscribe.
   */
  async subscribe(orderId: string, wake: Wake, end: () => void): Promise<() => void> {
    let set = this.streams.get(orderId);
    if (!set) this.streams.set(orderId, (set = new Set()));
    const subscriber = { wake, end };
    set.add(subscriber);
    const unsubscribe = () => {
      set.delete(subscriber);
      if (set.size === 0 && this.streams.get(orderId) === set) this.streams.delete(orderId);
    };
    try {
      await this.listening();
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.streams.values()) n += set.size;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const set of [...this.streams.values()]) for (const subscriber of [...set]) subscriber.end();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private listening(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => { this.connecting = null; });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'saga-orders-timeline-feed' });
    client.on('notification', (message) => {
      if (message.channel !== ORDER_EVENTS_CHANNEL || !message.payload) return;
      for (const subscriber of this.streams.get(message.payload) ?? []) subscriber.wake();
    });
    client.on('error', (error) => this.logger.warn({ err: error }, 'timeline feed connection failed'));
    client.on('end', () => this.lost(client));
    await client.connect();
    try {
      await client.query(`LISTEN ${ORDER_EVENTS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) return void (await client.end());
    this.client = client;
    this.reconnectDelay = 100;
  }

  /** The LISTEN connection ended: reconnect while streams are open, then wake them all once. */
  private lost(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    const retry = () => {
      if (this.closed || this.streams.size === 0) return;
      this.listening().then(
        () => { for (const set of this.streams.values()) for (const subscriber of set) subscriber.wake(); },
        () => {
          this.reconnectDelay = Math.min(RECONNECT_MAX_MS, this.reconnectDelay * 2);
          setTimeout(retry, this.reconnectDelay).unref();
        },
      );
    };
    setTimeout(retry, this.reconnectDelay).unref();
  }
}

/** Caps open streams per customer and per process, so one account cannot hold every connection. */
export class StreamLimits {
  private readonly byCustomer = new Map<string, number>();
  private total = 0;

  constructor(private readonly perCustomer: number, private readonly perProcess: number) {}

  /** Takes a slot, or returns null when the customer or the process is at its cap. */
  acquire(customerId: string): (() => void) | null {
    const held = this.byCustomer.get(customerId) ?? 0;
    if (held >= this.perCustomer || this.total >= this.perProcess) return null;
    this.byCustomer.set(customerId, held + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byCustomer.get(customerId) ?? 1) - 1;
      if (left === 0) this.byCustomer.delete(customerId);
      else this.byCustomer.set(customerId, left);
    };
  }
}
