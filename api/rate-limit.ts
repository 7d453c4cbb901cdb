// A fixed-window limit per client address, in memory (one API process). Slows password guessing
// on /auth/token; over the limit → 429 RATE_LIMITED with Retry-After.
import type { RequestHandler } from 'express';
import { HttpError } from './problem';

export function rateLimit(options: { limit: number; windowMs: number }): RequestHandler {
  const windows = new Map<string, { start: number; count: number }>();
  return (req, res, next) => {
    const now = Date.now();
    const key = req.ip ?? 'unknown';
    let w = windows.get(key);
    if (!w || now - w.start >= options.windowMs) {
      if (windows.size > 10_000) windows.clear();
      w = { start: now, count: 0 };
      windows.set(key, w);
    }
    w.count++;
    if (w.count > options.limit) {
      res.setHeader('Retry-After', String(Math.ceil((w.start + options.windowMs - now) / 1000)));
      return next(new HttpError(429, 'RATE_LIMITED', 'too many requests; try again later'));
    }
    next();
  };
}
