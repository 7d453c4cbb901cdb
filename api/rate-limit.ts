// Per-client-address limits on the auth endpoints (password guessing on /auth/token, account spam on
// /auth/register), in memory of one API process. express-rate-limit does the keying: req.ip as
// Express resolves it under the app's `trust proxy`, IPv4-mapped IPv6 as IPv4, and other IPv6 per /64
// — one customer line is usually handed a whole /64, so counting single addresses would let it rotate
// for free. Over the limit → 429 RATE_LIMITED with Retry-After, through the one problem+json handler.
//
// The library's own MemoryStore keeps every key seen in the last two windows, without a cap, so a
// flood of new addresses grows it without bound; BoundedWindowStore below is capped instead.
import type { Request, RequestHandler } from 'express';
import { rateLimit as expressRateLimit, type IncrementResponse, type Options, type RateLimitInfo, type Store } from 'express-rate-limit';
import { HttpError } from './problem';

/** Live windows one limiter keeps (~150 bytes each, so ~15 MB when full). */
export const DEFAULT_MAX_KEYS = 100_000;

export interface RateLimitOptions {
  limit: number;
  windowMs: number;
  /** The store to count in; a new BoundedWindowStore of DEFAULT_MAX_KEYS when absent. */
  store?: BoundedWindowStore;
}

export function rateLimit(options: RateLimitOptions): RequestHandler {
  return expressRateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    ipv6Subnet: 64,
    standardHeaders: false,
    legacyHeaders: false,
    store: options.store ?? new BoundedWindowStore(),
    handler: (req, res, next) => {
      const resetTime = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit?.resetTime;
      const seconds = resetTime ? Math.ceil((resetTime.getTime() - Date.now()) / 1000) : Math.ceil(options.windowMs / 1000);
      res.setHeader('Retry-After', String(Math.max(1, seconds)));
      next(new HttpError(429, 'RATE_LIMITED', 'too many requests; try again later'));
    },
  });
}

interface Window { hits: number; resetAt: number }

/**
 * Fixed windows per key, never more than `maxKeys` of them.
 *
 * Why a flood of new keys cannot lower anyone's count:
 * - Only windows that have already ended are dropped. An ended window restarts at 0 on its key's next
 *   request anyway, so dropping it changes no count.
 * - When every slot holds a live window, a new key is answered as over the limit (Retry-After: when
 *   the oldest window ends) and is not stored; no live window is ever evicted to make room. A key
 *   already counting — e.g. one over the limit — keeps its count until its own window ends, however
 *   many new keys arrive.
 * The price is that a flood of `maxKeys` distinct addresses (/64s) within one window keeps further
 * *new* addresses out until windows end; clients already counted are served as before.
 */
export class BoundedWindowStore implements Store {
  readonly localKeys = true;
  private windowMs = 60_000;
  // A window is only ever created (appended) or deleted, never restarted in place, and all have the same
  // length, so Map order is order of expiry: the first entry always ends first.
  private readonly windows = new Map<string, Window>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: { maxKeys?: number; now?: () => number } = {}) {
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    this.now = options.now ?? Date.now;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  /** Keys held now (never above maxKeys). */
  get size(): number {
    return this.windows.size;
  }

  get(key: string): IncrementResponse | undefined {
    const window = this.live(key, this.now());
    return window && { totalHits: window.hits, resetTime: new Date(window.resetAt) };
  }

  increment(key: string): IncrementResponse {
    const now = this.now();
    this.dropEnded(now);
    let window = this.live(key, now);
    if (!window) {
      if (this.windows.size >= this.maxKeys) {
        const oldest = this.windows.values().next().value as Window;
        return { totalHits: Number.MAX_SAFE_INTEGER, resetTime: new Date(oldest.resetAt) };
      }
      window = { hits: 0, resetAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.hits++;
    return { totalHits: window.hits, resetTime: new Date(window.resetAt) };
  }

  decrement(key: string): void {
    const window = this.live(key, this.now());
    if (window && window.hits > 0) window.hits--;
  }

  resetKey(key: string): void {
    this.windows.delete(key);
  }

  resetAll(): void {
    this.windows.clear();
  }

  shutdown(): void {
    this.windows.clear();
  }

  /** Drops ended windows from the front; amortised O(1) per request. */
  private dropEnded(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.resetAt > now) return;
      this.windows.delete(key);
    }
  }

  /** The key's window if it is still running (an ended one is dropped, e.g. after the clock stepped back). */
  private live(key: string, now: number): Window | undefined {
    const window = this.windows.get(key);
    if (window && window.resetAt <= now) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }
}
