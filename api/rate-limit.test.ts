// The limiter middleware and its bounded store, driven directly with fake request addresses: keying
// per IPv6 /64, and a flood of new addresses that can neither reset a count nor grow memory past the cap.
import type { RequestHandler } from 'express';
import { BoundedWindowStore, DEFAULT_MAX_KEYS, rateLimit } from './rate-limit';
import { HttpError } from './problem';

interface Outcome { error?: unknown; headers: Record<string, string> }

/** One request from `ip` through the middleware; resolves with what it passed to next(). */
function hit(limiter: RequestHandler, ip: string): Promise<Outcome> {
  const headers: Record<string, string> = {};
  const req = { ip, method: 'POST', originalUrl: '/auth/token', headers: {}, socket: { remoteAddress: '127.0.0.1' }, app: { get: () => 'loopback' } };
  const res = { headersSent: false, writableEnded: false, setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = String(value)), once: () => res };
  return new Promise((resolve) => void limiter(req as never, res as never, (error?: unknown) => resolve({ error, headers })));
}

const limited = (o: Outcome) => o.error instanceof HttpError && o.error.status === 429 && o.error.code === 'RATE_LIMITED';

async function spend(limiter: RequestHandler, ip: string, times: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < times; i++) out.push(limited(await hit(limiter, ip)));
  return out;
}

/** The i-th address of a flood: IPv4 and IPv6 /64s mixed, all distinct keys. */
const floodAddress = (i: number) => (i % 2 === 0 ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` : `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`);

describe('rateLimit middleware', () => {
  it('when a client goes over the limit, then next() gets 429 RATE_LIMITED and Retry-After is set in seconds', async () => {
    const limiter = rateLimit({ limit: 2, windowMs: 60_000 });

    expect(await spend(limiter, '192.0.2.1', 3)).toEqual([false, false, true]);
    const over = await hit(limiter, '192.0.2.1');
    expect(limited(over)).toBe(true);
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited(await hit(limiter, '192.0.2.2'))).toBe(false);
  });

  it('when addresses of one IPv6 /64 share the limit, then they are limited together and another /64 is not', async () => {
    const limiter = rateLimit({ limit: 3, windowMs: 60_000 });

    expect(limited(await hit(limiter, '2001:db8:aaaa:1::1'))).toBe(false);
    expect(limited(await hit(limiter, '2001:db8:aaaa:1:ffff:ffff:ffff:fffe'))).toBe(false);
    expect(limited(await hit(limiter, '2001:db8:aaaa:1:1234::9'))).toBe(false);
    expect(limited(await hit(limiter, '2001:db8:aaaa:1::2'))).toBe(true);

    expect(limited(await hit(limiter, '2001:db8:aaaa:2::1'))).toBe(false); // next /64
    expect(limited(await hit(limiter, '2001:db8:bbbb:1::1'))).toBe(false);
  });

  it('when an IPv4 client also arrives as an IPv4-mapped IPv6 address, then both count as one client', async () => {
    const limiter = rateLimit({ limit: 2, windowMs: 60_000 });

    expect(await spend(limiter, '198.51.100.4', 2)).toEqual([false, false]);
    expect(limited(await hit(limiter, '::ffff:198.51.100.4'))).toBe(true);
  });

  it('when 20 000 new addresses flood a store capped below that, then an address over the limit stays limited, a counted one keeps its count, and the store never exceeds its cap', async () => {
    const store = new BoundedWindowStore({ maxKeys: 1_000 });
    const limiter = rateLimit({ limit: 5, windowMs: 60_000, store });
    expect(await spend(limiter, '203.0.113.66', 6)).toEqual([false, false, false, false, false, true]);
    expect(await spend(limiter, '203.0.113.77', 2)).toEqual([false, false]);

    let largest = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const outcome = await hit(limiter, floodAddress(i));
      if (limited(outcome)) {
        refused++;
        expect(Number(outcome.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
      largest = Math.max(largest, store.size);
    }

    expect(largest).toBeLessThanOrEqual(1_000);
    expect(refused).toBe(20_000 - (1_000 - 2)); // the table was full of live windows: new keys wait
    expect(limited(await hit(limiter, '203.0.113.66'))).toBe(true);
    expect(await spend(limiter, '203.0.113.77', 4)).toEqual([false, false, false, true]);
  });

  it('when 20 000 new addresses flood a store with the default cap, then every one is counted and the address over the limit stays limited', async () => {
    const store = new BoundedWindowStore();
    const limiter = rateLimit({ limit: 5, windowMs: 60_000, store });
    await spend(limiter, '203.0.113.88', 6);

    for (let i = 0; i < 20_000; i++) await hit(limiter, floodAddress(i));

    expect(store.size).toBe(20_001);
    expect(store.size).toBeLessThanOrEqual(DEFAULT_MAX_KEYS);
    expect(limited(await hit(limiter, '203.0.113.88'))).toBe(true);
  });
});

describe('BoundedWindowStore', () => {
  const windowMs = 60_000;
  const storeAt = (clock: { now: number }, maxKeys: number) => {
    const store = new BoundedWindowStore({ maxKeys, now: () => clock.now });
    store.init({ windowMs } as never);
    return store;
  };

  it('when a key is new, then its window starts at the first hit and its count climbs until the window ends', () => {
    const clock = { now: 1_000_000 };
    const store = storeAt(clock, 10);

    expect(store.increment('a')).toEqual({ totalHits: 1, resetTime: new Date(1_000_000 + windowMs) });
    clock.now += windowMs - 1;
    expect(store.increment('a').totalHits).toBe(2);
    clock.now += 1;
    expect(store.increment('a')).toEqual({ totalHits: 1, resetTime: new Date(clock.now + windowMs) });
  });

  it('when the store is full of live windows, then a new key is refused without being stored, with the oldest window\'s end as its reset time', () => {
    const clock = { now: 0 };
    const store = storeAt(clock, 3);
    for (const key of ['a', 'b', 'c']) { store.increment(key); clock.now += 1_000; }

    const refused = store.increment('d');

    expect(refused.totalHits).toBeGreaterThan(1_000_000);
    expect(refused.resetTime).toEqual(new Date(windowMs));
    expect(store.size).toBe(3);
    expect(store.get('d')).toBeUndefined();
    expect(store.increment('a').totalHits).toBe(2); // counted keys are served as before
  });

  it('when windows have ended, then only those are dropped to make room and the others keep their counts', () => {
    const clock = { now: 0 };
    const store = storeAt(clock, 3);
    store.increment('old');
    clock.now = 30_000;
    store.increment('victim'); store.increment('victim'); store.increment('victim');
    store.increment('other');
    clock.now = windowMs; // 'old' has ended; 'victim' and 'other' run until 90 000

    expect(store.increment('new').totalHits).toBe(1);
    expect(store.size).toBe(3);
    expect(store.get('old')).toBeUndefined();
    expect(store.increment('victim').totalHits).toBe(4);
    expect(store.increment('newer').totalHits).toBeGreaterThan(1_000_000); // full of live windows again
  });

  it('when the clock steps back, then an ended window found behind a live one still restarts at 1', () => {
    const clock = { now: 100_000 };
    const store = storeAt(clock, 10);
    store.increment('late');
    clock.now = 10_000; // stepped back: 'early' now ends before 'late' but sits behind it
    store.increment('early'); store.increment('early');
    clock.now = 80_000;

    expect(store.increment('early').totalHits).toBe(1);
    expect(store.increment('late').totalHits).toBe(2);
  });
});
